"""The spoken route summary and the ETA helper."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from cockpit_ai.route import RouteError
from cockpit_ai.route.graph import Route, default_graph
from cockpit_ai.route.spoken import describe, eta_s, say_distance, say_duration


def _route(distance_m: float, duration_s: float) -> Route:
    return Route(distance_m, duration_s, [], [], [])


@pytest.mark.parametrize(
    ("distance_m", "duration_s", "text"),
    [(1234.0, 230.0, "Kauppatori, 1.2 km, about 4 minutes"),
     (352.0, 50.0, "Kauppatori, 350 m, about 1 minute"),
     (12.0, 5.0, "Kauppatori, 10 m, about 1 minute"),
     (998.0, 150.0, "Kauppatori, 1.0 km, about 2 minutes"),
     (15400.0, 4200.0, "Kauppatori, 15 km, about 1 hour 10 minutes"),
     (120000.0, 7200.0, "Kauppatori, 120 km, about 2 hours")],
)  # fmt: skip
def test_describe(distance_m: float, duration_s: float, text: str) -> None:
    assert describe(_route(distance_m, duration_s), "Kauppatori") == text


def test_describe_without_a_name() -> None:
    assert describe(_route(2500.0, 400.0), "") == "2.5 km, about 7 minutes"
    assert say_distance(3.0) == "3 m" and say_duration(0.0) == "about 1 minute"


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lon: float


def test_eta_to_a_place_or_a_position() -> None:
    graph = default_graph()
    here, market = (60.1699, 24.9384), Place("Kauppatori", 60.1675, 24.9525)
    eta = eta_s(graph, here, market)
    assert eta == graph.route(here, (market.lat, market.lon)).duration_s
    assert eta == eta_s(graph, here, (market.lat, market.lon))
    assert 60 < eta < 300
    with pytest.raises(RouteError):
        eta_s(graph, here, (60.30, 24.95))  # far outside the extract
