"""`cockpit-ai profile show|forget` (--driver, --db, --json) on the planner's file."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from cockpit_ai.profile.store import ProfileStore
from cockpit_ai.testing import cockpit_cmd


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cockpit_cmd() + ["profile", *args], capture_output=True, text=True,
                          timeout=120)


def test_show_and_forget(tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite"
    store = ProfileStore(db)
    store.set("anna", "diet", "vegetarian")
    store.set("anna", "home", (60.17, 24.94))
    store.set("ben", "temperature_c", 20)
    res = run("show", "--driver", "anna", "--db", str(db), "--json")
    assert res.returncode == 0, res.stderr
    shown = json.loads(res.stdout)
    assert shown["driver"] == "anna" and shown["diet"] == "vegetarian"
    assert shown["home"] == {"lat": 60.17, "lon": 24.94} and shown["temperature_c"] is None
    assert set(shown["learned"]) == {"diet", "home"}
    text = run("show", "--driver", "anna", "--db", str(db))
    assert "vegetarian" in text.stdout and "60.17000, 24.94000" in text.stdout
    res = run("forget", "--driver", "anna", "--db", str(db), "--json")
    assert res.returncode == 0 and json.loads(res.stdout) == {"driver": "anna", "erased": 2}
    assert ProfileStore(db).get("anna").empty() and ProfileStore(db).get("ben").temperature_c
    res = run("forget", "--all-drivers", "--db", str(db))
    assert res.returncode == 0 and "erased 1 preference of every driver" in res.stdout


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    res = run("show", "--driver", " ", "--db", str(tmp_path / "p.sqlite"))
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and "driver name" in res.stderr
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"not a database" * 200)
    res = run("forget", "--db", str(bad))
    assert res.returncode == 1 and "bad.sqlite" in res.stderr and "Traceback" not in res.stderr
