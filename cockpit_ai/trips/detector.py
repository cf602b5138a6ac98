"""Trips from the car's own topics: fixes (position) and odometry (speed), by their stamps.

A trip starts when the car moves (speed at or above ``start_speed_mps`` for ``start_hold_s``,
or the position more than ``start_distance_m`` from where it was parked) and ends when it
has stood still (speed under ``park_speed_mps`` and no displacement) for
``park_timeout_s``. Every time is a message stamp, never the wall clock, so a replayed bag
gives the same trips. Bad input (NaN, out of range, 0,0, a stamp going backwards, a GNSS
jump) is counted and skipped; nothing raises.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from geographiclib.geodesic import Geodesic

WGS84 = Geodesic.WGS84
#: Consecutive fixes that agree with each other but not with the last accepted one: the
#: accepted one was the jump (a wrong first fix after a cold start), so the detector takes
#: the new ones instead of refusing every later fix until time makes the jump look slow.
REANCHOR_FIXES = 5
#: (way id, street name) of the street a position stands on, or None
WayOf = Callable[[float, float], "tuple[int, str] | None"]


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(WGS84.Inverse(a[0], a[1], b[0], b[1])["s12"])


def good_position(lat: float, lon: float) -> bool:
    """A fix that means a place: finite, in range, not the receivers' 0,0 default."""
    return (isinstance(lat, (int, float)) and isinstance(lon, (int, float))
            and math.isfinite(lat) and math.isfinite(lon)
            and abs(lat) <= 90.0 and abs(lon) <= 180.0 and (lat, lon) != (0.0, 0.0))


def stamp_time(ns: int) -> datetime:
    return datetime.fromtimestamp(ns / 1e9, tz=UTC)


def trip_key(start_ns: int, start: tuple[float, float]) -> str:
    """The same trip gives the same key: its start second and its start place (~10 m)."""
    return f"{start_ns // 1_000_000_000}@{start[0]:.4f},{start[1]:.4f}"


@dataclass
class Trip:
    """One drive from a parked place to the next."""

    start_ns: int
    start: tuple[float, float]
    end_ns: int = 0
    end: tuple[float, float] | None = None
    distance_m: float = 0.0
    ways: list[int] = field(default_factory=list)
    streets: list[str] = field(default_factory=list)
    destination_name: str = ""

    @property
    def key(self) -> str:
        return trip_key(self.start_ns, self.start)

    @property
    def duration_s(self) -> float:
        return max(0.0, (self.end_ns - self.start_ns) / 1e9) if self.end_ns else 0.0

    def add_way(self, way: tuple[int, str] | None) -> None:
        """Append the street a fix stands on, once per stretch on it."""
        if way is None:
            return
        way_id, name = way
        if not self.ways or self.ways[-1] != way_id:
            self.ways.append(int(way_id))
        if name and (not self.streets or self.streets[-1] != name):
            self.streets.append(name)


@dataclass
class TripEvent:
    """``kind`` "started" (the trip so far) or "ended" (the whole trip)."""

    kind: str
    trip: Trip


@dataclass
class DetectorSettings:
    """When a trip starts and ends (the node's parameters, one source: config/trips)."""

    start_speed_mps: float = 2.0
    start_hold_s: float = 2.0
    start_distance_m: float = 40.0
    park_speed_mps: float = 0.5
    park_timeout_s: float = 120.0
    min_trip_m: float = 100.0  # shorter "trips" (manoeuvring, GNSS wander) are not kept
    max_jump_mps: float = 70.0  # a fix implying more than this is a GNSS jump
    moved_m: float = 10.0  # a displacement this big counts as moving (no odometry)
    restart_s: float = 5.0  # stamps this far back: another timeline (a bag played again)
    odometry_live_s: float = 2.0  # odometry this recent decides moving; else displacement


