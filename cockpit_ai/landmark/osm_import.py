"""Build the POI database from OpenStreetMap files: ``.osm`` XML, ``.osm.pbf`` and GeoJSON.

The import as a whole: which reader a file needs (``osm_read``, ``geojson_read``), which
objects are POIs and their rows (``osm_tags``), the database layout (``store``), and here the
all-or-nothing build. The database is written to a temporary file beside the target and
renamed into place only when every file was read without error, so a bad file leaves the
previous database untouched and an interrupted import is simply run again.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cockpit_ai.assets.common import sha256
from cockpit_ai.landmark import ATTRIBUTION, LandmarkError
from cockpit_ai.landmark import store as poi_store
from cockpit_ai.landmark.geojson_read import geojson_objects
from cockpit_ai.landmark.osm_read import osm_objects, osm_timestamp
from cockpit_ai.landmark.osm_tags import Candidate, ImportRow, poi_row

Log = Callable[[str], None]
# Bumped whenever what is kept or how it is indexed changes, so setup rebuilds its database.
IMPORTER_VERSION = "4"  # 4: bus and tram stops


@dataclass
class ImportReport:
    """What an import produced."""

    db: Path
    pois: int
    duplicates: int
    seconds: float
    sources: list[dict[str, object]] = field(default_factory=list)


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
        batch: list[ImportRow] = []
        last = time.monotonic()
        reader: Iterator[Candidate | None] = (
            geojson_objects(path) if kind == "geojson" else osm_objects(path)
        )
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
                    poi_store.insert_rows(conn, batch, inserted + 1)
                    inserted += len(batch)
                    batch.clear()
                if objects % 5000 == 0 and time.monotonic() - last >= progress_every_s:
                    last = time.monotonic()
                    log(f"{path.name}: {objects:,} candidate objects read, {rows:,} POIs")
        except (RuntimeError, ValueError) as exc:  # osmium's parse errors ("OSM tag value
            # is too long": over OSM's 255 characters, a ValueError) and bad GeoJSON values
            raise LandmarkError(f"{path}: not a valid OSM {kind.upper()} file: {exc}") from None
        if batch:
            poi_store.insert_rows(conn, batch, inserted + 1)
            inserted += len(batch)
        total_rows += rows
        log(f"{path.name}: {objects:,} candidate objects, {rows:,} POIs")
        sources.append(
            {
                "file": path.name,
                "kind": kind,
                "bytes": path.stat().st_size,
                "sha256": sha256(path),
                "osm_timestamp": "" if kind == "geojson" else osm_timestamp(path),
                "pois": rows,
            }
        )
    log(f"{db.name}: ordering {inserted:,} POIs by position")
    conn.executescript(poi_store.SPATIAL_ORDER_SQL)
    log(f"{db.name}: building the R*Tree index")
    poi_store.build_index(conn)
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
