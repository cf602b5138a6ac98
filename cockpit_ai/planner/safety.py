"""The safety gate: what the assistant may command, checked against config and vehicle speed.

Three layers, each enough on its own: the tool schema cannot even express steering, braking,
throttle or gear; ``forbidden_intent`` refuses such requests from the user's words before a
model sees them; and ``SafetyGate.check`` lets a command out only if its function and action
are on the allow-list and the speed rules pass (an unknown speed counts as moving). The
never-list is code, not configuration.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass
from typing import Any

from cockpit_ai.planner.tools import VehicleCommand

# Never commanded, whatever the prompt or the configuration says.
NEVER_FUNCTIONS = frozenset({
    "steering", "brake", "brakes", "braking", "throttle", "accelerator", "gear", "gearbox",
    "transmission", "parking_brake", "handbrake", "cruise_control", "speed", "engine",
    "abs", "esp", "stability_control", "traction_control", "airbag", "lane_assist",
    "collision_warning", "emergency_braking", "seatbelt", "adas", "autopilot",
})

_NEVER_TEXT = re.compile(
    r"\b(brakes?|braking|handbrake|steer(ing)?(?! wheel heat)|throttle|accelerat\w*|gas pedal|"
    r"gear(box|s)?|transmission|cruise control|autopilot|self[- ]driving|autonomous mode|"
    r"airbags?|abs|esp|stability control|traction control|lane (assist|keeping|keep)|"
    r"collision (warning|avoidance)|emergency brak\w*|seat ?belt (warning|alarm)|"
    r"safety systems?|speed limiter|(drive|go) faster|floor it|full speed|"
    r"turn the (car|wheel)|swerve|(stop|halt) the car|kill the engine|engine off)\b",
    re.IGNORECASE,
)

MOVING_MPS = 0.5  # above this the vehicle counts as moving
_VIDEO = re.compile(r"\b(video|movie|film|youtube|tv|netflix|series|episode)s?\b", re.I)

DEFAULT_ALLOW: dict[str, Any] = {
    "climate": {"actions": ["set", "increase", "decrease", "on", "off"],
                "min_celsius": 16.0, "max_celsius": 28.0},
    "window": {"actions": ["open", "close", "set"]},
    "seat": {"actions": ["on", "off", "set", "increase", "decrease"]},
    "media": {"actions": ["play", "pause", "next", "previous", "set", "increase", "decrease",
                          "on", "off"]},
    "cabin_light": {"actions": ["on", "off", "set", "increase", "decrease"]},
    "navigation": {"actions": ["set"]},
    # Doors: locking is always fine; opening/unlocking only when stationary.
    "door": {"actions": ["lock", "unlock", "open", "close"],
             "stationary_only": ["open", "unlock"]},
    "smart_home": {"actions": ["on", "off", "open", "close", "set"]},
    # The drowsiness warning (planner/alerts.py): the gateway maps it to a chime and a seat
    # vibration. Only the planner's fatigue alert sends it; no tool can write it.
    "driver_alert": {"actions": ["warn"]},
}
#: Functions a brand's allowed_functions cannot take away: the driver's safety warnings.
SAFETY_FUNCTIONS = frozenset({"driver_alert"})


@dataclass
class Verdict:
    """The gate's answer for one command: allowed or not, and a sentence saying why not."""

    allowed: bool
    reason: str = ""
    # why not, for counters: "never", "not_allowed", "action", "moving", "speed_unknown",
    # "video", "range"; "" when allowed
    code: str = ""


def forbidden_intent(text: str) -> str | None:
    """The driving/safety function the user's words ask for, or None."""
    m = _NEVER_TEXT.search(text or "")
    return m.group(0).lower() if m else None


class SafetyGate:
    """Allow-list + speed rules for VehicleCommands; the allow-list comes from config."""

    def __init__(self, *, allow: dict[str, Any] | None = None,
                 moving_mps: float = MOVING_MPS) -> None:
        self.allow = copy.deepcopy(DEFAULT_ALLOW if allow is None else allow)
        for name in list(self.allow):
            if name in NEVER_FUNCTIONS:
                del self.allow[name]  # configuration cannot re-enable a driving function
        self.moving_mps = moving_mps

    def narrow(self, allowed: set[str] | frozenset[str]) -> None:
        """Keep only the functions in ``allowed`` (a brand's list), and the safety warnings:
        a brand can narrow what the co-pilot operates, never silence a drowsiness alert."""
        if allowed:
            self.allow = {k: v for k, v in self.allow.items()
                          if k in allowed or k in SAFETY_FUNCTIONS}

    def check(self, cmd: VehicleCommand, *, speed_mps: float | None) -> Verdict:
        """Whether ``cmd`` may go out at ``speed_mps``; never raises.

        ``speed_mps=None`` (no odometry, or too old) counts as moving: a door must not unlock
        because the speed sensor went quiet."""
        func = (cmd.function or "").lower()
        if func in NEVER_FUNCTIONS or forbidden_intent(f"{cmd.function} {cmd.value}"):
            return Verdict(False, f"I never control driving or safety functions ({func}).",
                           "never")
        rule = self.allow.get(func)
        if rule is None:
            return Verdict(False, f"{func.replace('_', ' ')} is not a function I may control.",
                           "not_allowed")
        if cmd.action not in rule.get("actions", []):
            return Verdict(False, f"I can't {cmd.action} the {func.replace('_', ' ')}.",
                           "action")
        unknown = speed_mps is None or not math.isfinite(speed_mps)
        moving = unknown or (speed_mps is not None and speed_mps > self.moving_mps)
        if moving and cmd.action in rule.get("stationary_only", []):
            if unknown:
                return Verdict(False, f"I can't {cmd.action} the doors: I don't know the car's "
                                      "speed right now, so I treat it as moving.",
                               "speed_unknown")
            return Verdict(False, f"I can't {cmd.action} the doors while the car is moving.",
                           "moving")
        if (func == "media" and moving and cmd.zone in ("driver", "all", "")
                and _VIDEO.search(cmd.value or "")):
            return Verdict(False, "No video on the driver's screen while driving; "
                                  "I can play it for the rear seats.",
                           "speed_unknown" if unknown else "video")
        if func == "climate" and cmd.action == "set" and cmd.unit == "celsius":
            try:
                value = float(cmd.value)
            except ValueError:
                return Verdict(False, f"'{cmd.value}' is not a temperature.", "range")
            lo, hi = rule.get("min_celsius", 16.0), rule.get("max_celsius", 28.0)
            if not lo <= value <= hi:
                return Verdict(False, f"I can set the temperature between {lo:g} and {hi:g} °C.",
                               "range")
        return Verdict(True)


class SpeedTracker:
    """The vehicle speed the gate judges by, from odometry: unknown (None) until the first
    reading and again when the last one is older than ``timeout_s`` (a silent odometry
    source must not leave the doors unlockable). Times are monotonic receipt times."""

    def __init__(self, *, timeout_s: float = 1.0) -> None:
        self.timeout_s = timeout_s
        self._speed_mps = 0.0
        self._at: float | None = None

    def update(self, speed_mps: float, *, now: float) -> bool:
        """Record a reading; False (and ignored) when it is not a finite speed."""
        if not math.isfinite(speed_mps):
            return False
        self._speed_mps, self._at = abs(speed_mps), now
        return True

    def speed(self, *, now: float) -> float | None:
        """The last speed, or None when there is none or it is too old."""
        if self._at is None or now - self._at > self.timeout_s:
            return None
        return self._speed_mps
