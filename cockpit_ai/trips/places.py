"""What a trip's positions are called: the street (OSM way) a fix stands on, from the
bundled street graph, and the nearest named place at the destination, from the POI
database. Both are lookups in data that ships with the package; nothing leaves the car."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: a fully prominent place counts as this many metres nearer (the museum, not the shop)
PROMINENCE_M = 200.0
_NOT_PLACES = {"artwork", "memorial", "bench", "toilets", "parking", "bicycle_rental",
               "waste_basket", "vending_machine"}


class StreetLookup:
    """``(way id, street name)`` of the street under a position (None: none within
    ``max_m``, or no street graph — then trips are kept without their streets)."""

    def __init__(self, *, max_m: float = 30.0) -> None:
        from cockpit_ai.route.graph import default_graph

        self.graph = default_graph()
        self.max_m = max_m

    def __call__(self, lat: float, lon: float) -> tuple[int, str] | None:
        way = self.graph.nearest_way(lat, lon, max_m=self.max_m)
        return None if way is None else (int(way.id), way.name)


class PlaceNames:
    """The nearest named place within ``radius_m`` of a position ("" when there is none)."""

    def __init__(self, db: Path | None = None, *, radius_m: float = 150.0) -> None:
        from cockpit_ai.landmark.query import LandmarkFinder, default_db

        self.finder: Any = LandmarkFinder(db or default_db())
        self.radius_m = radius_m

    def __call__(self, lat: float, lon: float) -> str:
        from cockpit_ai.landmark.query import PoiQuery

        found = self.finder.query(PoiQuery(lat, lon, None, datetime.now(UTC),
                                           radius_m=self.radius_m, limit=10))
        # a building or a venue names a destination; a statue beside it does not
        named = [r for r in found if (r.name_en or r.name) and r.category not in _NOT_PLACES]
        if not named:
            return ""
        best = min(named, key=lambda r: r.distance_m - PROMINENCE_M * r.prominence)
        return str(best.name_en or best.name)

    def close(self) -> None:
        self.finder.close()
