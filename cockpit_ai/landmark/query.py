"""The one query the CLI and the ROS node both use: places around the car, filtered and ranked.

``LandmarkFinder.query(PoiQuery(...))`` asks the R*Tree for the search box, keeps what the
tag filters (category, diet, cuisine) pass in SQL, then computes for each candidate the
geodesic distance and azimuth, the side relative to the heading and, when needed, whether it
is open at the given moment in its own time zone; it returns ranked ``PoiResult``s.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from cockpit_ai.landmark import LandmarkError
from cockpit_ai.landmark import hours as oh
from cockpit_ai.landmark.geometry import (
    AZIMUTH_BOUND_DEG,
    Sectors,
    Side,
    distance_azimuth,
    relative_bearing,
    search_boxes,
    side_alignment,
    side_alignments,
    spherical_estimates,
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

    def query(self, q: PoiQuery, *, use_index: bool = True) -> list[PoiResult]:
        """Places matching ``q``, best first, at most ``q.limit``.

        Candidates are taken in the order of a cheap upper bound of their score and solved
        exactly (geodesic) until no remaining one can enter the answer; the answer is the
        same as solving every candidate. ``use_index=False`` does exactly that, over every
        row without the R*Tree: the benchmark's baseline.
        """
        _check_query(q)
        rows = self.store.candidates(
            search_boxes(q.lat, q.lon, q.radius_m) if use_index else None,
            categories=[c for c in q.categories if c.strip()],
            diets=[normalise_diet(d) for d in q.diets if d.strip()],
            cuisine=q.cuisine,
            min_prominence=q.min_prominence,
            with_hours=q.open_now,
        )
        needle = q.name_contains.strip().casefold()
        unique: dict[int, PoiRow] = {}
        for row in rows:
            if not needle or needle in f"{row.name}\n{row.name_en}".casefold():
                unique.setdefault(row.rowid, row)
        scored: list[_Scored] = []
        if not use_index:
            scored = [s for row in unique.values() if (s := self._solve(q, row)) is not None]
            return self._results(q, scored)
        candidates = list(unique.values())
        order = self._bound_order(q, candidates)
        best: dict[object, float] = {}  # best exact score per answer slot (wikidata groups)
        for bound, row in order:
            if len(best) >= q.limit and bound < heapq.nlargest(q.limit, best.values())[-1]:
                break  # nothing left can beat the current answer
            solved = self._solve(q, row)
            if solved is not None:
                scored.append(solved)
                key = row.wikidata or row.rowid
                best[key] = max(best.get(key, -math.inf), solved.score)
        return self._results(q, scored)

    def _bound_order(self, q: PoiQuery, rows: list[PoiRow]) -> list[tuple[float, PoiRow]]:
        """Rows that may match, each with a score no lower than its exact one, best first."""
        if not rows:
            return []
        lats = np.fromiter((r.lat for r in rows), float, len(rows))
        lons = np.fromiter((r.lon for r in rows), float, len(rows))
        prom = np.fromiter((r.prominence for r in rows), float, len(rows))
        low, _high, azimuth = spherical_estimates(q.lat, q.lon, lats, lons)
        keep = low <= q.radius_m
        w = self.weights
        bound = w.distance * (1.0 - low / q.radius_m) + w.prominence * prom
        if q.heading_deg is not None:
            rel = np.remainder(azimuth - q.heading_deg + 180.0, 360.0) - 180.0
            slack = math.radians(AZIMUTH_BOUND_DEG) / 2.0  # |d alignment / d angle| <= 1/2
            if q.side is not None:
                keep &= self.sectors.may_be(rel, q.side, margin_deg=AZIMUTH_BOUND_DEG)
                bound += w.side * np.minimum(1.0, side_alignments(rel, q.side) + slack)
            bound += w.ahead * np.minimum(1.0, side_alignments(rel, Side.AHEAD) + slack)
        index = np.flatnonzero(keep)
        index = index[np.argsort(-bound[index], kind="stable")]
        return [(float(bound[i]), rows[i]) for i in index]

    def _solve(self, q: PoiQuery, row: PoiRow) -> _Scored | None:
        """Exact geodesic distance, azimuth, side and score; None when filtered out."""
        distance, azimuth = distance_azimuth(q.lat, q.lon, row.lat, row.lon)
        if distance > q.radius_m:
            return None
        w = self.weights
        rel: float | None = None
        side: Side | None = None
        score = w.distance * (1.0 - distance / q.radius_m) + w.prominence * row.prominence
        if q.heading_deg is not None:
            rel = relative_bearing(azimuth, q.heading_deg)
            side = self.sectors.side_of(rel)
            if q.side is not None:
                if side is not q.side:
                    return None
                score += w.side * side_alignment(rel, q.side)
            score += w.ahead * side_alignment(rel, Side.AHEAD)
        is_open: bool | None = None
        if q.open_now:
            is_open = oh.open_at(row.opening_hours, row.lat, row.lon, q.at)
            if is_open is not True:
                return None
        return _Scored(score, row, distance, azimuth, rel, side, is_open)

    def _results(self, q: PoiQuery, scored: list[_Scored]) -> list[PoiResult]:
        scored.sort(key=lambda s: (-s.score, s.distance, s.row.osm_id))
        results: list[PoiResult] = []
        wikidata_seen: set[str] = set()
        for s in scored:
            if len(results) >= q.limit:
                break
            row = s.row
            if row.wikidata:
                if row.wikidata in wikidata_seen:
                    continue  # one statue group, one answer: the best-placed of its parts
                wikidata_seen.add(row.wikidata)
            is_open = s.is_open
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
                    distance_m=s.distance,
                    bearing_deg=s.azimuth,
                    relative_bearing_deg=s.rel,
                    side=s.side,
                    open=is_open,
                    opening_hours=row.opening_hours,
                    cuisine=row.cuisine.strip("|").replace("|", ";"),
                    diets=tuple(d for d in row.diets.split("|") if d),
                    wikidata=row.wikidata,
                    prominence=row.prominence,
                    score=s.score,
                    tags=self.store.tags(row.rowid),
                )
            )
        return results


@dataclass(frozen=True)
class _Scored:
    """A candidate solved exactly, before the answer is cut to the limit."""

    score: float
    row: PoiRow
    distance: float
    azimuth: float
    rel: float | None
    side: Side | None
    is_open: bool | None


def split_list(values: Sequence[str] | str | None) -> tuple[str, ...]:
    """``"cafe,restaurant"`` or ``["cafe", "restaurant"]`` → ``("cafe", "restaurant")``."""
    if values is None:
        return ()
    items = [values] if isinstance(values, str) else list(values)
    return tuple(p.strip() for item in items for p in item.split(",") if p.strip())
