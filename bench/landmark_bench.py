"""Landmark benchmark: import rate and database size for generated POIs, query latency of
side queries with filters, and the speed-up of the R*Tree over a linear scan of the same data.

    python bench/landmark_bench.py [--n 1000000] [--density 780] [--queries 2000]

The POIs are written as a real .osm.pbf (osmium) and imported through the same code as
``cockpit-ai poi import``. The default density, 780 POIs/km², is that of the bundled central
Helsinki extract: a city centre everywhere, the hard case for a radius query.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cockpit_ai.landmark.geometry import Side  # noqa: E402
from cockpit_ai.landmark.hours import parse_time  # noqa: E402
from cockpit_ai.landmark.osm_import import import_files  # noqa: E402
from cockpit_ai.landmark.query import LandmarkFinder, PoiQuery  # noqa: E402

CENTRE = (60.17, 24.94)
AT = parse_time("2026-11-28T16:00:00Z")
# (weight, tags) roughly as in central Helsinki (restaurants 16 %, shops 40 %, ...)
MIX = [
    (16, {"amenity": "restaurant"}), (7, {"amenity": "cafe"}), (4, {"amenity": "fast_food"}),
    (6, {"amenity": "pub"}), (3, {"amenity": "parking"}), (1, {"amenity": "fuel"}),
    (1, {"amenity": "charging_station"}), (40, {"shop": "clothes"}),
    (6, {"tourism": "artwork"}), (3, {"tourism": "hotel"}), (3, {"historic": "memorial"}),
    (2, {"tourism": "museum"}), (8, {"amenity": "bank"}),
]  # fmt: skip
HOURS = ["Mo-Fr 10:00-22:00; Sa 12:00-23:00", "24/7", "Mo-Su 11:00-02:00", "Tu-Su 11:00-17:00"]
DIETS = ["vegan", "vegetarian", "gluten_free", "halal"]


KINDS = [
    {"categories": ("restaurant",), "diets": ("vegan",), "radius_m": 500.0},
    {"categories": ("restaurant", "cafe"), "open_now": True, "radius_m": 500.0},
    {"min_prominence": 0.5, "radius_m": 300.0},  # "what is that landmark on my right?"
    {"categories": ("fuel", "charging_station"), "radius_m": 1000.0},
]
KIND_LABELS = [
    "vegan restaurant, 500 m", "restaurant or cafe open now, 500 m",
    "notable landmark, 300 m", "fuel or charging station, 1 km",
]  # fmt: skip


def write_pbf(path: Path, n: int, side_km: float, seed: int = 1) -> None:
    """n POI nodes uniformly in a square of side_km around CENTRE."""
    import osmium

    rng = random.Random(seed)
    dlat = side_km / 111.2 / 2
    dlon = dlat / math.cos(math.radians(CENTRE[0]))
    weights = [w for w, _ in MIX]
    with osmium.SimpleWriter(str(path)) as writer:
        for i in range(1, n + 1):
            tags = dict(rng.choices(MIX, weights)[0][1])
            tags["name"] = f"Place {i}"
            if tags.get("amenity") in ("restaurant", "cafe", "fast_food", "pub"):
                for diet in DIETS:
                    if rng.random() < 0.25:
                        tags[f"diet:{diet}"] = rng.choice(["yes", "only", "no"])
                if rng.random() < 0.5:
                    tags["opening_hours"] = rng.choice(HOURS)
            if rng.random() < 0.07:
                tags["wikidata"] = f"Q{i}"
            lat = CENTRE[0] + rng.uniform(-dlat, dlat)
            lon = CENTRE[1] + rng.uniform(-dlon, dlon)
            writer.add_node(osmium.osm.mutable.Node(id=i, location=(lon, lat), tags=tags))


def percentile(values: list[float], p: float) -> float:
    return float(np.percentile(values, p, method="nearest"))


def make_queries(count: int, side_km: float, seed: int = 2) -> list[PoiQuery]:
    """Side queries with filters from random positions well inside the generated square."""
    rng = random.Random(seed)
    inner = side_km / 111.2 / 2 * 0.8
    kinds = KINDS
    out = []
    for i in range(count):
        lat = CENTRE[0] + rng.uniform(-inner, inner)
        lon = CENTRE[1] + rng.uniform(-inner, inner) / math.cos(math.radians(CENTRE[0]))
        out.append(
            PoiQuery(
                lat=lat,
                lon=lon,
                heading_deg=rng.uniform(0, 360),
                at=AT,
                side=rng.choice(list(Side)),
                limit=5,
                **kinds[i % len(kinds)],
            )
        )
    return out


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)  # progress shows up when redirected too
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="generated POIs")
    parser.add_argument("--density", type=float, default=780.0, help="POIs per km²")
    parser.add_argument("--queries", type=int, default=2000, help="indexed queries to time")
    parser.add_argument("--scans", type=int, default=8, help="linear-scan queries to time")
    parser.add_argument("--workdir", type=Path, default=None, help="keep files here")
    args = parser.parse_args()

    side_km = math.sqrt(args.n / args.density)
    with tempfile.TemporaryDirectory(prefix="landmark-bench-") as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        pbf, db = work / "generated.osm.pbf", work / "generated.sqlite"
        print(f"generating {args.n:,} POIs over {side_km:.1f} km × {side_km:.1f} km "
              f"({args.density:g}/km²)")  # fmt: skip
        t0 = time.perf_counter()
        pbf.unlink(missing_ok=True)
        write_pbf(pbf, args.n, side_km)
        print(f"  wrote {pbf.name}: {pbf.stat().st_size / 1e6:.1f} MB in "
              f"{time.perf_counter() - t0:.1f} s")  # fmt: skip

        t0 = time.perf_counter()
        report = import_files([pbf], db, log=lambda m: None)
        import_s = time.perf_counter() - t0
        size = db.stat().st_size
        print(f"import: {report.pois:,} POIs in {import_s:.1f} s = "
              f"{report.pois / import_s:,.0f} POIs/s; database {size / 1e6:.1f} MB "
              f"({size / report.pois:.0f} bytes/POI)")  # fmt: skip

        queries = make_queries(args.queries, side_km)
        with LandmarkFinder(db) as finder:
            for q in queries[:50]:  # warm caches (SQLite pages, time zones, parsed hours)
                finder.query(q)
            times: list[float] = []
            cpu: list[float] = []
            found = 0
            for q in queries:
                t, c = time.perf_counter(), time.process_time()
                found += len(finder.query(q))
                cpu.append(time.process_time() - c)
                times.append(time.perf_counter() - t)
            p50, p99 = percentile(times, 50), percentile(times, 99)
            print(f"indexed query ({len(queries)} side queries with filters, "
                  f"{found / len(queries):.1f} results/query; goal p99 < 1 ms):\n"
                  f"  wall p50 {p50 * 1e3:.3f} ms, p99 {p99 * 1e3:.3f} ms, "
                  f"mean {statistics.fmean(times) * 1e3:.3f} ms\n"
                  f"  CPU  p50 {percentile(cpu, 50) * 1e3:.3f} ms, "
                  f"p99 {percentile(cpu, 99) * 1e3:.3f} ms (less sensitive to other load; "
                  f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")  # fmt: skip
            for i, label in enumerate(KIND_LABELS):
                kind = times[i :: len(KIND_LABELS)]
                print(f"    {label:48} p50 {percentile(kind, 50) * 1e3:.3f} ms, "
                      f"p99 {percentile(kind, 99) * 1e3:.3f} ms")  # fmt: skip

            scan_times: list[float] = []
            indexed_same: list[float] = []
            for q in queries[: args.scans]:
                t = time.perf_counter()
                linear = finder.query(q, use_index=False)
                scan_times.append(time.perf_counter() - t)
                t = time.perf_counter()
                indexed = finder.query(q)
                indexed_same.append(time.perf_counter() - t)
                if [r.id for r in linear] != [r.id for r in indexed]:
                    print("MISMATCH between linear scan and R*Tree answers", file=sys.stderr)
                    return 1
        scan = statistics.median(scan_times)
        idx = statistics.median(indexed_same)
        print(f"linear scan (same filters in SQL, geodesic on every survivor, same answers): "
              f"median {scan * 1e3:.1f} ms over {len(scan_times)} queries; R*Tree median "
              f"{idx * 1e3:.3f} ms on the same queries → speed-up {scan / idx:,.0f}× "
              f"(goal ≥ 100×)")  # fmt: skip
    real_data(args.queries)
    return 0


def real_data(count: int) -> None:
    """The same kinds of queries on the bundled central-Helsinki database, if installed."""
    from cockpit_ai.landmark.query import default_db

    db = default_db()
    if not db.is_file():
        print(f"(no bundled database at {db}; run `make setup` for the real-data figures)")
        return
    rng = random.Random(5)
    queries = [
        PoiQuery(lat=rng.uniform(60.164, 60.179), lon=rng.uniform(24.935, 24.953),
                 heading_deg=rng.uniform(0, 360), at=AT, side=rng.choice(list(Side)), limit=5,
                 **KINDS[i % len(KINDS)])
        for i in range(count)
    ]  # fmt: skip
    with LandmarkFinder(db) as finder:
        for q in queries[:50]:
            finder.query(q)
        times, cpu = [], []
        for q in queries:
            t, c = time.perf_counter(), time.process_time()
            finder.query(q)
            cpu.append(time.process_time() - c)
            times.append(time.perf_counter() - t)
        n = finder.store.count()
    print(
        f"real data ({n:,} POIs of central Helsinki, {count} queries as above): "
        f"wall p50 {percentile(times, 50) * 1e3:.3f} ms, p99 {percentile(times, 99) * 1e3:.3f} ms; "
        f"CPU p50 {percentile(cpu, 50) * 1e3:.3f} ms, p99 {percentile(cpu, 99) * 1e3:.3f} ms"
    )


if __name__ == "__main__":
    sys.exit(main())
