"""Head pose: nods and eyes off the road, relative to the driver's own straight-ahead pose.

A nod is the head dropping ``nod_drop_deg`` below the driver's pitch and coming back up
within ``nod_min_s``..``nod_max_s``; a longer head-down or a turn away is eyes off the road,
a distraction once it lasts ``distraction_s``. Times come from the frames.
"""

from __future__ import annotations

from cockpit_ai.fatigue.common import Emit
from cockpit_ai.fatigue.settings import IndicatorSettings


class HeadTracker:
    """Nods and distractions against the calibrated pitch and yaw baselines."""

    def __init__(self, settings: IndicatorSettings, pitch_base: float | None,
                 yaw_base: float | None, emit: Emit) -> None:
        self._s = settings
        self.pitch_base = pitch_base
        self.yaw_base = yaw_base
        self._emit = emit
        self._down_since: float | None = None
        self.nods = 0
        self._off_since: float | None = None
        self._distraction_counted = False
        self.distractions = 0

    def update(self, t: float, pitch: float | None, yaw: float | None) -> None:
        """Take the head pose of one visible frame (None: not measured)."""
        s = self._s
        down = None
        if pitch is not None and self.pitch_base is not None:
            down = self.pitch_base - pitch   # > 0: head lower than the driver's usual pose
        turned = None
        if yaw is not None and self.yaw_base is not None:
            turned = abs(yaw - self.yaw_base)
        # Nods.
        if down is None:
            self._down_since = None
        elif self._down_since is None:
            if down >= s.nod_drop_deg:
                self._down_since = t
        elif down < s.nod_drop_deg / 2.0:
            duration = t - self._down_since
            if s.nod_min_s - 1e-9 <= duration <= s.nod_max_s + 1e-9:
                self.nods += 1
                self._emit("nod", t, self._down_since)
            self._down_since = None
        # Eyes off the road (head pose).
        off = (turned is not None and turned > s.offroad_yaw_deg) or (
            down is not None and down > s.offroad_pitch_deg)
        if not off:
            self._off_since = None
            self._distraction_counted = False
        elif self._off_since is None:
            self._off_since = t
        if (self._off_since is not None and not self._distraction_counted
                and t - self._off_since >= s.distraction_s - 1e-9):
            self._distraction_counted = True
            self.distractions += 1
            self._emit("distraction", t, self._off_since)

    def abort(self) -> None:
        """Face lost or frames missing: a head-down or glance away ends uncounted."""
        self._down_since = None
        self._off_since = None
        self._distraction_counted = False

    def off_road_s(self, t: float) -> float:
        """How long the eyes have been off the road at ``t`` (0 when on it)."""
        return (t - self._off_since) if self._off_since is not None else 0.0
