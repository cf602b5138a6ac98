"""The drivable street network of an OSM extract as a directed graph, and routes over it.

Nodes are OSM node ids (``lat``/``lon`` attributes); an edge is one step along a way in a
direction a car may drive it, so one-way streets, roundabouts and motorways are honoured.
Routes are the fastest path by travel time (networkx bidirectional Dijkstra); start and goal
are snapped onto the nearest street segment, not just the nearest node, so a position in the
middle of a long block starts there. ``nearest_way`` answers "which street am I on" for the
trip recorder from the same segments (a grid index, numpy only).
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from geographiclib.geodesic import Geodesic

from cockpit_ai.route import RouteError

WGS84 = Geodesic.WGS84

# Speed in km/h when a way has no usable ``maxspeed``; its keys are the drivable classes (one
# table, one source). Urban values: a Finnish city centre is 30-40 km/h, main roads 50.
DEFAULT_SPEED_KMH: dict[str, float] = {
    "motorway": 100.0, "motorway_link": 60.0,
    "trunk": 70.0, "trunk_link": 50.0,
    "primary": 50.0, "primary_link": 40.0,
    "secondary": 40.0, "secondary_link": 40.0,
    "tertiary": 40.0, "tertiary_link": 30.0,
    "unclassified": 30.0, "residential": 30.0,
    "living_street": 20.0, "service": 15.0,
}  # fmt: skip
ONEWAY_FORWARD = frozenset({"yes", "true", "1"})
ONEWAY_REVERSE = frozenset({"-1", "reverse"})
IMPLIED_ONEWAY_JUNCTIONS = frozenset({"roundabout", "circular"})
NO_ACCESS = frozenset({"no", "private"})
# Most specific first: motorcar=yes opens a way that access=no closes to everyone else.
ACCESS_KEYS = ("motorcar", "motor_vehicle", "vehicle", "access")
SIGNAL_DELAY_S = 10.0  # average wait at a traffic light (red about half the time)
SNAP_M = 250.0  # how far a route's start or goal may lie from the nearest street
WAY_MAX_M = 30.0  # nearest_way's default: further than this a car is not on a street
_CELL_M = 100.0  # grid index cell size
_MPH = 1.609344


@dataclass(frozen=True)
class Way:
    """An OSM way a position stands on (``distance_m``: from the position to the way)."""

    id: int
    name: str
    distance_m: float = 0.0


@dataclass(frozen=True)
class Route:
    """The fastest drive between two positions.

    ``streets`` are names in driving order (consecutive repeats merged, unnamed ways
    skipped); ``ways`` the OSM way ids likewise; ``points`` the polyline from the snapped
    start to the snapped goal; ``snap_start_m``/``snap_goal_m`` how far the given positions
    were from the street they were snapped onto.
    """

    distance_m: float
    duration_s: float
    streets: list[str]
    points: list[tuple[float, float]]
    ways: list[int]
    snap_start_m: float = 0.0
    snap_goal_m: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the keys of ``cockpit-ai route --json``, points as {lat, lon}."""
        return {"distance_m": self.distance_m, "duration_s": self.duration_s,
                "streets": list(self.streets),
                "points": [{"lat": lat, "lon": lon} for lat, lon in self.points],
                "ways": list(self.ways), "snap_start_m": self.snap_start_m,
                "snap_goal_m": self.snap_goal_m}  # fmt: skip


@dataclass(frozen=True)
class _Snap:
    """A position projected onto segment ``seg``: ``t`` in [0, 1] from node a to b."""

    seg: int
    t: float
    lat: float
    lon: float
    distance_m: float


def parse_speed(value: str | None) -> float | None:
    """``maxspeed`` in km/h: "50", "50 km/h", "30 mph"; None for "FI:urban", "none", ...."""
    if not value:
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph)?\s*", value)
    if not match:
        return None
    speed = float(match.group(1)) * (_MPH if match.group(2) == "mph" else 1.0)
    return speed if speed > 0 else None


def way_directions(tags: dict[str, str]) -> tuple[bool, bool] | None:
    """(forward, backward) a car may drive a way with these tags; None when not at all."""
    highway = tags.get("highway", "")
    if highway not in DEFAULT_SPEED_KMH or tags.get("area") == "yes":
        return None
    for key in ACCESS_KEYS:
        if key in tags:
            if tags[key] in NO_ACCESS:
                return None
            break
    oneway = tags.get("oneway", "")
    if oneway in ONEWAY_FORWARD:
        return True, False
    if oneway in ONEWAY_REVERSE:
        return False, True
    if oneway == "no":
        return True, True
    if tags.get("junction") in IMPLIED_ONEWAY_JUNCTIONS or highway.startswith("motorway"):
        return True, False
    return True, True


