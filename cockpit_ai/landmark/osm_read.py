"""Read OpenStreetMap ``.osm`` XML and ``.osm.pbf`` files (pyosmium) into POI candidates.

Nodes as they are; ways and multipolygon relations by the centre of their vertices. Only
objects with a category key reach Python (osmium's ``KeyFilter`` runs in C++); node locations
and multipolygon assembly still see every object. osmium's parse errors are ``RuntimeError``;
``osm_import`` words them for the user.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cockpit_ai.landmark.geometry import centre
from cockpit_ai.landmark.osm_tags import CATEGORY_KEYS, Candidate, classify


def osm_objects(path: Path) -> Iterator[Candidate | None]:
    """(osm_id, lat, lon, tags) of every tagged POI candidate; None marks a skipped object."""
    import osmium

    def poi_tags(obj: Any) -> dict[str, str] | None:
        """The tags when they make a POI (checked before any geometry work), else None."""
        tags = dict(obj.tags)
        return tags if classify(tags) else None

    # Only objects with a category key reach Python (the filter runs in C++); node locations
    # and multipolygon assembly still see every object.
    processor = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_areas()
        .with_filter(osmium.filter.KeyFilter(*CATEGORY_KEYS))
    )
    obj: Any  # Node, Way or Area here; osmium's union type has no common attributes
    for obj in processor:
        if obj.is_node():
            tags = poi_tags(obj)
            if tags is None or not obj.location.valid():
                yield None
                continue
            yield f"node/{obj.id}", obj.location.lat, obj.location.lon, tags
        elif obj.is_way():
            tags = poi_tags(obj)
            if tags is None:
                yield None
                continue
            pts = [(n.lat, n.lon) for n in obj.nodes if n.location.valid()]
            if len(pts) > 1 and pts[0] == pts[-1]:
                pts.pop()  # a closed way repeats its first node
            c = centre(pts)
            if c is None:
                yield None
                continue
            yield f"way/{obj.id}", c[0], c[1], tags
        elif obj.is_area():
            # Closed ways were handled as ways; only multipolygon relations are new here.
            tags = None if obj.from_way() else poi_tags(obj)
            if tags is None:
                yield None
                continue
            pts = []
            for ring in obj.outer_rings():
                ring_pts = [(n.lat, n.lon) for n in ring]
                pts.extend(ring_pts[:-1] if len(ring_pts) > 1 else ring_pts)
            c = centre(pts)
            if c is None:
                yield None
                continue
            yield f"relation/{obj.orig_id()}", c[0], c[1], tags
        else:
            yield None


def osm_timestamp(path: Path) -> str:
    """The extract's replication timestamp from its header, or "" when it has none."""
    import osmium

    try:
        header = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING).header()
        return str(header.get("osmosis_replication_timestamp") or header.get("timestamp") or "")
    except RuntimeError:
        return ""
