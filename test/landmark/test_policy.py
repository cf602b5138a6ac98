"""The one search policy (landmark/policy.py): radius steps and prominence by kind, the
break fallback, the wire sides; the same function `cockpit-ai ask` and the node call."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from geographiclib.geodesic import Geodesic
from landmark_helpers import CAR_DRIVE, feature

from cockpit_ai.enums import WireSide
from cockpit_ai.landmark import LandmarkError, policy
from cockpit_ai.landmark.geometry import Side
from cockpit_ai.landmark.hours import parse_time
from cockpit_ai.landmark.query import LandmarkFinder

G = Geodesic.WGS84
CAR = CAR_DRIVE  # where the drive map (drive_db) has its places
AT = parse_time("2026-11-28T16:00:00Z")  # Saturday 18:00 in Helsinki


def at(azimuth: float, distance: float) -> tuple[float, float]:
    g = G.Direct(CAR[0], CAR[1], azimuth, distance)
    return g["lat2"], g["lon2"]


def search(**kw: object) -> policy.Search:
    base: dict[str, object] = {"lat": CAR[0], "lon": CAR[1], "heading_deg": 0.0, "at": AT}
    base.update(kw)
    return policy.Search(**base)  # type: ignore[arg-type]


def landmark(**kw: object) -> policy.Search:
    """As the planner's landmark tool asks: three places, no filter."""
    return search(limit=policy.LANDMARK_LIMIT, **kw)


def brk(**kw: object) -> policy.Search:
    """As the planner's rest_break tool asks."""
    return search(categories=(policy.BREAK_CATEGORY,), **kw)


def ids(results: list) -> list[str]:
    return [r.id for r in results]


# ------------------------------------------------------------------ kinds and radius steps


def test_kind_of_request() -> None:
    assert brk().kind is policy.Kind.BREAK
    assert brk(limit=policy.LANDMARK_LIMIT).kind is policy.Kind.BREAK  # a break stays one
    assert landmark().kind is policy.Kind.LANDMARK
    assert landmark(categories=("museum",)).kind is policy.Kind.LANDMARK
    assert search().kind is policy.Kind.SEARCH
    assert search(categories=("cafe",)).kind is policy.Kind.SEARCH
    # a filter the landmark tool never sets makes it a search, even with three results
    assert landmark(diets=("vegan",)).kind is policy.Kind.SEARCH
    assert landmark(cuisine="pizza").kind is policy.Kind.SEARCH
    assert landmark(open_now=True).kind is policy.Kind.SEARCH


def test_radius_steps_by_kind() -> None:
    assert policy.to_query(landmark()).radius_m == policy.LANDMARK_RADIUS_M == 400.0
    assert (policy.to_query(landmark(categories=("museum",))).radius_m
            == policy.LANDMARK_CATEGORY_RADIUS_M)
    assert policy.to_query(search()).radius_m == policy.SEARCH_RADIUS_M == 1500.0
    assert policy.to_query(brk()).radius_m == policy.BREAK_RADIUS_M == 5000.0


def test_request_radius_and_limit_win_then_defaults_then_policy() -> None:
    assert policy.to_query(brk(radius_m=250.0)).radius_m == 250.0
    assert policy.to_query(brk(radius_m=250.0), default_radius_m=900.0).radius_m == 250.0
    assert policy.to_query(brk(), default_radius_m=900.0).radius_m == 900.0
    assert policy.to_query(search()).limit == policy.DEFAULT_LIMIT
    assert policy.to_query(search(), default_limit=8).limit == 8
    assert policy.to_query(search(limit=2), default_limit=8).limit == 2
    assert policy.to_query(landmark()).limit == policy.LANDMARK_LIMIT
    # the kind is the request's own: a node's default limit of 3 does not make every
    # limit-0 search a landmark question (no prominence filter, search radius)
    q = policy.to_query(search(), default_limit=policy.LANDMARK_LIMIT)
    assert (q.radius_m, q.min_prominence) == (policy.SEARCH_RADIUS_M, 0.0)


def test_prominence_only_for_plain_landmark_questions() -> None:
    assert policy.to_query(landmark()).min_prominence == policy.NOTABLE
    assert policy.to_query(landmark(categories=("museum",))).min_prominence == 0.0
    assert policy.to_query(search()).min_prominence == 0.0
    assert policy.to_query(brk()).min_prominence == 0.0


def test_query_carries_the_request() -> None:
    s = search(side=Side.RIGHT, categories=("restaurant",), diets=("vegan",), cuisine="thai",
               name_contains="yes", open_now=True, heading_deg=90.0)
    q = policy.to_query(s)
    assert (q.lat, q.lon, q.heading_deg, q.at, q.side) == (*CAR, 90.0, AT, Side.RIGHT)
    assert (q.categories, q.diets, q.cuisine, q.name_contains, q.open_now) == (
        ("restaurant",), ("vegan",), "thai", "yes", True)


