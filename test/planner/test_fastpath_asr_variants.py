"""The fast path still understands what Whisper-tiny made of cockpit phrases in the demo
drive (clipped "set", "that is open now" heard as "and have to open now")."""

from __future__ import annotations

import pytest

from cockpit_ai.planner.fastpath import parse


@pytest.mark.parametrize("heard", ["At the temperature to 21 degrees.",
                                   "Sat the temperature to 21 degrees",
                                   "Set the temperature to 21 degrees."])
def test_clipped_set_still_sets_the_temperature(heard: str) -> None:
    call = parse(heard)
    assert call is not None and call.name == "vehicle"
    assert call.args["function"] == "climate" and call.args["action"] == "set"
    assert call.args["value"] == "21" and call.args["unit"] == "celsius"


@pytest.mark.parametrize("heard", ["Find me a vegetarian restaurant and have to open now.",
                                   "Find me a vegetarian restaurant that is open now."])
def test_open_now_survives_the_recogniser(heard: str) -> None:
    call = parse(heard)
    assert call is not None and call.name == "poi_search"
    assert call.args["diet"] == "vegetarian" and call.args["category"] == "restaurant"
    assert call.args["open_now"] is True


@pytest.mark.parametrize("text", ["at the bar we met", "and have to go"])
def test_loose_words_alone_do_not_trigger(text: str) -> None:
    assert parse(text) is None


@pytest.mark.parametrize(("heard", "value"), [
    ("You're going to turn it to 21 degrees.", "21"),  # the demo's "Set the temperature to
    ("turn it to 21 degrees", "21"),                   # twenty-one degrees."
    ("make it 22 degrees", "22"),
    ("22 degrees please", "22"),
    ("Set it to 20 degrees.", "20"),
    ("put it at 23 degrees", "23"),
    ("turn the heat up to 24", "24"),
    ("turn up the temperature to 24 degrees", "24"),
    ("bring the temperature down to 19 degrees", "19"),
])
def test_a_target_temperature_is_always_set(heard: str, value: str) -> None:
    call = parse(heard)
    assert call is not None and call.name == "vehicle"
    assert (call.args["function"], call.args["action"]) == ("climate", "set")
    assert (call.args["value"], call.args["unit"]) == (value, "celsius")


@pytest.mark.parametrize(("heard", "action"), [("turn the heat up", "increase"),
                                               ("turn down the heat", "decrease"),
                                               ("make it warmer", "increase")])
def test_without_a_target_it_is_a_step(heard: str, action: str) -> None:
    call = parse(heard)
    assert call is not None and call.args["action"] == action and call.args["value"] == "none"
