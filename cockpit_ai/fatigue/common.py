"""What every part of the fatigue core shares: its error, two number helpers, the event hook.

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
