"""Which devices go without asking, which wait for a yes, which are refused; the words."""

from __future__ import annotations

import pytest

from cockpit_ai.home import HomeValueError
from cockpit_ai.home.policy import Policy, Verdict, done, phrase, state_text


def test_auto_confirm_and_unknown() -> None:
    p = Policy(auto_devices=("heating", "lights"), confirm_devices=("garage_door", "alarm"))
    assert p.decide("heating", "set", "21").verdict is Verdict.SEND
    ask = p.decide("garage_door", "open")
    assert ask.verdict is Verdict.ASK and ask.text == "Shall I open the garage door at home?"
    assert p.decide("alarm", "off").text == "Shall I disarm the alarm at home?"
    yes = p.decide("garage_door", "open", confirmed=True)
    assert yes.verdict is Verdict.SEND and yes.body == "OPEN"
    # in the device table but not configured: off until someone decides
    coffee = p.decide("coffee_machine", "on")
    assert coffee.verdict is Verdict.REFUSE and "coffee machine" in coffee.text
    assert p.decide("sauna", "on").verdict is Verdict.REFUSE
    bad = p.decide("garage_door", "on", confirmed=True)
    assert bad.verdict is Verdict.REFUSE and "open/close" in bad.text


def test_a_bad_configuration_is_refused() -> None:
    with pytest.raises(HomeValueError, match="unknown home device 'sauna'"):
        Policy(auto_devices=("sauna",))
    with pytest.raises(HomeValueError, match="both"):
        Policy(auto_devices=("alarm",), confirm_devices=("alarm",))


def test_words() -> None:
    assert phrase("heating", "on") == "turn the heating on"
    assert phrase("heating", "set", "21") == "set the heating to 21 degrees"
    assert done("heating", "on") == "turned the heating on"
    assert done("garage_door", "close") == "closed the garage door"
    assert done("alarm", "on") == "armed the alarm"
    assert state_text("heating", "on") == "The heating at home is on."
    assert state_text("lights", "off") == "The lights at home are off."
    assert state_text("air_conditioning", "set", "22") == (
        "The air conditioning at home is set to 22 degrees.")
    assert state_text("garage_door", "open") == "The garage door at home is opening."
