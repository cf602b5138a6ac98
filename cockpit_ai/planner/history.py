"""The planner's view of the trip history: the same SQLite file the trips node records
(``cockpit_ai.trips``), asked for the usual destination (``route_suggest``).

One history, one rule: trips are kept and expired by ``trips.store.TripStore`` and the
usual destination is ``trips.predict.predict`` — the answer "where do I usually drive"
and the trip-start offer come from the same data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from cockpit_ai.planner.errors import PlannerError
from cockpit_ai.trips import TripsError
from cockpit_ai.trips.predict import PredictSettings, predict
from cockpit_ai.trips.store import StoredTrip, TripStore

#: without a known start place, every past trip counts as starting "here"
_ANYWHERE_M = 2.0e7


@dataclass
class Suggestion:
    """The usual destination for this time and place, and how many past trips say so."""

    destination: str
    trips: int
    latitude_deg: float = 0.0
    longitude_deg: float = 0.0
    streets: list[str] = field(default_factory=list)
    duration_s: float = 0.0


class TripHistory:
    """``record`` finished trips (scripts, tests), ``usual_destination`` for a new start."""

    def __init__(self, path: Path | str = ":memory:", *, retention_days: float = 90.0) -> None:
        try:
            self.store = TripStore(path, retention_days=retention_days)
        except TripsError as exc:
            raise PlannerError(str(exc)) from None

    def record(self, *, started_at: datetime, destination: str, origin: tuple[float, float],
               dest: tuple[float, float] = (0.0, 0.0), duration_s: float = 600.0) -> None:
        self.store.add(StoredTrip(started_at, started_at + timedelta(seconds=duration_s),
                                  origin, dest, 0.0, duration_s, destination))

    def usual_destination(self, *, now: datetime, origin: tuple[float, float] | None,
                          min_trips: int = 2) -> Suggestion | None:
        """The destination past trips started near this time of day, on the same kind of
        day and (when known) near this origin went to, or None."""
        settings = PredictSettings(min_trips=min_trips)
        if origin is None:
            settings.radius_m = _ANYWHERE_M
        lat, lon = origin if origin is not None else (0.0, 0.0)
        try:
            p = predict(self.store.list(), lat=lat, lon=lon, at=now, settings=settings)
        except TripsError as exc:
            raise PlannerError(str(exc)) from None
        if p is None or not p.destination_name:
            return None
        return Suggestion(p.destination_name, p.trips, p.lat, p.lon, list(p.usual_streets),
                          p.usual_duration_s)
