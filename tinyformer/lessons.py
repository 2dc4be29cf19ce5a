"""Lessons: short texts in resources/lessons that each load an experiment and say what to see.

A lesson file is Markdown with a small header:

    ---
    title: Encoder and decoder
    presets: copy, reverse
    view: Attention
    ---
    Text...
"""

from __future__ import annotations

from dataclasses import dataclass

from tinyformer.presets import load_presets, resource_dir


@dataclass(frozen=True)
class Lesson:
    name: str  # the file name without .md, which orders the lessons
    title: str
    presets: tuple[str, ...]  # the experiments its buttons load, first = the main one
    view: str  # the app's tab to look at (the app checks that it has it)
    body: str  # Markdown


def parse_lesson(name: str, text: str) -> Lesson:
    if not text.startswith("---\n") or "\n---\n" not in text[4:]:
        raise ValueError(f"lesson {name}: must start with a --- header --- block")
    header, body = text[4:].split("\n---\n", 1)
    fields = {}
    for line in header.splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"lesson {name}: header line {line!r} is not 'key: value'")
        fields[key.strip()] = value.strip()
    missing = {"title", "presets", "view"} - set(fields)
    if missing:
        raise ValueError(f"lesson {name}: header lacks {', '.join(sorted(missing))}")
    presets = tuple(p.strip() for p in fields["presets"].split(",") if p.strip())
    known = load_presets()
    unknown = [p for p in presets if p not in known]
    if not presets or unknown:
        raise ValueError(f"lesson {name}: unknown preset(s) {unknown or '(none given)'}")
    if not fields["view"]:
        raise ValueError(f"lesson {name}: name the view to look at")
    return Lesson(name, fields["title"], presets, fields["view"], body.strip() + "\n")


def load_lessons() -> list[Lesson]:
    """Every shipped lesson, in file-name order."""
    entries = sorted(
        (e for e in resource_dir("lessons").iterdir() if e.name.endswith(".md")),
        key=lambda e: e.name,
    )
    return [parse_lesson(e.name[:-3], e.read_text(encoding="utf-8")) for e in entries]
