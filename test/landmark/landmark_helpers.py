"""Helpers shared by the landmark tests (imported by name; fixtures live in conftest.py)."""

from __future__ import annotations


def quiet(_message: str) -> None:
    """Log sink for imports in tests."""


def feature(lat: float, lon: float, osm_id: str, **tags: str) -> dict:
    """A GeoJSON point feature with OSM tags as properties."""
    return {
        "type": "Feature",
        "id": osm_id,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": tags,
    }
