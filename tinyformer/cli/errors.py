"""The one error the command line reports as bad input (with RunFileError for files)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit status 2."""


@contextmanager
def user_input() -> Iterator[None]:
    """Inside, a ValueError is the library refusing what the user gave (a setting, a
    token): report it as bad input. Elsewhere a ValueError is a bug and says so."""
    try:
        yield
    except ValueError as e:
        raise UsageError(str(e)) from e


def checked(fn: Callable[..., T], *args, **kwargs) -> T:
    with user_input():
        return fn(*args, **kwargs)
