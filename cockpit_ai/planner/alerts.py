"""Fatigue alerts that escalate: each rise in the driver's level gets a stronger response.

- MILD: a remark ("You seem a little tired. …");
- MODERATE (``break_level``): the break offer, the nearest rest area or café and its
  distance along the route; a yes navigates there;
- SEVERE: an insistent warning, repeated every ``severe_repeat_s`` until the level falls
  or the car stops, with a ``driver_alert`` VehicleCommand (the gateway's chime / seat
  vibration).

A rise is answered whatever was offered before (a SEVERE right after a MILD remark or a
break offer is never silent); only a rise to a level that was already answered, or
exceeded, within ``cooldown_s`` (``break_reminder_s``) is not answered again, so a level
wavering around a threshold does not nag. UNKNOWN (no face, calibrating) is neither a rise
nor a fall. Times are the fatigue states' stamps, so a replayed drive alerts at the same
moments. Plain Python: no ROS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from cockpit_ai.enums import FatigueLevel

#: The VehicleCommand of a SEVERE warning: the gateway maps it to a chime and a seat
#: vibration for the driver (``safety.DEFAULT_ALLOW``; never a driving function).
ALERT_FUNCTION = "driver_alert"
ALERT_ACTION = "warn"
ALERT_VALUE = "drowsiness"


@dataclass(frozen=True)
class AlertSettings:
    """The planner node's ``fatigue_break_level``, ``break_reminder_s``,
    ``severe_repeat_s``; ``stopped_mps`` is the safety gate's ``moving_mps``."""

    break_level: int = int(FatigueLevel.MODERATE)
    cooldown_s: float = 600.0
    severe_repeat_s: float = 30.0
    stopped_mps: float = 0.5


@dataclass(frozen=True)
class Alert:
    """What to say for a fatigue state: ``kind`` "remark", "break" or "warning";
    ``repeat`` 0 for the first warning of a SEVERE episode, then 1, 2, …"""

    level: int
    kind: str
    repeat: int = 0


@dataclass
class FatigueAlerts:
    """The escalation rules over the stream of fatigue levels (one per FatigueState)."""

    settings: AlertSettings = field(default_factory=AlertSettings)
    level: int | None = None  # the last known level (UNKNOWN skipped)
    _answered: dict[int, float] = field(default_factory=dict)  # level -> time answered
    _last_s: float | None = None
    _warned_s: float | None = None  # last warning of the current SEVERE episode
    _repeats: int = 0

    def update(self, level: int, *, now_s: float, speed_mps: float | None) -> Alert | None:
        """The alert for this state, or None. ``speed_mps`` None = unknown (counts as
        moving: a warning keeps coming when odometry is silent)."""
        if level == FatigueLevel.UNKNOWN:
            return None
        s = self.settings
        if self._last_s is not None and now_s < self._last_s:  # a replay started over
            self._answered.clear()
            self._warned_s, self.level = None, None
        self._last_s = now_s
        previous, self.level = self.level, level
        if level < FatigueLevel.SEVERE:
            self._warned_s, self._repeats = None, 0  # the episode is over
        rose = previous is None or level > previous
        if level >= FatigueLevel.SEVERE:
            if rose or self._warned_s is None:
                return self._warn(now_s, repeat=0)
            moving = speed_mps is None or not math.isfinite(speed_mps) \
                or speed_mps > s.stopped_mps
            if moving and now_s - self._warned_s >= s.severe_repeat_s:
                self._repeats += 1
                return self._warn(now_s, repeat=self._repeats)
            return None
        if not rose or level < FatigueLevel.MILD:
            return None
        kind = "break" if level >= s.break_level else "remark"
        if any(now_s - t < s.cooldown_s for lvl, t in self._answered.items() if lvl >= level):
            return None  # this level (or a higher one) was answered a moment ago
        self._answered[level] = now_s
        return Alert(level, kind)

    def _warn(self, now_s: float, *, repeat: int) -> Alert:
        self._warned_s = now_s
        self._repeats = repeat
        self._answered[int(FatigueLevel.SEVERE)] = now_s
        return Alert(int(FatigueLevel.SEVERE), "warning", repeat)


# -- the words ---------------------------------------------------------------------------

def remark_text() -> str:
    """MILD: a gentle remark, no offer to answer."""
    return ("You seem a little tired. Tell me when you'd like a break and I'll find a "
            "place to stop.")


def place_text(name: str, kind: str, distance: str, *, along_route: bool,
               where: str = "") -> str:
    """"Cafe Regatta (cafe) is 1.2 kilometres along the route" (or "… away, on your
    right" when the route is unknown)."""
    how = f"{distance} along the route" if along_route else f"{distance} away"
    side = f", {where}" if where and not along_route else ""
    return f"{name} ({kind}) is {how}{side}"


def break_text(place: str) -> str:
    """MODERATE: the break offer ("" place: no rest area or café found)."""
    if not place:
        return "You seem tired. Let's take a break at the next safe place to stop."
    return f"You seem tired. How about a break? {place}. Shall I navigate there?"


def warning_text(place: str, *, repeat: int) -> str:
    """SEVERE: insistent, again on each repeat ("" place: none found)."""
    head = ("Warning: you are very drowsy. Please stop and rest as soon as it is safe."
            if repeat == 0 else
            "You are still very drowsy. Please stop and rest as soon as it is safe.")
    if not place:
        return head
    return f"{head} {place}." + (" Shall I navigate there?" if repeat == 0 else "")
