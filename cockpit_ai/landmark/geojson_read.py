"""Read GeoJSON (a FeatureCollection or one Feature) into POI candidates, trusting nothing.

The file may come from anywhere: invalid JSON or UTF-8, a document that is not GeoJSON, a
feature that is not an object, coordinates that are not a longitude/latitude pair in range
or NaN, properties that are not an object. Each is a ``LandmarkError`` naming the file and
the feature, never a traceback, so the import stops and the old database stays.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cockpit_ai.landmark import LandmarkError
from cockpit_ai.landmark.geometry import centre
from cockpit_ai.landmark.osm_tags import Candidate


def geojson_points(geometry: dict[str, Any]) -> list[tuple[float, float]]:
    """(lat, lon) vertices of a GeoJSON geometry (outer rings only for polygons); a shape
    that is not one raises ``TypeError``/``ValueError``/... for the caller to word."""
    kind = geometry.get("type")
    coords: Any = geometry.get("coordinates")
    flat: list[Any]
    if kind == "Point":
        flat = [coords]
    elif kind in ("MultiPoint", "LineString"):
        flat = list(coords)
    elif kind == "MultiLineString":
        flat = [p for line in coords for p in line]
    elif kind == "Polygon":
        flat = list(coords[0])[:-1] if coords else []
    elif kind == "MultiPolygon":
        flat = [p for poly in coords if poly for p in list(poly[0])[:-1]]
    elif kind == "GeometryCollection":
        return [p for g in geometry.get("geometries", []) for p in geojson_points(g)]
    else:
        raise ValueError(f"unsupported geometry type {kind!r}")
    out = []
    for p in flat:
        lon, lat = float(p[0]), float(p[1])
        if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
            raise ValueError(f"coordinate {p!r} is not a longitude, latitude pair in range")
        out.append((lat, lon))
    return out


def geojson_objects(path: Path) -> Iterator[Candidate | None]:
    """(osm_id, lat, lon, tags) of every feature; None for a feature without geometry."""
    try:
        with path.open("rb") as f:
            data = json.load(f)
    except json.JSONDecodeError as exc:
        raise LandmarkError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except UnicodeDecodeError as exc:
        raise LandmarkError(f"{path}: not UTF-8 text ({exc.reason})") from None
    kind = data.get("type") if isinstance(data, dict) else type(data).__name__
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise LandmarkError(f"{path}: FeatureCollection without a 'features' list")
    elif kind == "Feature":
        features = [data]
    else:
        raise LandmarkError(f"{path}: not a GeoJSON FeatureCollection or Feature (type {kind!r})")
    for index, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise LandmarkError(f"{path}: features[{index}] is not a GeoJSON Feature")
        geometry = feature.get("geometry")
        if geometry is None:
            yield None
            continue
        try:
            c = centre(geojson_points(geometry))
        except (TypeError, ValueError, IndexError, KeyError, AttributeError) as exc:
            raise LandmarkError(f"{path}: features[{index}] has a bad geometry: {exc}") from None
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise LandmarkError(f"{path}: features[{index}].properties is not an object")
        merged = dict(props)
        if isinstance(props.get("tags"), dict):  # osmtogeojson's older layout
            merged.update(props["tags"])
        tags = {}
        for k, v in merged.items():
            if isinstance(v, bool):
                tags[str(k)] = "yes" if v else "no"
            elif isinstance(v, (str, int, float)) and not str(k).startswith("@"):
                tags[str(k)] = str(v)
        osm_id = feature.get("id") or props.get("@id") or props.get("id")
        osm_id = str(osm_id) if osm_id not in (None, "") else f"{path.name}#{index}"
        if c is None:
            yield None
            continue
        yield osm_id, c[0], c[1], tags
