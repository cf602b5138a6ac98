"""Landmarks and points of interest around the vehicle, from OpenStreetMap data.

The plain-Python core (no rclpy): an SQLite + R*Tree POI store built from OSM files
(``osm_import``), geodesic geometry and side of the road (``geometry``), opening hours at the
place's local time (``hours``) and one query entry point that the CLI and the ROS node share
(``query.LandmarkFinder``).
"""

from __future__ import annotations

from cockpit_ai.errors import CockpitError

ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"


class LandmarkError(CockpitError, ValueError):
    """Bad input or missing data in the landmark area; the message says what to do."""


__all__ = ["ATTRIBUTION", "LandmarkError"]
