"""Consent per driver (cloud off until given) and "forget me", with real SQLite files and
the real CLI."""

from __future__ import annotations

import json
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cockpit_ai.paths import cockpit_command
from cockpit_ai.planner.dialogue import DialogueStore
from cockpit_ai.planner.privacy import AuditLog
from cockpit_ai.privacy import PrivacyInputError
from cockpit_ai.privacy.consent import ConsentStore
from cockpit_ai.privacy.forget import forget
from cockpit_ai.profile.store import ProfileStore
from cockpit_ai.trips.store import StoredTrip, TripStore


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*cockpit_command(), "privacy", *args], capture_output=True,
                          text=True, timeout=60)


def test_consent_is_per_driver_and_off_until_given(tmp_path: Path) -> None:
    store = ConsentStore(tmp_path / "privacy.sqlite")
    assert not store.cloud_allowed("anna")  # no file at all: no consent
    assert not (tmp_path / "privacy.sqlite").exists()  # reading does not create it
    assert store.show("anna") == {"driver": "anna", "cloud": False, "changed_at": None}
    store.give("anna")
    assert store.cloud_allowed("anna") and not store.cloud_allowed("ben")
    store.withdraw("anna")
    record = store.show("anna")
    assert record["cloud"] is False and record["changed_at"] is not None
    with pytest.raises(PrivacyInputError):
        store.give("   ")
    (tmp_path / "broken.sqlite").write_bytes(b"not a database" * 100)
    assert not ConsentStore(tmp_path / "broken.sqlite").cloud_allowed("anna")


def test_consent_cli_give_withdraw_show(tmp_path: Path) -> None:
    db = str(tmp_path / "privacy.sqlite")
    shown = cli("consent", "show", "--driver", "Anna Virtanen", "--db", db, "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == {"driver": "Anna Virtanen", "cloud": False,
                                        "changed_at": None}
    given = cli("consent", "give", "--driver", "Anna Virtanen", "--db", db, "--json")
    assert json.loads(given.stdout)["cloud"] is True
    assert ConsentStore(db).cloud_allowed("Anna Virtanen")
    plain = cli("consent", "withdraw", "--driver", "Anna Virtanen", "--db", db)
    assert plain.returncode == 0 and "withdrawn" in plain.stdout
    assert not ConsentStore(db).cloud_allowed("Anna Virtanen")
    bad = cli("consent", "give", "--driver", "", "--db", db)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "driver name" in bad.stderr


def _trip(start: datetime) -> StoredTrip:
    return StoredTrip(start, start + timedelta(minutes=12), (60.17, 24.94), (60.18, 24.95),
                      2100.0, 720.0, "Home", [1, 2], ["Mannerheimintie"])


def _data(tmp_path: Path) -> dict[str, Path]:
    paths = {"db": tmp_path / "privacy.sqlite", "trips": tmp_path / "trips.sqlite",
             "audit": tmp_path / "audit.jsonl", "profiles": tmp_path / "profiles.sqlite"}
    trips = TripStore(paths["trips"])
    now = datetime.now(UTC)
    for days in (1, 2, 3):
        trips.add(_trip(now - timedelta(days=days)))
    trips.close()
    for driver in ("anna", "ben", ""):
        AuditLog(paths["audit"], driver=driver).record(url="http://127.0.0.1/v1", body=b"{}")
    profiles = ProfileStore(paths["profiles"])
    profiles.set("anna", "diet", "vegetarian")
    profiles.set("anna", "temperature_c", 21.5)
    profiles.set("ben", "diet", "vegan")
    ConsentStore(paths["db"]).give("anna")
    ConsentStore(paths["db"]).give("ben")
    return paths


def test_forget_erases_dialogue_trips_profile_audit_and_consent(tmp_path: Path) -> None:
    paths = _data(tmp_path)
    dialogue = DialogueStore()
    dialogue.get("cabin").remember("find a cafe", None, "I found 2.")
    before = ConsentStore(paths["db"]).forget_mark()
    result = forget("anna", privacy_db=paths["db"], trips_db=paths["trips"],
                    audit_log=paths["audit"], profile_db=paths["profiles"], dialogue=dialogue)
    assert result["erased"] == {"dialogue": 1, "trips": 3, "profile": 2, "audit": 2,
                                "consent": 1}
    assert len(dialogue) == 0 and TripStore(paths["trips"]).list() == []
    assert ProfileStore(paths["profiles"]).drivers() == ["ben"]  # anna's preferences gone
    left = [json.loads(ln)["driver"] for ln in paths["audit"].read_text().splitlines()]
    assert left == ["ben"]  # anna's and the unattributed entry are gone
    store = ConsentStore(paths["db"])
    assert not store.cloud_allowed("anna") and store.cloud_allowed("ben")
    assert store.forget_mark() > before
    again = forget("anna", privacy_db=paths["db"], trips_db=paths["trips"],
                   audit_log=paths["audit"], profile_db=paths["profiles"])
    assert again["erased"] == {"dialogue": 0, "trips": 0, "profile": 0, "audit": 0,
                               "consent": 0}


