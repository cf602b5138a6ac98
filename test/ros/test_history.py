"""StampedHistory: the state at a stamp, whatever arrived after it."""

from __future__ import annotations

import pytest

from cockpit_ai.ros.history import StampedHistory

S = 1_000_000_000


def test_value_at_a_stamp_is_the_newest_not_after_it() -> None:
    h: StampedHistory[str] = StampedHistory(span_s=60)
    for t, v in [(10, "a"), (11, "b"), (12, "c")]:
        h.add(t * S, v)
    assert h.at(11 * S) == (11 * S, "b")
    assert h.at(int(11.9 * S)) == (11 * S, "b")
    assert h.at(13 * S) == (12 * S, "c")
    assert h.at(9 * S) == (10 * S, "a")  # just before the first: the first
    assert h.latest() == (12 * S, "c")


def test_out_of_order_values_land_in_their_place() -> None:
    h: StampedHistory[int] = StampedHistory()
    h.add(3 * S, 3)
    h.add(1 * S, 1)
    h.add(2 * S, 2)
    assert [h.at(t * S) for t in (1, 2, 3)] == [(S, 1), (2 * S, 2), (3 * S, 3)]


def test_stamps_far_outside_the_history_give_none() -> None:
    h: StampedHistory[int] = StampedHistory(span_s=10)
    assert h.at(5 * S) is None  # empty
    for t in range(100):
        h.add(t * S, t)
    assert len(h) == 11  # the last 10 s (inclusive)
    assert h.at(50 * S) is None  # dropped long ago, beyond the tolerance
    assert h.at(1000 * S) is None  # another clock
    assert h.at(105 * S, tolerance_s=10) == (99 * S, 99)


def test_span_must_be_positive() -> None:
    with pytest.raises(ValueError):
        StampedHistory(span_s=0)
