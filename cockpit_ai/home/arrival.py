"""The before-arrival gate: a request waits until the ETA to home drops below its lead time.

Plain Python. The ETA comes from an injected ``eta_s(here, home) -> seconds`` (the road
graph's when ``cockpit_ai.route`` offers one, else straight-line distance over an average
urban speed), so tests need no map. A request is released once per trip: its key (the
device, action and value) is remembered until the trip ends — when the car reaches home
(within ``arrival_radius_m``) and leaves again, or when no fix came for ``trip_gap_s``
(the car was parked) — so a repeated or replayed request does not fire twice.
Fixes that are not finite or out of range are ignored: they never release anything.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cockpit_ai.home import HomeValueError

LatLon = tuple[float, float]
EtaFn = Callable[[LatLon, LatLon], float]
EARTH_RADIUS_M = 6_371_008.8


def distance_m(a: LatLon, b: LatLon) -> float:
    """Great-circle (haversine) distance in metres."""
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = (math.sin((la2 - la1) / 2) ** 2
         + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2)  # fmt: skip
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def straight_line_eta(speed_kmh: float) -> EtaFn:
    """ETA = straight-line distance / an average speed (no map needed)."""
    if not speed_kmh > 0:
        raise HomeValueError(f"average speed must be > 0 km/h, got {speed_kmh}")
    mps = speed_kmh / 3.6
    return lambda here, home: distance_m(here, home) / mps


def route_eta() -> EtaFn | None:
    """The road-graph ETA of ``cockpit_ai.route`` when that area is installed and offers one."""
    try:
        from cockpit_ai.route import graph  # type: ignore[attr-defined, unused-ignore]
    except ImportError:
        return None
    fn = getattr(graph, "eta_s", None)
    return fn if callable(fn) else None


def valid_fix(lat: float, lon: float) -> bool:
    """A position that may move the gate: finite, in range, not the 0,0 of a missing fix."""
    return (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90
            and -180 <= lon <= 180 and not (lat == 0.0 and lon == 0.0))  # fmt: skip


@dataclass
class Waiting:
    """A request held until the ETA drops below ``lead_time_s``."""

    key: str
    lead_time_s: float
    item: Any  # what the caller gets back when it is released


@dataclass
class Released:
    item: Any
    eta_s: float


@dataclass
class ArrivalGate:
    """Holds before-arrival requests; ``update`` with each fix releases the due ones."""

    home: LatLon | None
    eta_s: EtaFn
    arrival_radius_m: float = 150.0
    trip_gap_s: float = 1800.0
    last_eta_s: float = math.nan
    trip: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {"ignored_fixes": 0, "released": 0,
                                                            "trips": 0, "eta_errors": 0})
    _waiting: list[Waiting] = field(default_factory=list)
    _done: set[str] = field(default_factory=set)  # keys released this trip
    _at_home: bool = False
    _last_fix_t: float | None = None

    def add(self, key: str, lead_time_s: float, item: Any) -> bool:
        """Hold ``item``; False (nothing held) when ``key`` was already released this trip
        or is already waiting."""
        if self.home is None:
            raise HomeValueError("the home place is not set (home_lat, home_lon)")
        if key in self._done or any(w.key == key for w in self._waiting):
            return False
        self._waiting.append(Waiting(key, lead_time_s, item))
        return True

    def waiting(self) -> list[Waiting]:
        return list(self._waiting)

    def update(self, lat: float, lon: float, t: float) -> list[Released]:
        """A new fix at time ``t`` (s): the requests whose lead time the ETA has now reached."""
        if self.home is None:
            return []
        if not valid_fix(lat, lon) or not math.isfinite(t):
            self.counts["ignored_fixes"] += 1
            return []
        at_home = distance_m((lat, lon), self.home) <= self.arrival_radius_m
        parked = self._last_fix_t is not None and t - self._last_fix_t > self.trip_gap_s
        if (self._at_home and not at_home) or parked:  # a new trip: its requests fire anew
            self._new_trip()
        self._at_home = at_home
        self._last_fix_t = t
        try:
            eta = 0.0 if at_home else float(self.eta_s((lat, lon), self.home))
        except Exception:  # an ETA back end that fails must not stop the gate
            self.counts["eta_errors"] += 1
            return []
        if not math.isfinite(eta):
            self.counts["eta_errors"] += 1
            return []
        self.last_eta_s = eta
        out = [w for w in self._waiting if eta <= w.lead_time_s]
        if out:
            self._waiting = [w for w in self._waiting if eta > w.lead_time_s]
            self._done.update(w.key for w in out)
            self.counts["released"] += len(out)
        return [Released(w.item, eta) for w in out]

    def cancel(self, which: Callable[[str], bool]) -> list[Any]:
        """Drop the waiting requests whose key ``which`` picks (a newer wish replaced them)."""
        gone = [w for w in self._waiting if which(w.key)]
        self._waiting = [w for w in self._waiting if not which(w.key)]
        return [w.item for w in gone]

    def release(self, key: str) -> Any:
        """Take the waiting request ``key`` out now (the ETA is already below its lead)."""
        for w in self._waiting:
            if w.key == key:
                self._waiting.remove(w)
                self._done.add(key)
                self.counts["released"] += 1
                return w.item
        return None

    def _new_trip(self) -> None:
        self._done.clear()
        self.trip += 1
        self.counts["trips"] += 1
