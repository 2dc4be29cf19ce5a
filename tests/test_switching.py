"""Short GIL turns: set while any user is inside, the earlier interval back after."""

from __future__ import annotations

import sys

from explorer.core.switching import SWITCH_S, short_switches


def test_short_switches_nest_and_restore_the_interval():
    before = sys.getswitchinterval()
    with short_switches():
        assert sys.getswitchinterval() == min(SWITCH_S, before)
        with short_switches():
            assert sys.getswitchinterval() == min(SWITCH_S, before)
        assert sys.getswitchinterval() == min(SWITCH_S, before)  # the outer one still in
    assert sys.getswitchinterval() == before


def test_the_interval_comes_back_after_an_error():
    before = sys.getswitchinterval()
    try:
        with short_switches():
            raise ValueError("parse error")
    except ValueError:
        pass
    assert sys.getswitchinterval() == before
