"""Trips benchmark: detection cost and prediction accuracy.

Prints (1) trip detection over a generated 1-hour drive in central Helsinki (10 Hz fixes,
20 Hz odometry, a park every ~12 minutes): CPU seconds per minute of driving for
``TripDetector`` without ways and with the street graph's ``nearest_way``, against the raw
geographiclib distance loop over the same fixes (ratio), and (2) top-1 accuracy of
``predict`` on a generated 3-month history of habits (weekday commute, gym evenings,
Saturday market, 15 % one-off trips): trained on the first 10 weeks, scored on the rest.

    python bench/trips_bench.py [--minutes 60] [--seed 13]
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from geographiclib.geodesic import Geodesic

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cockpit_ai.trips.detector import DetectorSettings, TripDetector, distance_m  # noqa: E402
from cockpit_ai.trips.predict import predict  # noqa: E402
from cockpit_ai.trips.store import StoredTrip  # noqa: E402

TZ = ZoneInfo("Europe/Helsinki")
CENTRE = (60.1699, 24.9384)


def drive(minutes: int, rng: random.Random) -> tuple[list[tuple[int, float, float]],
                                                     list[tuple[int, float]]]:
    """Fixes (ns, lat, lon) and speeds (ns, m/s): 11 minutes driving, 1 parked, repeated."""
    fixes: list[tuple[int, float, float]] = []
    speeds: list[tuple[int, float]] = []
    t0 = int(datetime(2026, 6, 10, 8, 0, tzinfo=TZ).timestamp() * 1e9)
    lat, lon, heading = CENTRE[0], CENTRE[1], rng.uniform(0, 360)
    for tick in range(minutes * 60 * 20):  # 20 Hz
        t_s = tick / 20
        parked = (t_s % 720) >= 660
        speed = 0.0 if parked else 8.0 + 4.0 * math.sin(t_s / 30)
        ns = t0 + int(t_s * 1e9)
        speeds.append((ns, speed))
        if tick % 2 == 0:  # 10 Hz fixes
            heading += rng.gauss(0, 3)
            if math.dist((lat, lon), CENTRE) > 0.015:  # stay in the bundled map
                heading = math.degrees(math.atan2(CENTRE[1] - lon, CENTRE[0] - lat))
            g = Geodesic.WGS84.Direct(lat, lon, heading, speed * 0.1)
            lat, lon = g["lat2"], g["lon2"]
            fixes.append((ns, lat, lon))
    return fixes, speeds


def run_detector(fixes: list[tuple[int, float, float]], speeds: list[tuple[int, float]],
                 way_of: object) -> tuple[float, int]:
    det = TripDetector(DetectorSettings(park_timeout_s=45.0), way_of=way_of)  # type: ignore[arg-type]
    merged = sorted([(ns, 0, (lat, lon)) for ns, lat, lon in fixes]
                    + [(ns, 1, (v, 0.0)) for ns, v in speeds])
    ended = 0
    t0 = time.process_time()
    for ns, kind, (a, b) in merged:
        events = det.on_fix(ns, a, b) if kind == 0 else det.on_speed(ns, a)
        ended += sum(e.kind == "ended" for e in events)
    ended += sum(e.kind == "ended" for e in det.end_now())
    return time.process_time() - t0, ended


def raw_distance(fixes: list[tuple[int, float, float]]) -> float:
    t0 = time.process_time()
    total = 0.0
    for (_, a, b), (_, c, d) in zip(fixes, fixes[1:], strict=False):
        total += Geodesic.WGS84.Inverse(a, b, c, d)["s12"]
    return time.process_time() - t0


PLACES = {"Home": (60.1841, 24.9500), "Office": (60.1686, 24.9317),
          "Gym": (60.1766, 24.9224), "Market": (60.1675, 24.9525),
          "Cottage road": (60.2000, 24.9000)}


def history(rng: random.Random) -> list[StoredTrip]:
    """13 weeks of a driver's habits, times in Helsinki."""
    trips: list[StoredTrip] = []
    day0 = datetime(2026, 3, 2, tzinfo=TZ)  # a Monday

    def add(start: datetime, a: str | tuple[float, float], b: str | tuple[float, float]) -> None:
        pa = PLACES[a] if isinstance(a, str) else a
        pb = PLACES[b] if isinstance(b, str) else b
        jitter = (pb[0] + rng.gauss(0, 0.0003), pb[1] + rng.gauss(0, 0.0005))
        d = distance_m(pa, pb)
        trips.append(StoredTrip(start, start + timedelta(seconds=d / 8), pa, jitter, d, d / 8,
                                b if isinstance(b, str) else ""))

    for n in range(91):
        day = day0 + timedelta(days=n)
        at = lambda h, sd, day=day: day + timedelta(hours=h + rng.gauss(0, sd))  # noqa: E731
        if day.weekday() < 5:
            add(at(8.0, 0.3), "Home", "Office")
            if day.weekday() in (1, 3):
                add(at(17.0, 0.4), "Office", "Gym")
                add(at(19.0, 0.3), "Gym", "Home")
            else:
                add(at(17.0, 0.5), "Office", "Home")
        elif day.weekday() == 5:
            add(at(10.0, 0.5), "Home", "Market")
            add(at(12.0, 0.5), "Market", "Home")
        else:
            add(at(11.0, 1.0), "Home", "Cottage road")
            add(at(18.0, 1.0), "Cottage road", "Home")
        for _ in range(rng.choice((0, 0, 1))):  # one-off errands
            a = rng.choice(list(PLACES))
            b = (CENTRE[0] + rng.uniform(-0.02, 0.02), CENTRE[1] + rng.uniform(-0.03, 0.03))
            add(at(rng.uniform(9, 21), 0.1), a, b)
    return sorted(trips, key=lambda t: t.start_time)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=int, default=60)
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    fixes, speeds = drive(args.minutes, rng)
    print(f"detection: {args.minutes} min drive, {len(fixes)} fixes, {len(speeds)} speeds")
    raw = raw_distance(fixes)
    plain, n_plain = run_detector(fixes, speeds, None)
    from cockpit_ai.route.graph import default_graph
    graph = default_graph()
    way_of = lambda lat, lon: (lambda w: (w.id, w.name) if w else None)(  # noqa: E731
        graph.nearest_way(lat, lon, max_m=30.0))
    with_ways, n_ways = run_detector(fixes, speeds, way_of)
    per_min = 1.0 / args.minutes
    print(f"  raw geographiclib loop: {raw * per_min * 1000:.2f} ms CPU / min of driving")
    print(f"  TripDetector (no ways): {plain * per_min * 1000:.2f} ms CPU / min, "
          f"{n_plain} trips, ratio {plain / raw:.1f}x raw")
    print(f"  TripDetector + nearest_way: {with_ways * per_min * 1000:.2f} ms CPU / min, "
          f"{n_ways} trips, ratio {with_ways / raw:.1f}x raw")

    trips = history(rng)
    cut = trips[0].start_time + timedelta(weeks=10)
    train = [t for t in trips if t.start_time < cut]
    test = [t for t in trips if t.start_time >= cut]
    answered = right = 0
    t0 = time.process_time()
    for t in test:
        p = predict(train, lat=t.start[0], lon=t.start[1], at=t.start_time.astimezone(TZ))
        if p is None:
            continue
        answered += 1
        right += distance_m((p.lat, p.lon), t.end) <= 200.0
    cpu = time.process_time() - t0
    print(f"prediction: {len(train)} trips (10 weeks) to learn, {len(test)} to score")
    print(f"  top-1 accuracy: {right / len(test):.1%} of all trips; answered "
          f"{answered / len(test):.1%}, right when answered {right / max(1, answered):.1%}")
    print(f"  {cpu / max(1, len(test)) * 1000:.2f} ms CPU per prediction")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
