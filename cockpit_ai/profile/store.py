"""Driver profiles in SQLite: one row per driver and preference, erased for good on forget.

The file is opened for each call (well under a millisecond), so the planner node, ``cockpit-ai
ask`` and ``cockpit-ai profile`` in other processes agree without a restart: a forget holds
from the next request on. ``secure_delete`` overwrites erased rows in the file itself.
Values are checked on the way in (a diet the POI search knows, a temperature the safety gate
allows, a position on Earth), so what comes out can be used as it is.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cockpit_ai.profile import DEFAULT_DRIVER, ProfileError, ProfileInputError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS preference (
    driver TEXT NOT NULL,
    key TEXT NOT NULL,               -- diet, cuisines, home, work, temperature_c
    value TEXT NOT NULL,             -- JSON
    source TEXT NOT NULL,            -- said (a statement) or confirmed (a yes to a question)
    updated_at REAL NOT NULL,        -- Unix time
    PRIMARY KEY (driver, key)
);
"""

KEYS = ("diet", "cuisines", "home", "work", "temperature_c")
PLACES = ("home", "work")
SOURCES = ("said", "confirmed", "cli")
MAX_CUISINES = 5
MAX_DRIVER_CHARS = 64
_CUISINE = re.compile(r"[a-z][a-z_]{1,29}")


def default_profile_db() -> Path:
    """``data_dir()/profiles.sqlite``: kept in the car, never sent anywhere."""
    from cockpit_ai.paths import data_dir

    return data_dir() / "profiles.sqlite"


def check_driver(driver: str) -> str:
    """A driver name as stored: trimmed, 1..64 printable characters."""
    name = (driver or "").strip()
    if not name or len(name) > MAX_DRIVER_CHARS or not name.isprintable():
        raise ProfileInputError(
            f"driver name {driver!r}: use 1..{MAX_DRIVER_CHARS} printable characters")
    return name


def _diets() -> list[str]:
    from cockpit_ai.planner.tools import DIETS

    return [d for d in DIETS if d != "none"]


def _temperature_range() -> tuple[float, float]:
    from cockpit_ai.planner.safety import DEFAULT_ALLOW

    rule = DEFAULT_ALLOW["climate"]
    return float(rule["min_celsius"]), float(rule["max_celsius"])


def check_value(key: str, value: Any) -> Any:
    """``value`` as it is kept for ``key``; ProfileInputError when it cannot be one."""
    if key == "diet":
        if value not in _diets():
            raise ProfileInputError(f"diet {value!r}: one of {', '.join(_diets())}")
        return value
    if key == "cuisines":
        items = [value] if isinstance(value, str) else list(value or [])
        out: list[str] = []
        for item in items:
            c = "_".join(str(item).lower().split())
            if not _CUISINE.fullmatch(c):
                raise ProfileInputError(f"cuisine {item!r}: 2..30 letters")
            if c not in out:
                out.append(c)
        return out[:MAX_CUISINES]
    if key in PLACES:
        try:
            lat, lon = float(value[0]), float(value[1])
        except (TypeError, ValueError, IndexError, KeyError):
            raise ProfileInputError(f"{key}: expected (lat, lon), got {value!r}") from None
        from cockpit_ai.trips.detector import good_position

        if not good_position(lat, lon):
            raise ProfileInputError(f"{key}: {lat}, {lon} is not a position on Earth")
        return [round(lat, 6), round(lon, 6)]
    if key == "temperature_c":
        lo, hi = _temperature_range()
        try:
            t = float(value)
        except (TypeError, ValueError):
            raise ProfileInputError(f"temperature {value!r} is not a number") from None
        if not lo <= t <= hi:
            raise ProfileInputError(f"temperature {t:g} °C: the car sets {lo:g}..{hi:g} °C")
        return round(t * 2) / 2
    raise ProfileInputError(f"unknown preference {key!r} (known: {', '.join(KEYS)})")


@dataclass
class Profile:
    """What the car knows about one driver (None / empty: not known)."""

    driver: str
    diet: str | None = None
    cuisines: list[str] = field(default_factory=list)
    home: tuple[float, float] | None = None
    work: tuple[float, float] | None = None
    temperature_c: float | None = None
    learned: dict[str, dict[str, Any]] = field(default_factory=dict)  # key → source, at

    def place(self, name: str) -> tuple[float, float] | None:
        """The saved ``home`` or ``work`` place."""
        return self.home if name == "home" else self.work if name == "work" else None

    def empty(self) -> bool:
        return not self.learned

    def to_dict(self) -> dict[str, Any]:
        """The ``cockpit-ai profile show --json`` object (keys are a contract)."""
        def where(p: tuple[float, float] | None) -> dict[str, float] | None:
            return None if p is None else {"lat": p[0], "lon": p[1]}

        return {"driver": self.driver, "diet": self.diet, "cuisines": list(self.cuisines),
                "home": where(self.home), "work": where(self.work),
                "temperature_c": self.temperature_c,
                "learned": {k: dict(v) for k, v in self.learned.items()}}


