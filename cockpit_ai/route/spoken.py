"""What the driver hears about a route, and the ETA the home and planner code waits on.

Figures are rounded the way a person says them: "350 m", "1.2 km", "12 km", "about 4
minutes", "about 1 hour 10 minutes". Never "0 minutes": a drive that is under way takes at
least about a minute.
"""

from __future__ import annotations

from typing import Protocol

from cockpit_ai.route.graph import Route, StreetGraph


class HasPosition(Protocol):
    """Anything with a position, e.g. a landmark place."""

    @property
    def lat(self) -> float: ...

    @property
    def lon(self) -> float: ...


def say_distance(metres: float) -> str:
    """Metres under 1 km to the nearest 10 m, then km with one decimal below 10 km."""
    if metres < 995:
        return f"{max(10, round(metres / 10) * 10)} m" if metres >= 5 else f"{round(metres)} m"
    km = metres / 1000
    return f"{km:.1f} km" if km < 9.95 else f"{round(km)} km"


def say_duration(seconds: float) -> str:
    """Whole minutes, at least one; hours and minutes from an hour on."""
    minutes = max(1, round(seconds / 60))
    if minutes < 60:
        return f"about {minutes} minute{'s' if minutes != 1 else ''}"
    hours, rest = divmod(minutes, 60)
    text = f"about {hours} hour{'s' if hours != 1 else ''}"
    return text + (f" {rest} minute{'s' if rest != 1 else ''}" if rest else "")


def describe(route: Route, name: str = "") -> str:
    """The spoken summary: "Kauppatori, 1.2 km, about 4 minutes" (no name: no prefix)."""
    parts = [name.strip()] if name.strip() else []
    parts += [say_distance(route.distance_m), say_duration(route.duration_s)]
    return ", ".join(parts)


def eta_s(graph: StreetGraph, here: tuple[float, float],
          place: tuple[float, float] | HasPosition) -> float:
    """Seconds of driving from ``here`` to ``place`` (a (lat, lon) or an object with
    ``lat``/``lon``); raises ``RouteError`` when there is no route."""
    goal = place if isinstance(place, tuple) else (float(place.lat), float(place.lon))
    return graph.route(here, goal).duration_s
