"""The router (fastpath.parse / free_text_tool): routing on the development part of the
evaluation set, numbers as words, car vs home, follow-ups, and what must stay None.

Only test/planner/eval/dev.yaml is read here; test.yaml is scored by the bench, never used.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit_ai.planner import fastpath
from cockpit_ai.planner.evaluation import load_utterances, score

DEV = Path(__file__).parent / "eval" / "dev.yaml"
DEV_ITEMS = load_utterances(DEV) if DEV.exists() else []


def _route(item: dict) -> object:
    return fastpath.parse(item["text"], results=3 if item.get("followup") else 0)


@pytest.mark.parametrize("item", DEV_ITEMS, ids=[i.get("id", i["text"]) for i in DEV_ITEMS])
def test_dev_item_routed_right_or_left_to_the_model(item: dict) -> None:
    """Whatever the router answers on the dev part is right (tool and listed args), and a
    chat item is never turned into a command."""
    call = _route(item)
    if call is None:
        return
    assert score(call, item) == (True, True), f"{item['text']!r} -> {call.to_json()}"


def test_dev_coverage() -> None:
    """Most dev requests are answered without the model (a floor, not the figure)."""
    if not DEV_ITEMS:
        pytest.skip("no dev part")
    answerable = [i for i in DEV_ITEMS if i["tool"] not in ("chat", "summarize")]
    routed = [i for i in answerable if _route(i) is not None]
    assert len(routed) >= 0.8 * len(answerable)


@pytest.mark.parametrize(("tool", "key"), [
    ("vehicle", "function"), ("poi_search", "category"), ("landmark", "side"),
    ("result_info", "field"), ("smart_home", "device"), ("rest_break", None),
    ("route_suggest", None),
])
def test_every_tool_is_routed_on_some_dev_item(tool: str, key: str | None) -> None:
    items = [i for i in DEV_ITEMS if i["tool"] == tool]
    if not items:
        pytest.skip("no dev part")
    right = [i for i in items if (c := _route(i)) is not None and score(c, i)[1]]
    assert right, f"no {tool} routed"
    if key:
        kinds = {str(i["args"].get(key)) for i in right}
        assert len(kinds) >= min(2, len({str(i["args"].get(key)) for i in items}))


@pytest.mark.parametrize(("text", "value"), [
    ("set the temperature to twenty-one degrees", "21"),
    ("set the temperature to twenty one", "21"),
    ("temperature to nineteen and a half", "19.5"),
    ("set the temperature to eighteen point five", "18.5"),
    ("Cool it down to nineteen degrees", "19"),
    ("warm it up to twenty three", "23"),
    ("at the temperature to 20 degrees", "20"),
    ("sit the temperature to seventeen", "17"),
])
def test_numbers_as_words_and_to_n_is_set(text: str, value: str) -> None:
    call = fastpath.parse(text)
    assert call is not None and call.args["function"] == "climate"
    assert (call.args["action"], call.args["value"]) == ("set", value)


def test_volume_percent_in_words() -> None:
    call = fastpath.parse("set the volume to sixty five percent")
    assert call is not None and call.args["action"] == "set" and "65" in call.args["value"]


@pytest.mark.parametrize(("text", "tool", "device_or_function", "action"), [
    ("turn on the lights at home", "smart_home", "lights", "on"),
    ("turn on the lights", "vehicle", "cabin_light", "on"),
    ("switch the heating off", "vehicle", "climate", "off"),
    ("switch off the heating at home", "smart_home", "heating", "off"),
    ("close the garage", "smart_home", "garage_door", "close"),
    ("shut the garage door at home", "smart_home", "garage_door", "close"),
    ("lock the doors", "vehicle", "door", "lock"),
    ("turn off the AC in the house", "smart_home", "air_conditioning", "off"),
    ("turn the AC off", "vehicle", "climate", "off"),
    ("arm the alarm at my home", "smart_home", "alarm", "on"),
])
def test_car_or_home(text: str, tool: str, device_or_function: str, action: str) -> None:
    call = fastpath.parse(text)
    assert call is not None and call.name == tool
    key = "device" if tool == "smart_home" else "function"
    assert (call.args[key], call.args["action"]) == (device_or_function, action)


def test_home_heating_set_value() -> None:
    call = fastpath.parse("set the heating at home to twenty one degrees")
    assert call is not None and call.name == "smart_home"
    assert (call.args["action"], call.args["value"]) == ("set", "21")


@pytest.mark.parametrize(("text", "item", "field"), [
    ("how far is it", "last", "distance"),
    ("the second one", "2", "details"),
    ("tell me about number three", "3", "details"),
    ("take me there", "last", "navigate"),
    ("navigate to the first one", "1", "navigate"),
    ("when does it close", "last", "opening_hours"),
    ("is it open", "last", "opening_hours"),
    ("which way is it", "last", "direction"),
    ("what kind of food do they have", "last", "cuisine"),
])
def test_followups_with_results(text: str, item: str, field: str) -> None:
    call = fastpath.parse(text, results=3)
    assert call is not None and call.name == "result_info"
    assert (call.args["item"], call.args["field"]) == (item, field)
    assert fastpath.parse(text, results=0) is None  # nothing to refer to: the model's


def test_followup_item_beyond_results_is_none() -> None:
    assert fastpath.parse("tell me about the fourth one", results=3) is None
    call = fastpath.parse("tell me about the fourth one", results=5)
    assert call is not None and call.args["item"] == "4"


def test_navigation_to_a_place_is_not_a_followup() -> None:
    call = fastpath.parse("navigate to the airport", results=3)
    assert call is not None and call.name == "vehicle" and call.args["function"] == "navigation"


@pytest.mark.parametrize(("text", "category"), [
    ("I need to charge the car", "charging_station"),
    ("is there a charging point nearby", "charging_station"),
    ("I need petrol", "fuel"),
    ("we need gas", "fuel"),
    ("I'm starving", "restaurant"),
    ("we need somewhere to sleep tonight", "hotel"),
    ("where's a toilet", "toilets"),
])
def test_indirect_categories(text: str, category: str) -> None:
    call = fastpath.parse(text)
    assert call is not None and call.name == "poi_search"
    assert call.args["category"] == category


def test_poi_slots() -> None:
    call = fastpath.parse("um is there a vegan thai place on my right that's open now")
    assert call is not None and call.name == "poi_search"
    a = call.args
    assert (a["diet"], a["cuisine"], a["side"], a["open_now"]) == ("vegan", "thai", "right",
                                                                   True)


@pytest.mark.parametrize(("text", "kind"), [
    ("I'm tired, I need a break", "any"),
    ("I need a coffee, I'm exhausted", "coffee"),
    ("I'm sleepy, find me a rest area", "rest_area"),
])
def test_rest_break_kinds(text: str, kind: str) -> None:
    call = fastpath.parse(text)
    assert call is not None and call.name == "rest_break" and call.args["kind"] == kind


def test_disfluency_and_wake_word() -> None:
    # the brand's own wake words are the planner's to cut (test_planner_brand.py)
    call = fastpath.parse("hey copilot uh could you um turn the the heat up please")
    assert call is not None and call.args["function"] == "climate"
    assert call.args["action"] == "increase"


@pytest.mark.parametrize("text", [
    "turn it off",
    "open it",
    "what's the temperature on Mars",  # chat, not climate
    "I read that you shouldn't open the windows on the motorway, is that true",
    "do you like music",
    "what's the capital of Australia",
    "the second one",  # no results: nothing to refer to
    "summarise this: the meeting moved to Thursday",
])
def test_stays_none(text: str) -> None:
    assert fastpath.parse(text) is None


@pytest.mark.parametrize("text", [
    "what's the capital of Australia", "tell me a joke", "how are you", "thank you",
    "who painted the mona lisa", "what year did the berlin wall fall",
    "what's the temperature on Mars", "do you like music",
])
def test_free_text_positives(text: str) -> None:
    assert fastpath.free_text_tool(text) == "chat"


@pytest.mark.parametrize("text", [
    "set the temperature to 21", "what's that building on the right", "how far is it",
    "find a cafe", "what is the speed limit here", "who can fix my car",
    "what's the temperature in here", "play some jazz", "turn on the lights at home",
    "how long until we arrive",
])
def test_free_text_negatives(text: str) -> None:
    assert fastpath.free_text_tool(text) is None


@pytest.mark.parametrize("text", [
    "I left the lights on at home didn't I",  # a statement, not a request
    "the back window is open",
    "the music is too loud",
    "the last song was great",
    "turn on the fan at home",  # a home word, no home device: not the car's fan either
    "set the temperature to 21 degrees and tell me a story",  # two requests: the model's
])
def test_states_and_unknown_home_devices_stay_none(text: str) -> None:
    assert fastpath.parse(text) is None


@pytest.mark.parametrize(("text", "tool"), [
    ("find a cafe that is open now", "poi_search"),  # "open": a new search, not opening hours
    ("open the window", "vehicle"),
    ("take me to the airport", "vehicle"),
    ("is the second one open", "result_info"),
    ("what time does it close", "result_info"),
])
def test_new_requests_are_not_taken_for_followups(text: str, tool: str) -> None:
    call = fastpath.parse(text, results=3)
    assert call is not None and call.name == tool


@pytest.mark.parametrize("text", [
    "don't open the window", "do not turn the heat up", "please don't unlock the doors",
    "no need to turn on the AC", "I don't want the window open", "never open the sunroof",
    "never mind", "forget it",
])
def test_a_request_taken_back_never_becomes_its_command(text: str) -> None:
    """Safety: a negated request goes to the plain reply path, where no command can be
    written (the tool-call model could still open the window it was told not to)."""
    assert fastpath.parse(text) is None
    assert fastpath.free_text_tool(text) == "chat"


def test_why_dont_you_is_still_a_request() -> None:
    assert fastpath.free_text_tool("why don't you turn on the AC") is None
    call = fastpath.parse("why don't you turn on the AC")
    assert call is not None and call.args["action"] == "on"


@pytest.mark.parametrize(("text", "function", "action"), [
    ("it's too bright in here, dim the lights", "cabin_light", "decrease"),
    ("I'm freezing, so turn the heat up", "climate", "increase"),
    ("the kids are asleep; turn the music down", "media", "decrease"),
])
def test_one_request_among_statements(text: str, function: str, action: str) -> None:
    call = fastpath.parse(text)
    assert call is not None, text
    assert (call.args["function"], call.args["action"]) == (function, action)


def test_two_different_requests_go_to_the_model() -> None:
    assert fastpath.parse("open the window, and then play some jazz") is None
    assert fastpath.parse("turn the heat up, open the sunroof") is None or fastpath.parse(
        "turn the heat up, open the sunroof").args["function"] == "climate"


@pytest.mark.parametrize(("text", "function", "action", "value"), [
    ("kill the music", "media", "pause", None),
    ("mute", "media", "pause", None),
    ("resume the music", "media", "play", None),
    ("bump up the volume", "media", "increase", None),
    ("I'd love some jazz", "media", "play", "jazz"),
    ("go back to the last song", "media", "previous", None),
    ("turn it up", "media", "increase", None),
    ("navigate me to the harbour", "navigation", "set", "harbour"),
    ("bring us back home", "navigation", "set", "home"),
    ("lock up", "door", "lock", None),
    ("make it twenty two in here", "climate", "set", "22"),
    ("demist the windscreen", "climate", "on", "defrost"),
    ("it's too dark in here", "cabin_light", "on", None),
    ("let some fresh air in", "window", "open", None),
])
def test_everyday_phrasings_of_car_functions(text: str, function: str, action: str,
                                             value: str | None) -> None:
    call = fastpath.parse(text)
    assert call is not None and call.name == "vehicle", text
    assert (call.args["function"], call.args["action"]) == (function, action)
    if value is not None:
        assert call.args["value"] == value


def test_make_it_a_number_outside_cabin_temperatures_is_not_a_temperature() -> None:
    call = fastpath.parse("make it 50")
    assert call is None or call.args.get("function") != "climate"


@pytest.mark.parametrize(("text", "category"), [
    ("I could do with a coffee", "cafe"),
    ("where can I get diesel", "fuel"),
    ("is there anywhere to charge around here", "charging_station"),
    ("any supermarkets nearby", "supermarket"),
    ("where can we stay tonight", "hotel"),
    ("what is there to see around here", "attraction"),
])
def test_searches_in_other_words(text: str, category: str) -> None:
    call = fastpath.parse(text)
    assert call is not None and call.name == "poi_search", text
    assert call.args["category"] == category


@pytest.mark.parametrize("text", ["I'm absolutely knackered", "I can barely keep my eyes open",
                                  "I need to rest"])
def test_tiredness_in_other_words_is_a_break(text: str) -> None:
    call = fastpath.parse(text)
    assert call is not None and call.name == "rest_break", text


@pytest.mark.parametrize(("text", "device", "action"), [
    ("set the house to 20", "heating", "set"),
    ("cool down the house", "air_conditioning", "on"),
    ("switch on the lights at our place", "lights", "on"),
])
def test_home_in_other_words(text: str, device: str, action: str) -> None:
    call = fastpath.parse(text)
    assert call is not None and call.name == "smart_home", text
    assert (call.args["device"], call.args["action"]) == (device, action)


@pytest.mark.parametrize(("text", "side"), [
    ("tell me about the tower in front of us", "ahead"),
    ("which landmark is that on the right side", "right"),
])
def test_landmark_questions_in_other_shapes(text: str, side: str) -> None:
    call = fastpath.parse(text)
    assert call is not None and call.name == "landmark" and call.args["side"] == side
