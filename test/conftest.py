"""Shared test set-up: isolation on this machine, real node processes, clean teardown.

Every test session runs with localhost-only discovery and its own ROS_DOMAIN_ID, so
parallel runs on one machine never hear each other and nothing leaves the machine.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
os.environ.setdefault("ROS_DOMAIN_ID", str(random.randint(20, 220)))
# pytest-xdist workers (scripts/test.sh part 1 runs on two): each worker its own domain
# (gw0 the session's, gw1 the next), so their nodes never meet.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if WORKER.startswith("gw"):
    from cockpit_ai.ros.shm import NO_CLEAN_ENV  # plain Python: no ROS set-up yet

    os.environ["ROS_DOMAIN_ID"] = str(int(os.environ["ROS_DOMAIN_ID"]) + int(WORKER[2:]))
    # and nobody cleans /dev/shm (ros/shm.py): one worker's cleaning (a test's teardown, a
    # launcher it starts) could delete the files of the other's participant being created;
    # scripts/test.sh cleans once before the workers start
    os.environ[NO_CLEAN_ENV] = "1"
os.environ.setdefault("PYTHONUNBUFFERED", "1")
from cockpit_ai.ros.env import apply_dds_defaults  # noqa: E402  (after the environment)
from cockpit_ai.testing import Processes, cockpit_cmd, node_exec  # noqa: E402, F401

apply_dds_defaults()  # loopback-only Fast DDS profile for this process and its children
# Segments of processes killed earlier (other runs, SIGKILL in a test) can break a new
# participant that gets the same shared-memory port: remove the unused ones first.
from cockpit_ai.ros.shm import clean_stale_fastdds_files  # noqa: E402

clean_stale_fastdds_files()  # a no-op in a pytest-xdist worker (above)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    """Start real processes; each is stopped when the test ends."""
    procs = Processes(tmp_path)
    yield procs
    procs.stop_all()
    clean_stale_fastdds_files()  # what a SIGKILLed child left behind


@pytest.fixture
def probe() -> Iterator[object]:
    """A blocking ROS helper node in the test process (cockpit_ai.ros.probe.Probe)."""
    from cockpit_ai.ros.probe import Probe

    p = Probe(f"test_probe_{os.getpid()}_{int(time.monotonic() * 1000) % 100000}")
    yield p
    p.close()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int,
                            config: pytest.Config) -> None:
    """The fuzz harness's table of cases run per input (test/fuzz): this session's, or the
    sum of what the pytest-xdist workers wrote (test/fuzz/conftest.py)."""
    import sys

    cases: dict[str, dict[str, int]] = {
        k: dict(v) for k, v in (getattr(sys.modules.get("fuzzkit"), "CASES", {}) or {}).items()}
    try:
        base = config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    except Exception:
        base = None
    for part in sorted(base.glob("fuzz_cases-gw*.json")) if base else []:
        for key, row in json.loads(part.read_text()).items():
            merged = cases.setdefault(key, {})
            for col, n in row.items():
                merged[col] = merged.get(col, 0) + n
    if not cases:
        return
    tr = terminalreporter
    tr.section("fuzz cases per input")
    cols = ["examples", "messages", "must_refuse", "cdr", "cdr_undecodable", "unpublishable",
            "mcap_files"]
    width = max(len(k) for k in cases) + 2

    def line(label: str, values: list[object]) -> str:
        return label.ljust(width) + "".join(str(v).rjust(len(c) + 2)
                                            for c, v in zip(cols, values, strict=True))

    tr.write_line(line("input", list(cols)))
    for key in sorted(cases):
        tr.write_line(line(key, [cases[key].get(c, "") for c in cols]))
    sums = {c: sum(r.get(c, 0) for r in cases.values()) for c in cols}
    tr.write_line(line("total", [sums[c] for c in cols]))
    if base is None:
        return
    out = base / "fuzz_cases.json"
    out.write_text(json.dumps({"inputs": cases, "total": sums}, indent=2, sort_keys=True))
    tr.write_line(f"written to {out}")
