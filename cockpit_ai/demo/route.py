"""A GPS track along real streets: OSM ``highway=*`` ways → graph → shortest path → drive.

The route follows the street network of the same OpenStreetMap extract the landmark node
uses, so the landmarks a question refers to really stand beside the road. Speed follows a
simple profile (accelerate, cruise, brake for a stop at a light, go on), and fixes carry
GNSS noise with a fixed seed so every generated bag is the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
from geographiclib.geodesic import Geodesic

from cockpit_ai.errors import CockpitError

WGS84 = Geodesic.WGS84
DRIVABLE = {"primary", "secondary", "tertiary", "residential", "unclassified", "living_street",
            "primary_link", "secondary_link", "tertiary_link", "trunk", "trunk_link"}


class RouteError(CockpitError, ValueError):
    """No street graph or no route between the given points."""


@dataclass(frozen=True)
class Streets:
    """Street graph: node coordinates and neighbours with distances (metres)."""

    coords: dict[int, tuple[float, float]]
    edges: dict[int, list[tuple[int, float]]]
    names: dict[tuple[int, int], str]


def load_streets(pbf: Path) -> Streets:
    """Drivable ways of an OSM file as an undirected graph (one-way rules are not needed
    for a replayed demo track, and the demo's route is checked to be plausible)."""
    import osmium

    coords: dict[int, tuple[float, float]] = {}
    edges: dict[int, list[tuple[int, float]]] = {}
    names: dict[tuple[int, int], str] = {}

    class Handler(osmium.SimpleHandler):
        def way(self, w: object) -> None:
            tags = w.tags  # type: ignore[attr-defined]
            if tags.get("highway") not in DRIVABLE or tags.get("access") in ("no", "private"):
                return
            nodes = [(n.ref, n.lat, n.lon) for n in w.nodes if n.location.valid()]  # type: ignore
            for (a, alat, alon), (b, blat, blon) in zip(nodes, nodes[1:], strict=False):
                d = WGS84.Inverse(alat, alon, blat, blon)["s12"]
                coords[a], coords[b] = (alat, alon), (blat, blon)
                edges.setdefault(a, []).append((b, d))
                edges.setdefault(b, []).append((a, d))
                names[(a, b)] = names[(b, a)] = tags.get("name", "")

    Handler().apply_file(str(pbf), locations=True)
    if not edges:
        raise RouteError(f"{pbf}: no drivable highway=* ways found")
    return Streets(coords, edges, names)


def nearest_node(streets: Streets, lat: float, lon: float) -> int:
    """The graph node closest to a position."""
    best, best_d = -1, math.inf
    for node, (nlat, nlon) in streets.coords.items():
        d = WGS84.Inverse(lat, lon, nlat, nlon)["s12"]
        if d < best_d:
            best, best_d = node, d
    return best


def street_graph(streets: Streets) -> nx.Graph:
    """The streets as a weighted networkx graph (the shortest of parallel segments)."""
    graph = nx.Graph()
    for a, neighbours in streets.edges.items():
        for b, w in neighbours:
            if not graph.has_edge(a, b) or w < graph[a][b]["weight"]:
                graph.add_edge(a, b, weight=w)
    return graph


def shortest_path(streets: Streets, start: int, goal: int,
                  graph: nx.Graph | None = None) -> list[int]:
    """Dijkstra over the street graph (networkx); ``graph`` from ``street_graph`` if given."""
    graph = street_graph(streets) if graph is None else graph
    try:
        return list(nx.dijkstra_path(graph, start, goal, weight="weight"))
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        raise RouteError("no street route between the two points") from None


def route_points(streets: Streets, waypoints: list[tuple[float, float]]
                 ) -> list[tuple[float, float]]:
    """Positions along the streets through the given waypoints, in order."""
    nodes: list[int] = []
    graph = street_graph(streets)
    for (alat, alon), (blat, blon) in zip(waypoints, waypoints[1:], strict=False):
        leg = shortest_path(streets, nearest_node(streets, alat, alon),
                            nearest_node(streets, blat, blon), graph)
        nodes += leg if not nodes else leg[1:]
    return [streets.coords[n] for n in nodes]


@dataclass(frozen=True)
class TrackPoint:
    """The true vehicle state at time ``t`` (seconds from the start)."""

    t: float
    lat: float
    lon: float
    heading_deg: float
    speed_mps: float
    distance_m: float


def drive(points: list[tuple[float, float]], *, cruise_mps: float = 8.3, accel: float = 1.2,
          stop_at_m: float | None = None, stop_s: float = 8.0, rate_hz: float = 10.0,
          duration_s: float | None = None) -> list[TrackPoint]:
    """Sample a drive along ``points`` at ``rate_hz``: speed profile and heading per sample.

    The car accelerates to ``cruise_mps``, brakes to a stop at ``stop_at_m`` along the route
    (a red light) for ``stop_s``, drives on and stops at the end.
    """
    seg_len = [WGS84.Inverse(a[0], a[1], b[0], b[1])["s12"] for a, b in
               zip(points, points[1:], strict=False)]
    total = float(sum(seg_len))
    cum = np.concatenate([[0.0], np.cumsum(seg_len)])
    dt = 1.0 / rate_hz
    t, s, v = 0.0, 0.0, 0.0
    stopped_until: float | None = None
    out: list[TrackPoint] = []
    heading = WGS84.Inverse(*points[0], *points[1])["azi1"] % 360
    while s < total - 0.05 and (duration_s is None or t <= duration_s):
        # where must we stop next, and how far is it
        target = total
        if stop_at_m is not None and s < stop_at_m - 0.05:
            target = stop_at_m
        to_go = target - s
        brake_v = math.sqrt(max(0.0, 2 * accel * to_go))
        if stopped_until is not None:
            v = 0.0
            if t >= stopped_until:
                stopped_until = None
                stop_at_m = None
        elif stop_at_m is not None and to_go < 0.3 and v < 0.5:
            v, stopped_until = 0.0, t + stop_s
        else:
            v = min(cruise_mps, v + accel * dt, max(brake_v, 0.3))
        s = min(total, s + v * dt)
        i = int(np.searchsorted(cum, s, side="right") - 1)
        i = min(max(i, 0), len(seg_len) - 1)
        frac = 0.0 if seg_len[i] == 0 else (s - cum[i]) / seg_len[i]
        a, b = points[i], points[i + 1]
        line = WGS84.InverseLine(a[0], a[1], b[0], b[1])
        pos = line.Position(frac * line.s13)
        if seg_len[i] > 0.5:
            heading = pos["azi2"] % 360
        out.append(TrackPoint(round(t, 6), pos["lat2"], pos["lon2"], heading, v, s))
        t += dt
    return out


def noisy_fix(point: TrackPoint, rng: np.random.Generator, *, sigma_m: float = 1.5
              ) -> tuple[float, float]:
    """The position a GNSS receiver would report: true position + Gaussian noise."""
    north, east = rng.normal(0.0, sigma_m, 2)
    azi = math.degrees(math.atan2(east, north))
    dist = math.hypot(north, east)
    pos = WGS84.Direct(point.lat, point.lon, azi, dist)
    return pos["lat2"], pos["lon2"]
