"""Graph rules on a small hand-written OSM file: one-way streets, access, snapping, errors.

    3 (C) ---- Pohjoiskatu ---- 4 (D) ---- Kaukokatu ---- 6
    |                           |                         |
  Länsikatu     (Suljettu, access=no, 1-4)   Itäkatu     Reunakatu
    |                           |                         |
    1 (A) -- Yksisuuntainen --> 2 (B) <-- Takaperoinen -- 5 (E)

Squares of about 223 m × 222 m at 60° N; ``Saari`` (7-8) is an island nobody can reach.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from route_helpers import NODES, A, B, C, D, E, write_osm

from cockpit_ai.errors import CockpitError
from cockpit_ai.route import RouteError
from cockpit_ai.route.graph import (
    DEFAULT_SPEED_KMH,
    SIGNAL_DELAY_S,
    StreetGraph,
    eta_s,
    parse_speed,
    way_directions,
)


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> StreetGraph:
    return StreetGraph.load(write_osm(tmp_path_factory.mktemp("osm") / "grid.osm"))


def test_one_way_street_is_driven_forward_only(graph: StreetGraph) -> None:
    ahead = graph.route(A, B)
    assert ahead.streets == ["Yksisuuntainen"]
    assert ahead.ways == [100]
    assert 215 < ahead.distance_m < 230
    back = graph.route(B, A)  # the longer legal way round the block
    assert back.streets == ["Itäkatu", "Pohjoiskatu", "Länsikatu"]
    assert 650 < back.distance_m < 680
    assert back.duration_s > ahead.duration_s * 2.5


def test_reverse_one_way_is_driven_against_the_node_order_only(graph: StreetGraph) -> None:
    assert graph.route(E, B).streets == ["Takaperoinen"]
    assert graph.route(B, E).streets == ["Itäkatu", "Kaukokatu", "Reunakatu"]


def test_no_access_way_is_not_in_the_graph(graph: StreetGraph) -> None:
    route = graph.route(A, D)
    assert "Suljettu" not in route.streets
    assert route.distance_m > 440  # not the 314 m diagonal
    assert 107 not in route.ways and not graph.graph.has_edge(1, 4)
    assert not graph.graph.has_edge(2, 3)  # a footway is no street


def test_start_in_the_middle_of_a_one_way_block_goes_on_forward(graph: StreetGraph) -> None:
    mid = (60.0, 25.002)
    route = graph.route(mid, A)
    assert route.streets == ["Yksisuuntainen", "Itäkatu", "Pohjoiskatu", "Länsikatu"]
    assert 770 < route.distance_m < 790
    assert route.points[0] == pytest.approx(mid)
    assert route.points[-1] == pytest.approx(A)


def test_start_and_goal_on_one_segment(graph: StreetGraph) -> None:
    west, east = (60.0, 25.001), (60.0, 25.003)
    assert graph.route(west, east).streets == ["Yksisuuntainen"]
    assert 105 < graph.route(west, east).distance_m < 118
    back = graph.route(east, west)  # round the block, then into the one-way street again
    assert back.streets == ["Yksisuuntainen", "Itäkatu", "Pohjoiskatu", "Länsikatu",
                            "Yksisuuntainen"]  # fmt: skip
    assert back.distance_m > 700


def test_snapping_distance_is_reported(graph: StreetGraph) -> None:
    near_a = (60.0 - 0.0005, 25.0005)  # 55 m south of Yksisuuntainen
    route = graph.route(near_a, B)
    assert route.snap_start_m == pytest.approx(55.7, abs=1.0)
    assert route.snap_goal_m == pytest.approx(0.0, abs=0.1)


def test_speed_from_maxspeed_or_the_class_table(graph: StreetGraph) -> None:
    edge = graph.graph.edges[6, 5]
    assert edge["speed_kmh"] == 50.0
    assert edge["time_s"] == pytest.approx(edge["length_m"] / (50 / 3.6))
    assert graph.graph.edges[1, 2]["speed_kmh"] == DEFAULT_SPEED_KMH["residential"]
    assert graph.graph.edges[1, 2]["way"] == 100 and graph.graph.edges[1, 2]["name"]


def test_traffic_light_wait_on_the_edges_that_reach_it(graph: StreetGraph) -> None:
    into, out = graph.graph.edges[3, 4], graph.graph.edges[4, 3]
    assert into["delay_s"] == SIGNAL_DELAY_S and out["delay_s"] == 0.0
    assert into["time_s"] == pytest.approx(out["time_s"] + SIGNAL_DELAY_S)
    mid = (60.002, 25.002)  # half-way along Pohjoiskatu, short of the light at D
    half_s = into["length_m"] / 2 / (30 / 3.6)
    assert graph.route(C, mid).duration_s == pytest.approx(half_s, abs=0.1)
    assert graph.route(mid, D).duration_s == pytest.approx(half_s + SIGNAL_DELAY_S, abs=0.1)


def test_route_as_json_and_eta(graph: StreetGraph) -> None:
    route = graph.route(A, B)
    out = route.as_dict()
    assert {"distance_m", "duration_s", "streets", "points", "ways"} <= out.keys()
    assert out["points"][0] == {"lat": A[0], "lon": A[1]}
    assert eta_s(A, B, graph=graph) == route.duration_s


def test_unreachable_goal_is_a_route_error(graph: StreetGraph) -> None:
    with pytest.raises(RouteError, match="no drivable route"):
        graph.route(A, NODES[7])


@pytest.mark.parametrize(
    ("start", "message"),
    [((math.nan, 25.0), "must be numbers"), ((91.0, 25.0), "within ±90"),
     ((60.0, 181.0), "within ±90"), ((60.05, 25.0), "more than 250 m")],
)  # fmt: skip
def test_bad_positions_are_route_errors(graph: StreetGraph, start: tuple[float, float],
                                        message: str) -> None:
    with pytest.raises(RouteError, match=message):
        graph.route(start, B)


def test_route_error_is_a_cockpit_value_error() -> None:
    assert issubclass(RouteError, CockpitError) and issubclass(RouteError, ValueError)


def test_nearest_way_by_perpendicular_distance(graph: StreetGraph) -> None:
    way = graph.nearest_way(60.0001, 25.002)  # 11 m north of the middle of Yksisuuntainen
    assert way is not None and (way.id, way.name) == (100, "Yksisuuntainen")
    assert way.distance_m == pytest.approx(11.1, abs=0.5)
    assert graph.nearest_way(60.001, 25.002) is None  # 111 m from every street
    assert graph.nearest_way(math.nan, 25.0) is None


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(RouteError, match="no such OSM file"):
        StreetGraph.load(tmp_path / "missing.osm.pbf")
    empty = tmp_path / "empty.osm"
    empty.write_text('<?xml version="1.0"?><osm version="0.6"></osm>\n', encoding="utf-8")
    with pytest.raises(RouteError, match="no drivable"):
        StreetGraph.load(empty)


@pytest.mark.parametrize(
    ("tags", "expected"),
    [({"highway": "residential"}, (True, True)),
     ({"highway": "residential", "oneway": "true"}, (True, False)),
     ({"highway": "residential", "oneway": "1"}, (True, False)),
     ({"highway": "residential", "oneway": "-1"}, (False, True)),
     ({"highway": "primary", "junction": "roundabout"}, (True, False)),
     ({"highway": "motorway"}, (True, False)),
     ({"highway": "motorway_link"}, (True, False)),
     ({"highway": "motorway", "oneway": "no"}, (True, True)),
     ({"highway": "service", "access": "private"}, None),
     ({"highway": "tertiary", "motor_vehicle": "no"}, None),
     ({"highway": "tertiary", "access": "no", "motor_vehicle": "yes"}, (True, True)),
     ({"highway": "footway"}, None), ({"highway": "construction"}, None), ({}, None)],
)  # fmt: skip
def test_way_directions(tags: dict[str, str], expected: tuple[bool, bool] | None) -> None:
    assert way_directions(tags) == expected


@pytest.mark.parametrize(
    ("value", "kmh"),
    [("50", 50.0), ("40 km/h", 40.0), ("30 mph", 48.28032), ("FI:urban", None),
     ("none", None), ("", None), (None, None), ("0", None)],
)  # fmt: skip
def test_parse_speed(value: str | None, kmh: float | None) -> None:
    assert parse_speed(value) == (pytest.approx(kmh) if kmh else None)
