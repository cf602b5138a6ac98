"""What the co-pilot says: answer templates for places, commands and questions asked back.

Plain functions of the typed results, so the words can be tested (and changed) without a
planner or a model.
"""

from __future__ import annotations

import math
import re

from cockpit_ai.enums import FatigueLevel, OpenState, WireSide
from cockpit_ai.planner.tools import Place, ToolCall, VehicleCommand

#: No place search possible (the POI database cannot be read, no landmark node answers).
NO_PLACES = "I can't look up places right now."
#: The car's position is unknown (no GNSS fix, or it was lost): places are not guessed.
POSITION_UNKNOWN = "I don't know where we are right now, so I can't look for places."


def search_failed(reason: str) -> str:
    """What the driver hears when a place search could not be made
    (``LandmarkUnavailable.reason``: ``"no_fix"`` or anything else)."""
    return POSITION_UNKNOWN if reason == "no_fix" else NO_PLACES


SIDE_WORDS = {WireSide.ANY: "nearby", WireSide.AHEAD: "ahead", WireSide.RIGHT: "on your right",
              WireSide.BEHIND: "behind you", WireSide.LEFT: "on your left"}


def level_word(level: int) -> str:
    """``3`` → ``"moderate"``; an unknown code reads as ``"unknown"``."""
    try:
        return FatigueLevel(level).label
    except ValueError:
        return FatigueLevel.UNKNOWN.label


# "by 2 degrees" (or a small number) is a step; any other number is the target temperature
_BY_STEP = re.compile(r"\bby (?:about |around )?(?:\d+(?:\.\d+)?|one|two|three|four|five|a "
                      r"(?:degree|couple|few))\b", re.I)


def distance_text(m: float) -> str:
    if m < 950:
        return f"{int(round(m / 10.0) * 10)} metres"
    return f"{m / 1000:.1f} kilometres"


def kind_text(p: Place) -> str:
    """"amenity=cafe" -> "cafe"; buildings by their key ("building=public" -> "building")."""
    key, _, value = p.category.partition("=")
    if not p.category:
        return "place"
    if key == "building" or value in ("yes", ""):
        return key.replace("_", " ")
    return value.replace("_", " ")


def open_text(p: Place) -> str:
    """What the opening hours say right now ("" when nothing is known)."""
    if p.open_now == OpenState.YES:
        return "open now"
    if p.open_now == OpenState.NO:
        return "closed now"
    return ""


def explicit_target(call: ToolCall, text: str) -> ToolCall:
    """"increase/decrease" with a target temperature is a "set": the model made
    ``climate increase 21`` of "turn it to 21 degrees". Only "by N" (or a small N, "2
    degrees warmer") stays a step."""
    a = call.args
    if (call.name != "vehicle" or a.get("function") != "climate"
            or a.get("action") not in ("increase", "decrease")):
        return call
    try:
        value = float(str(a.get("value", "")).replace("degrees", "").strip())
    except ValueError:
        return call
    if not math.isfinite(value) or value < 10 or _BY_STEP.search(text or ""):
        return call
    return ToolCall("vehicle", {**a, "action": "set", "value": f"{value:g}", "unit": "celsius"})


def _for_zone(cmd: VehicleCommand) -> str:
    """" for the driver" (nothing for the whole car)."""
    return "" if cmd.zone in ("", "all") else f" for the {cmd.zone}"


def _windows(cmd: VehicleCommand) -> tuple[str, str]:
    """Which window(s) and how far: ("rear_left window", " to 30 %")."""
    side = "windows" if cmd.zone == "all" else f"{cmd.zone} window"
    return side, f" to {cmd.value} %" if cmd.value else ""


def _climate_switch(cmd: VehicleCommand) -> str:
    return "air conditioning" if cmd.value == "ac" else "climate"


def describe(cmd: VehicleCommand) -> str:
    """A command as the driver would say it, for "Did you mean: ...?"."""
    zone = _for_zone(cmd)
    f, a, v = cmd.function, cmd.action, cmd.value
    if f == "climate":
        if a == "set":
            unit = " °C" if cmd.unit in ("celsius", "") else f" {cmd.unit}"
            return f"set the temperature to {v}{unit}{zone}"
        if a in ("increase", "decrease"):
            step = f" by {v} degrees" if v else ""
            return f"make it {'warmer' if a == 'increase' else 'cooler'}{step}{zone}"
        return f"turn the {_climate_switch(cmd)} {a}"
    if f == "window":
        side, how = _windows(cmd)
        return f"{'open' if a in ('open', 'set') else 'close'} the {side}{how}"
    if f == "seat":
        who = "" if cmd.zone in ("", "all") else f"{cmd.zone} "
        return f"turn the {who}seat {v or 'heating'} {a}"
    if f == "navigation":
        return f"navigate to {v}"
    if f == "media":
        if a == "play":
            return f"play {v}{zone}"
        if a in ("increase", "decrease"):
            return f"turn the volume {'up' if a == 'increase' else 'down'}"
        if a == "set":
            return f"set the {v.replace('volume', 'volume to').strip()} %"
        return {"pause": "pause the music", "next": "skip to the next track",
                "previous": "go back a track"}.get(a, f"{a} the media")
    if f == "cabin_light":
        return {"increase": "brighten the cabin lights", "decrease": "dim the cabin lights"
                }.get(a, f"turn the cabin lights {a}")
    if f == "door":
        return f"{a} the {'doors' if cmd.zone in ('', 'all') else cmd.zone + ' door'}"
    if f == "smart_home":
        device, _, setting = v.partition(":")
        name = device.replace("_", " ")
        if a in ("on", "off"):
            return f"turn the {name} at home {a}"
        if a == "set":
            return f"set the {name} at home to {setting}"
        return f"{a} the {name} at home"
    return f"{a} the {f.replace('_', ' ')} {v}".strip() + zone


def confirm_text(cmd: VehicleCommand) -> str:
    """A short spoken confirmation of a command that went out."""
    zone = _for_zone(cmd)
    f, a, v = cmd.function, cmd.action, cmd.value
    if f == "climate":
        if a == "set":
            return f"Setting the temperature to {v} degrees{zone}."
        if a in ("increase", "decrease"):
            return f"Making it {'warmer' if a == 'increase' else 'cooler'}{zone}."
        return f"Turning the {_climate_switch(cmd)} {a}."
    if f == "window":
        side, how = _windows(cmd)
        return f"{'Opening' if a == 'open' else 'Closing'} the {side}{how}."
    if f == "navigation":
        return f"Navigating to {v}."
    if f == "media":
        if a == "play":
            return f"Playing {v}{zone}."
        return {"pause": "Pausing.", "next": "Next track.", "previous": "Previous track.",
                "increase": "Turning it up.", "decrease": "Turning it down."}.get(a, "Okay.")
    if f == "smart_home":
        device = v.split(":")[0].replace("_", " ")
        return f"At home: {device} {a}."
    words = f"{f.replace('_', ' ')} {a} {v}".strip()
    return f"Okay: {words}{zone}."
