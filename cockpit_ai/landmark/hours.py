"""Is a place open at a given moment, at the place's own local time?

OSM ``opening_hours`` are evaluated with opening-hours-py. The place's time zone is found
offline from its position with timezonefinder; its country (for public holidays, ``PH``) is
inferred by opening-hours-py from the same position. The moment is always passed in, so a
replayed bag gets the answers of the moment it was recorded.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cockpit_ai.landmark import LandmarkError


@functools.cache
def _finder() -> Any:
    """One TimezoneFinder per process (imported lazily to keep the CLI fast)."""
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


@functools.lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_time(stamp_ns: int, position: tuple[float, float] | None) -> datetime | None:
    """The moment of a message stamp as the vehicle's local time (the zone at
    ``position``; the machine's zone when the position is unknown); None for an unset
    stamp. A replayed drive is then answered at the time it was recorded."""
    if stamp_ns <= 0:
        return None
    zone = timezone_at(*position) if position is not None else None
    moment = datetime.fromtimestamp(stamp_ns / 1e9, tz=zone)
    return moment if zone is not None else moment.astimezone()


def timezone_at(lat: float, lon: float) -> ZoneInfo:
    """The IANA time zone at a position (offline); ``Etc/GMT±N`` at sea."""
    name = _finder().timezone_at(lat=lat, lng=lon)
    if name is None:
        # Outside every polygon (rare, open sea): the nautical zone by longitude.
        offset = -round(lon / 15.0)
        name = "Etc/GMT" if offset == 0 else f"Etc/GMT{offset:+d}"
    return _zone(name)


@functools.lru_cache(maxsize=4096)
def _parsed(expression: str, zone: str, lat: float, lon: float) -> Any:
    import opening_hours

    try:
        try:
            return opening_hours.OpeningHours(
                expression,
                timezone=_zone(zone),
                coords=(lat, lon),
                auto_timezone=False,
                auto_country=True,
            )
        except (opening_hours.UnknownCountryError,  # type: ignore[attr-defined]
                opening_hours.InvalidCoordinatesError):  # type: ignore[attr-defined]
            # no country at this position (open sea): no public-holiday calendar
            return opening_hours.OpeningHours(
                expression, timezone=_zone(zone), auto_timezone=False, auto_country=False
            )
    except (SyntaxError, ValueError, opening_hours.ParserError):  # type: ignore[attr-defined]
        return None


def open_at(expression: str | None, lat: float, lon: float, at: datetime) -> bool | None:
    """True open, False closed, None unknown (no hours, unparseable, or "unknown" state).

    ``at`` must carry a time zone; it is converted to the place's local time first.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise LandmarkError(f"time {at.isoformat()} has no UTC offset; give one, e.g. 'Z'")
    if not expression or not expression.strip():
        return None
    zone = timezone_at(lat, lon)
    parsed = _parsed(expression.strip(), zone.key, lat, lon)
    if parsed is None:
        return None
    try:
        state, _comment = parsed.state(at.astimezone(zone))
    except (ValueError, OverflowError):  # e.g. a moment the library cannot represent
        return None
    name = getattr(state, "name", str(state)).upper()
    if name.endswith("OPEN"):
        return True
    if name.endswith("CLOSED"):
        return False
    return None


def parse_time(text: str) -> datetime:
    """An ISO 8601 time with an offset (``Z`` accepted), as a timezone-aware datetime."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise LandmarkError(
            f"time {text!r} is not ISO 8601; use e.g. 2026-11-28T18:30:00+02:00 or ...Z"
        ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise LandmarkError(f"time {text!r} has no UTC offset; add one, e.g. +02:00 or Z")
    return value
