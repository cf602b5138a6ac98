"""Helpers for integration tests of cockpit_ai nodes (and of stacks built on them).

``Processes`` starts real node processes with their output in log files and stops them
(SIGINT, then SIGKILL) at the end; ``node_exec`` and ``cockpit_cmd`` find the installed
executables. Used by the package's own tests through ``test/conftest.py`` fixtures.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cockpit_ai.launcher.supervisor import stop_process_group
from cockpit_ai.paths import cockpit_command

VENV_BIN = Path(sys.executable).parent


def cockpit_cmd() -> list[str]:
    """The installed ``cockpit-ai`` command."""
    return cockpit_command()


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

    def stop(self, proc: subprocess.Popen[bytes], *, timeout: float = 30.0) -> int:
        return stop_process_group(proc, timeout=timeout)

    def stop_all(self) -> None:
        for proc, _ in self.procs:
            self.stop(proc)
