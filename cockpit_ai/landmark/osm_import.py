"""Build the POI database from OpenStreetMap files: ``.osm`` XML, ``.osm.pbf`` and GeoJSON.

Keeps nodes, and the centre of ways and multipolygon areas, that are points of interest
(see ``classify``), with their names in every language and the tags users ask about. The
database is written to a temporary file beside the target and renamed into place only when
every file was read without error, so a bad file leaves the previous database untouched and
an interrupted import is simply run again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cockpit_ai.landmark import ATTRIBUTION, LandmarkError
from cockpit_ai.landmark import store as poi_store

# Main-category keys, in the order that decides which one names the POI.
CATEGORY_KEYS = (
    "amenity", "shop", "tourism", "historic", "leisure", "man_made",
    "railway", "aeroway", "natural", "highway", "building",
)  # fmt: skip
AMENITIES = frozenset([
    "restaurant", "cafe", "fast_food", "bar", "pub", "biergarten", "food_court", "ice_cream",
    "fuel", "charging_station", "parking", "toilets", "pharmacy", "hospital", "clinic",
    "doctors", "dentist", "bank", "atm", "bureau_de_change", "post_office", "police",
    "fire_station", "library", "theatre", "cinema", "arts_centre", "place_of_worship",
    "townhall", "university", "college", "marketplace", "car_wash", "car_rental",
    "bicycle_rental", "ferry_terminal", "bus_station", "community_centre", "nightclub",
    "courthouse", "embassy", "fountain", "veterinary", "drinking_water", "casino",
    "concert_hall", "conference_centre", "events_venue", "planetarium", "public_bath",
    "exhibition_centre",
])  # fmt: skip
LEISURE = frozenset([
    "park", "garden", "stadium", "sports_centre", "marina", "water_park", "nature_reserve",
    "fitness_centre", "ice_rink", "golf_course", "swimming_area", "beach_resort",
    "amusement_arcade", "miniature_golf", "sauna",
])  # fmt: skip
MAN_MADE = frozenset([
    "tower", "lighthouse", "windmill", "water_tower", "observatory", "obelisk", "pier",
])  # fmt: skip
RAILWAY = frozenset(["station", "halt"])
HIGHWAY = frozenset(["rest_area", "services"])  # where a tired driver can stop
AEROWAY = frozenset(["aerodrome", "terminal"])
NATURAL = frozenset(["peak", "volcano", "beach", "cave_entrance", "waterfall", "arch"])
TOURISM_PROMINENT = frozenset([
    "attraction", "museum", "artwork", "viewpoint", "gallery", "zoo", "theme_park", "aquarium",
    "castle",
])  # fmt: skip
# Useful even without a name ("find parking", "a charger near me").
UNNAMED_OK = frozenset([
    "amenity=parking", "amenity=toilets", "amenity=fuel", "amenity=charging_station",
    "amenity=atm", "amenity=drinking_water", "tourism=viewpoint", "tourism=artwork",
    "man_made=tower", "man_made=lighthouse", "highway=rest_area", "highway=services",
])  # fmt: skip
KEEP_KEYS = frozenset([
    "name", "alt_name", "old_name", "official_name", "short_name", "loc_name", "cuisine",
    "opening_hours", "wheelchair", "website", "contact:website", "phone", "contact:phone",
    "email", "contact:email", "wikidata", "wikipedia", "brand", "operator", "addr:street",
    "addr:housenumber", "addr:postcode", "addr:city", "takeaway", "delivery", "outdoor_seating",
    "fee", "capacity", "description", "start_date", "heritage", "height", "ele",
    "internet_access", "toilets:wheelchair", "smoking", "level",
])  # fmt: skip
KEEP_PREFIXES = ("name:", "diet:", "fuel:", "socket:", "opening_hours:")
DIET_YES = frozenset({"yes", "only"})

Log = Callable[[str], None]
# Bumped whenever what is kept or how it is indexed changes, so setup rebuilds its database.
IMPORTER_VERSION = "3"


@dataclass
class ImportReport:
    """What an import produced."""

    db: Path
    pois: int
    duplicates: int
    seconds: float
    sources: list[dict[str, object]] = field(default_factory=list)


def classify(tags: dict[str, str]) -> list[tuple[str, str]]:
    """The POI categories (key, value) of an object's tags, main one first; [] if not a POI."""
    cats: list[tuple[str, str]] = []
    named = bool(tags.get("name"))
    for key in CATEGORY_KEYS:
        value = tags.get(key)
        if not value or value == "no":
            continue
        if key == "amenity" and value not in AMENITIES:
            continue
        if key == "leisure" and value not in LEISURE:
            continue
        if key == "man_made" and value not in MAN_MADE:
            continue
        if key == "railway" and value not in RAILWAY:
            continue
        if key == "highway" and value not in HIGHWAY:
            continue
        if key == "aeroway" and value not in AEROWAY:
            continue
        if key == "natural" and value not in NATURAL:
            continue
        if key == "building" and not (named and tags.get("wikidata")):
            continue
        cats.append((key, value))
    if not cats:
        return []
    has_name = named or any(tags.get(k, "").strip() for k in tags if k.startswith("name:"))
    if not has_name and not any(f"{k}={v}" in UNNAMED_OK for k, v in cats):
        return []
    return cats


