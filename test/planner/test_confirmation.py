"""Uncertain input never moves the car: commands from doubtful transcripts are asked back and
sent only on a clear yes (re-checked at the speed of that moment); an unknown speed counts as
moving. The core alone, no ROS, no model."""

from __future__ import annotations

import math
from typing import Any

import pytest

from cockpit_ai.planner.backends import Generation
from cockpit_ai.planner.dialogue import Pending, yes_or_no
from cockpit_ai.planner.planner import Context, Planner, TurnCounter, transcript_doubt
from cockpit_ai.planner.safety import SpeedTracker
from cockpit_ai.planner.tools import Place, ToolCall

S = 1_000_000_000  # ns per second
T0 = 1_764_340_000 * S
CAFES = [Place(name="Cafe Regatta", category="amenity=cafe", distance_m=420, side=2, open_now=1)]


def ctx(t_s: float = 0.0, *, doubt: str = "", speed: float | None = 0.0) -> Context:
    """A question at T0 + t_s (the transcript's stamp), standing still unless told."""
    return Context(stamp_ns=T0 + int(t_s * S), doubt=doubt, speed_mps=speed)


def fast() -> Planner:
    return Planner(landmark_search=lambda req: CAFES, config={"fast_only": True})


def test_doubtful_command_is_asked_back_then_sent_on_yes() -> None:
    p = fast()
    asked = p.handle("turn the heat up", ctx(0, doubt="low confidence"))
    assert asked.commands == [] and asked.awaiting_confirmation
    assert asked.text == "Did you mean: make it warmer?"
    assert asked.confirmation == ["asked"] and asked.backend == "fastpath"
    assert p.answers_without_model("Yes, please.")  # the yes goes to the fast lane
    yes = p.handle("Yes, please.", ctx(4))
    assert [(c.function, c.action) for c in yes.commands] == [("climate", "increase")]
    assert yes.confirmation == ["accepted"] and not yes.awaiting_confirmation
    assert yes.text == "Making it warmer."
    # the held command went out once; a second yes has nothing to act on
    again = p.handle("yes", ctx(6))
    assert again.commands == []


def test_example_from_the_brief_names_the_temperature() -> None:
    p = fast()
    asked = p.handle("You're going to turn it to 21 degrees.", ctx(0, doubt="audio gap"))
    assert asked.text == "Did you mean: set the temperature to 21 °C?" and not asked.commands
    (cmd,) = p.handle("correct", ctx(3)).commands
    assert (cmd.function, cmd.action, cmd.value, cmd.unit) == ("climate", "set", "21", "celsius")


@pytest.mark.parametrize("no", ["no", "No.", "cancel", "no, cancel that", "never mind"])
def test_no_drops_the_held_command(no: str) -> None:
    p = fast()
    p.handle("turn the heat up", ctx(0, doubt="low confidence"))
    turn = p.handle(no, ctx(3))
    assert turn.commands == [] and turn.text == "OK, I won't."
    assert turn.confirmation == ["declined"]
    assert p.handle("yes", ctx(5)).commands == []  # nothing left to confirm


def test_held_command_expires_on_the_stamps() -> None:
    p = Planner(config={"fast_only": True, "confirm_timeout_s": 20.0})
    p.handle("turn the heat up", ctx(0, doubt="low confidence"))
    late = p.handle("yes", ctx(21))
    assert late.commands == [] and "ask again" in late.text
    assert late.confirmation == ["expired"]
    # within the time it is still there
    p.handle("turn the heat up", ctx(100, doubt="low confidence"))
    assert p.handle("yes", ctx(119)).commands


def test_new_request_replaces_the_held_command() -> None:
    p = fast()
    p.handle("turn the heat up", ctx(0, doubt="low confidence"))
    other = p.handle("open the passenger window", ctx(3))
    assert [(c.function, c.zone) for c in other.commands] == [("window", "passenger")]
    assert other.confirmation == ["replaced"]
    assert p.handle("yes", ctx(5)).commands == []


