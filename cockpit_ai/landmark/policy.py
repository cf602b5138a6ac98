"""The one place-search policy: how far to look and what counts, by kind of request.

Both paths use it: the landmark node (its ``search_landmarks`` service and the
``landmark_query`` topic) and the in-process search of ``cockpit-ai ask``, the tests and the
benchmarks (``planner/landmarks.py``), so a question gets the same places either way.

A request whose radius (or limit) is 0 gets the policy's: "what is that" looks close by and
only at notable places; searches look further; a break looks furthest and, when there is no
rest area, settles for a cafe or a fuel stop.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from cockpit_ai.enums import WireSide
from cockpit_ai.landmark import LandmarkError
from cockpit_ai.landmark.geometry import Side
from cockpit_ai.landmark.query import LandmarkFinder, PoiQuery, PoiResult

LANDMARK_RADIUS_M = 400.0  # "what is that building": what the driver can see
LANDMARK_CATEGORY_RADIUS_M = 1000.0  # "what is that museum": a named kind, a bit further
SEARCH_RADIUS_M = 1500.0  # "find a vegan restaurant"
BREAK_RADIUS_M = 5000.0  # "I need a break"
NOTABLE = 0.3  # prominence of a landmark answer: wikidata, historic, tourist sights
LANDMARK_LIMIT = 3  # how many a "what is that" request asks for
DEFAULT_LIMIT = 5
BREAK_CATEGORY = "rest_area"
BREAK_FALLBACK = ("cafe", "fuel")


class Kind(StrEnum):
    """What the request is for; decides radius, prominence and fallback."""

    LANDMARK = "landmark"
    SEARCH = "search"
    BREAK = "break"


@dataclass(frozen=True)
class Search:
    """A request as the planner asks it (``LandmarkQuery`` fields), before the policy."""

    lat: float
    lon: float
    heading_deg: float | None
    at: datetime
    side: Side | None = None
    categories: tuple[str, ...] = ()
    diets: tuple[str, ...] = ()
    cuisine: str = ""
    name_contains: str = ""
    open_now: bool = False
    radius_m: float = 0.0  # 0 = by kind
    limit: int = 0  # 0 = DEFAULT_LIMIT

    @property
    def kind(self) -> Kind:
        """A break asks for rest areas; a landmark question asks for a few places with no
        filter (the planner's landmark tool); everything else is a search."""
        if BREAK_CATEGORY in self.categories:
            return Kind.BREAK
        if (self.limit == LANDMARK_LIMIT and not self.diets and not self.cuisine
                and not self.open_now):
            return Kind.LANDMARK
        return Kind.SEARCH


def side_from_wire(code: int) -> Side | None:
    """``LandmarkQuery.side`` → the core's side (``ANY`` → None); an unknown code is a
    ``LandmarkError``."""
    try:
        wire = WireSide(int(code))
    except ValueError:
        raise LandmarkError(f"unknown side {code}; use 0 (any) or 1..4") from None
    return None if wire is WireSide.ANY else Side(wire.label)


def wire_side(side: Side | None) -> WireSide:
    """The core's side → ``Landmark.side`` (None → ``ANY``)."""
    return WireSide.from_name(side.value if side is not None else None)


def to_query(s: Search, *, default_radius_m: float = 0.0, default_limit: int = 0) -> PoiQuery:
    """The landmark core's query for ``s``: radius, limit and prominence by kind.

    ``default_radius_m``/``default_limit`` (a node's parameters) replace the policy's for a
    request that leaves radius/limit at 0; the kind is always the request's own."""
    kind = s.kind
    if s.radius_m > 0:
        radius = s.radius_m
    elif default_radius_m > 0:
        radius = default_radius_m
    elif kind is Kind.BREAK:
        radius = BREAK_RADIUS_M
    elif kind is Kind.LANDMARK:
        radius = LANDMARK_CATEGORY_RADIUS_M if s.categories else LANDMARK_RADIUS_M
    else:
        radius = SEARCH_RADIUS_M
    notable = kind is Kind.LANDMARK and not s.categories
    return PoiQuery(lat=s.lat, lon=s.lon, heading_deg=s.heading_deg, at=s.at, side=s.side,
                    radius_m=radius, categories=s.categories, diets=s.diets,
                    cuisine=s.cuisine, name_contains=s.name_contains, open_now=s.open_now,
                    limit=next((n for n in (s.limit, default_limit) if n > 0), DEFAULT_LIMIT),
                    min_prominence=NOTABLE if notable else 0.0)


def search(finder: LandmarkFinder, s: Search, *, default_radius_m: float = 0.0,
           default_limit: int = 0) -> tuple[PoiQuery, list[PoiResult]]:
    """Run the policy: the query it made (for the answer's vehicle fields) and the places.

    The one function both paths call: the landmark node (service and topic) and
    ``planner/landmarks.py`` (``cockpit-ai ask``, tests, bench)."""
    query = to_query(s, default_radius_m=default_radius_m, default_limit=default_limit)
    results = finder.query(query)
    if not results and s.kind is Kind.BREAK:  # no rest area close by: a cafe or fuel stop
        query = replace(query, categories=BREAK_FALLBACK)
        results = finder.query(query)
    return query, results
