"""The usual destination offered once at a trip's start; a yes sets it. Core only."""

from __future__ import annotations

import math

from cockpit_ai.planner.planner import Context, Planner, Turn


def offer(p: Planner, trip: str = "t1", probability: float = 0.8, **kw: object) -> Turn | None:
    args: dict[str, object] = dict(trip_id=trip, destination="Office", latitude_deg=60.17,
                                   longitude_deg=24.94, probability=probability,
                                   usual_streets=["Mannerheimintie", "Runeberginkatu"],
                                   usual_duration_s=720.0, context=Context(session_id="c"))
    args.update(kw)
    return p.on_trip_started(**args)  # type: ignore[arg-type]


def test_offer_once_per_trip_then_yes_navigates() -> None:
    p = Planner(config={"fast_only": True})
    turn = offer(p)
    assert turn is not None and turn.proactive
    assert turn.text == ("Going to Office? Usual route via Mannerheimintie and "
                         "Runeberginkatu, 12 minutes.")
    assert offer(p) is None  # the same trip: never twice
    yes = p.handle("yes", Context(session_id="c", speed_mps=0.0))
    assert [(c.function, c.action, c.value) for c in yes.commands] == [
        ("navigation", "set", "Office")]
    again = offer(p, trip="t2", destination="Home", usual_streets=[])
    assert again is not None and again.text == "Going home? 12 minutes."  # the next trip


def test_weak_or_unnamed_predictions_are_not_offered() -> None:
    p = Planner(config={"fast_only": True})
    assert offer(p, probability=0.3) is None
    assert offer(p, trip="t2", probability=math.nan) is None
    assert offer(p, trip="t3", destination="") is None
    off = Planner(config={"fast_only": True, "trip_offer_min_probability": 0.0})
    assert offer(off) is None


def test_offer_without_route_details_and_a_no() -> None:
    p = Planner(config={"fast_only": True})
    turn = offer(p, usual_streets=[], usual_duration_s=0.0)
    assert turn is not None and turn.text == "Going to Office?"
    no = p.handle("no thanks", Context(session_id="c", speed_mps=0.0))
    assert no.commands == [] and no.text == "OK, I won't."


def test_leaving_the_usual_route_is_said_once_with_both_times() -> None:
    p = Planner(config={"fast_only": True})
    left = p.on_route_left(trip_id="t1", destination="Office", usual_duration_s=720.0,
                           route_duration_s=930.0)
    assert left is not None and left.proactive
    assert left.text == ("This isn't your usual way to Office: about 16 minutes this way, "
                         "12 by the usual one.")
    assert p.on_route_left(trip_id="t1", destination="Office", usual_duration_s=720.0,
                           route_duration_s=900.0) is None  # once per trip
    same = p.on_route_left(trip_id="t2", destination="Home", usual_duration_s=120.0,
                           route_duration_s=100.0)
    assert same is not None and same.text == ("This isn't your usual way to home: about 2 "
                                              "minutes, the same as the usual one.")
    assert p.on_route_left(trip_id="t3", destination="Office", usual_duration_s=720.0,
                           route_duration_s=math.nan) is None
