"""The planner's LandmarkSearch over the landmark core (``cockpit_ai.landmark``), in process.

The ROS node answers LandmarkRequests over topics instead; the CLI, tests and bench use this.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from cockpit_ai.planner.errors import PlannerError
from cockpit_ai.planner.tools import LandmarkRequest, Place

SIDE_NAMES = {1: "ahead", 2: "right", 3: "behind", 4: "left"}
SIDE_CODES = {"ahead": 1, "right": 2, "behind": 3, "left": 4}
# Default radius when the request leaves it at 0: "what is that" looks close by; searches
# and breaks look further.
LANDMARK_RADIUS_M = 400.0
SEARCH_RADIUS_M = 1500.0
BREAK_RADIUS_M = 5000.0
NOTABLE = 0.3  # landmark core prominence: wikidata, historic, tourist sights


def core_search(db: Path | None, *, at: datetime | None = None) -> Callable[
        [LandmarkRequest], list[Place]] | None:
    """A LandmarkSearch over the POI database ``db`` (None = bundled), or None when the landmark
    core or the database is not available."""
    try:
        from cockpit_ai.landmark import LandmarkError
        from cockpit_ai.landmark.geometry import Side
        from cockpit_ai.landmark.hours import timezone_at
        from cockpit_ai.landmark.query import LandmarkFinder, PoiQuery
    except ImportError:
        return None
    try:
        finder = LandmarkFinder(db)
    except LandmarkError:
        return None

    def search(req: LandmarkRequest) -> list[Place]:
        if not req.use_position:
            raise PlannerError("no vehicle position for the landmark search")
        when = at or datetime.now().astimezone()
        if when.tzinfo is None:  # a naive time is the vehicle's local time
            when = when.replace(tzinfo=timezone_at(req.latitude_deg, req.longitude_deg))
        is_break = "rest_area" in req.categories
        is_landmark = (not is_break and req.limit == 3 and not req.diets and not req.cuisine
                       and not req.open_now)
        radius = req.radius_m or (
            BREAK_RADIUS_M if is_break else
            (LANDMARK_RADIUS_M if not req.categories else 2.5 * LANDMARK_RADIUS_M)
            if is_landmark else SEARCH_RADIUS_M)
        side = Side(SIDE_NAMES[req.side]) if req.side in SIDE_NAMES else None
        q = PoiQuery(lat=req.latitude_deg, lon=req.longitude_deg, heading_deg=req.heading_deg,
                     at=when, side=side, radius_m=radius, categories=tuple(req.categories),
                     diets=tuple(req.diets), cuisine=req.cuisine,
                     name_contains=req.name_contains, open_now=req.open_now,
                     limit=req.limit or 5,
                     min_prominence=NOTABLE if is_landmark and not req.categories else 0.0)
        results = finder.query(q)
        if not results and is_break:  # no rest area close by: any cafe or fuel stop
            q = replace(q, categories=("cafe", "fuel"))
            results = finder.query(q)
        return [Place(
            name=r.name_en or r.name, category=r.category_tag, distance_m=r.distance_m,
            bearing_deg=r.bearing_deg, relative_bearing_deg=r.relative_bearing_deg or 0.0,
            side=SIDE_CODES.get(r.side.value, 0) if r.side is not None else 0,
            open_now={True: 1, False: 2}.get(r.open, 0) if r.open is not None else 0,
            opening_hours=r.opening_hours, cuisine=r.cuisine, diets=list(r.diets),
            latitude_deg=r.lat, longitude_deg=r.lon, id=r.id,
        ) for r in results]

    return search
