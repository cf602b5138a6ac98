"""``cockpit-ai trips`` as a user's script runs it: add, list --json (the contract keys),
predict --json, forget; bad input exits 2 with one line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from cockpit_ai.testing import cockpit_cmd

STATION = "60.1699,24.9384"
SENATE = "60.1725,24.9506"  # Unioninkatu, north of Senate Square


def trips(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cockpit_cmd() + ["trips", *args], capture_output=True, text=True,
                          timeout=120)


def test_add_list_predict_forget(tmp_path: Path) -> None:
    db = str(tmp_path / "trips.sqlite")
    for day in (2, 9, 16, 23):  # four Wednesdays at 08:1x
        r = trips("add", "--from", STATION, "--to", SENATE,
                  "--start", f"2026-09-{day:02d}T08:1{day % 7}:00+03:00", "--db", db)
        assert r.returncode == 0, r.stderr
    again = trips("add", "--from", STATION, "--to", SENATE, "--start",
                  "2026-09-02T08:12:00+03:00", "--db", db, "--json")
    assert json.loads(again.stdout)["added"] is False  # the same trip is kept once
    listed = json.loads(trips("list", "--db", db, "--json").stdout)
    assert len(listed) == 4
    first = listed[0]
    for key in ("start_time", "end_time", "start", "end", "destination_name", "distance_m",
                "route_ways"):
        assert key in first, key
    assert set(first["start"]) == {"lat", "lon"} and first["route_ways"]
    assert 500 < first["distance_m"] < 3000 and first["destination_name"]
    pred = trips("predict", "--db", db, "--lat", "60.1699", "--lon", "24.9384",
                 "--at", "2026-12-02T08:15:00+02:00", "--json")
    p = json.loads(pred.stdout)
    assert p["destination_name"] == first["destination_name"] and p["probability"] == 1.0
    assert {"lat", "lon"} <= set(p)
    none = trips("predict", "--db", db, "--lat", "60.1699", "--lon", "24.9384",
                 "--at", "2026-12-06T03:00:00+02:00", "--json")
    assert json.loads(none.stdout) is None
    assert "forgot 2 trips" in trips("forget", "--before", "2026-09-10T00:00:00+03:00",
                                     "--db", db).stdout
    assert "forgot 2 trips" in trips("forget", "--all", "--db", db).stdout
    assert json.loads(trips("list", "--db", db, "--json").stdout) == []


def test_bad_input_exits_2_with_one_line(tmp_path: Path) -> None:
    db = str(tmp_path / "t.sqlite")
    for args in (["add", "--from", "north", "--to", SENATE, "--start", "2026-09-02T08:00",
                  "--db", db],
                 ["add", "--from", STATION, "--to", "95,24", "--start", "2026-09-02T08:00",
                  "--db", db],
                 ["add", "--from", STATION, "--to", SENATE, "--start", "yesterday", "--db", db],
                 ["predict", "--db", db, "--lat", "nan", "--lon", "24.9", "--at",
                  "2026-09-02T08:00"]):
        r = trips(*args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(b"garbage" * 500)
    r = trips("list", "--db", str(corrupt))
    assert r.returncode == 2 and "cannot open the trip history" in r.stderr
