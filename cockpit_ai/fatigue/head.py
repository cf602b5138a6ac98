"""Head pose: nods and eyes off the road, relative to the driver's own straight-ahead pose.

A nod is the head dropping ``nod_drop_deg`` below the driver's pitch and coming back up
within ``nod_min_s``..``nod_max_s``; a longer head-down or a turn away is eyes off the road,
a distraction once it lasts ``distraction_s``. Times come from the frames.
"""

from __future__ import annotations

from cockpit_ai.fatigue.common import Emit, Hold
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
        self._off = Hold("distraction", settings.distraction_s, emit)   # eyes off the road

    @property
    def distractions(self) -> int:
        """Glances away that lasted ``distraction_s``."""
        return self._off.count

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
            self._off.end()
        elif self._off.since is None:
            self._off.begin(t)
        self._off.check(t)

    def abort(self) -> None:
        """Face lost or frames missing: a head-down or glance away ends uncounted."""
        self._down_since = None
        self._off.end()

    def off_road_s(self, t: float) -> float:
        """How long the eyes have been off the road at ``t`` (0 when on it)."""
        since = self._off.since
        return (t - since) if since is not None else 0.0
