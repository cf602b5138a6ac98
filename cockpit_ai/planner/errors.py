"""The planner's one exception class."""

from __future__ import annotations


class PlannerError(ValueError):
    """Something the planner was given or needs is wrong; the message says what to do."""
