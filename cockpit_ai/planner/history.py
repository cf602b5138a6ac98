"""Past trips in a small SQLite store, to suggest the usual destination (route habits).

Rows older than the configured retention are deleted on open and on every write.
"""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cockpit_ai.planner.errors import PlannerError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS trips (
  id INTEGER PRIMARY KEY,
  started_at TEXT NOT NULL,
  origin_lat REAL, origin_lon REAL,
  dest_name TEXT NOT NULL, dest_lat REAL, dest_lon REAL
)"""


@dataclass
class Suggestion:
    """The usual destination for this time and place, and how many past trips say so."""

    destination: str
    trips: int
    latitude_deg: float = 0.0
    longitude_deg: float = 0.0


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6371.0 * math.hypot(x, y)


class TripHistory:
    """Trip store: ``record`` finished trips, ``usual_destination`` for a new start."""

    def __init__(self, path: Path | str = ":memory:", *, retention_days: float = 90.0) -> None:
        self.retention_days = retention_days
        try:
            self.db = sqlite3.connect(str(path), check_same_thread=False)
            self.db.execute(_SCHEMA)
        except sqlite3.Error as exc:
            raise PlannerError(f"cannot open trip history {path}: {exc}") from exc
        self.expire(now=datetime.now())

    def record(self, *, started_at: datetime, destination: str, origin: tuple[float, float],
               dest: tuple[float, float] = (0.0, 0.0)) -> None:
        self.db.execute(
            "INSERT INTO trips (started_at, origin_lat, origin_lon, dest_name, dest_lat, dest_lon)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (started_at.isoformat(), origin[0], origin[1], destination, dest[0], dest[1]),
        )
        self.db.commit()
        self.expire(now=datetime.now())

    def expire(self, *, now: datetime) -> int:
        """Delete trips older than the retention; returns how many."""
        cutoff = (now - timedelta(days=self.retention_days)).isoformat()
        cur = self.db.execute("DELETE FROM trips WHERE started_at < ?", (cutoff,))
        self.db.commit()
        return cur.rowcount

    def usual_destination(self, *, now: datetime, origin: tuple[float, float] | None,
                          hours: float = 2.0, radius_km: float = 3.0,
                          min_trips: int = 2) -> Suggestion | None:
        """Most frequent destination of past trips started near this time of day (same kind of
        day: weekday or weekend) and, when known, near this origin."""
        weekend = now.weekday() >= 5
        votes: Counter[str] = Counter()
        where: dict[str, tuple[float, float]] = {}
        minute_now = now.hour * 60 + now.minute
        for started, olat, olon, name, dlat, dlon in self.db.execute(
                "SELECT started_at, origin_lat, origin_lon, dest_name, dest_lat, dest_lon "
                "FROM trips"):
            t = datetime.fromisoformat(started)
            if (t.weekday() >= 5) != weekend:
                continue
            diff = abs(t.hour * 60 + t.minute - minute_now)
            if min(diff, 1440 - diff) > hours * 60:
                continue
            if origin is not None and olat is not None and _km(*origin, olat, olon) > radius_km:
                continue
            votes[name] += 1
            where[name] = (dlat or 0.0, dlon or 0.0)
        if not votes:
            return None
        name, count = votes.most_common(1)[0]
        if count < min_trips:
            return None
        return Suggestion(name, count, *where[name])
