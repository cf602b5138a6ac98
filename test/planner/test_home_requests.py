"""Smart-home requests: they go to the home node (Turn.home_requests), never to the vehicle
bus; "before I arrive" is kept; the home node's status is said when the driver should hear
it, and a device that needs a yes is asked about and sent again confirmed. Core only."""

from __future__ import annotations

import pytest

from cockpit_ai.planner.fastpath import before_arrival
from cockpit_ai.planner.planner import Context, Planner

S = 1_000_000_000
T0 = 1_764_340_000 * S


def ctx(t_s: float = 0.0, *, doubt: str = "") -> Context:
    return Context(stamp_ns=T0 + int(t_s * S), doubt=doubt, speed_mps=0.0)


def fast(**config: object) -> Planner:
    return Planner(config={"fast_only": True, **config})


@pytest.mark.parametrize("text", [
    "turn on the heating at home before I arrive",
    "switch the lights on at home for when I get home",
    "warm up the house by the time we get back",
    "when I'm nearly home, turn on the heating",
    "open the garage door when I get there",
])
def test_arrival_phrases_are_kept(text: str) -> None:
    assert before_arrival(text)
    turn = fast().handle(text, ctx())
    (req,) = turn.home_requests
    assert req.when == "before_arrival" and turn.commands == []
    assert "before you arrive" in turn.text


@pytest.mark.parametrize("text", [
    "turn on the heating at home", "when I get a chance, turn on the heating at home",
    "close the garage door", "I arrived early today",
])
def test_no_arrival_phrase_means_now(text: str) -> None:
    assert not before_arrival(text)


def test_home_request_now_and_never_a_vehicle_command() -> None:
    turn = fast().handle("set the heating at home to 21 degrees", ctx())
    (req,) = turn.home_requests
    assert (req.device, req.action, req.value, req.when) == ("heating", "set", "21", "now")
    assert turn.commands == [] and not req.confirmed
    assert turn.to_dict()["home_requests"][0]["device"] == "heating"


def test_doubtful_arrival_request_keeps_its_time_after_the_yes() -> None:
    p = fast()
    asked = p.handle("turn on the heating at home before I arrive", ctx(0, doubt="audio gap"))
    assert asked.home_requests == [] and asked.awaiting_confirmation
    (req,) = p.handle("yes", ctx(3)).home_requests
    assert (req.device, req.when) == ("heating", "before_arrival")


def test_needs_confirmation_is_asked_and_a_yes_sends_it_confirmed() -> None:
    p = fast()
    p.handle("open the garage door at home", ctx(0))
    asked = p.on_home_status(state="NEEDS_CONFIRMATION", device="garage_door", action="open",
                             text="Shall I open the garage door at home?", context=ctx(1))
    assert asked is not None and asked.proactive
    assert asked.text == "Shall I open the garage door at home?"
    yes = p.handle("yes please", ctx(4))
    (req,) = yes.home_requests
    assert (req.device, req.action, req.confirmed) == ("garage_door", "open", True)
    # a no sends nothing
    p.on_home_status(state="NEEDS_CONFIRMATION", device="alarm", action="off", context=ctx(10))
    no = p.handle("no", ctx(12))
    assert no.home_requests == [] and no.text == "OK, I won't."


def test_status_is_said_only_when_the_driver_has_not_heard_it() -> None:
    p = fast()
    said = "I turned the heating on at home, you're about 8 minutes away."
    assert p.on_home_status(state="SENT", device="heating", action="on", when="now",
                            text="The heating at home is on.") is None
    arrived = p.on_home_status(state="SENT", device="heating", action="on",
                               when="before_arrival", text=said)
    assert arrived is not None and arrived.text == said and arrived.proactive
    retried = p.on_home_status(state="SENT", device="lights", action="on", attempts=3,
                               text="The lights at home are on now.")
    assert retried is not None
    down = p.on_home_status(state="FAILED_RETRYING", device="heating", action="on",
                            text="I can't reach the home right now; I'll keep trying.")
    assert down is not None and "keep trying" in down.text
    assert p.on_home_status(state="WAITING_FOR_ARRIVAL", device="heating", action="on",
                            when="before_arrival", text="waiting") is None


def test_brand_without_smart_home_refuses() -> None:
    p = fast(brand={"allowed_functions": ["climate"]})
    turn = p.handle("turn on the heating at home", ctx())
    assert turn.home_requests == [] and turn.refused
