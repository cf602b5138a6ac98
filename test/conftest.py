"""Shared test set-up: isolation on this machine, real node processes, clean teardown.

Every test session runs with localhost-only discovery and its own ROS_DOMAIN_ID, so
parallel runs on one machine never hear each other and nothing leaves the machine.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
os.environ.setdefault("ROS_DOMAIN_ID", str(random.randint(20, 220)))
os.environ.setdefault("PYTHONUNBUFFERED", "1")
from cockpit_ai.ros.env import apply_dds_defaults

apply_dds_defaults()  # loopback-only Fast DDS profile for this process and its children

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def cockpit_cmd() -> list[str]:
    """The installed ``cockpit-ai`` command."""
    exe = VENV_BIN / "cockpit-ai"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cockpit_ai.cli"]


def node_exec(name: str) -> str:
    """Path of an installed node executable (lib/cockpit_ai/<name>)."""
    from cockpit_ai.paths import package_lib

    return str(package_lib() / name)


class Processes:
    """Child processes of one test; all are stopped (SIGINT, then SIGKILL) at teardown."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.procs: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self, cmd: list[str], *, name: str = "proc", env: dict[str, str] | None = None
              ) -> subprocess.Popen[bytes]:
        log = self.tmp / f"{name}-{len(self.procs)}.log"
        full_env = dict(os.environ)
        full_env.update(env or {})
        # cwd is the test's tmp folder: `python -c` puts cwd first on sys.path, and the
        # source tree must not shadow the installed package (with its generated messages).
        proc = subprocess.Popen(cmd, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                                env=full_env, start_new_session=True, cwd=self.tmp)
        self.procs.append((proc, log))
        return proc

    def log(self, proc: subprocess.Popen[bytes]) -> str:
        for p, log in self.procs:
            if p is proc:
                return log.read_text(errors="replace")
        return ""

    def stop(self, proc: subprocess.Popen[bytes], *, timeout: float = 10.0) -> int:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGINT)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        return proc.returncode

    def stop_all(self) -> None:
        for proc, _ in self.procs:
            self.stop(proc)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    """Start real processes; each is stopped when the test ends."""
    procs = Processes(tmp_path)
    yield procs
    procs.stop_all()


@pytest.fixture
def probe() -> Iterator[object]:
    """A blocking ROS helper node in the test process (cockpit_ai.ros.probe.Probe)."""
    from cockpit_ai.ros.probe import Probe

    p = Probe(f"test_probe_{os.getpid()}_{int(time.monotonic() * 1000) % 100000}")
    yield p
    p.close()
