"""The trip history in SQLite: each trip once (a replayed bag adds nothing), kept for
``retention_days`` (deleted on open and on every write), forgotten on request.

The data stays in the car: this file is all there is, and ``forget`` empties it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cockpit_ai.trips import TripsError
from cockpit_ai.trips.detector import Trip, stamp_time

_SCHEMA = """
CREATE TABLE IF NOT EXISTS trips (
  id INTEGER PRIMARY KEY,
  trip_key TEXT NOT NULL UNIQUE,
  start_time TEXT NOT NULL,
  end_time TEXT NOT NULL,
  start_lat REAL NOT NULL, start_lon REAL NOT NULL,
  end_lat REAL NOT NULL, end_lon REAL NOT NULL,
  distance_m REAL NOT NULL,
  duration_s REAL NOT NULL,
  destination_name TEXT NOT NULL DEFAULT '',
  route_ways TEXT NOT NULL DEFAULT '[]',
  route_streets TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS trips_start ON trips (start_time);
"""


@dataclass
class StoredTrip:
    """A trip as kept (times timezone-aware UTC)."""

    start_time: datetime
    end_time: datetime
    start: tuple[float, float]
    end: tuple[float, float]
    distance_m: float
    duration_s: float
    destination_name: str = ""
    route_ways: list[int] = field(default_factory=list)
    route_streets: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The ``cockpit-ai trips list --json`` object (keys are a contract)."""
        return {"start_time": self.start_time.isoformat(), "end_time": self.end_time.isoformat(),
                "start": {"lat": self.start[0], "lon": self.start[1]},
                "end": {"lat": self.end[0], "lon": self.end[1]},
                "destination_name": self.destination_name,
                "distance_m": round(self.distance_m, 1), "route_ways": list(self.route_ways),
                "route_streets": list(self.route_streets),
                "duration_s": round(self.duration_s, 1)}


def stored(trip: Trip) -> StoredTrip:
    """A detected trip as it is kept."""
    assert trip.end is not None, "only an ended trip is kept"
    return StoredTrip(stamp_time(trip.start_ns), stamp_time(trip.end_ns), trip.start, trip.end,
                      trip.distance_m, trip.duration_s, trip.destination_name,
                      list(trip.ways), list(trip.streets))


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _iso(t: datetime) -> str:
    """One text form for every time (UTC, microseconds), so SQL compares them in order."""
    return _utc(t).isoformat(timespec="microseconds")


class TripStore:
    """``add`` ended trips, ``list`` them, ``forget`` them; thread-safe (one connection)."""

    def __init__(self, path: Path | str = ":memory:", *, retention_days: float = 90.0,
                 now: datetime | None = None) -> None:
        self.path = str(path)
        self.retention_days = float(retention_days)
        self._lock = threading.Lock()
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, check_same_thread=False)
            self.db.executescript(_SCHEMA)
            self.db.execute("SELECT COUNT(*) FROM trips").fetchone()
        except (sqlite3.Error, OSError) as exc:
            raise TripsError(f"cannot open the trip history {self.path}: {exc}") from None
        self.expire(now=now)

    def close(self) -> None:
        with self._lock:
            self.db.close()

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        with self._lock:
            try:
                cur = self.db.execute(sql, args)
                self.db.commit()
                return cur
            except sqlite3.Error as exc:
                raise TripsError(f"trip history {self.path}: {exc}") from None

    def add(self, trip: StoredTrip, *, key: str | None = None,
            now: datetime | None = None) -> bool:
        """Keep ``trip``; False when it is already kept: the same key (start second and
        place) or any kept trip overlapping it in time — a car makes one trip at a time, so
        a replay that lost its first fixes (a later start) is still the same trip."""
        from cockpit_ai.trips.detector import trip_key

        start_ns = int(_utc(trip.start_time).timestamp() * 1e9)
        overlap = self._run("SELECT 1 FROM trips WHERE start_time < ? AND end_time > ? LIMIT 1",
                            (_iso(trip.end_time), _iso(trip.start_time))).fetchone()
        if overlap is not None:
            self.expire(now=now)
            return False
        cur = self._run(
            "INSERT OR IGNORE INTO trips (trip_key, start_time, end_time, start_lat, start_lon,"
            " end_lat, end_lon, distance_m, duration_s, destination_name, route_ways,"
            " route_streets) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (key or trip_key(start_ns, trip.start), _iso(trip.start_time),
             _iso(trip.end_time), trip.start[0], trip.start[1], trip.end[0],
             trip.end[1], float(trip.distance_m), float(trip.duration_s),
             trip.destination_name, json.dumps(list(trip.route_ways)),
             json.dumps(list(trip.route_streets))))
        self.expire(now=now)
        return cur.rowcount == 1

    def list(self) -> list[StoredTrip]:
        """Every kept trip, oldest first."""
        rows = self._run(
            "SELECT start_time, end_time, start_lat, start_lon, end_lat, end_lon, distance_m,"
            " duration_s, destination_name, route_ways, route_streets FROM trips"
            " ORDER BY start_time").fetchall()
        return [StoredTrip(datetime.fromisoformat(r[0]), datetime.fromisoformat(r[1]),
                           (r[2], r[3]), (r[4], r[5]), r[6], r[7], r[8], json.loads(r[9]),
                           json.loads(r[10])) for r in rows]

    def expire(self, *, now: datetime | None = None) -> int:
        """Delete trips that started longer ago than the retention (0 = keep none)."""
        cutoff = _utc(now or datetime.now(UTC)) - timedelta(days=self.retention_days)
        return self._run("DELETE FROM trips WHERE start_time < ?", (_iso(cutoff),)).rowcount

    def forget(self, *, before: datetime | None = None) -> int:
        """Delete every trip (``before`` None) or those that started before ``before``."""
        if before is None:
            return self._run("DELETE FROM trips").rowcount
        return self._run("DELETE FROM trips WHERE start_time < ?",
                         (_iso(before),)).rowcount
