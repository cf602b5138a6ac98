"""planner/landmarks.py (the in-process search of `cockpit-ai ask`) is the landmark core's
one policy: the same places as ``policy.search`` for the tool requests the planner makes."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit_ai.enums import OpenState, WireSide
from cockpit_ai.landmark import policy
from cockpit_ai.landmark.hours import parse_time
from cockpit_ai.landmark.osm_import import import_files
from cockpit_ai.landmark.query import LandmarkFinder
from cockpit_ai.planner.errors import PlannerError
from cockpit_ai.planner.landmarks import core_search
from cockpit_ai.planner.tools import LandmarkRequest, ToolCall, landmark_request

CAR = (60.1700, 24.9400)
DRIVE_POIS = Path(__file__).resolve().parents[1] / "data" / "drive_pois.geojson"
AT = parse_time("2026-11-28T16:00:00Z")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The shared drive map around CAR (``test/data/drive_pois.geojson``)."""
    out = tmp_path / "pois.sqlite"
    import_files([DRIVE_POIS], out, log=lambda _m: None)
    return out


def _request(name: str, text: str = "", **args: object) -> LandmarkRequest:
    req = landmark_request(ToolCall(name, dict(args)), text=text)
    req.use_position, req.latitude_deg, req.longitude_deg = True, *CAR
    req.heading_deg = 0.0
    return req


CASES = [
    ("landmark", "what is that", {}),
    ("landmark", "what is that on the right", {"side": "right"}),
    ("poi_search", "find a vegan restaurant", {"category": "restaurant", "diet": "vegan"}),
    ("poi_search", "find a restaurant open now", {"category": "restaurant",
                                                   "open_now": True}),
    ("rest_break", "I need a break", {}),
]


@pytest.mark.parametrize(("tool", "text", "args"), CASES)
def test_core_search_is_the_policy(db: Path, tool: str, text: str, args: dict) -> None:
    search = core_search(db, at=AT)
    assert search is not None
    req = _request(tool, text, **args)
    places = search(req)
    with LandmarkFinder(db) as finder:
        _, expected = policy.search(finder, policy.Search(
            lat=req.latitude_deg, lon=req.longitude_deg, heading_deg=req.heading_deg, at=AT,
            side=policy.side_from_wire(req.side), categories=tuple(req.categories),
            diets=tuple(req.diets), cuisine=req.cuisine, name_contains=req.name_contains,
            open_now=req.open_now, radius_m=req.radius_m, limit=req.limit))
    assert [p.id for p in places] == [r.id for r in expected]
    for place, r in zip(places, expected, strict=True):
        assert place.side == policy.wire_side(r.side)
        assert place.open_now == OpenState.from_bool(r.open)


def test_the_policy_steps_reach_the_planner(db: Path) -> None:
    search = core_search(db, at=AT)
    assert search is not None
    # "what is that": notable places within 400 m only
    assert [p.id for p in search(_request("landmark", "what is that"))] == ["node/1"]
    # a search looks 1.5 km far
    found = search(_request("poi_search", "", category="restaurant"))
    assert [p.id for p in found] == ["node/3"]
    assert found[0].open_now == OpenState.YES
    # a break (open places; no rest area here) looks 5 km far: the cafe open on Saturdays
    # and the fuel stop, not the cafe closed at weekends
    assert [p.id for p in search(_request("rest_break"))] == ["node/4", "node/6"]
    right = search(_request("landmark", "what is that on the right", side="right"))
    assert all(p.side == WireSide.RIGHT for p in right)


def test_unknown_side_and_no_position_are_planner_errors(db: Path) -> None:
    search = core_search(db, at=AT)
    assert search is not None
    req = _request("landmark", "what is that")
    req.side = 9
    with pytest.raises(PlannerError, match="unknown side 9"):
        search(req)
    req = _request("landmark", "what is that")
    req.use_position = False
    with pytest.raises(PlannerError, match="no vehicle position"):
        search(req)
