"""Consent to the cloud, one record per driver, and the forget requests, in SQLite.

The file is opened for each question (a few tenths of a millisecond), so the planner node,
the CLI and a second process agree without a restart: a withdrawal holds from the next
request on. No file, no row, an unreadable file: no consent.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from cockpit_ai.privacy import DEFAULT_DRIVER, PrivacyError, PrivacyInputError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS consent (
    driver TEXT PRIMARY KEY,
    cloud INTEGER NOT NULL,          -- 1 = the driver allowed cloud requests
    changed_at REAL NOT NULL         -- Unix time of the last give/withdraw
);
CREATE TABLE IF NOT EXISTS forget_request (
    driver TEXT NOT NULL,
    at REAL NOT NULL                 -- Unix time: dialogue older than this is dropped
);
"""

MAX_DRIVER_CHARS = 64


def default_privacy_db() -> Path:
    """``data_dir()/privacy.sqlite``: the car's own record, never sent anywhere."""
    from cockpit_ai.paths import data_dir

    return data_dir() / "privacy.sqlite"


def check_driver(driver: str) -> str:
    """A driver name as stored: trimmed, 1..64 printable characters."""
    name = (driver or "").strip()
    if not name or len(name) > MAX_DRIVER_CHARS or not name.isprintable():
        raise PrivacyInputError(
            f"driver name {driver!r}: use 1..{MAX_DRIVER_CHARS} printable characters")
    return name


class ConsentStore:
    """Consent and forget requests in one SQLite file (``path``; default
    ``default_privacy_db()``)."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path else default_privacy_db()

    def _connect(self, *, write: bool) -> sqlite3.Connection:
        try:
            if write:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=5.0)
                conn.executescript(_SCHEMA)
            else:
                conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                       timeout=5.0)
            return conn
        except (sqlite3.Error, OSError) as exc:
            raise PrivacyError(f"privacy record {self.path}: {exc}") from None

    def _read(self, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        if not self.path.exists():
            return []
        with closing(self._connect(write=False)) as conn:
            try:
                return conn.execute(sql, args).fetchall()
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc):
                    return []
                raise PrivacyError(f"privacy record {self.path}: {exc}") from None
            except sqlite3.Error as exc:
                raise PrivacyError(f"privacy record {self.path}: {exc}") from None

    def _write(self, sql: str, args: tuple[Any, ...]) -> int:
        with closing(self._connect(write=True)) as conn:
            try:
                with conn:
                    return conn.execute(sql, args).rowcount
            except sqlite3.Error as exc:
                raise PrivacyError(f"privacy record {self.path}: {exc}") from None

    def set(self, driver: str, cloud: bool) -> dict[str, Any]:
        """Give (``cloud`` True) or withdraw consent; returns the record."""
        name = check_driver(driver)
        self._write("INSERT INTO consent (driver, cloud, changed_at) VALUES (?, ?, ?) "
                    "ON CONFLICT(driver) DO UPDATE SET cloud = excluded.cloud, "
                    "changed_at = excluded.changed_at", (name, int(cloud), time.time()))
        return self.show(name)

    def give(self, driver: str = DEFAULT_DRIVER) -> dict[str, Any]:
        return self.set(driver, True)

    def withdraw(self, driver: str = DEFAULT_DRIVER) -> dict[str, Any]:
        return self.set(driver, False)

    def show(self, driver: str = DEFAULT_DRIVER) -> dict[str, Any]:
        """``{"driver", "cloud", "changed_at"}``; never asked: cloud false, changed_at None."""
        name = check_driver(driver)
        rows = self._read("SELECT cloud, changed_at FROM consent WHERE driver = ?", (name,))
        if not rows:
            return {"driver": name, "cloud": False, "changed_at": None}
        return {"driver": name, "cloud": bool(rows[0][0]), "changed_at": float(rows[0][1])}

    def cloud_allowed(self, driver: str = DEFAULT_DRIVER) -> bool:
        """Whether this driver allowed cloud requests (False when unsure)."""
        try:
            return bool(self.show(driver)["cloud"])
        except PrivacyError:
            return False

    def erase(self, driver: str) -> int:
        """Delete the driver's consent record (a forgotten driver has not consented)."""
        if not self.path.exists():
            return 0
        return self._write("DELETE FROM consent WHERE driver = ?", (check_driver(driver),))

    def request_forget(self, driver: str) -> float:
        """Note that ``driver`` asked to be forgotten now; returns the time noted."""
        at = time.time()
        self._write("INSERT INTO forget_request (driver, at) VALUES (?, ?)",
                    (check_driver(driver), at))
        return at

    def forget_mark(self) -> float:
        """The time of the newest forget request of any driver (0 = none): a planner drops
        its dialogue sessions (which are not kept per driver) when this grows."""
        rows = self._read("SELECT MAX(at) FROM forget_request", ())
        return float(rows[0][0]) if rows and rows[0][0] is not None else 0.0
