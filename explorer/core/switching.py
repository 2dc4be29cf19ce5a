"""Short GIL turns while the worker runs pure Python for long (parsing an examples file).

Torch releases the GIL inside every operation, so a training thread hands it over at
once. A pure-Python loop releases it only when another thread has waited a whole switch
interval (5 ms by default), and the GUI thread needs it afresh for every Python callback
of a paint (a pyqtgraph view makes dozens): one repaint then waited hundreds of
milliseconds. With a short interval each wait is short; the loop loses a few percent.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator

SWITCH_S = 0.0005

_users = 0
_default = sys.getswitchinterval()
_lock = threading.Lock()


@contextlib.contextmanager
def short_switches() -> Iterator[None]:
    """Within: the interpreter switches threads every SWITCH_S at most (nestable, any
    thread); the interval in force before is back when the last one leaves."""
    global _users, _default
    with _lock:
        if _users == 0:
            _default = sys.getswitchinterval()
            sys.setswitchinterval(min(SWITCH_S, _default))
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                sys.setswitchinterval(_default)
