"""Reading the custom task's examples from a text file, with checks that name the problem.

The file holds what the app's examples box holds: one example per line, "a b -> c d" pairs
or plain sequences, blank lines and lines starting with # skipped. Parsing (and its errors,
which name the line) is tinyformer.tasks.custom.parse_examples.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

from tinyformer.model.limits import MAX_EXAMPLE_LINES, MAX_EXAMPLES_BYTES, MAX_SEQ_LEN

# A line longer than this cannot hold MAX_SEQ_LEN tokens of any sensible length.
MAX_LINE_CHARS = MAX_SEQ_LEN * 64
CHUNK = 1 << 20
SYSTEM_FOLDERS = (("/", "proc"), ("/", "sys"), ("/", "dev"))
LINES_BLOCK = 1 << 16  # characters split at a time: no single call holds the GIL for long


def iter_lines(text: str) -> Iterator[str]:
    r"""text.splitlines(), a block at a time: the same lines, but a long text never holds
    the interpreter in one long call (a GUI thread waiting for the GIL stays responsive).

    >>> list(iter_lines("a\r\nb\n\nc")) == "a\r\nb\n\nc".splitlines()
    True
    """
    start, n = 0, len(text)
    while start < n:
        end = text.find("\n", start + LINES_BLOCK)  # blocks end just after a newline
        end = n if end < 0 else end + 1
        yield from text[start:end].splitlines()
        start = end


def read_examples_file(
    path: str | os.PathLike, progress: Callable[[int, int], None] | None = None
) -> str:
    """The file's text, checked: it exists, is text (UTF-8, no NUL bytes), is not empty,
    and stays within the limits on size, lines and line length. `progress(done, total)`
    is called with bytes read. ValueError says what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    if path.resolve().parts[:2] in SYSTEM_FOLDERS:  # sizes there say 0 and mean nothing
        raise ValueError(f"{path}: a system file, not an examples file")
    too_big = (
        f"{path}: over {MAX_EXAMPLES_BYTES / 2**20:.0f} MB; an examples file may hold at "
        f"most {MAX_EXAMPLES_BYTES / 2**20:.0f} MB"
    )
    size = path.stat().st_size
    if size > MAX_EXAMPLES_BYTES:
        raise ValueError(too_big)
    chunks, done = [], 0
    try:
        with open(path, "rb") as f:
            while block := f.read(CHUNK):  # never more than the limit, whatever stat said
                chunks.append(block)
                done += len(block)
                if done > MAX_EXAMPLES_BYTES:
                    raise ValueError(too_big)
                if progress is not None:
                    progress(done, max(size, done))
    except OSError as e:
        raise ValueError(f"{path}: cannot be read ({e.strerror or e})") from None
    data = b"".join(chunks)
    if b"\x00" in data:
        raise ValueError(f"{path}: a binary file, not text; give one example per line")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ValueError(f"{path}: line {line} is not UTF-8 text") from None
    examples, n = 0, 0
    for n, line in enumerate(iter_lines(text), start=1):
        if n > MAX_EXAMPLE_LINES:
            lines = sum(1 for _ in iter_lines(text))
            raise ValueError(f"{path}: {lines:,} lines; at most {MAX_EXAMPLE_LINES:,}")
        if len(line) > MAX_LINE_CHARS:
            raise ValueError(
                f"{path}: line {n} is {len(line):,} characters long; an example may have at "
                f"most {MAX_SEQ_LEN} tokens"
            )
        stripped = line.strip()
        examples += bool(stripped) and not stripped.startswith("#")
    if not examples:
        raise ValueError(f"{path}: the file holds no examples (it is empty or all comments)")
    return text
