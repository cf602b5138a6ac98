"""Has the car left the usual route? Once per trip, when the last ``off_ways`` streets it
drove are none of the usual route's and it has driven ``off_m`` on them (a noisy fix on a
cross street at a junction is not a new route), the trip's time on its new way (so far + the fastest
route from here to the usual destination) is given, to compare with the usual time."""

from __future__ import annotations

import math
from collections.abc import Callable

from cockpit_ai.trips.detector import Trip
from cockpit_ai.trips.predict import Prediction

#: seconds of driving from a position to another (the street graph's fastest route)
EtaFn = Callable[[tuple[float, float], tuple[float, float]], float]


class RouteWatch:
    """One trip's watch over its predicted usual route."""

    def __init__(self, trip_key: str, prediction: Prediction, *, eta_s: EtaFn,
                 off_ways: int = 2, off_m: float = 100.0) -> None:
        self.trip_key = trip_key
        self.prediction = prediction
        self.usual = set(prediction.usual_ways)
        self.eta_s = eta_s
        self.off_ways = off_ways
        self.off_m = off_m
        self.said = False
        self._off_since: float | None = None  # trip distance when it went off the route

    def check(self, trip: Trip, here: tuple[float, float], stamp_ns: int) -> float | None:
        """The new way's duration (s) the first time the trip is off the usual route."""
        if self.said or not self.usual or trip.key != self.trip_key:
            return None
        if trip.ways and trip.ways[-1] in self.usual:
            self._off_since = None
            return None
        if self._off_since is None:
            self._off_since = trip.distance_m
        recent = trip.ways[-self.off_ways:]
        if (len(trip.ways) <= self.off_ways or any(w in self.usual for w in recent)
                or trip.distance_m - self._off_since < self.off_m):
            return None
        self.said = True  # once per trip, also when no route is found from here
        goal = (self.prediction.lat, self.prediction.lon)
        try:
            ahead = float(self.eta_s(here, goal))
        except Exception:  # off the map: nothing to compare
            return None
        total = max(0.0, (stamp_ns - trip.start_ns) / 1e9) + ahead
        return total if math.isfinite(total) else None
