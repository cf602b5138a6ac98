"""The planner's one exception class."""

from __future__ import annotations

from cockpit_ai.errors import CockpitError


class PlannerError(CockpitError):
    """Something the planner was given or needs is wrong; the message says what to do.

    Not a ``ValueError``: :class:`~cockpit_ai.planner.backends.BackendError` (a network or
    model failure) derives from it too."""


class LandmarkUnavailable(PlannerError):
    """No place search is possible now, and why: ``reason`` ``"no_fix"`` (the car's
    position is unknown: no GNSS fix, or it was lost) or ``"unavailable"`` (the POI
    database cannot be read, no landmark node answers). The planner says so instead of
    guessing (``answers.search_failed``)."""

    def __init__(self, reason: str, message: str = "") -> None:
        super().__init__(message or reason)
        self.reason = reason
