"""``cockpit-ai route`` as the installed command: JSON contract, text output, bad input."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from route_helpers import write_osm

from cockpit_ai.paths import cockpit_command


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*cockpit_command(), "route", *args], capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip


def test_json_keys_and_values() -> None:
    done = _run("--from", "60.1699,24.9384", "--to", "60.1675,24.9525", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert {"distance_m", "duration_s", "streets", "points"} <= out.keys()
    assert out["streets"] == ["Kaivokatu", "Mannerheimintie", "Eteläesplanadi", "Eteläranta"]
    assert 850 < out["distance_m"] < 1300 and out["duration_s"] > 0
    assert all(set(p) == {"lat", "lon"} for p in out["points"])
    assert out["points"][0]["lat"] == pytest.approx(60.1699, abs=1e-4)
    assert out["summary"].endswith("minutes") and out["ways"]


def test_text_output_is_the_summary_and_the_streets() -> None:
    done = _run("--from", "60.1699,24.9384", "--to", "60.1675,24.9525", "--name", "Kauppatori")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Kauppatori, 1.0 km, about")
    assert [line.strip() for line in lines[1:]] == [
        "Kaivokatu", "Mannerheimintie", "Eteläesplanadi", "Eteläranta"]  # fmt: skip


def test_own_osm_file(tmp_path: Path) -> None:
    osm = write_osm(tmp_path / "grid.osm")
    done = _run("--from", "60.0,25.004", "--to", "60.0,25.0", "--osm", str(osm), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["streets"] == ["Itäkatu", "Pohjoiskatu", "Länsikatu"]


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--from", "60.1699", "--to", "60.1675,24.9525"], "expected LAT,LON"),
     (["--from", "abc,24.9", "--to", "60.1675,24.9525"], "must be numbers"),
     (["--from", "nan,24.9", "--to", "60.1675,24.9525"], "must be numbers"),
     (["--from", "95,24.9", "--to", "60.1675,24.9525"], "within ±90"),
     (["--from", "60.1699,24.9000", "--to", "60.1675,24.9525"], "from any drivable street"),
     (["--from", "60.1699,24.9384", "--to", "60.1675,24.9525", "--osm", "/nonexistent.pbf"],
      "no such OSM file"),
     (["--from", "60.1699,24.9384", "--to", "60.1675,24.9525", "--snap", "-1"], "--snap")],
)  # fmt: skip
def test_bad_input_is_exit_2_with_one_line(args: list[str], message: str) -> None:
    done = _run(*args)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert done.stdout == ""