def test_doubtful_yes_does_not_send_and_asks_again() -> None:
    p = fast()
    p.handle("unlock the doors", ctx(0, doubt="low confidence"))
    unsure = p.handle("yes", ctx(3, doubt="audio gap"))
    assert unsure.commands == [] and unsure.awaiting_confirmation
    assert "unlock the doors" in unsure.text and unsure.confirmation == ["unclear"]
    sure = p.handle("yes", ctx(6))
    assert [(c.function, c.action) for c in sure.commands] == [("door", "unlock")]


def test_yes_is_rechecked_at_the_current_speed() -> None:
    p = fast()
    asked = p.handle("unlock the doors", ctx(0, doubt="low confidence", speed=0.0))
    assert asked.awaiting_confirmation
    moving = p.handle("yes", ctx(3, speed=12.0))
    assert moving.commands == [] and "moving" in moving.text
    p.handle("unlock the doors", ctx(10, doubt="low confidence", speed=0.0))
    unknown = p.handle("yes", ctx(12, speed=None))
    assert unknown.commands == [] and unknown.refused_codes == ["speed_unknown"]


def test_refused_command_is_refused_not_asked() -> None:
    p = fast()
    turn = p.handle("open the door", ctx(0, doubt="low confidence", speed=20.0))
    assert turn.commands == [] and not turn.awaiting_confirmation and turn.refused


def test_smart_home_command_is_asked_back_too() -> None:
    p = fast()
    turn = p.handle("open the garage", ctx(0, doubt="hallucination-like"))
    assert turn.commands == [] and turn.text == "Did you mean: open the garage door at home?"
    yes = p.handle("do it", ctx(2))
    (req,) = yes.home_requests
    assert (req.device, req.action, req.when) == ("garage_door", "open", "now")
    assert yes.commands == []  # a home request never goes to the vehicle bus


def test_non_command_answers_are_given_despite_doubt() -> None:
    p = fast()
    found = p.handle("find a cafe", ctx(0, doubt="low confidence"))
    assert "Cafe Regatta" in found.text and not found.awaiting_confirmation
    assert found.landmark_queries
    chat = p.handle("tell me a joke", ctx(2, doubt="low confidence"))
    assert not chat.awaiting_confirmation and chat.commands == []


def test_doubtful_yes_to_an_offer_does_not_navigate() -> None:
    p = fast()
    offer = p.handle("I'm getting sleepy", ctx(0))
    assert "Shall I navigate there?" in offer.text
    assert p.handle("yes", ctx(3, doubt="low confidence")).commands == []
    assert [c.value for c in p.handle("yes", ctx(5)).commands] == ["Cafe Regatta"]


def test_clear_command_is_sent_at_once() -> None:
    turn = fast().handle("turn the heat up", ctx(0))
    assert turn.commands and not turn.awaiting_confirmation and turn.confirmation == []


@pytest.mark.parametrize(("text", "answer"), [
    ("yes", "yes"), ("Yes please.", "yes"), ("yeah", "yes"), ("Correct.", "yes"),
    ("do it", "yes"), ("yes, that's right", "yes"), ("okay go ahead", "yes"),
    ("Yep, thanks.", "yes"), ("no", "no"), ("No thanks.", "no"), ("cancel", "no"),
    ("nope", "no"), ("no, cancel that", "no"), ("yes and open the window", None),
    ("no, set it to 22", None), ("turn the heat up", None), ("", None),
])
def test_yes_or_no(text: str, answer: str | None) -> None:
    assert yes_or_no(text) == answer


def test_transcript_doubt_reasons() -> None:
    assert transcript_doubt(confidence=0.8, below_confidence=0.4) == ""
    assert transcript_doubt(confidence=0.3, below_confidence=0.4) == "low confidence"
    assert transcript_doubt(missing_chunks=3, confidence=0.9, below_confidence=0.4) == "audio gap"
    assert transcript_doubt(doubt="hallucination-like", confidence=0.9) == "hallucination-like"
    assert transcript_doubt(confidence=math.nan, below_confidence=0.4) == "low confidence"
    assert transcript_doubt(confidence=0.0, below_confidence=0.0) == ""  # 0 = off