def prominence(tags: dict[str, str], cats: Sequence[tuple[str, str]]) -> float:
    """0..1: how notable a place is for "what is that?" questions."""
    score = 0.0
    if tags.get("wikidata") or tags.get("wikipedia"):
        score += 0.5
    keys = {k for k, _ in cats}
    if "historic" in keys or any(k == "tourism" and v in TOURISM_PROMINENT for k, v in cats):
        score += 0.3
    if tags.get("name:en") or sum(1 for k in tags if k.startswith("name:")) >= 2:
        score += 0.1
    if tags.get("heritage") or any(
        (k, v) in {("man_made", "tower"), ("man_made", "lighthouse"),
                   ("amenity", "place_of_worship")} or k == "building"
        for k, v in cats
    ):  # fmt: skip
        score += 0.1
    return min(score, 1.0)


def poi_row(osm_id: str, lat: float, lon: float, tags: dict[str, str]) -> tuple | None:
    """The ``poi`` table row for an object, or None when it is not a point of interest."""
    cats = classify(tags)
    if not cats:
        return None
    kept = {
        k: v for k, v in tags.items() if k in KEEP_KEYS or k.startswith(KEEP_PREFIXES) or
        k in CATEGORY_KEYS
    }  # fmt: skip
    name = (
        tags.get("name")
        or tags.get("name:en")
        or next((v for k, v in sorted(tags.items()) if k.startswith("name:") and v), "")
    )
    cuisines = [c.strip().lower() for c in tags.get("cuisine", "").split(";") if c.strip()]
    diets = sorted(
        k[5:].lower() for k, v in tags.items()
        if k.startswith("diet:") and v.strip().lower() in DIET_YES
    )  # fmt: skip
    key, value = cats[0]
    if value == "yes":  # building=yes, shop=yes: the key says more than the value
        value = key
    return (
        osm_id,
        name,
        tags.get("name:en", ""),
        value,
        key,
        "|" + "|".join(f"{k}={v}".lower().replace("|", "/") for k, v in cats) + "|",
        lat,
        lon,
        prominence(tags, cats),
        tags.get("opening_hours", ""),
        "|" + "|".join(cuisines) + "|" if cuisines else "",
        "|" + "|".join(diets) + "|" if diets else "",
        tags.get("wikidata", ""),
        json.dumps(kept, ensure_ascii=False, separators=(",", ":")),
    )


def centre(points: Iterable[tuple[float, float]]) -> tuple[float, float] | None:
    """Mean of (lat, lon) vertices, longitudes unwrapped so a shape on the antimeridian works."""
    n = 0
    sum_lat = sum_lon = 0.0
    first_lon: float | None = None
    for lat, lon in points:
        if first_lon is None:
            first_lon = lon
        elif lon - first_lon > 180.0:
            lon -= 360.0
        elif lon - first_lon < -180.0:
            lon += 360.0
        sum_lat += lat
        sum_lon += lon
        n += 1
    if n == 0:
        return None
    lon = math.remainder(sum_lon / n, 360.0)
    return sum_lat / n, 180.0 if lon == -180.0 else lon


