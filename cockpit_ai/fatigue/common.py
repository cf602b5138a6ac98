"""What every part of the fatigue core shares: its error, number helpers, events, holds.

Plain Python, no ROS and no model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from cockpit_ai.errors import CockpitError


class FatigueError(CockpitError, ValueError):
    """Bad input to the fatigue core (out-of-order frames, a malformed CSV, a bad image...)."""


# How a detector reports what it recognised: emit(kind, t, t_start), e.g. ("blink", 12.4,
# 12.2); the indicator tracker turns it into an IndicatorEvent.
Emit = Callable[[str, float, float], None]


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default), ``q`` in 0..100."""
    if not values:
        raise FatigueError("percentile of no values")
    return float(np.percentile(values, q))


def clip01(x: float) -> float:
    """``x`` limited to 0..1."""
    return min(1.0, max(0.0, x))


class Hold:
    """A condition held since a frame time, counted once the moment it has lasted ``min_s``.

    Microsleeps (eyes shut), yawns (mouth open) and distractions (eyes off the road) are
    each one: the detector says when the condition begins and ends, ``check`` counts it.
    """

    def __init__(self, kind: str, min_s: float, emit: Emit) -> None:
        self.kind = kind
        self.min_s = min_s
        self._emit = emit
        self.since: float | None = None
        self.counted = False
        self.count = 0

    def begin(self, t: float) -> None:
        """The condition starts at ``t``."""
        self.since = t
        self.counted = False

    def end(self) -> None:
        """The condition is over (or its length unknown): nothing more to count."""
        self.since = None
        self.counted = False

    def check(self, t: float) -> None:
        """Count (and emit) the condition when it reaches ``min_s`` at ``t``."""
        if (self.since is not None and not self.counted
                and t - self.since >= self.min_s - 1e-9):
            self.counted = True
            self.count += 1
            self._emit(self.kind, t, self.since)