class TripDetector:
    """Feed ``on_fix`` and ``on_speed`` in stamp order; they return the events they cause."""

    def __init__(self, settings: DetectorSettings | None = None, *,
                 way_of: WayOf | None = None) -> None:
        self.s = settings or DetectorSettings()
        self.way_of = way_of
        self.trip: Trip | None = None  # the trip under way
        self.counts = {"fixes": 0, "speeds": 0, "bad_fixes": 0, "bad_speeds": 0,
                       "backwards": 0, "jumps": 0, "trips": 0, "short_trips": 0,
                       "way_errors": 0, "restarts": 0, "reanchors": 0}
        self._fix: tuple[int, float, float] | None = None  # last good fix (ns, lat, lon)
        self._jumped: list[tuple[int, float, float]] = []  # refused fixes that agree
        self._speed_ns = 0
        self._parked_at: tuple[float, float] | None = None
        self._fast_since: int | None = None
        self._moving_ns = 0  # last stamp at which the car was seen moving
        self._moving_pos: tuple[float, float] | None = None

    # -- inputs ---------------------------------------------------------------------------
    def on_speed(self, stamp_ns: int, speed_mps: float) -> list[TripEvent]:
        if not isinstance(speed_mps, (int, float)) or not math.isfinite(speed_mps):
            self.counts["bad_speeds"] += 1
            return []
        events = self._timeline(stamp_ns, self._speed_ns)
        if stamp_ns < self._speed_ns:
            self.counts["backwards"] += 1
            return events
        self._speed_ns = stamp_ns
        self.counts["speeds"] += 1
        speed = abs(float(speed_mps))
        if self.trip is None:
            if speed >= self.s.start_speed_mps:
                self._fast_since = stamp_ns if self._fast_since is None else self._fast_since
                if (stamp_ns - self._fast_since) / 1e9 >= self.s.start_hold_s:
                    events += self._start(self._fast_since)
            else:
                self._fast_since = None
        elif speed >= self.s.park_speed_mps:
            self._moving_ns = max(self._moving_ns, stamp_ns)
        return events + self._check_end(stamp_ns)

    def on_fix(self, stamp_ns: int, lat: float, lon: float) -> list[TripEvent]:
        if not good_position(lat, lon):
            self.counts["bad_fixes"] += 1
            return []
        here = (float(lat), float(lon))
        events = self._timeline(stamp_ns, self._fix[0] if self._fix else 0)
        if self._fix is not None:
            last_ns, llat, llon = self._fix
            if stamp_ns < last_ns:
                self.counts["backwards"] += 1
                return events
            step = distance_m((llat, llon), here)
            dt = (stamp_ns - last_ns) / 1e9
            if dt > 0 and step / dt > self.s.max_jump_mps:
                self.counts["jumps"] += 1
                if not self._reanchor(stamp_ns, here):
                    return events
                step = 0.0  # the jump itself was never driven
                if self.trip is None:
                    self._parked_at = None  # parked here, not where the wrong fix said
            if self.trip is not None:
                self.trip.distance_m += step
        self._jumped.clear()
        self._fix = (stamp_ns, here[0], here[1])
        self.counts["fixes"] += 1
        if self.trip is None:
            if self._parked_at is None:
                self._parked_at = here
            elif distance_m(self._parked_at, here) > self.s.start_distance_m:
                events += self._start(stamp_ns)
        if self.trip is not None:
            self.trip.add_way(self._way(here))
            if self._moving_pos is None or distance_m(self._moving_pos, here) > self.s.moved_m:
                self._moving_pos = here
                if not self._odometry_live(stamp_ns):
                    self._moving_ns = max(self._moving_ns, stamp_ns)
        return events + self._check_end(stamp_ns)

    def end_now(self) -> list[TripEvent]:
        """End the trip under way at the last moment it moved (the car went quiet: ignition
        off, the bag ended). Used by the node after ``park_timeout_s`` without input."""
        if self.trip is None:
            return []
        return self._end()

    # -- state ----------------------------------------------------------------------------
    def _timeline(self, stamp_ns: int, last_ns: int) -> list[TripEvent]:
        """Stamps far behind the last ones: the drive is played again (or the clock was
        reset). The trip under way ends where it stopped; the new timeline starts parked."""
        if not last_ns or (last_ns - stamp_ns) / 1e9 <= self.s.restart_s:
            return []
        self.counts["restarts"] += 1
        events = self._end() if self.trip is not None else []
        self._fix, self._speed_ns, self._parked_at = None, 0, None
        self._jumped.clear()
        self._fast_since, self._moving_ns, self._moving_pos = None, 0, None
        return events

    def _reanchor(self, stamp_ns: int, here: tuple[float, float]) -> bool:
        """Whether a refused fix, with the ones refused just before it, outvotes the last
        accepted fix: :data:`REANCHOR_FIXES` in a row, each plausible from the one before."""
        if self._jumped:
            last_ns, llat, llon = self._jumped[-1]
            dt = (stamp_ns - last_ns) / 1e9
            if dt <= 0 or distance_m((llat, llon), here) / dt > self.s.max_jump_mps:
                self._jumped.clear()
        self._jumped.append((stamp_ns, here[0], here[1]))
        if len(self._jumped) < REANCHOR_FIXES:
            return False
        self.counts["reanchors"] += 1
        return True

    def _odometry_live(self, stamp_ns: int) -> bool:
        """Odometry arrived within ``odometry_live_s``: its speed says when the car moved. A
        fix after lost fixes shows a displacement that happened before it, so the fix alone
        would stretch a trip into the park that follows."""
        return bool(self._speed_ns) and abs(stamp_ns - self._speed_ns) / 1e9 <= \
            self.s.odometry_live_s

    def _way(self, here: tuple[float, float]) -> tuple[int, str] | None:
        if self.way_of is None:
            return None
        try:
            return self.way_of(*here)
        except Exception:  # a street lookup must never lose the trip
            self.counts["way_errors"] += 1
            return None

    def _start(self, stamp_ns: int) -> list[TripEvent]:
        if self._parked_at is not None:
            start = self._parked_at
        elif self._fix is not None:
            start = (self._fix[1], self._fix[2])
        else:
            return []  # moving, but nowhere yet: the first fix starts it
        self.trip = Trip(start_ns=stamp_ns, start=start)
        self.trip.add_way(self._way(start))
        if self._fix is not None:  # what it drove before the start was recognised
            self.trip.distance_m = distance_m(start, (self._fix[1], self._fix[2]))
        self._moving_ns = stamp_ns
        self._moving_pos = None
        self._fast_since = None
        return [TripEvent("started", self.trip)]

    def _check_end(self, stamp_ns: int) -> list[TripEvent]:
        if self.trip is None or (stamp_ns - self._moving_ns) / 1e9 < self.s.park_timeout_s:
            return []
        return self._end()

    def _end(self) -> list[TripEvent]:
        trip, self.trip = self.trip, None
        assert trip is not None
        trip.end_ns = max(self._moving_ns, trip.start_ns)
        trip.end = (self._fix[1], self._fix[2]) if self._fix is not None else trip.start
        self._parked_at = trip.end
        self._fast_since = None
        self._moving_pos = None
        if trip.distance_m < self.s.min_trip_m:
            self.counts["short_trips"] += 1
            return []
        self.counts["trips"] += 1
        return [TripEvent("ended", trip)]
