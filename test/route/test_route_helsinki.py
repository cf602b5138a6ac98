"""Routes on the bundled central-Helsinki extract, checked against the OSM data itself.

The hand-checked drive: from Kaivokatu in front of the railway station to Eteläranta at the
market square (Kauppatori). Every way of it is tagged oneway=yes in the extract (Kaivokatu,
Mannerheimintie's southbound carriageway, Eteläesplanadi eastbound, Eteläranta), so the
route must be Kaivokatu → Mannerheimintie → Eteläesplanadi → Eteläranta, and the way back
cannot use Eteläesplanadi: it goes by Pohjoisesplanadi, the westbound side of the park.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from geographiclib.geodesic import Geodesic

from cockpit_ai.route.graph import StreetGraph, default_graph

STATION = (60.1699, 24.9384)  # Kaivokatu, in front of the railway station
MARKET = (60.1675, 24.9525)  # Eteläranta by Kauppatori
ESPA_WEST, ESPA_EAST = 292727238, 1376293687  # ends of Eteläesplanadi (one-way, eastbound)


@pytest.fixture(scope="module")
def graph() -> StreetGraph:
    return default_graph()


@pytest.fixture(scope="module")
def oneway_ways(graph: StreetGraph) -> dict[int, list[int]]:
    """Node lists of the extract's oneway=yes ways, read straight from the file."""
    import osmium

    ways: dict[int, list[int]] = {}
    for obj in osmium.FileProcessor(graph.source).with_filter(osmium.filter.KeyFilter("highway")):
        if obj.is_way() and obj.tags.get("oneway") == "yes":
            ways[obj.id] = [n.ref for n in obj.nodes]
    return ways


def _straight(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(Geodesic.WGS84.Inverse(*a, *b)["s12"])


def _in_order(seq: list[str], wanted: list[str]) -> bool:
    it = iter(seq)
    return all(name in it for name in wanted)


def test_station_to_market_follows_the_one_way_streets(graph: StreetGraph) -> None:
    route = graph.route(STATION, MARKET)
    assert route.streets == ["Kaivokatu", "Mannerheimintie", "Eteläesplanadi", "Eteläranta"]
    straight = _straight(STATION, MARKET)  # about 850 m
    assert straight < route.distance_m < 1.5 * straight
    assert 60 < route.duration_s < 300  # 30 km/h streets: about 2 minutes
    assert route.snap_start_m < 10 and route.snap_goal_m < 10
    assert route.points[0] == pytest.approx(STATION, abs=1e-4)
    assert route.points[-1] == pytest.approx(MARKET, abs=1e-4)
    assert len(route.ways) == len(set(route.ways))  # each way once, in driving order


def test_market_to_station_goes_back_by_the_other_side_of_the_park(graph: StreetGraph) -> None:
    route = graph.route(MARKET, STATION)
    assert "Eteläesplanadi" not in route.streets
    assert _in_order(route.streets, ["Eteläranta", "Pohjoisesplanadi", "Mannerheimintie"])
    assert route.streets[-1] == "Kaivokatu"


def test_every_one_way_step_follows_the_way_node_order(
    graph: StreetGraph, oneway_ways: dict[int, list[int]]
) -> None:
    for start, goal in ((STATION, MARKET), (MARKET, STATION)):
        route = graph.route(start, goal)
        checked = [w for w in route.ways if w in oneway_ways]
        assert len(checked) >= 10
        for way in checked:
            nodes = oneway_ways[way]
            on_route = [route.points.index(graph.position(n)) for n in nodes
                        if graph.position(n) in route.points]  # fmt: skip
            assert on_route == sorted(on_route), way


def test_one_way_street_driven_both_ways_gives_different_routes(graph: StreetGraph) -> None:
    west, east = graph.position(ESPA_WEST), graph.position(ESPA_EAST)
    ahead, back = graph.route(west, east), graph.route(east, west)
    assert ahead.streets == ["Eteläesplanadi"]
    assert "Eteläesplanadi" not in back.streets
    assert back.distance_m > ahead.distance_m * 1.3
    assert back.duration_s > ahead.duration_s


def test_nearest_way_is_the_street_the_point_stands_on(graph: StreetGraph) -> None:
    way = graph.nearest_way(60.16715, 24.94800)  # on Eteläesplanadi, south of the park
    assert way is not None and way.name == "Eteläesplanadi" and way.distance_m < 10
    station = graph.nearest_way(*STATION)
    assert station is not None and station.name == "Kaivokatu"
    assert graph.nearest_way(60.1600, 24.9300) is None  # out at sea, west of the extract
    assert default_graph() is graph  # loaded once per process


def test_default_graph_is_the_bundled_extract(graph: StreetGraph) -> None:
    assert Path(graph.source).name == "helsinki.osm.pbf"
    assert graph.graph.number_of_nodes() > 1000
    assert all(d["time_s"] > 0 for _, _, d in graph.graph.edges(data=True))


def test_routes_from_many_threads_are_the_same_as_one_at_a_time(graph: StreetGraph) -> None:
    from concurrent.futures import ThreadPoolExecutor

    nodes = sorted(graph.graph.nodes)[::97]
    pairs = [(graph.position(a), graph.position(b)) for a in nodes[:6] for b in nodes[-6:]]

    def run(pair: tuple[tuple[float, float], tuple[float, float]]) -> object:
        try:
            return graph.route(*pair)
        except ValueError as exc:  # a node at the edge of the extract may have no way out
            return str(exc)

    alone = [run(p) for p in pairs]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(run, pairs)) == alone
    assert all(n >= 0 for n in graph.graph.nodes)  # no virtual start/goal node left behind
