"""Shared test set-up: isolation on this machine, real node processes, clean teardown.

Every test session runs with localhost-only discovery and its own ROS_DOMAIN_ID, so
parallel runs on one machine never hear each other and nothing leaves the machine.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
os.environ.setdefault("ROS_DOMAIN_ID", str(random.randint(20, 220)))
# pytest-xdist workers (scripts/test.sh runs the tests that start no stack on two): each
# worker its own domain (gw0 the session's, gw1 the next), so their nodes never meet.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if WORKER.startswith("gw"):
    os.environ["ROS_DOMAIN_ID"] = str(int(os.environ["ROS_DOMAIN_ID"]) + int(WORKER[2:]))
os.environ.setdefault("PYTHONUNBUFFERED", "1")
from cockpit_ai.ros.env import apply_dds_defaults
from cockpit_ai.testing import Processes, cockpit_cmd, node_exec  # noqa: F401  (re-exported)

apply_dds_defaults()  # loopback-only Fast DDS profile for this process and its children
# Segments of processes killed earlier (other runs, SIGKILL in a test) can break a new
# participant that gets the same shared-memory port: remove the unused ones first.
from cockpit_ai.ros.shm import clean_stale_fastdds_files  # noqa: E402

if not WORKER:  # with workers, scripts/test.sh cleans once before them: one worker's
    clean_stale_fastdds_files()  # cleaning could race the other's new participant

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    """Start real processes; each is stopped when the test ends."""
    procs = Processes(tmp_path)
    yield procs
    procs.stop_all()
    if not WORKER:
        clean_stale_fastdds_files()  # what a SIGKILLed child left behind


@pytest.fixture
def probe() -> Iterator[object]:
    """A blocking ROS helper node in the test process (cockpit_ai.ros.probe.Probe)."""
    from cockpit_ai.ros.probe import Probe

    p = Probe(f"test_probe_{os.getpid()}_{int(time.monotonic() * 1000) % 100000}")
    yield p
    p.close()
