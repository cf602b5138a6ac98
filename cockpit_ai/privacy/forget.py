"""``forget``: erase what the car keeps about a driver, and say how much there was.

What is erased: the dialogue (the sessions of a planner in this process at once; a running
planner node drops its sessions and the shared document at its next turn, told by the
forget request in the privacy record), the trip history (trips carry no driver: all of
them), the driver's profile (their preferences in the profile store,
``profile.store.forget_profile``), the driver's entries in the cloud audit log (and entries
that name no driver), and the consent record.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cockpit_ai.privacy import PrivacyError
from cockpit_ai.privacy.consent import ConsentStore, check_driver


def _erase_profile(driver: str, db: Path | None) -> int:
    from cockpit_ai.profile import ProfileError
    from cockpit_ai.profile.store import forget_profile

    try:
        return forget_profile(driver, db=db)
    except ProfileError as exc:
        raise PrivacyError(f"cannot erase the profile: {exc}") from None


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
           audit_log: Path | None = None, profile_db: Path | None = None,
           dialogue: Any = None) -> dict[str, Any]:
    """Erase ``driver``'s data; returns ``{"driver", "erased": {"dialogue", "trips",
    "profile", "audit", "consent"}, "requested_at"}`` (counts of what was erased).

    ``profile_db``: the profile store (None = ``data_dir()/profiles.sqlite``);
    ``dialogue``: a planner's ``DialogueStore`` in this process (its sessions are counted);
    other processes are told through the forget request noted in ``privacy_db``."""
    name = check_driver(driver)
    store = ConsentStore(privacy_db)
    at = store.request_forget(name)
    erased = {
        "dialogue": int(dialogue.forget()) if dialogue is not None else 0,
        "trips": _erase_trips(trips_db),
        "profile": _erase_profile(name, profile_db),
        "audit": _erase_audit(audit_log, name),
        "consent": store.erase(name),
    }
    return {"driver": name, "erased": erased, "requested_at": at}
