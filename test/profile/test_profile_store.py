"""Driver profiles in SQLite: kept per driver, checked on the way in, erased for good."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cockpit_ai.profile import ProfileError, ProfileInputError
from cockpit_ai.profile.store import ProfileStore, forget_profile


def test_preferences_are_kept_per_driver(tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite"
    store = ProfileStore(db)
    assert store.get("anna").empty() and not db.exists()  # reading creates nothing
    store.set("anna", "diet", "vegetarian")
    store.set("anna", "home", (60.1699, 24.9384))
    store.set("anna", "temperature_c", 21.3, source="confirmed")
    store.add_cuisine("anna", "Thai")
    store.add_cuisine("anna", "italian")
    store.add_cuisine("anna", "thai")  # again: to the front, once
    store.set("ben", "diet", "halal")
    anna = ProfileStore(db).get("anna")  # another process reads the same file
    assert anna.diet == "vegetarian" and anna.home == (60.1699, 24.9384)
    assert anna.temperature_c == 21.5  # half degrees, as the climate sets them
    assert anna.cuisines == ["thai", "italian"] and anna.work is None
    assert anna.learned["temperature_c"]["source"] == "confirmed"
    assert ProfileStore(db).get("ben").diet == "halal"
    assert store.drivers() == ["anna", "ben"]
    d = anna.to_dict()
    assert d["home"] == {"lat": 60.1699, "lon": 24.9384} and d["work"] is None
    store.set("anna", "diet", None)  # "I'm not vegetarian any more"
    assert store.get("anna").diet is None


def test_forget_erases_one_driver_for_good(tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite"
    store = ProfileStore(db)
    store.set("anna", "diet", "vegan")
    store.set("anna", "work", (60.2, 24.9))
    store.set("ben", "diet", "kosher")
    assert forget_profile("anna", db=db) == 2
    assert store.get("anna").empty() and store.get("ben").diet == "kosher"
    assert b"vegan" not in db.read_bytes()  # secure_delete: not left in free pages
    assert forget_profile("anna", db=db) == 0
    assert store.forget_all() == 1 and store.drivers() == []
    assert ProfileStore(tmp_path / "none.sqlite").forget("x") == 0  # no file: nothing


@pytest.mark.parametrize("key, value, message", [
    ("diet", "carnivore", "diet"),
    ("temperature_c", 35, "16..28"),
    ("temperature_c", "warm", "not a number"),
    ("home", (0.0, 0.0), "not a position"),
    ("home", (91.0, 10.0), "not a position"),
    ("work", "office", "expected"),
    ("cuisines", "x", "2..30 letters"),
    ("shoe_size", 42, "unknown preference"),
])
def test_bad_values_are_refused(tmp_path: Path, key: str, value: object, message: str) -> None:
    store = ProfileStore(tmp_path / "p.sqlite")
    with pytest.raises(ProfileInputError, match=message):
        store.set("anna", key, value)
    assert store.get("anna").empty()


def test_bad_driver_names_and_a_broken_file(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path / "p.sqlite")
    for name in ("", "   ", "x" * 65, "a\nb"):
        with pytest.raises(ProfileInputError, match="driver name"):
            store.get(name)
    bad = tmp_path / "broken.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ProfileError, match=r"broken\.sqlite"):
        ProfileStore(bad).get("anna")
    # a row an older version wrote with a value this one refuses is skipped, not fatal
    good = tmp_path / "old.sqlite"
    ProfileStore(good).set("anna", "diet", "vegan")
    with sqlite3.connect(good) as conn:
        conn.execute("INSERT INTO preference VALUES ('anna', 'temperature_c', '99', 'said', 0)")
    assert ProfileStore(good).get("anna").temperature_c is None
