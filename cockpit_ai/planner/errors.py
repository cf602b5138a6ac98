"""The planner's one exception class."""

from __future__ import annotations

from cockpit_ai.errors import CockpitError


class PlannerError(CockpitError):
    """Something the planner was given or needs is wrong; the message says what to do.

    Not a ``ValueError``: :class:`~cockpit_ai.planner.backends.BackendError` (a network or
    model failure) derives from it too."""
