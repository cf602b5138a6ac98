"""Trips of the car from its own fix and odometry, kept in SQLite, and the habits they show.

``detector.py`` turns fixes and speeds into trips (start when the car moves, end after it
was parked ``park_timeout_s``), ``store.py`` keeps them (each trip once, retention, forget),
``predict.py`` says where the driver usually goes from here at this time, ``trips_node.py``
is the ROS shell, ``cli.py`` the ``cockpit-ai trips`` commands (docs/trips.md).
"""

from __future__ import annotations

from cockpit_ai.errors import CockpitError


class TripsError(CockpitError, RuntimeError):
    """The trip history cannot be read or written (a missing folder, a corrupt file)."""


class TripsInputError(CockpitError, ValueError):
    """Bad input on the command line (a position, a time): one line, exit code 2."""