class ProfileStore:
    """Preferences of every driver in one SQLite file (``path``; default
    ``default_profile_db()``)."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path else default_profile_db()

    @contextmanager
    def _db(self, *, create: bool) -> Iterator[sqlite3.Connection | None]:
        """A connection; None when the file does not exist and ``create`` is false (no
        preferences yet: nothing to read or erase)."""
        if not create and not self.path.exists():
            yield None
            return
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=5.0)
        except (OSError, sqlite3.Error) as exc:
            raise ProfileError(f"cannot open the profile file {self.path}: {exc}") from None
        try:
            conn.execute("PRAGMA secure_delete = ON")
            conn.executescript(_SCHEMA)
            with conn:
                yield conn
        except sqlite3.Error as exc:
            raise ProfileError(f"profile file {self.path}: {exc}") from None
        finally:
            conn.close()

    def get(self, driver: str = DEFAULT_DRIVER) -> Profile:
        """The driver's profile (empty when nothing is known)."""
        name = check_driver(driver)
        profile = Profile(name)
        with self._db(create=False) as conn:
            rows = [] if conn is None else conn.execute(
                "SELECT key, value, source, updated_at FROM preference WHERE driver = ? "
                "ORDER BY key", (name,)).fetchall()
        for key, raw, source, at in rows:
            try:
                value = check_value(key, json.loads(raw))
            except (ValueError, ProfileInputError):
                continue  # a row another version wrote: not used, erased by forget
            if key in PLACES:
                setattr(profile, key, (value[0], value[1]))
            else:
                setattr(profile, key, value)
            profile.learned[key] = {"source": source, "at": at}
        return profile

    def set(self, driver: str, key: str, value: Any, *, source: str = "said",
            at: float | None = None) -> Any:
        """Keep one preference (replacing the old value); returns the value as kept.
        ``None`` clears it ("I'm not vegetarian any more")."""
        name = check_driver(driver)
        if source not in SOURCES:
            raise ProfileInputError(f"source {source!r}: one of {', '.join(SOURCES)}")
        if value is None:
            if key not in KEYS:
                raise ProfileInputError(f"unknown preference {key!r} (known: {', '.join(KEYS)})")
            with self._db(create=True) as conn:
                assert conn is not None
                conn.execute("DELETE FROM preference WHERE driver = ? AND key = ?", (name, key))
            return None
        kept = check_value(key, value)
        with self._db(create=True) as conn:
            assert conn is not None
            conn.execute(
                "INSERT INTO preference (driver, key, value, source, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (driver, key) DO UPDATE SET "
                "value = excluded.value, source = excluded.source, "
                "updated_at = excluded.updated_at",
                (name, key, json.dumps(kept), source, time.time() if at is None else at))
        return kept

    def add_cuisine(self, driver: str, cuisine: str, *, source: str = "said") -> list[str]:
        """A favourite cuisine in front of the others (at most MAX_CUISINES kept)."""
        new = check_value("cuisines", cuisine)
        old = self.get(driver).cuisines
        kept: list[str] = self.set(driver, "cuisines", [*new, *old], source=source)
        return kept

    def forget(self, driver: str = DEFAULT_DRIVER) -> int:
        """Erase everything known about ``driver``; returns the preferences erased. The
        name is checked first, so a bad name erases nothing."""
        name = check_driver(driver)
        with self._db(create=False) as conn:
            if conn is None:
                return 0
            n = conn.execute("DELETE FROM preference WHERE driver = ?", (name,)).rowcount
        return int(n)

    def forget_all(self) -> int:
        """Erase every driver's preferences; returns how many there were."""
        with self._db(create=False) as conn:
            if conn is None:
                return 0
            n = conn.execute("DELETE FROM preference").rowcount
        return int(n)

    def drivers(self) -> list[str]:
        """Drivers with at least one preference."""
        with self._db(create=False) as conn:
            rows = [] if conn is None else conn.execute(
                "SELECT DISTINCT driver FROM preference ORDER BY driver").fetchall()
        return [str(r[0]) for r in rows]


def forget_profile(driver: str, *, db: Path | str | None = None) -> int:
    """Erase ``driver``'s preferences in ``db`` (default ``data_dir()/profiles.sqlite``):
    what `cockpit-ai privacy forget` calls; returns the preferences erased."""
    return ProfileStore(db).forget(driver)