def check_position(lat: float, lon: float, what: str = "position") -> None:
    """Raise ``RouteError`` for NaN or out-of-range coordinates."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise RouteError(f"{what} {lat},{lon}: latitude and longitude must be numbers")
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise RouteError(f"{what} {lat},{lon}: latitude must be within ±90, longitude ±180")


def _distance(alat: float, alon: float, blat: float, blon: float) -> float:
    return float(WGS84.Inverse(alat, alon, blat, blon, Geodesic.DISTANCE)["s12"])


@dataclass(eq=False)
class StreetGraph:
    """Directed street graph plus a segment index; build with ``StreetGraph.load``.

    Edge attributes: ``length_m``, ``way`` (OSM id), ``name``, ``highway``, ``speed_kmh``,
    ``time_s`` (driving time plus ``delay_s``, the wait at a traffic light the edge ends
    at). A segment is one undirected node pair (``seg_nodes``) for snapping.
    """

    graph: nx.DiGraph
    source: str = ""
    seg_nodes: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.int64))
    _xy: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    _cells: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)
    _lat0: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ---- building -------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path | str | None = None) -> StreetGraph:
        """Read the drivable ``highway=*`` ways of an .osm/.osm.pbf file (default: the
        bundled Helsinki extract)."""
        if path is None:
            from cockpit_ai.landmark.assets import helsinki_pbf
            from cockpit_ai.paths import data_dir

            path = helsinki_pbf(data_dir())
        path = Path(path)
        if not path.is_file():
            raise RouteError(f"{path}: no such OSM file (the bundled extract comes with "
                             "`cockpit-ai assets install`)")  # fmt: skip
        import osmium

        graph = nx.DiGraph()
        signals: set[int] = set()

        class Handler(osmium.SimpleHandler):
            def node(self, n: Any) -> None:  # files list nodes before ways
                if n.tags.get("highway") == "traffic_signals":
                    signals.add(int(n.id))

            def way(self, w: Any) -> None:
                tags = {t.k: t.v for t in w.tags}
                directions = way_directions(tags)
                if directions is None:
                    return
                forward, backward = directions
                speed = parse_speed(tags.get("maxspeed")) or DEFAULT_SPEED_KMH[tags["highway"]]
                attrs = {"way": int(w.id), "name": tags.get("name", ""),
                         "highway": tags["highway"], "speed_kmh": speed}  # fmt: skip
                nodes = [(n.ref, n.lat, n.lon) for n in w.nodes if n.location.valid()]
                for (a, alat, alon), (b, blat, blon) in zip(nodes, nodes[1:], strict=False):
                    if a == b:
                        continue
                    length = _distance(alat, alon, blat, blon)
                    graph.add_node(a, lat=alat, lon=alon)
                    graph.add_node(b, lat=blat, lon=blon)
                    drive_s = length / (speed / 3.6)
                    for u, v, ok in ((a, b, forward), (b, a, backward)):
                        delay = SIGNAL_DELAY_S if v in signals else 0.0
                        old = graph.get_edge_data(u, v)
                        if ok and (old is None or drive_s + delay < old["time_s"]):
                            graph.add_edge(u, v, length_m=length, time_s=drive_s + delay,
                                           delay_s=delay, **attrs)

        try:
            Handler().apply_file(str(path), locations=True)
        except RuntimeError as exc:
            raise RouteError(f"{path}: not a readable OSM file ({exc})") from None
        if graph.number_of_edges() == 0:
            raise RouteError(f"{path}: no drivable highway=* ways found")
        street = cls(graph, source=str(path))
        street._index()
        return street

    def _index(self) -> None:
        """Segments in a local metric plane (x east, y north, metres) on a grid of cells."""
        pairs = {(min(u, v), max(u, v)) for u, v in self.graph.edges}
        self.seg_nodes = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
        lats = np.array([self.graph.nodes[n]["lat"] for n in self.graph.nodes])
        self._lat0 = float(np.mean(lats))
        ends = [self._plane_of(self.seg_nodes[:, i]) for i in (0, 1)]
        self._xy = np.hstack([ends[0], ends[1]])
        lo = np.floor(np.minimum(ends[0], ends[1]) / _CELL_M).astype(int)
        hi = np.floor(np.maximum(ends[0], ends[1]) / _CELL_M).astype(int)
        cells: dict[tuple[int, int], list[int]] = {}
        for i in range(len(self.seg_nodes)):
            for cx in range(lo[i, 0], hi[i, 0] + 1):
                for cy in range(lo[i, 1], hi[i, 1] + 1):
                    cells.setdefault((cx, cy), []).append(i)
        self._cells = {k: np.array(v, dtype=np.int64) for k, v in cells.items()}

    def _plane_of(self, nodes: Iterable[int]) -> np.ndarray:
        coords = np.array([(self.graph.nodes[n]["lat"], self.graph.nodes[n]["lon"])
                           for n in nodes], dtype=float).reshape(-1, 2)  # fmt: skip
        return self._plane(coords[:, 0], coords[:, 1])

    def _plane(self, lat: Any, lon: Any) -> np.ndarray:
        r = 6371008.8
        k = math.cos(math.radians(self._lat0))
        return np.column_stack([np.radians(lon) * r * k, np.radians(lat) * r])

    # ---- snapping -------------------------------------------------------------------------
    def _snap(self, lat: float, lon: float, max_m: float) -> _Snap | None:
        """The nearest segment within ``max_m`` (perpendicular distance) and the foot point.

        Cells within ``reach`` of the point's cell hold every segment closer than
        ``reach * _CELL_M``; the nearest one is usually in the first ring, so look there
        first and widen to ``max_m`` only when nothing that close was found.
        """
        p = self._plane(np.array([lat]), np.array([lon]))[0]
        cx, cy = (int(v) for v in np.floor(p / _CELL_M))
        full = int(math.ceil(max_m / _CELL_M))
        for reach in sorted({min(1, full), full}):
            found = [self._cells[c] for dx in range(-reach, reach + 1)
                     for dy in range(-reach, reach + 1)
                     if (c := (cx + dx, cy + dy)) in self._cells]  # fmt: skip
            if not found:
                continue
            idx = np.unique(np.concatenate(found))
            a, b = self._xy[idx, :2], self._xy[idx, 2:]
            ab = b - a
            den = np.einsum("ij,ij->i", ab, ab)
            t = np.einsum("ij,ij->i", p - a, ab) / np.where(den > 0, den, 1.0)
            t = np.clip(np.where(den > 0, t, 0.0), 0.0, 1.0)
            d = np.hypot(*(a + t[:, None] * ab - p).T)
            best = int(np.argmin(d))
            if d[best] <= min(max_m, reach * _CELL_M) or reach == full:
                break
        else:
            return None
        if not found or d[best] > max_m:
            return None
        seg, tb = int(idx[best]), float(t[best])
        u, v = (int(n) for n in self.seg_nodes[seg])
        nu, nv = self.graph.nodes[u], self.graph.nodes[v]
        flat = nu["lat"] + tb * (nv["lat"] - nu["lat"])
        flon = nu["lon"] + tb * (nv["lon"] - nu["lon"])
        # the local plane's distance: within 0.1 % of the geodesic over a city extract
        return _Snap(seg, tb, flat, flon, float(d[best]))

    def nearest_way(self, lat: float, lon: float, max_m: float = WAY_MAX_M) -> Way | None:
        """The drivable way whose nearest segment is within ``max_m`` of the position."""
        if not (math.isfinite(lat) and math.isfinite(lon)):
            return None
        snap = self._snap(lat, lon, max_m)
        if snap is None:
            return None
        data = self._segment_edge(snap.seg)
        return Way(int(data["way"]), str(data["name"]), round(snap.distance_m, 2))

    def _segment_edge(self, seg: int) -> dict[str, Any]:
        u, v = (int(n) for n in self.seg_nodes[seg])
        data = self.graph.get_edge_data(u, v) or self.graph.get_edge_data(v, u)
        assert data is not None  # every segment came from an edge
        return dict(data)

    # ---- routing --------------------------------------------------------------------------
    def route(self, start: tuple[float, float], goal: tuple[float, float], *,
              snap_m: float = SNAP_M) -> Route:
        """The fastest route by travel time; raises ``RouteError`` with the reason."""
        check_position(*start, what="start")
        check_position(*goal, what="goal")
        snaps = []
        for what, (lat, lon) in (("start", start), ("goal", goal)):
            snap = self._snap(lat, lon, snap_m)
            if snap is None:
                raise RouteError(f"{what} {lat:.6f},{lon:.6f} is more than {snap_m:.0f} m "
                                 f"from any drivable street of {self.source or 'the graph'}")
            snaps.append(snap)
        s, g = snaps
        with self._lock:  # two virtual nodes on the shared graph, removed again
            src, dst = -1, -2
            try:
                self._attach(src, s, outgoing=True)
                self._attach(dst, g, outgoing=False)
                self._same_segment(src, dst, s, g)
                try:
                    _, path = nx.bidirectional_dijkstra(self.graph, src, dst, weight="time_s")
                except nx.NetworkXNoPath:
                    raise RouteError(f"no drivable route from {start[0]:.6f},{start[1]:.6f} "
                                     f"to {goal[0]:.6f},{goal[1]:.6f} (one-way streets or "
                                     "no connection in the street graph)") from None
                return self._route_of(path, s, g)
            finally:
                for n in (src, dst):
                    if n in self.graph:
                        self.graph.remove_node(n)

    def _attach(self, node: int, snap: _Snap, *, outgoing: bool) -> None:
        """Connect a snapped position to the ends of its segment in the legal directions."""
        u, v = (int(n) for n in self.seg_nodes[snap.seg])
        self.graph.add_node(node, lat=snap.lat, lon=snap.lon)
        for end, at_end in ((u, snap.t <= 1e-9), (v, snap.t >= 1.0 - 1e-9)):
            if at_end:  # on a node: every street from (or to) it, whatever this segment allows
                zero = {"length_m": 0.0, "time_s": 0.0, "delay_s": 0.0, "way": 0, "name": ""}
                edge = (node, end) if outgoing else (end, node)
                self.graph.add_edge(*edge, **zero)
                return
        for a, b, frac_to_b in ((u, v, 1.0 - snap.t), (v, u, snap.t)):
            data = self.graph.get_edge_data(a, b)
            if data is None:
                continue
            if outgoing:  # from the position on to b, and b's traffic light
                self.graph.add_edge(node, b, **_part(data, frac_to_b, with_delay=True))
            else:  # from a along the segment to the position, short of b's light
                self.graph.add_edge(a, node, **_part(data, 1.0 - frac_to_b, with_delay=False))

    def _same_segment(self, src: int, dst: int, s: _Snap, g: _Snap) -> None:
        """Start and goal on one segment: the direct drive along it, if that way is legal."""
        if s.seg != g.seg:
            return
        u, v = (int(n) for n in self.seg_nodes[s.seg])
        for a, b, ahead in ((u, v, g.t >= s.t), (v, u, g.t <= s.t)):
            data = self.graph.get_edge_data(a, b)
            if data is not None and ahead:
                self.graph.add_edge(src, dst, **_part(data, abs(g.t - s.t), with_delay=False))
                return

    def _route_of(self, path: list[int], s: _Snap, g: _Snap) -> Route:
        distance = duration = 0.0
        streets: list[str] = []
        ways: list[int] = []
        for a, b in zip(path, path[1:], strict=False):
            data = self.graph.edges[a, b]
            distance += data["length_m"]
            duration += data["time_s"]
            if data["length_m"] <= 0.0:
                continue  # a snapped end exactly on a node
            if not ways or ways[-1] != data["way"]:
                ways.append(int(data["way"]))
            name = str(data["name"])
            if name and (not streets or streets[-1] != name):
                streets.append(name)
        points = [(float(self.graph.nodes[n]["lat"]), float(self.graph.nodes[n]["lon"]))
                  for n in path]  # fmt: skip
        points = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
        return Route(round(distance, 1), round(duration, 1), streets, points, ways,
                     round(s.distance_m, 1), round(g.distance_m, 1))

    # ---- facts ----------------------------------------------------------------------------
    def position(self, node: int) -> tuple[float, float]:
        """A node's (lat, lon)."""
        data = self.graph.nodes[node]
        return float(data["lat"]), float(data["lon"])


def _part(data: dict[str, Any], frac: float, *, with_delay: bool) -> dict[str, Any]:
    """Attributes of the fraction ``frac`` of an edge (its light's wait only if reached)."""
    delay = float(data["delay_s"]) if with_delay else 0.0
    return dict(data, length_m=data["length_m"] * frac, delay_s=delay,
                time_s=(data["time_s"] - data["delay_s"]) * frac + delay)  # fmt: skip


@functools.lru_cache(maxsize=1)
def default_graph() -> StreetGraph:
    """The bundled Helsinki street graph, loaded once per process."""
    return StreetGraph.load()


def eta_s(here: tuple[float, float], goal: tuple[float, float], *,
          graph: StreetGraph | None = None) -> float:
    """Seconds of driving from ``here`` to ``goal`` (default: the bundled graph); the
    ``(here, goal) -> seconds`` shape the home area's arrival gate takes. Raises
    ``RouteError`` when there is no route."""
    return (graph or default_graph()).route(here, goal).duration_s
