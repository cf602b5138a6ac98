"""Which home devices the co-pilot may operate on its own, and which only after a spoken yes.

Configuration, not code (parameters ``auto_devices`` and ``confirm_devices``): heating and
lights are harmless to switch before arrival; a garage door or an alarm changes who can get
into the house, so they wait for ``confirmed``. A device in neither list is refused, so a
new device is off until someone decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from cockpit_ai.home import HomeValueError, mqtt


class Verdict(Enum):
    SEND = "send"
    ASK = "ask"  # a confirm device without `confirmed`: ask the driver, send nothing
    REFUSE = "refuse"


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    text: str = ""  # what the driver hears (ASK, REFUSE)
    body: str = ""  # the MQTT payload (SEND, ASK)


@dataclass(frozen=True)
class Policy:
    """The two device lists (defaults = schema/home.schema.json)."""

    auto_devices: tuple[str, ...] = ("heating", "lights", "air_conditioning", "coffee_machine")
    confirm_devices: tuple[str, ...] = ("garage_door", "alarm")

    def __post_init__(self) -> None:
        for name in (*self.auto_devices, *self.confirm_devices):
            mqtt.device(name)  # HomeValueError names the known ones
        both = set(self.auto_devices) & set(self.confirm_devices)
        if both:
            raise HomeValueError(f"{', '.join(sorted(both))} in both auto_devices and "
                                 "confirm_devices; put each device in one")  # fmt: skip

    def decide(self, device: str, action: str, value: str = "", *,
               confirmed: bool = False) -> Decision:  # fmt: skip
        """Send, ask first or refuse (with the words for the driver)."""
        if device not in self.auto_devices and device not in self.confirm_devices:
            name = mqtt.spoken_name(device) if device in mqtt.DEVICES else (device or "that")
            return Decision(Verdict.REFUSE, f"I can't control the {name} at home; it is not "
                            "among the devices I'm allowed to use.")  # fmt: skip
        try:
            body = mqtt.payload(device, action, value)
        except HomeValueError as exc:
            return Decision(Verdict.REFUSE, f"I can't do that at home: {exc}.")
        if device in self.confirm_devices and not confirmed:
            return Decision(Verdict.ASK, f"Shall I {phrase(device, action, value)} at home?",
                            body)  # fmt: skip
        return Decision(Verdict.SEND, body=body)


def phrase(device: str, action: str, value: str = "") -> str:
    """The command as a request: "open the garage door", "turn the heating on"."""
    name = mqtt.spoken_name(device)
    value = value.strip() if value.strip().lower() not in ("", "none") else ""
    if device == "alarm":
        return {"on": "arm the alarm", "off": "disarm the alarm"}.get(
            action, f"set the alarm to {value}")
    if action in ("on", "off"):
        return f"turn the {name} {action}"
    if action == "set":
        return f"set the {name} to {value}{_unit(device)}"
    return f"{action} the {name}"


def done(device: str, action: str, value: str = "") -> str:
    """What was done, past tense: "turned the heating on", "opened the garage door"."""
    request = phrase(device, action, value)
    verb, _, rest = request.partition(" ")
    past = {"turn": "turned", "set": "set", "open": "opened", "close": "closed", "arm": "armed",
            "disarm": "disarmed"}.get(verb, verb + "ed")  # fmt: skip
    return f"{past} {rest}"


def state_text(device: str, action: str, value: str = "") -> str:
    """A sentence for a command the broker has: "The heating at home is on."."""
    name = mqtt.spoken_name(device)
    value = value.strip() if value.strip().lower() not in ("", "none") else ""
    if device == "alarm":
        state = {"on": "armed", "off": "disarmed"}.get(action, f"set to {value}")
    elif action == "set":
        state = f"set to {value}{_unit(device)}"
    else:
        state = {"open": "opening", "close": "closing"}.get(action, action)
    verb = "are" if mqtt.DEVICES[device].plural else "is"
    return f"The {name} at home {verb} {state}."


def _unit(device: str) -> str:
    return " degrees" if mqtt.DEVICES[device].kind == "climate" else ""
