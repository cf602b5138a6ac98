"""Helpers shared by the landmark tests (imported by name; fixtures live in conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path

# The drive map shared with test/planner and test/integration: places around CAR_DRIVE.
DRIVE_POIS = Path(__file__).resolve().parents[1] / "data" / "drive_pois.geojson"
CAR_DRIVE = (60.1700, 24.9400)


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


def write_geojson(path: Path, features: list[dict]) -> Path:
    """``features`` as a GeoJSON FeatureCollection file at ``path``."""
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path
