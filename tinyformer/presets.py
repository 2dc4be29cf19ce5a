"""Presets: named experiments stored as JSON in resources/presets, one file each."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from tinyformer.training.experiment import Experiment

PACKAGE = "tinyformer_resources"


@dataclass(frozen=True)
class Preset:
    """An experiment with a name, a one-line title and a description of what to expect.

    expect: what a finished run reaches on fresh inputs, as metric -> minimum
    (`exact_match`, `token_accuracy`), checked by the tests over several seeds.
    """

    name: str
    title: str
    description: str
    experiment: Experiment
    expect: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Preset:
        return cls(
            name=data["name"],
            title=data["title"],
            description=data["description"],
            experiment=Experiment.from_dict({k: data[k] for k in ("model", "task", "train")}),
            expect=dict(data.get("expect", {})),
        )


def resource_dir(kind: str):
    """A folder of the shipped resources (presets, lessons, icons)."""
    return resources.files(PACKAGE) / kind


def load_presets() -> dict[str, Preset]:
    """Every shipped preset by name, in the order of their `order` field."""
    found = []
    for entry in resource_dir("presets").iterdir():
        if entry.name.endswith(".json"):
            data = json.loads(entry.read_text(encoding="utf-8"))
            try:
                found.append((data.get("order", 99), Preset.from_dict(data)))
            except (KeyError, ValueError) as e:
                raise ValueError(f"preset file {entry.name} is invalid: {e}") from e
    return {p.name: p for _, p in sorted(found, key=lambda item: (item[0], item[1].name))}


def get_preset(name: str) -> Preset:
    presets = load_presets()
    if name not in presets:
        raise ValueError(f"unknown preset {name!r}; presets: {', '.join(presets)}")
    return presets[name]
