"""Slots for the learned router's tool (fastpath.fill / fastpath.agree): the arguments of
a tool read from the words when every one is unambiguous, never a command from a
negated, questioned, stated or double request. Examples from the development part of the
evaluation set and phrasings written here (never the test or held-out parts)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cockpit_ai.planner import fastpath
from cockpit_ai.planner.evaluation import load_utterances, score
from cockpit_ai.planner.tools import ToolCall

DEV = load_utterances(Path(__file__).parent / "eval" / "dev.yaml")
FILLABLE = [i for i in DEV if i["tool"] not in ("chat", "summarize")]


def _results(item: dict[str, Any]) -> int:
    return 3 if item.get("followup") else 0


def test_slots_of_the_development_part_are_right_or_left_to_the_model() -> None:
    """Given the right tool, fill() answers nearly every development request, and what it
    answers has the right key arguments (a wrong one would be acted on without a model)."""
    wrong, filled = [], 0
    for item in FILLABLE:
        call = fastpath.fill(item["tool"], item["text"], results=_results(item))
        if call is None:
            continue
        filled += 1
        if not score(call, item)[1]:
            wrong.append((item["text"], call.to_json()))
    assert wrong == []
    assert filled >= 0.95 * len(FILLABLE), (filled, len(FILLABLE))


@pytest.mark.parametrize(("tool", "text", "args"), [
    # argument kinds, in phrasings the rules do not take whole
    ("vehicle", "I'd like it a bit warmer please", {"function": "climate", "action": "increase"}),
    ("vehicle", "the air con is blasting, switch it off", {"function": "climate", "action": "off",
                                                           "value": "ac"}),
    ("vehicle", "could you set the cabin to twenty three", {"function": "climate",
                                                            "action": "set", "value": "23"}),
    ("vehicle", "a little cooler on my side please", {"function": "climate",
                                                      "action": "decrease", "zone": "driver"}),
    ("vehicle", "the windscreen is all fogged up, clear it", {"function": "climate",
                                                              "action": "on",
                                                              "value": "defrost"}),
    ("vehicle", "warm the passenger seat up", {"function": "seat", "action": "on",
                                               "zone": "passenger"}),
    ("vehicle", "make it warmer in the back seats", {"function": "climate",
                                                     "action": "increase", "zone": "rear"}),
    ("vehicle", "throw on some reggae", {"function": "media", "action": "play",
                                         "value": "reggae"}),
    ("vehicle", "the radio is too loud", {"function": "media", "action": "decrease"}),
    # how the cabin feels gives way to the device named
    ("vehicle", "it's so stuffy, open the window", {"function": "window", "action": "open"}),
    ("vehicle", "kill the reading lamp", {"function": "cabin_light", "action": "off"}),
    ("vehicle", "head over to the office", {"function": "navigation", "action": "set",
                                            "value": "office"}),
    ("vehicle", "how do I get to Helsinki Central Station", {
        "function": "navigation", "value": "Helsinki Central Station"}),
    ("vehicle", "open the rear window halfway", {"function": "window", "action": "open",
                                                 "zone": "rear", "value": "50",
                                                 "unit": "percent"}),
    ("smart_home", "put the kettle on at home", {"device": "coffee_machine", "action": "on"}),
    ("smart_home", "get the coffee going at home", {"device": "coffee_machine",
                                                    "action": "on"}),
    ("poi_search", "anywhere to plug in the car around here", {"category": "charging_station"}),
    ("poi_search", "show me thai places on the right", {"cuisine": "thai", "side": "right"}),
    ("landmark", "what was that statue we just went by", {"side": "behind"}),
    ("rest_break", "can we stop somewhere for a nap", {"kind": "rest_area"}),
    ("result_info", "does the second one have vegan food", {"item": "2", "field": "cuisine"}),
    ("route_suggest", "what's my normal commute", {}),
])
def test_fills_each_argument_kind(tool: str, text: str, args: dict[str, str]) -> None:
    call = fastpath.fill(tool, text, results=3)
    assert call is not None and call.name == tool, call
    for key, value in args.items():
        assert str(call.args[key]) == value, (key, call.args)


@pytest.mark.parametrize(("tool", "text"), [
    ("vehicle", "don't open the window"),  # negated
    ("vehicle", "no need to turn the heating up"),
    ("vehicle", "is the window open"),  # a question about a state
    ("vehicle", "how hot is the sun"),
    ("vehicle", "the back window is open"),  # a statement
    ("vehicle", "the doors are locked"),
    ("vehicle", "open the window and play some jazz"),  # two requests
    ("vehicle", "turn it off"),  # which function?
    ("vehicle", "open the window and the sunroof"),
    ("vehicle", "turn the heat up and down"),  # both directions
    ("vehicle", "take me there"),  # a place found before, not a destination
    ("vehicle", "move my seat forward"),  # the seat function is its heating only
    ("smart_home", "turn on the heating"),  # no home word: the car's heating
    ("smart_home", "switch the lights off"),
    ("poi_search", "I need to get somewhere"),  # no category, diet or cuisine
    ("result_info", "how far is it"),  # no results to ask about (results=0 below)
    ("summarize", "summarise this: the meeting moved to Friday"),  # the model's to write
    ("chat", "tell me a joke"),
])
def test_never_fills_what_is_not_unambiguous(tool: str, text: str) -> None:
    call = fastpath.fill(tool, text, results=0)
    assert call is None, call


def test_car_or_home() -> None:
    home = fastpath.fill("smart_home", "switch the heating off at home")
    assert home is not None and home.args == {"device": "heating", "action": "off",
                                              "value": "none"}
    garage = fastpath.fill("smart_home", "shut the garage")  # a home-only device
    assert garage is not None and garage.args["action"] == "close"
    car = fastpath.fill("vehicle", "switch the heating off")
    assert car is not None and car.args["function"] == "climate"


def test_numbers_as_words() -> None:
    call = fastpath.fill("vehicle", "twenty one and a half degrees for the passenger please")
    assert call is not None
    assert (call.args["action"], call.args["value"], call.args["zone"]) == (
        "set", "21.5", "passenger")
    seat = fastpath.fill("vehicle", "put my seat heater to level two")
    assert seat is not None and (seat.args["action"], seat.args["value"]) == ("set", "2")


def _vehicle(function: str, action: str, zone: str = "all") -> ToolCall:
    return ToolCall("vehicle", {"function": function, "action": action, "value": "none",
                                "unit": "none", "zone": zone})


def test_the_words_correct_the_models_arguments() -> None:
    """The model chose the function; the words say the action unambiguously."""
    text = "the air con is blasting, switch it off"
    fixed = fastpath.agree(_vehicle("climate", "decrease"), text)
    assert (fixed.args["function"], fixed.args["action"]) == ("climate", "off")
    zone = fastpath.agree(_vehicle("climate", "decrease"), "a little cooler on my side please")
    assert zone.args["zone"] == "driver"


def test_the_model_keeps_its_call_where_the_words_disagree_or_say_nothing() -> None:
    model = _vehicle("window", "open")
    assert fastpath.agree(model, "the air con is blasting, switch it off") is model
    vague = _vehicle("climate", "increase")
    assert fastpath.agree(vague, "do something about the temperature") is vague
    assert fastpath.agree(model, "don't open the window") is model


def test_a_text_given_to_summarise_is_data_not_a_request() -> None:
    """"Summarise this: … rain gear …" is no gear change to refuse; the request's own words
    still are ("put it in gear: …"), and so is a plain one."""
    from cockpit_ai.planner.planner import Context, Planner

    note = ("give me the short version of this: the school trip is moved to Thursday, "
            "bring rain gear and a packed lunch")
    assert fastpath.request_part(note) == "give me the short version of this"
    planner = Planner()  # no model: what is refused is refused before any model
    said = planner.handle(note, Context(speed_mps=0.0))
    assert said.refused_codes == [] and not said.commands, said
    for order in ("put it in gear: we need to leave now before the traffic gets worse",
                  "release the handbrake"):
        turn = planner.handle(order, Context(speed_mps=0.0))
        assert turn.refused_codes == ["never"] and not turn.commands, (order, turn)
