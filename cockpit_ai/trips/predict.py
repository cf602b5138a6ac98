"""Where the driver usually goes from here at this time: a weighted vote of past trips.

A past trip counts by how close its start was in time of day (circular, within
``hours``), whether it was the same weekday (1), the same kind of day (weekday/weekend:
0.5) or not (0), and how near its start place was (within ``radius_m``). Destinations are
grouped by position (``cluster_m``); the best group's share of the weight is the
probability. Too little evidence (fewer than ``min_trips`` trips, a probability under
``min_probability``) gives None: no guess is better than a wrong one.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from cockpit_ai.trips.detector import distance_m
from cockpit_ai.trips.store import StoredTrip


@dataclass
class Prediction:
    """The likely destination (``cockpit-ai trips predict --json`` keys)."""

    destination_name: str
    lat: float
    lon: float
    probability: float
    trips: int
    usual_streets: list[str] = field(default_factory=list)
    usual_duration_s: float = 0.0
    usual_ways: list[int] = field(default_factory=list)  # OSM ways of the usual route

    def to_dict(self) -> dict[str, object]:
        return {"destination_name": self.destination_name, "lat": round(self.lat, 6),
                "lon": round(self.lon, 6), "probability": round(self.probability, 3),
                "trips": self.trips, "usual_streets": list(self.usual_streets),
                "usual_duration_s": round(self.usual_duration_s, 1)}


@dataclass
class PredictSettings:
    hours: float = 1.5
    radius_m: float = 1000.0
    cluster_m: float = 200.0
    min_trips: int = 2
    min_probability: float = 0.4


def _weight(trip: StoredTrip, lat: float, lon: float, at: datetime,
            s: PredictSettings) -> float:
    local = trip.start_time.astimezone(at.tzinfo) if at.tzinfo else trip.start_time
    if local.weekday() == at.weekday():
        day = 1.0
    elif (local.weekday() >= 5) == (at.weekday() >= 5):
        day = 0.5
    else:
        return 0.0
    minutes = abs((local.hour * 60 + local.minute) - (at.hour * 60 + at.minute))
    minutes = min(minutes, 1440 - minutes)
    when = 1.0 - minutes / (s.hours * 60.0)
    if when <= 0:
        return 0.0
    where = 1.0 - distance_m(trip.start, (lat, lon)) / s.radius_m
    return day * when * where if where > 0 else 0.0


def predict(trips: Iterable[StoredTrip], *, lat: float, lon: float, at: datetime,
            settings: PredictSettings | None = None) -> Prediction | None:
    """The likely destination of a trip starting at ``lat, lon`` at ``at`` (its timezone is
    the driver's: weekdays and hours are compared in it), or None."""
    s = settings or PredictSettings()
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    groups: list[list[tuple[float, StoredTrip]]] = []
    centres: list[tuple[float, float]] = []
    total = 0.0
    for trip in trips:
        w = _weight(trip, lat, lon, at, s)
        if w <= 0:
            continue
        total += w
        near = next((i for i, c in enumerate(centres) if distance_m(c, trip.end) <= s.cluster_m),
                    None)
        if near is None:
            centres.append(trip.end)
            groups.append([(w, trip)])
        else:
            groups[near].append((w, trip))
    if not groups or total <= 0:
        return None
    best = max(groups, key=lambda g: sum(w for w, _ in g))
    weight = sum(w for w, _ in best)
    probability = weight / total
    if len(best) < s.min_trips or probability < s.min_probability:
        return None
    names = Counter(t.destination_name for _, t in best if t.destination_name)
    lat_c = sum(w * t.end[0] for w, t in best) / weight
    lon_c = sum(w * t.end[1] for w, t in best) / weight
    routes = Counter(tuple(t.route_streets) for _, t in best if t.route_streets)
    usual = list(routes.most_common(1)[0][0]) if routes else []
    ways = next((list(t.route_ways) for _, t in best if list(t.route_streets) == usual
                 and t.route_ways), [])
    durations = [t.duration_s for _, t in best if t.duration_s > 0]
    return Prediction(names.most_common(1)[0][0] if names else "", lat_c, lon_c, probability,
                      len(best), usual, statistics.median(durations) if durations else 0.0,
                      ways)
