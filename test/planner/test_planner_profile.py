"""Driver preferences through the planner core: learned when said or confirmed, used by
later requests (the diet on a food search, the usual temperature, home), kept per driver
across planners, erased by forget. The POI search is the bundled database."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path

from cockpit_ai.brand import load_brand
from cockpit_ai.planner.landmarks import core_search
from cockpit_ai.planner.planner import Context, Planner, street_eta
from cockpit_ai.profile.memory import ProfileMemory
from cockpit_ai.profile.store import ProfileStore
from cockpit_ai.testing import cockpit_cmd

HELSINKI = (60.1699, 24.9384)  # Senate Square
HOME = (60.1636, 24.9470)  # Kaivopuisto side, a drive away
AT = datetime(2026, 11, 28, 18, 0)


def planner(db: Path, driver: str = "anna", brand: str = "qwen") -> Planner:
    p = Planner(config={"fast_only": True, "brand": load_brand(brand).planner_brand(),
                        "landmark_timeout_s": 60.0},
                landmark_search=core_search(None, at=AT), route_eta=street_eta)
    p.memory = ProfileMemory(ProfileStore(db), driver)
    return p


def ctx(here: tuple[float, float] | None = HELSINKI, **kw: object) -> Context:
    c = Context(latitude_deg=HELSINKI[0], longitude_deg=HELSINKI[1], speed_mps=0.0, time=AT,
                session_id="cabin", **kw)  # type: ignore[arg-type]
    c.here = here
    return c


def test_a_diet_said_once_is_applied_later_and_said(tmp_path: Path) -> None:
    db = tmp_path / "profiles.sqlite"
    p = planner(db)
    said = p.handle("I'm vegetarian.", ctx())
    assert said.text == "Noted: you're vegetarian. I'll use it from now on."
    assert not said.commands and ProfileStore(db).get("anna").diet == "vegetarian"
    assert p.handle("turn up the volume", ctx()).commands  # other turns go on as before
    found = p.handle("find me a restaurant", ctx())
    assert found.landmark_queries and found.landmark_queries[0].diets == ["vegetarian"]
    assert found.text.startswith("Only vegetarian, as you told me. ")
    assert found.places, found.text
    assert all({"vegetarian", "vegan"} & set(pl.diets) for pl in found.places), found.places
    # an explicit diet in the request wins; a non-food search gets none
    vegan = p.handle("find a vegan restaurant", ctx())
    assert vegan.landmark_queries[0].diets == ["vegan"] and not vegan.text.startswith("Only")
    museum = p.handle("find a museum", ctx())
    assert museum.landmark_queries[0].diets == [] and not museum.text.startswith("Only")
    # another planner (a restart, another process) knows it; another driver does not
    assert planner(db).handle("find me a restaurant", ctx()).landmark_queries[0].diets == [
        "vegetarian"]
    assert planner(db, driver="ben").handle("find me a restaurant", ctx()).landmark_queries[
        0].diets == []
    assert ProfileStore(db).forget("anna") == 1
    after = planner(db).handle("find me a restaurant", ctx())
    assert after.landmark_queries[0].diets == [] and not after.text.startswith("Only")


def test_a_hint_is_asked_back_and_kept_only_on_yes(tmp_path: Path) -> None:
    db = tmp_path / "profiles.sqlite"
    p = planner(db)
    asked = p.handle("I don't eat meat", ctx())
    assert asked.text == "Shall I remember that you're vegetarian?"
    assert ProfileStore(db).get("anna").diet is None
    assert p.handle("no thanks", ctx()).text == "OK, I won't."
    assert ProfileStore(db).get("anna").diet is None
    p.handle("I don't eat meat", ctx())
    yes = p.handle("yes please", ctx())
    assert yes.text == "Noted: you're vegetarian. I'll use it from now on."
    kept = ProfileStore(db).get("anna")
    assert kept.diet == "vegetarian" and kept.learned["diet"]["source"] == "confirmed"
    assert p.handle("I'm not vegetarian any more", ctx()).text == "Noted: no special diet."
    assert ProfileStore(db).get("anna").diet is None


def test_home_and_the_usual_temperature(tmp_path: Path) -> None:
    db = tmp_path / "profiles.sqlite"
    p = planner(db)
    assert p.handle("this is my home", Context(speed_mps=0.0)).text == (
        "I don't know where we are right now, so I can't remember this place.")
    assert p.handle("this is my home", ctx(here=HOME)).text == (
        "Noted: this is your home. I'll use it from now on.")
    known = p.handle("we're home", ctx(here=HOME))  # known: nothing to ask
    assert known.text != "Shall I remember this place as your home?"
    nav = p.handle("take me home", ctx())
    assert [(c.function, c.value) for c in nav.commands] == [("navigation", "home")]
    assert nav.text.startswith("Navigating to home, ") and "minute" in nav.text, nav.text
    # the temperature: kept, offered, then used by "my usual temperature"
    assert p.handle("set my usual temperature", ctx()).text == (
        "I don't know your usual temperature yet.")
    liked = p.handle("I like it at twenty one degrees", ctx())
    assert liked.text == "Noted: you like it at 21 degrees. Shall I set it now?"
    assert not liked.commands
    done = p.handle("yes", ctx())
    assert [(c.function, c.action, c.value) for c in done.commands] == [("climate", "set", "21")]
    usual = p.handle("make it the way I like it", ctx())
    assert [(c.function, c.action, c.value) for c in usual.commands] == [("climate", "set", "21")]
    assert p.handle("I like it at 35 degrees", ctx()).text == (
        "I can set the temperature between 16 and 28 °C.")


def test_the_trip_offer_names_the_saved_home(tmp_path: Path) -> None:
    db = tmp_path / "profiles.sqlite"
    ProfileStore(db).set("anna", "home", HOME)
    p = planner(db)
    turn = p.on_trip_started(trip_id="t1", destination="Kaivopuisto Café", latitude_deg=HOME[0],
                             longitude_deg=HOME[1] + 0.0005, probability=0.9,
                             usual_duration_s=300.0, context=ctx())
    assert turn is not None and turn.text == "Going home? 5 minutes."


def test_in_the_brand_language(tmp_path: Path) -> None:
    p = planner(tmp_path / "profiles.sqlite", brand="aurora")
    assert p.handle("I'm vegetarian", ctx()).text == (
        "Notiert: Sie essen vegetarisch. Ich berücksichtige das ab jetzt.")
    found = p.handle("find me a restaurant", ctx())
    assert found.text.startswith("Nur vegetarisch, wie Sie mir gesagt haben. Ich habe "), found.text


def test_multi_turn_ask_applies_a_preference_three_turns_later(tmp_path: Path) -> None:
    """The issue's test: said in one turn, applied three turns later, through `cockpit-ai
    ask`; the next `ask` (a new process and dialogue) still knows it."""
    db = tmp_path / "profiles.sqlite"
    where = ["--fast-only", "--json", "--speed", "0", "--lat", str(HELSINKI[0]), "--lon",
             str(HELSINKI[1]), "--at", AT.isoformat(), "--profile-db", str(db),
             "--driver", "anna"]

    def ask(*texts: str) -> list[dict[str, object]]:
        done = subprocess.run([*cockpit_cmd(), "ask", *where, *texts], capture_output=True,
                              text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
        return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]

    turns = ask("I'm vegetarian", "set the temperature to 21 degrees", "turn on the reading light",
                "find me a restaurant")
    assert len(turns) == 4
    assert str(turns[0]["answer"]).startswith("Noted: you're vegetarian")
    last = turns[3]
    assert last["landmark_queries"][0]["diets"] == ["vegetarian"]  # type: ignore[index]
    assert str(last["answer"]).startswith("Only vegetarian, as you told me.")
    again = ask("find me a restaurant")[0]
    assert again["landmark_queries"][0]["diets"] == ["vegetarian"]  # type: ignore[index]
    forget = subprocess.run([*cockpit_cmd(), "profile", "forget", "--driver", "anna", "--db",
                             str(db)], capture_output=True, text=True, timeout=120, check=False)
    assert forget.returncode == 0, forget.stderr
    gone = ask("find me a restaurant")[0]
    assert gone["landmark_queries"][0]["diets"] == []  # type: ignore[index]
