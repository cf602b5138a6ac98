"""The one query the CLI and the ROS node both use: places around the car, filtered and ranked.

``LandmarkFinder.query(PoiQuery(...))`` asks the R*Tree for the search box, keeps what the
tag filters (category, diet, cuisine) pass in SQL, then computes for each candidate the
geodesic distance and azimuth, the side relative to the heading and, when needed, whether it
is open at the given moment in its own time zone; it returns ranked ``PoiResult``s.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from cockpit_ai.landmark import LandmarkError
from cockpit_ai.landmark import hours as oh
from cockpit_ai.landmark.geometry import (
    Sectors,
    Side,
    distance_azimuth,
    relative_bearing,
    search_boxes,
    side_alignment,
)
from cockpit_ai.landmark.store import PoiRow, PoiStore, normalise_diet

MAX_RADIUS_M = 50_000.0
MAX_LIMIT = 1000


def default_db() -> Path:
    """The bundled database of central Helsinki that ``make setup`` installs."""
    from cockpit_ai.paths import data_dir

    return data_dir() / "poi" / "helsinki.sqlite"


@dataclass(frozen=True)
class RankWeights:
    """How the score adds up (higher first): closeness, notability, ahead, middle of the side."""

    distance: float = 1.0
    prominence: float = 0.6
    ahead: float = 0.2
    side: float = 0.8


@dataclass(frozen=True)
class PoiQuery:
    """One question: where the car is and points, what kind of place, and when it is.

    ``at`` is the moment for opening hours (timezone-aware; the caller's clock, so a bag
    replay answers for the recorded moment). ``heading_deg`` None means unknown: no sides.
    """

    lat: float
    lon: float
    heading_deg: float | None
    at: datetime
    side: Side | None = None
    radius_m: float = 500.0
    categories: tuple[str, ...] = ()
    diets: tuple[str, ...] = ()
    cuisine: str = ""
    name_contains: str = ""
    open_now: bool = False
    limit: int = 10
    min_prominence: float = 0.0


@dataclass(frozen=True)
class PoiResult:
    """A place relative to the vehicle, with the tags users ask about."""

    id: str
    name: str
    name_en: str
    category: str  # OSM value, e.g. "restaurant"
    category_key: str  # its key, e.g. "amenity"
    lat: float
    lon: float
    distance_m: float
    bearing_deg: float
    relative_bearing_deg: float | None
    side: Side | None
    open: bool | None
    opening_hours: str
    cuisine: str
    diets: tuple[str, ...]
    wikidata: str
    prominence: float
    score: float
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def category_tag(self) -> str:
        """``amenity=restaurant``; ``building=yes`` for the ones stored by their key."""
        value = "yes" if self.category == self.category_key else self.category
        return f"{self.category_key}={value}"

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict: the CLI's ``--json`` objects."""
        out = asdict(self)
        out["side"] = self.side.value if self.side is not None else None
        out["diets"] = list(self.diets)
        out["category_tag"] = self.category_tag
        for key in ("distance_m", "bearing_deg", "relative_bearing_deg", "score"):
            if out[key] is not None:
                out[key] = round(out[key], 2 if key != "score" else 4)
        return out


def _check_query(q: PoiQuery) -> None:
    if not (math.isfinite(q.lat) and -90.0 <= q.lat <= 90.0):
        raise LandmarkError(f"latitude {q.lat} must be a number in -90..90")
    if not (math.isfinite(q.lon) and -180.0 <= q.lon <= 180.0):
        raise LandmarkError(f"longitude {q.lon} must be a number in -180..180")
    if q.heading_deg is not None and not math.isfinite(q.heading_deg):
        raise LandmarkError(f"heading {q.heading_deg} must be a finite number of degrees")
    if not (0.0 < q.radius_m <= MAX_RADIUS_M):
        raise LandmarkError(f"radius {q.radius_m} m must be in 0..{MAX_RADIUS_M:g} m")
    if not (1 <= q.limit <= MAX_LIMIT):
        raise LandmarkError(f"limit {q.limit} must be in 1..{MAX_LIMIT}")
    if q.at.tzinfo is None or q.at.utcoffset() is None:
        raise LandmarkError(f"time {q.at.isoformat()} has no UTC offset")
    if q.side is not None and q.heading_deg is None:
        raise LandmarkError(f"side '{q.side.value}' needs a heading; none is known yet")


