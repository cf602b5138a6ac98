"""Routing benchmark on the bundled central-Helsinki street graph.

Prints (1) graph load time (OSM file → directed graph + segment index), (2) route query
latency p50/p95 over random node pairs through ``StreetGraph.route`` (snapping, virtual
start/goal nodes, bidirectional Dijkstra, summary) against networkx's own
``nx.shortest_path(G, s, t, weight="time_s")`` on the same pairs (ratio), with a check that
both find equally fast routes, and (3) ``nearest_way`` lookups per second.

    python bench/route_bench.py [--pairs 200] [--lookups 20000] [--osm FILE]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cockpit_ai.route.graph import StreetGraph  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=200)
    ap.add_argument("--lookups", type=int, default=20000)
    ap.add_argument("--osm", type=Path, default=None)
    args = ap.parse_args()
    rng = random.Random(13)

    loads = []
    for _ in range(5):
        t0 = time.perf_counter()
        street = StreetGraph.load(args.osm)
        loads.append(time.perf_counter() - t0)
    g = street.graph
    print(f"graph: {street.source}")
    print(f"  {g.number_of_nodes()} nodes, {g.number_of_edges()} directed edges, "
          f"{len(street.seg_nodes)} segments")
    print(f"  load (median of 5): {statistics.median(loads) * 1000:.0f} ms")

    core = max(nx.strongly_connected_components(g), key=len)  # pairs that have a route
    nodes = sorted(core)
    pairs = [(rng.choice(nodes), rng.choice(nodes)) for _ in range(args.pairs)]
    ours, raw, mismatches = [], [], 0
    for s, t in pairs:
        a, b = street.position(s), street.position(t)
        t0 = time.perf_counter()
        route = street.route(a, b)
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        path = nx.shortest_path(g, s, t, weight="time_s")
        raw.append(time.perf_counter() - t0)
        cost = sum(g.edges[u, v]["time_s"] for u, v in zip(path, path[1:], strict=False))
        mismatches += abs(cost - route.duration_s) > 0.2  # durations are rounded to 0.1 s
    p50, p95 = pct(ours, 0.5) * 1000, pct(ours, 0.95) * 1000
    r50, r95 = pct(raw, 0.5) * 1000, pct(raw, 0.95) * 1000
    print(f"route queries over {len(pairs)} random node pairs (largest strongly connected "
          f"part: {len(core)} nodes)")
    print(f"  StreetGraph.route     p50 {p50:.2f} ms  p95 {p95:.2f} ms")
    print(f"  nx.shortest_path      p50 {r50:.2f} ms  p95 {r95:.2f} ms")
    print(f"  ratio (ours / networkx): p50 {p50 / r50:.2f}×  p95 {p95 / r95:.2f}×")
    print(f"  routes slower than networkx's by > 0.2 s: {mismatches} of {len(pairs)}")

    lats = [d["lat"] for _, d in g.nodes(data=True)]
    lons = [d["lon"] for _, d in g.nodes(data=True)]
    points = [(rng.uniform(min(lats), max(lats)), rng.uniform(min(lons), max(lons)))
              for _ in range(args.lookups)]  # fmt: skip
    t0 = time.perf_counter()
    hits = sum(street.nearest_way(lat, lon) is not None for lat, lon in points)
    elapsed = time.perf_counter() - t0
    print(f"nearest_way (30 m): {args.lookups / elapsed:,.0f} lookups/s "
          f"({elapsed / args.lookups * 1e6:.0f} µs each), {hits / args.lookups:.0%} on a street")
    return 0


if __name__ == "__main__":
    sys.exit(main())
