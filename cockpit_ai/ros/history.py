"""State as it was at a given stamp: a short, time-indexed history of one input.

Answers must be computed from the world at the moment of the question (its header stamp),
not at the moment a busy worker gets to it: then a replayed drive gives the same answers
however loaded the machine is. Plain Python (no rclpy), thread-safe.
"""

from __future__ import annotations

import bisect
import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class StampedHistory(Generic[T]):
    """Values by stamp (ns), the last ``span_s`` seconds of them; ``at(t)`` = value then."""

    def __init__(self, span_s: float = 120.0) -> None:
        if span_s <= 0:
            raise ValueError(f"span_s must be > 0, got {span_s}")
        self.span_ns = int(span_s * 1e9)
        self._stamps: list[int] = []
        self._values: list[T] = []
        self._lock = threading.Lock()

    def add(self, stamp_ns: int, value: T) -> None:
        """Record ``value`` from ``stamp_ns``; an out-of-order stamp is put in its place."""
        with self._lock:
            i = bisect.bisect_right(self._stamps, stamp_ns)
            self._stamps.insert(i, stamp_ns)
            self._values.insert(i, value)
            cut = bisect.bisect_left(self._stamps, self._stamps[-1] - self.span_ns)
            if cut:
                del self._stamps[:cut]
                del self._values[:cut]

    def latest(self) -> tuple[int, T] | None:
        """The newest (stamp, value), None when empty."""
        with self._lock:
            return (self._stamps[-1], self._values[-1]) if self._stamps else None

    def at(self, stamp_ns: int, *, tolerance_s: float = 5.0) -> tuple[int, T] | None:
        """The newest (stamp, value) not after ``stamp_ns``.

        None when ``stamp_ns`` lies outside the history by more than ``tolerance_s`` (another
        clock, or older than the span): the caller then decides (usually: the latest value).
        A stamp slightly before the first value gets the first value.
        """
        tol = int(tolerance_s * 1e9)
        with self._lock:
            if not self._stamps:
                return None
            if stamp_ns < self._stamps[0] - tol or stamp_ns > self._stamps[-1] + tol:
                return None
            i = bisect.bisect_right(self._stamps, stamp_ns) - 1
            i = max(i, 0)
            return self._stamps[i], self._values[i]

    def __len__(self) -> int:
        with self._lock:
            return len(self._stamps)