# ------------------------------------------------------------------ against a database


def test_landmark_question_gets_notable_places_close_by(drive_db: Path) -> None:
    with LandmarkFinder(drive_db) as finder:
        query, results = policy.search(finder, landmark())
    assert query.radius_m == policy.LANDMARK_RADIUS_M
    assert ids(results) == ["node/1"]  # the bakery is not notable, the rest too far


def test_search_looks_further_than_a_landmark_question(drive_db: Path) -> None:
    with LandmarkFinder(drive_db) as finder:
        _, near = policy.search(finder, landmark(categories=("restaurant",)))
        _, found = policy.search(finder, search(categories=("restaurant",)))
    assert near == [] and ids(found) == ["node/3"]


def test_break_falls_back_to_cafe_and_fuel(drive_db: Path) -> None:
    with LandmarkFinder(drive_db) as finder:
        query, results = policy.search(finder, brk())
        plain = finder.query(policy.to_query(brk()))
    assert plain == []  # no rest area ...
    assert query.categories == policy.BREAK_FALLBACK  # ... so the answer's query is the fallback
    assert query.radius_m == policy.BREAK_RADIUS_M
    # both cafes (the one ahead first: heading north), then the fuel stop
    assert ids(results) == ["node/5", "node/4", "node/6"]


def test_break_prefers_a_rest_area(make_db: Callable[..., Path]) -> None:
    db = make_db([
        feature(*at(40, 3000), "node/4", amenity="cafe", name="Road Cafe"),
        feature(*at(60, 4500), "way/9", highway="rest_area", name="Lay-by"),
    ], name="rest")  # fmt: skip
    with LandmarkFinder(db) as finder:
        query, results = policy.search(finder, brk())
    assert query.categories == (policy.BREAK_CATEGORY,)
    assert ids(results) == ["way/9"]


def test_no_fallback_for_searches(drive_db: Path) -> None:
    with LandmarkFinder(drive_db) as finder:
        query, results = policy.search(finder, search(categories=("pharmacy",)))
    assert results == [] and query.categories == ("pharmacy",)


# ------------------------------------------------------------------ wire sides


def test_wire_sides_round_trip() -> None:
    assert policy.side_from_wire(WireSide.ANY) is None
    for side in Side:
        code = policy.wire_side(side)
        assert code.label == side.value
        assert policy.side_from_wire(int(code)) is side
    assert policy.wire_side(None) is WireSide.ANY


def test_unknown_wire_side_is_an_error() -> None:
    with pytest.raises(LandmarkError, match="unknown side 9"):
        policy.side_from_wire(9)


# ------------------------------------------------------------------ the command line

LASIPALATSI = (60.170518, 24.93728, 145.0)  # Mannerheimintie, heading south-east
# `poi query` flags → the request the planner's tools send the node (LandmarkQuery fields)
CLI_CASES: dict[str, tuple[list[str], dict[str, object]]] = {
    "what is that": (["--limit", "3"], {"limit": 3}),
    "on the right": (["--limit", "3", "--side", "right"], {"limit": 3, "side": Side.RIGHT}),
    "that museum": (["--limit", "3", "--category", "museum"],
                    {"limit": 3, "categories": ("museum",)}),
    "vegan open": (["--category", "restaurant,cafe", "--diet", "vegan", "--open-now"],
                   {"categories": ("restaurant", "cafe"), "diets": ("vegan",),
                    "open_now": True}),
    "break": (["--category", "rest_area"], {"categories": ("rest_area",)}),
    "defaults": ([], {}),
    "tight": (["--category", "cafe", "--radius", "200", "--limit", "8"],
              {"categories": ("cafe",), "radius_m": 200.0, "limit": 8}),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_cli_query_is_the_policy(
    case: str, helsinki_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`cockpit-ai poi query` answers what the node's policy answers for the same request."""
    import json

    from cockpit_ai.cli import main

    flags, fields = CLI_CASES[case]
    lat, lon, heading = LASIPALATSI
    assert main(["poi", "query", "--db", str(helsinki_db), "--lat", str(lat), "--lon",
                 str(lon), "--heading", str(heading), "--at", AT.isoformat(), "--json",
                 *flags]) == 0  # fmt: skip
    got = json.loads(capsys.readouterr().out)
    request = search(lat=lat, lon=lon, heading_deg=heading, **fields)
    with LandmarkFinder(helsinki_db) as finder:
        query, expected = policy.search(finder, request)
    assert got == json.loads(json.dumps([r.to_json() for r in expected]))
    assert got, "an empty answer would not show which policy ran"
    assert all(item["distance_m"] <= query.radius_m for item in got)
    if request.kind is policy.Kind.LANDMARK and not request.categories:
        assert all(item["prominence"] >= policy.NOTABLE for item in got)
