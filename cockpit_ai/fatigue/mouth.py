"""Mouth: yawns from the inner-mouth opening (MAR) held long enough.

Speech opens the mouth for < 0.5 s at a time; a yawn is MAR >= ``yawn_mar`` for
``yawn_min_s``, ending below ``yawn_end_mar`` (hysteresis). Times come from the frames.
"""

from __future__ import annotations

from cockpit_ai.fatigue.common import Emit
from cockpit_ai.fatigue.settings import IndicatorSettings


class YawnTracker:
    """Counts yawns, each the moment it reaches ``yawn_min_s``."""

    def __init__(self, settings: IndicatorSettings, emit: Emit) -> None:
        self._s = settings
        self._emit = emit
        self._since: float | None = None
        self._counted = False
        self.yawns = 0

    def update(self, t: float, mar: float | None) -> None:
        """Take the MAR of one visible frame (None: the mouth was not measured)."""
        s = self._s
        if mar is None:
            self.abort()
            return
        if self._since is None:
            if mar >= s.yawn_mar:
                self._since = t
                self._counted = False
        elif mar < s.yawn_end_mar:
            self._since = None
            self._counted = False
        if (self._since is not None and not self._counted
                and t - self._since >= s.yawn_min_s - 1e-9):
            self._counted = True
            self.yawns += 1
            self._emit("yawn", t, self._since)

    def abort(self) -> None:
        """Face lost or frames missing: an open mouth ends uncounted."""
        self._since = None
        self._counted = False
