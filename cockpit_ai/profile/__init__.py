"""The driver's preferences, kept per driver: diet, favourite cuisines, the home and work
places, the preferred cabin temperature.

``store.py`` keeps them in SQLite (``data_dir()/profiles.sqlite``, one row per driver and
preference; ``forget`` erases a driver's rows for good). ``learn.py`` hears them in what the
driver says ("I'm vegetarian", "this is my home", "I like it at 21 degrees"; a hint such
as "I don't eat meat" is asked back first) and finds the requests that use them ("set my
temperature", "find something I like"); ``memory.py`` is what the planner calls: statements
before the router, the diet on a food search, the saved places for navigation.
``cli.py``: ``cockpit-ai profile show|forget`` (docs/profile.md).
"""

from __future__ import annotations

from cockpit_ai.errors import CockpitError

DEFAULT_DRIVER = "default"  # the driver of a car that does not tell drivers apart


class ProfileError(CockpitError, RuntimeError):
    """The profile file cannot be read or written (a missing folder, a corrupt file)."""


class ProfileInputError(CockpitError, ValueError):
    """A preference or driver name that cannot be kept: one line on stderr, exit code 2."""