def file_kind(path: Path) -> str:
    """``pbf``, ``xml`` or ``geojson`` from the file name; a clear error otherwise."""
    name = path.name.lower()
    if name.endswith(".pbf"):
        return "pbf"
    if name.endswith((".osm", ".osm.bz2", ".osm.gz", ".xml")):
        return "xml"
    if name.endswith((".geojson", ".json")):
        return "geojson"
    raise LandmarkError(f"{path}: unknown file type; use .osm (XML), .osm.pbf or .geojson")


# ---------------------------------------------------------------------------- readers


def _osm_objects(path: Path) -> Iterator[tuple[str, float, float, dict[str, str]] | None]:
    """(osm_id, lat, lon, tags) of every tagged POI candidate; None marks a skipped object."""
    import osmium

    def poi_tags(obj: osmium.osm.OSMObject) -> dict[str, str] | None:
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


def _geojson_points(geometry: dict) -> list[tuple[float, float]]:
    """(lat, lon) vertices of a GeoJSON geometry (outer rings only for polygons)."""
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
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
        return [p for g in geometry.get("geometries", []) for p in _geojson_points(g)]
    else:
        raise ValueError(f"unsupported geometry type {kind!r}")
    out = []
    for p in flat:
        lon, lat = float(p[0]), float(p[1])
        if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
            raise ValueError(f"coordinate {p!r} is not a longitude, latitude pair in range")
        out.append((lat, lon))
    return out


def _geojson_objects(path: Path) -> Iterator[tuple[str, float, float, dict[str, str]] | None]:
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
            c = centre(_geojson_points(geometry))
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


# ---------------------------------------------------------------------------- import


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _osm_timestamp(path: Path) -> str:
    import osmium

    try:
        header = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING).header()
        return header.get("osmosis_replication_timestamp") or header.get("timestamp") or ""
    except RuntimeError:
        return ""


def _remove_stale_temps(db: Path) -> None:
    """Temporary files left by an import that was killed (its process no longer exists)."""
    for tmp in db.parent.glob(f".{db.name}.tmp-*"):
        try:
            pid = int(tmp.name.rsplit("-", 1)[1])
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError):
            tmp.unlink(missing_ok=True)
        except PermissionError:
            pass