def test_forget_cli_json_counts(tmp_path: Path) -> None:
    paths = _data(tmp_path)
    done = cli("forget", "--driver", "anna", "--db", str(paths["db"]), "--trips-db",
               str(paths["trips"]), "--audit-log", str(paths["audit"]), "--profile-db",
               str(paths["profiles"]), "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["driver"] == "anna"
    assert out["erased"] == {"dialogue": 0, "trips": 3, "profile": 2, "audit": 2,
                             "consent": 1}
    assert out["requested_at"] <= time.time()


def test_forget_cli_reads_the_planner_parameter_file(tmp_path: Path) -> None:
    paths = _data(tmp_path)
    params = tmp_path / "planner.param.yaml"
    params.write_text("/**:\n  ros__parameters:\n"
                      f"    consent_db: \"{paths['db']}\"\n"
                      f"    audit_log: \"{paths['audit']}\"\n"
                      f"    history_db: \"{paths['trips']}\"\n"
                      f"    profile_db: \"{paths['profiles']}\"\n")
    done = cli("forget", "--driver", "ben", "--params", str(params), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["erased"] == {"dialogue": 0, "trips": 3, "profile": 1,
                                                 "audit": 2, "consent": 1}
    bad = cli("forget", "--params", str(tmp_path / "missing.yaml"))
    assert bad.returncode == 2 and "not a planner parameter file" in bad.stderr


def test_audit_log_expires_at_start_and_as_it_writes(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    now = [1_000_000.0]
    old = AuditLog(path, clock=lambda: now[0])
    old.record(url="u", body=b"old")
    now[0] += 3 * 86400
    old.record(url="u", body=b"newer")
    now[0] += 28 * 86400  # "old" is 31 days old now, "newer" 28
    log = AuditLog(path, retention_days=30, clock=lambda: now[0])  # expires at start
    bodies = [json.loads(ln)["body"] for ln in path.read_text().splitlines()]
    assert bodies == ["newer"]
    now[0] += 600  # 10 minutes after the last expiry: a write does not expire again
    log.record(url="u", body=b"a")
    assert len(path.read_text().splitlines()) == 2
    now[0] += 3 * 86400  # "newer" is 31 days old and the last expiry long ago
    log.record(url="u", body=b"b")
    bodies = [json.loads(ln)["body"] for ln in path.read_text().splitlines()]
    assert bodies == ["a", "b"]


def test_a_running_planner_follows_consent_and_forget_from_another_process(
        tmp_path: Path, smol_path: Path) -> None:
    """The CLI writes the privacy record; the planner (another process's view of the same
    file) sends to the cloud only while the driver's consent holds, and drops its dialogue
    at the next turn after `cockpit-ai privacy forget`."""
    from cockpit_ai.planner.backends import (
        CloudBackend,
        CloudSettings,
        EdgeBackend,
        EdgeSettings,
        FailoverBackend,
    )
    from cockpit_ai.planner.planner import Context, Planner
    from cockpit_ai.privacy.capture import CaptureServer

    db = tmp_path / "privacy.sqlite"
    store = ConsentStore(db)
    edge = EdgeBackend(EdgeSettings(model_path=smol_path, n_threads=1))
    with CaptureServer() as capture:
        cloud = CloudBackend(CloudSettings(base_url=capture.url, budget_s=20.0))
        planner = Planner(backend=FailoverBackend(edge, cloud,
                                                  consent=lambda: store.cloud_allowed("anna")),
                          config={"fastpath": False})
        planner.forget_mark = store.forget_mark
        ctx = Context(session_id="cabin")
        assert planner.handle("tell me a joke", ctx).backend == "edge"  # never asked
        assert capture.chat_requests() == []
        assert cli("consent", "give", "--driver", "anna", "--db", str(db)).returncode == 0
        assert planner.handle("another one", ctx).backend == "cloud"
        assert len(capture.chat_requests()) == 1
        assert cli("consent", "withdraw", "--driver", "anna", "--db", str(db)).returncode == 0
        assert planner.handle("one more", ctx).backend == "edge"
        assert len(capture.chat_requests()) == 1  # nothing sent after the withdrawal
    assert len(planner.dialogues.get("cabin").exchanges) == 3
    assert cli("forget", "--driver", "anna", "--db", str(db), "--trips-db",
               str(tmp_path / "t.sqlite"), "--profile-db",
               str(tmp_path / "p.sqlite")).returncode == 0
    planner.handle("hello", ctx)
    assert [ex.user for ex in planner.dialogues.get("cabin").exchanges] == ["hello"]
