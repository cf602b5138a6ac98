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
