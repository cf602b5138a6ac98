"""The brand in the planner core: its name, tone and language in the prompts, its wake
words cut from the request, its allowed functions, and every common answer in its
language (the bundled POI database answers the searches)."""

from __future__ import annotations

from datetime import datetime

import pytest

from cockpit_ai.brand import load_brand
from cockpit_ai.planner.landmarks import core_search
from cockpit_ai.planner.languages import translate
from cockpit_ai.planner.planner import Context, Planner, street_eta

HELSINKI = (60.1699, 24.9384)
AT = datetime(2026, 11, 28, 18, 0)


def planner(brand: str) -> Planner:
    return Planner(config={"fast_only": True, "brand": load_brand(brand).planner_brand(),
                           "landmark_timeout_s": 60.0},
                   landmark_search=core_search(None, at=AT), route_eta=street_eta)


def ctx(speed: float | None = 0.0, **kw: object) -> Context:
    c = Context(latitude_deg=HELSINKI[0], longitude_deg=HELSINKI[1], heading_deg=90.0,
                speed_mps=speed, time=AT, **kw)  # type: ignore[arg-type]
    c.here = HELSINKI
    return c


def test_prompts_carry_the_brand() -> None:
    p = planner("aurora")
    assert "You are Aurora" in p.system and "polite, precise and reassuring" in p.system
    assert "Language: de" in p.chat_system
    assert "window" not in p.system.split("You may operate:")[1].split(".")[0]


def test_each_brand_answers_with_its_own_words_and_refuses_what_it_may_not() -> None:
    qwen, aurora = planner("qwen"), planner("aurora")
    assert qwen.handle("open the window", ctx()).commands
    refused = aurora.handle("open the window", ctx())
    assert not refused.commands and refused.refused_codes == ["not_allowed"]
    assert refused.text == "Die Fenster darf ich in diesem Auto nicht bedienen."
    assert refused.language == "de"
    warm = aurora.handle("set the temperature to 21 degrees", ctx())
    assert warm.text == "Ich stelle die Temperatur auf 21 Grad." and warm.commands
    assert qwen.handle("set the temperature to 21 degrees", ctx()).text == (
        "Setting the temperature to 21 degrees.")
    home = aurora.handle("turn on the heating at home", ctx())
    assert not home.home_requests and home.refused_codes == ["not_allowed"]


def test_the_brand_wake_words_are_cut_from_the_request() -> None:
    qwen, aurora = planner("qwen"), planner("aurora")
    for p, said in ((qwen, "Hey Qwen, turn on the reading light"),
                    (aurora, "Hallo Aurora, turn on the reading light"),
                    (aurora, "Turn on the reading light, Aurora.")):
        turn = p.handle(said, ctx())
        assert [(c.function, c.action) for c in turn.commands] == [("cabin_light", "on")], said
    assert qwen.handle("Hey Qwen.", ctx()).text == "Yes?"
    assert aurora.handle("Hey Aurora!", ctx()).text == "Ja?"
    # another brand's name is not this one's wake word
    assert qwen.handle("Hey Aurora, turn on the reading light", ctx()).text != "Yes?"
    assert qwen.answers_without_model("Hey Qwen, make it warmer")


COMMON = [
    "set the temperature to 21 degrees", "make it warmer", "make it cooler",
    "turn on the air conditioning", "turn off the air conditioning", "turn on the reading light",
    "turn off the reading light", "pause the music", "next song", "previous song",
    "turn up the volume", "turn down the volume", "play some jazz", "take me to Ateneum",
    "find a cafe", "find a vegan restaurant that is open now", "what is that building on my left",
    "how far is it", "the second one", "I'm tired", "open the window", "turn on the heating at "
    "home", "unlock the doors", "release the handbrake", "set the temperature to 35 degrees",
    "yes", "no", "",
]


@pytest.mark.parametrize("speed", [0.0, None])
def test_the_common_answers_are_all_in_german(speed: float | None) -> None:
    """The same dialogue through an English and a German planner (all functions allowed in
    both): every English answer has its German template, and the German planner says it."""
    german = {**load_brand("qwen").planner_brand(), "language": "de"}
    en = planner("qwen")
    de = Planner(config={"fast_only": True, "brand": german, "landmark_timeout_s": 60.0},
                 landmark_search=core_search(None, at=AT), route_eta=street_eta)
    missing = []
    for text in COMMON:
        said_en, said_de = en.handle(text, ctx(speed)).text, de.handle(text, ctx(speed)).text
        translated, complete = translate(said_en, "de")
        assert translated == said_de, text
        if not complete:
            missing.append((text, said_en))
    assert missing == []