# -- unknown speed ------------------------------------------------------------------------
def test_unknown_speed_refuses_unlocking_with_a_reason() -> None:
    p = fast()
    unknown = p.handle("unlock the doors", Context())  # no odometry: speed_mps None
    assert unknown.commands == [] and "don't know the car's speed" in unknown.text
    assert unknown.refused_codes == ["speed_unknown"]
    assert p.handle("unlock the doors", Context(speed_mps=0.0)).commands
    assert p.handle("unlock the doors", Context(speed_mps=3.0)).refused_codes == ["moving"]
    locked = p.handle("lock the doors", Context())  # locking is always fine
    (cmd,) = locked.commands
    assert math.isnan(cmd.vehicle_speed_mps) and cmd.to_dict()["vehicle_speed_mps"] is None


def test_odometry_age_decides_whether_doors_unlock() -> None:
    """As the node does it: the speed from the last odometry, unknown when none or old."""
    p, odom = fast(), SpeedTracker(timeout_s=1.0)

    def unlock(now: float) -> list[str]:
        turn = p.handle("unlock the doors", Context(speed_mps=odom.speed(now=now)))
        return [c.action for c in turn.commands]

    assert unlock(10.0) == []  # no odometry at all
    odom.update(0.0, now=10.0)
    assert unlock(10.3) == ["unlock"]  # fresh, standing still
    assert unlock(11.5) == []  # the odometry went quiet 1.5 s ago


def test_turn_counter_stays_active_until_the_last_answer() -> None:
    turns = TurnCounter()
    assert turns.begin()  # 0 -> 1: publish true
    assert not turns.begin()  # a second question while the first is answered
    assert not turns.end()  # one answered, one still in flight
    assert turns.end()  # all answered: publish false
    assert not turns.end()  # never below zero
    for _ in range(3):
        turns.begin()
    assert turns.end(3) and turns.in_flight == 0  # e.g. cancelled from the queue at once


def test_unknown_speed_is_what_the_model_is_told() -> None:
    lines = fast()._context_lines(Context())
    assert "speed: unknown" in lines[0]
    assert "speed: 36 km/h" in fast()._context_lines(Context(speed_mps=10.0))[0]


def test_answers_without_model_routes_like_handle() -> None:
    p = Planner(backend=Scripted("{}"), config={"fastpath": True})
    assert p.answers_without_model("set the temperature to 21 degrees")
    assert p.answers_without_model("release the brakes")
    assert not p.answers_without_model("tell me a story about the sea")
    assert not p.answers_without_model("yes")  # nothing pending: a yes is just chat
    p.dialogues.get("cabin").pending = fast_pending()
    assert p.answers_without_model("yes") and p.answers_without_model("no thanks")
    assert not p.answers_without_model("yes", "other-session")


def fast_pending() -> Pending:
    return Pending(calls=[ToolCall("vehicle", {"function": "climate", "action": "increase",
                                               "value": "none", "unit": "none",
                                               "zone": "all"})], confirm=True)


class Scripted:
    """A stand-in model that always answers with the same JSON."""

    name = "edge"

    def __init__(self, text: str) -> None:
        self.text = text

    def generate(self, messages: list[dict[str, Any]], *, schema: dict[str, Any] | None,
                 max_tokens: int) -> Generation:
        return Generation(text=self.text, backend="edge", latency_ms=1.0)


@pytest.mark.parametrize(("heard", "action", "value"), [
    ("could you turn it towards 21 degrees", "set", "21"),
    ("make it warmer by 2 degrees", "increase", "2"),
    ("a bit warmer, 2 degrees", "increase", "2"),
])
def test_a_target_temperature_from_the_model_is_a_set(heard: str, action: str,
                                                       value: str) -> None:
    """The demo's model answer to a misheard request: climate increase 21 -> set 21."""
    model = Scripted(f'{{"tool": "vehicle", "function": "climate", "action": "increase", '
                     f'"value": "{value}", "unit": "none", "zone": "all"}}')
    p = Planner(backend=model, config={"fastpath": False})
    (cmd,) = p.handle(heard, ctx(0)).commands
    assert (cmd.action, cmd.value) == (action, value)
    if action == "set":
        assert cmd.unit == "celsius"
