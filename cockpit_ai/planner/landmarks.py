"""The planner's LandmarkSearch over the landmark core (``cockpit_ai.landmark``), in process.

The ROS node answers the same requests with the same policy (``landmark/policy.py``) over its
``search_landmarks`` service; the CLI, tests and bench use this.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from cockpit_ai.enums import OpenState
from cockpit_ai.planner.errors import LandmarkUnavailable, PlannerError
from cockpit_ai.planner.tools import LandmarkRequest, Place


def core_search(db: Path | None, *, at: datetime | None = None) -> Callable[
        [LandmarkRequest], list[Place]] | None:
    """A LandmarkSearch over the POI database ``db`` (None = bundled), or None when the landmark
    core or the database is not available."""
    try:
        from cockpit_ai.landmark import LandmarkError, policy
        from cockpit_ai.landmark.hours import timezone_at
        from cockpit_ai.landmark.query import LandmarkFinder
    except ImportError:
        return None
    try:
        finder = LandmarkFinder(db)
    except LandmarkError:
        return None

    def search(req: LandmarkRequest) -> list[Place]:
        if not req.use_position:
            raise LandmarkUnavailable("no_fix", "no vehicle position for the landmark search")
        when = at or datetime.now().astimezone()
        if when.tzinfo is None:  # a naive time is the vehicle's local time
            when = when.replace(tzinfo=timezone_at(req.latitude_deg, req.longitude_deg))
        try:
            side = policy.side_from_wire(req.side)
        except LandmarkError as exc:  # as the node answers it: STATUS_ERROR with the reason
            raise PlannerError(str(exc)) from None
        _, results = policy.search(finder, policy.Search(
            lat=req.latitude_deg, lon=req.longitude_deg, heading_deg=req.heading_deg, at=when,
            side=side,
            categories=tuple(req.categories), diets=tuple(req.diets), cuisine=req.cuisine,
            name_contains=req.name_contains, open_now=req.open_now,
            radius_m=req.radius_m, limit=req.limit))
        return [Place(
            name=r.name_en or r.name, category=r.category_tag, distance_m=r.distance_m,
            bearing_deg=r.bearing_deg, relative_bearing_deg=r.relative_bearing_deg or 0.0,
            side=policy.wire_side(r.side),
            open_now=OpenState.from_bool(r.open),
            opening_hours=r.opening_hours, cuisine=r.cuisine, diets=list(r.diets),
            latitude_deg=r.lat, longitude_deg=r.lon, id=r.id,
        ) for r in results]

    return search
