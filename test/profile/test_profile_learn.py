"""What the driver says about themselves: statements, hints asked back, requests."""

from __future__ import annotations

import pytest

from cockpit_ai.planner.fastpath import normalise
from cockpit_ai.profile.learn import Heard, hear


@pytest.mark.parametrize("text, heard", [
    ("I'm vegetarian.", Heard("statement", "diet", "vegetarian")),
    ("By the way, I am vegan", Heard("statement", "diet", "vegan")),
    ("I only eat halal food", Heard("statement", "diet", "halal")),
    ("I'm on a gluten-free diet", Heard("statement", "diet", "gluten_free")),
    ("I'm not vegetarian any more", Heard("statement", "diet", "")),
    ("I don't eat meat", Heard("hint", "diet", "vegetarian")),
    ("I can't eat gluten", Heard("hint", "diet", "gluten_free")),
    ("I love Thai food", Heard("statement", "cuisines", "thai")),
    ("My favourite food is Italian", Heard("statement", "cuisines", "italian")),
    ("I really like sushi", Heard("statement", "cuisines", "sushi")),
    ("This is my home.", Heard("statement", "home", None)),
    ("We live here", Heard("statement", "home", None)),
    ("This is our place", Heard("statement", "home", None)),
    ("I work here", Heard("statement", "work", None)),
    ("Save this as my office", Heard("statement", "work", None)),
    ("We're home!", Heard("hint", "home", None)),
    ("I like it at twenty one degrees", Heard("statement", "temperature_c", 21.0)),
    ("My preferred temperature is 22.5", Heard("statement", "temperature_c", 22.5)),
    ("I prefer 20 degrees", Heard("statement", "temperature_c", 20.0)),
    ("Set my usual temperature", Heard("request", "temperature_c", None)),
    ("Make it the way I like it", Heard("request", "temperature_c", None)),
    ("Find me something I like", Heard("request", "cuisines", None)),
])
def test_what_is_heard(text: str, heard: Heard) -> None:
    assert hear(normalise(text)) == heard


@pytest.mark.parametrize("text", [
    "I'm vegetarian, find a restaurant",  # a request: the router's
    "My wife is vegan",  # someone else
    "I like good food",  # no cuisine
    "find a vegetarian restaurant",
    "set the temperature to 21",
    "home",  # "take me home" as one word: the router's
    "is this my home",
    "I'm tired",
    "what is my favourite food",
])
def test_not_about_the_driver(text: str) -> None:
    assert hear(normalise(text)) is None