def import_files(
    paths: Sequence[Path | str],
    db: Path | str,
    *,
    log: Log = print,
    progress_every_s: float = 2.0,
    description: str = "",
) -> ImportReport:
    """Build ``db`` from OSM/GeoJSON files; replaces it atomically only on success.

    ``description`` (e.g. where the extract came from) is kept in the metadata.
    """
    files = [Path(p) for p in paths]
    if not files:
        raise LandmarkError("no input files; give .osm, .osm.pbf or .geojson files")
    for path in files:
        if not path.is_file():
            raise LandmarkError(f"{path}: no such file")
        file_kind(path)
    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(db)
    tmp = db.with_name(f".{db.name}.tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    start = time.monotonic()
    conn = poi_store.create(tmp)
    try:
        report = _build(conn, files, db, log=log, progress_every_s=progress_every_s)
        conn.execute("INSERT INTO meta (key, value) VALUES ('description', ?)", (description,))
        conn.commit()
        conn.close()
        os.replace(tmp, db)
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.close()
        tmp.unlink(missing_ok=True)
        raise
    report.seconds = time.monotonic() - start
    log(
        f"{db}: {report.pois:,} POIs from {len(files)} file(s) in {report.seconds:.1f} s"
        + (f" ({report.duplicates:,} duplicates skipped)" if report.duplicates else "")
    )
    return report


def _insert(conn: sqlite3.Connection, batch: list[tuple], first_id: int) -> None:
    """Insert ``poi_row`` tuples (tags JSON last) with ids from ``first_id`` on."""
    conn.executemany(
        poi_store.INSERT_SQL, [(first_id + i, *row[:-1]) for i, row in enumerate(batch)]
    )
    conn.executemany(
        poi_store.TAGS_INSERT_SQL, [(first_id + i, row[-1]) for i, row in enumerate(batch)]
    )


def _build_index(conn: sqlite3.Connection) -> None:
    """Category codes, ordered by (diet, key, value), and the R*Tree entries of every POI."""
    found: set[tuple[str, str, str]] = {("", *poi_store.NOTABLE_CATEGORY)}
    for cats, diets in conn.execute("SELECT DISTINCT categories, diets FROM poi"):
        for kv in cats.strip("|").split("|"):
            key, _, value = kv.partition("=")
            for diet in ("", *(d for d in diets.split("|") if d)):
                found.add((diet, key, value))
    codes = {dkv: code for code, dkv in enumerate(sorted(found), start=1)}
    conn.executemany(
        "INSERT INTO category (code, diet, key, value) VALUES (?, ?, ?, ?)",
        [(code, *dkv) for dkv, code in codes.items()],
    )
    notable = codes[("", *poi_store.NOTABLE_CATEGORY)]
    limit = 1 << poi_store.ENTRY_SHIFT
    batch: list[tuple] = []
    cur = conn.execute("SELECT id, lat, lon, categories, diets, prominence FROM poi")
    for poi_id, lat, lon, cats, diets, prom in cur:
        entry = poi_id << poi_store.ENTRY_SHIFT
        entry_codes = [notable] if prom >= poi_store.NOTABLE else []
        for kv in cats.strip("|").split("|"):
            key, _, value = kv.partition("=")
            for diet in ("", *(d for d in diets.split("|") if d)):
                entry_codes.append(codes[(diet, key, value)])
        for n, code in enumerate(entry_codes[:limit]):
            batch.append((entry + n, lat, lat, lon, lon, code, code))
        if len(batch) >= 20000:
            conn.executemany(poi_store.RTREE_INSERT_SQL, batch)
            batch.clear()
    if batch:
        conn.executemany(poi_store.RTREE_INSERT_SQL, batch)


def _build(
    conn: sqlite3.Connection, files: list[Path], db: Path, *, log: Log, progress_every_s: float
) -> ImportReport:
    sources: list[dict[str, object]] = []
    seen: set[str] = set()
    total_rows = 0
    inserted = 0
    for path in files:
        kind = file_kind(path)
        log(f"{path}: reading ({kind}, {path.stat().st_size:,} bytes)")
        objects = 0
        rows = 0
        batch: list[tuple] = []
        last = time.monotonic()
        reader = _geojson_objects(path) if kind == "geojson" else _osm_objects(path)
        try:
            for item in reader:
                objects += 1
                if item is not None:
                    row = poi_row(*item)
                    if row is not None:
                        rows += 1
                        if row[0] not in seen:  # the same object in two extracts
                            seen.add(row[0])
                            batch.append(row)
                if len(batch) >= 20000:
                    _insert(conn, batch, inserted + 1)
                    inserted += len(batch)
                    batch.clear()
                if objects % 5000 == 0 and time.monotonic() - last >= progress_every_s:
                    last = time.monotonic()
                    log(f"{path.name}: {objects:,} candidate objects read, {rows:,} POIs")
        except RuntimeError as exc:  # osmium's parse errors
            raise LandmarkError(f"{path}: not a valid OSM {kind.upper()} file: {exc}") from None
        if batch:
            _insert(conn, batch, inserted + 1)
            inserted += len(batch)
        total_rows += rows
        log(f"{path.name}: {objects:,} candidate objects, {rows:,} POIs")
        sources.append(
            {
                "file": path.name,
                "kind": kind,
                "bytes": path.stat().st_size,
                "sha256": _sha256(path),
                "osm_timestamp": "" if kind == "geojson" else _osm_timestamp(path),
                "pois": rows,
            }
        )
    log(f"{db.name}: ordering {inserted:,} POIs by position")
    conn.executescript(poi_store.SPATIAL_ORDER_SQL)
    log(f"{db.name}: building the R*Tree index")
    _build_index(conn)
    meta = {
        "schema_version": poi_store.SCHEMA_VERSION,
        "importer_version": IMPORTER_VERSION,
        "attribution": ATTRIBUTION,
        "license": "ODbL-1.0 (https://opendatacommons.org/licenses/odbl/1-0/)",
        "sources": json.dumps(sources, ensure_ascii=False),
        "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "poi_count": str(inserted),
    }
    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
    return ImportReport(
        db=db, pois=inserted, duplicates=total_rows - inserted, seconds=0.0, sources=sources
    )
