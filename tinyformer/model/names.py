"""The closed sets of words a model is described with, each written once.

Everything else (the config's checks, the command line's choices, the app's menus, the
tests) takes its list from here.
"""

from __future__ import annotations

from typing import Literal, get_args

Arch = Literal["encoder-decoder", "decoder-only", "encoder-only"]
Positional = Literal["sinusoidal", "learned", "none"]
ARCHS: tuple[Arch, ...] = get_args(Arch)
POSITIONALS: tuple[Positional, ...] = get_args(Positional)
ENCODER_DECODER, DECODER_ONLY, ENCODER_ONLY = ARCHS