class LandmarkFinder:
    """Answers ``PoiQuery``s from one POI database; thread-safe."""

    def __init__(
        self,
        db: Path | str | None = None,
        *,
        sectors: Sectors | None = None,
        weights: RankWeights | None = None,
    ) -> None:
        self.store = PoiStore(default_db() if db is None else db)
        self.sectors = sectors or Sectors()
        self.weights = weights or RankWeights()

    def close(self) -> None:
        """Release the database."""
        self.store.close()

    def __enter__(self) -> LandmarkFinder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def query(self, q: PoiQuery) -> list[PoiResult]:
        """Places matching ``q``, best first, at most ``q.limit``."""
        _check_query(q)
        rows = self.store.candidates(
            search_boxes(q.lat, q.lon, q.radius_m),
            categories=[c for c in q.categories if c.strip()],
            diets=[normalise_diet(d) for d in q.diets if d.strip()],
            cuisine=q.cuisine,
            min_prominence=q.min_prominence,
        )
        needle = q.name_contains.strip().casefold()
        w = self.weights
        scored: list[tuple[float, PoiRow, float, float, float | None, Side | None, bool | None]]
        scored = []
        seen: set[int] = set()
        for row in rows:
            if row.rowid in seen:
                continue
            seen.add(row.rowid)
            if needle and needle not in f"{row.name}\n{row.name_en}".casefold():
                continue
            distance, azimuth = distance_azimuth(q.lat, q.lon, row.lat, row.lon)
            if distance > q.radius_m:
                continue
            rel: float | None = None
            side: Side | None = None
            score = w.distance * (1.0 - distance / q.radius_m) + w.prominence * row.prominence
            if q.heading_deg is not None:
                rel = relative_bearing(azimuth, q.heading_deg)
                side = self.sectors.side_of(rel)
                if q.side is not None:
                    if side is not q.side:
                        continue
                    score += w.side * side_alignment(rel, q.side)
                score += w.ahead * side_alignment(rel, Side.AHEAD)
            is_open: bool | None = None
            if q.open_now:
                is_open = oh.open_at(row.opening_hours, row.lat, row.lon, q.at)
                if is_open is not True:
                    continue
            scored.append((score, row, distance, azimuth, rel, side, is_open))
        scored.sort(key=lambda s: (-s[0], s[2], s[1].osm_id))
        results: list[PoiResult] = []
        wikidata_seen: set[str] = set()
        for score, row, distance, azimuth, rel, side, is_open in scored:
            if len(results) >= q.limit:
                break
            if row.wikidata:
                if row.wikidata in wikidata_seen:
                    continue  # one statue group, one answer: the best-placed of its parts
                wikidata_seen.add(row.wikidata)
            if not q.open_now:
                is_open = oh.open_at(row.opening_hours, row.lat, row.lon, q.at)
            results.append(
                PoiResult(
                    id=row.osm_id,
                    name=row.name,
                    name_en=row.name_en,
                    category=row.category,
                    category_key=row.category_key,
                    lat=row.lat,
                    lon=row.lon,
                    distance_m=distance,
                    bearing_deg=azimuth,
                    relative_bearing_deg=rel,
                    side=side,
                    open=is_open,
                    opening_hours=row.opening_hours,
                    cuisine=row.cuisine.strip("|").replace("|", ";"),
                    diets=tuple(d for d in row.diets.split("|") if d),
                    wikidata=row.wikidata,
                    prominence=row.prominence,
                    score=score,
                    tags=json.loads(row.tags_json),
                )
            )
        return results


def split_list(values: Sequence[str] | str | None) -> tuple[str, ...]:
    """``"cafe,restaurant"`` or ``["cafe", "restaurant"]`` → ``("cafe", "restaurant")``."""
    if values is None:
        return ()
    items = [values] if isinstance(values, str) else list(values)
    return tuple(p.strip() for item in items for p in item.split(",") if p.strip())
