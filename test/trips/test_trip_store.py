"""The trip history in a real SQLite file: each trip once, retention, forget, bad files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cockpit_ai.trips import TripsError
from cockpit_ai.trips.store import StoredTrip, TripStore

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def trip(days_ago: float, name: str = "Office") -> StoredTrip:
    start = NOW - timedelta(days=days_ago)
    return StoredTrip(start, start + timedelta(minutes=12), (60.17, 24.94), (60.19, 24.92),
                      2500.0, 720.0, name, [1, 2, 3], ["Mannerheimintie"])


def test_each_trip_is_kept_once_and_survives_reopening(tmp_path: Path) -> None:
    db = tmp_path / "trips.sqlite"
    store = TripStore(db, now=NOW)
    assert store.add(trip(1), now=NOW) is True
    assert store.add(trip(1), now=NOW) is False  # the same bag replayed: nothing new
    assert store.add(trip(2), now=NOW) is True
    store.close()
    again = TripStore(db, now=NOW).list()
    assert [t.start_time for t in again] == [trip(2).start_time, trip(1).start_time]
    d = again[0].to_dict()
    assert set(d) >= {"start_time", "end_time", "start", "end", "destination_name",
                      "distance_m", "route_ways"}
    assert d["start"] == {"lat": 60.17, "lon": 24.94} and d["route_ways"] == [1, 2, 3]


def test_retention_on_open_and_on_write(tmp_path: Path) -> None:
    db = tmp_path / "t.sqlite"
    store = TripStore(db, retention_days=3650, now=NOW)
    for days in (1, 10, 100, 400):
        store.add(trip(days), now=NOW)
    store.close()
    assert len(TripStore(db, retention_days=30, now=NOW).list()) == 2  # 100 and 400 gone
    short = TripStore(db, retention_days=5, now=NOW)
    short.add(trip(0.5), now=NOW)  # a write expires too
    assert [round((NOW - t.start_time).days) for t in short.list()] == [1, 0]


def test_forget_all_or_before(tmp_path: Path) -> None:
    store = TripStore(tmp_path / "t.sqlite", now=NOW)
    for days in (1, 2, 3, 4):
        store.add(trip(days), now=NOW)
    assert store.forget(before=NOW - timedelta(days=2, hours=12)) == 2
    assert len(store.list()) == 2
    assert store.forget() == 2 and store.list() == []


def test_a_corrupt_or_unreachable_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(TripsError, match="cannot open the trip history"):
        TripStore(bad)
    (tmp_path / "file").write_text("x")
    with pytest.raises(TripsError):
        TripStore(tmp_path / "file" / "trips.sqlite")


def test_a_replay_that_lost_its_first_fixes_is_the_same_trip(tmp_path: Path) -> None:
    store = TripStore(tmp_path / "t.sqlite", now=NOW)
    full = trip(1)
    late = StoredTrip(full.start_time + timedelta(seconds=8), full.end_time,
                      (60.1701, 24.9412), full.end, 2400.0, 712.0, "Office")
    assert store.add(full, now=NOW) and not store.add(late, now=NOW)
    after = StoredTrip(full.end_time + timedelta(minutes=5), full.end_time + timedelta(minutes=20),
                       full.end, full.start, 2500.0, 900.0, "Home")
    assert store.add(after, now=NOW)  # the next trip is a new one
    touching = StoredTrip(after.end_time, after.end_time + timedelta(minutes=9),
                          full.start, full.end, 2400.0, 540.0, "Office")
    assert store.add(touching, now=NOW)  # starting when the last one ended: a new trip
    assert len(store.list()) == 3
