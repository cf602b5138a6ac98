"""``forget``: erase what the car keeps about a driver, and say how much there was.

What is erased: the dialogue (the sessions of a planner in this process at once; a running
planner node drops its sessions at its next turn, told by the forget request in the privacy
record), the trip history (trips carry no driver: all of them), the driver's profile
(``profile_paths``: ``data_dir()/profiles/<driver>.json`` or the folder
``data_dir()/profiles/<driver>/``, where a profile store is to keep it), the driver's
entries in the cloud audit log (and entries that name no driver), and the consent record.
"""

from __future__ import annotations

import shutil
import urllib.parse
from pathlib import Path
from typing import Any

from cockpit_ai.privacy import PrivacyError
from cockpit_ai.privacy.consent import ConsentStore, check_driver


def profile_root() -> Path:
    """``data_dir()/profiles``: where a driver's profile lives (the documented place)."""
    from cockpit_ai.paths import data_dir

    return data_dir() / "profiles"


def profile_paths(driver: str, root: Path | None = None) -> list[Path]:
    """The files a driver's profile may be: ``<root>/<driver>.json`` and ``<root>/<driver>/``
    (the name percent-encoded, so any driver name is one safe file name)."""
    safe = urllib.parse.quote(check_driver(driver), safe="")
    base = root if root is not None else profile_root()
    return [base / f"{safe}.json", base / safe]


def _erase_profile(driver: str, root: Path | None) -> int:
    erased = 0
    for path in profile_paths(driver, root):
        try:
            if path.is_dir():
                erased += sum(1 for p in path.rglob("*") if p.is_file())
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
                erased += 1
        except OSError as exc:
            raise PrivacyError(f"cannot erase the profile {path}: {exc}") from None
    return erased


def _erase_trips(path: Path | None) -> int:
    if path is None or not path.exists():
        return 0
    from cockpit_ai.trips.store import TripStore

    store = TripStore(path, retention_days=36500.0)
    try:
        return store.forget()
    finally:
        store.close()


def _erase_audit(path: Path | None, driver: str) -> int:
    if path is None:
        return 0
    from cockpit_ai.planner.privacy import AuditLog

    return AuditLog(path).forget(driver)


def forget(driver: str, *, privacy_db: Path | None = None, trips_db: Path | None = None,
           audit_log: Path | None = None, profiles: Path | None = None,
           dialogue: Any = None) -> dict[str, Any]:
    """Erase ``driver``'s data; returns ``{"driver", "erased": {"dialogue", "trips",
    "profile", "audit", "consent"}, "requested_at"}`` (counts of what was erased).

    ``dialogue``: a planner's ``DialogueStore`` in this process (its sessions are counted);
    other processes are told through the forget request noted in ``privacy_db``."""
    name = check_driver(driver)
    store = ConsentStore(privacy_db)
    at = store.request_forget(name)
    erased = {
        "dialogue": int(dialogue.forget()) if dialogue is not None else 0,
        "trips": _erase_trips(trips_db),
        "profile": _erase_profile(name, profiles),
        "audit": _erase_audit(audit_log, name),
        "consent": store.erase(name),
    }
    return {"driver": name, "erased": erased, "requested_at": at}
