"""Mouth: yawns from the inner-mouth opening (MAR) held long enough.

Speech opens the mouth for < 0.5 s at a time; a yawn is MAR >= ``yawn_mar`` for
``yawn_min_s``, ending below ``yawn_end_mar`` (hysteresis). Times come from the frames.
"""

from __future__ import annotations

from cockpit_ai.fatigue.common import Emit, Hold
from cockpit_ai.fatigue.settings import IndicatorSettings


class YawnTracker:
    """Counts yawns, each the moment it reaches ``yawn_min_s``."""

    def __init__(self, settings: IndicatorSettings, emit: Emit) -> None:
        self._s = settings
        self._open = Hold("yawn", settings.yawn_min_s, emit)   # mouth wide open

    @property
    def yawns(self) -> int:
        """Yawns so far."""
        return self._open.count

    def update(self, t: float, mar: float | None) -> None:
        """Take the MAR of one visible frame (None: the mouth was not measured)."""
        s = self._s
        if mar is None:
            self.abort()
            return
        if self._open.since is None:
            if mar >= s.yawn_mar:
                self._open.begin(t)
        elif mar < s.yawn_end_mar:
            self._open.end()
        self._open.check(t)

    def abort(self) -> None:
        """Face lost or frames missing: an open mouth ends uncounted."""
        self._open.end()
