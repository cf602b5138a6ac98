"""Starts each launched node as its own process and looks after it until shutdown.

Output lines get the node's name as prefix; a node that dies is reported by name with its
exit code and is restarted when it asked for respawn; SIGINT/SIGTERM/SIGHUP reach every
child (SIGINT first, then SIGTERM, then SIGKILL after a grace period) and the launcher waits.

Each child gets its own process group (so a signal reaches the node and anything it forks)
but stays in the launcher's session. A new session per child (``setsid``) would defeat
``launch-prefix="nice -n N"``: with ``kernel.sched_autogroup_enabled=1`` (the default on
desktop kernels and on this machine) every session is its own scheduling group, and nice
values only weigh processes against others of the same group. Measured (docs/vision.md):
with a session per child a nice-10 busy loop got as much CPU as a nice-0 one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import TextIO

from cockpit_ai.launcher.xml_launch import ProcessSpec


def stop_process_group(proc: subprocess.Popen[bytes], *, timeout: float = 10.0) -> int:
    """SIGINT to a child that leads its own process group (started with ``process_group=0``
    or ``start_new_session=True``) and everything in that group, SIGKILL after ``timeout``;
    returns its exit code. For one-off children (demo, tests)."""
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


def _log(msg: str, stream: TextIO | None = None) -> None:
    print(f"[launcher] {msg}", file=stream or sys.stdout, flush=True)


@dataclass
class Managed:
    """A running (or waiting to respawn) child process."""

    spec: ProcessSpec
    proc: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    respawn_at: float | None = None
    exit_codes: list[int] = field(default_factory=list)
    reader: threading.Thread | None = None


#: Seconds a child gets after SIGINT (and again after SIGTERM). A node at a high niceness
#: (vision, 15) may be inside a model run while the LLM holds both cores; seen in a fresh-clone
#: run: road_vision needed more than 5 s + 5 s to stop and was SIGKILLed.
GRACE_S = 10.0


class Supervisor:
    """Runs a list of ProcessSpecs until they all end or a signal asks to stop."""

    def __init__(self, specs: list[ProcessSpec], *, grace_s: float = GRACE_S,
                 out: TextIO | None = None) -> None:
        self.items = [Managed(s) for s in specs]
        self.grace_s = grace_s
        self.out = out or sys.stdout
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def request_stop(self, *_: object) -> None:
        """Ask the supervisor to shut everything down (signal handler)."""
        self._stop.set()

    def _pump(self, item: Managed, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        prefix = f"[{item.spec.name}] "
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if item.spec.output != "log":
                with self._lock:
                    self.out.write(prefix + line + "\n")
                    self.out.flush()
        proc.stdout.close()

    def _start(self, item: Managed) -> None:
        spec = item.spec
        env = dict(spec.env)
        env.setdefault("PYTHONUNBUFFERED", "1")
        try:
            proc = subprocess.Popen(
                spec.cmd, env=env, cwd=spec.cwd, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                process_group=0,  # own group for killpg, same session: nice values count
            )
        except OSError as exc:
            _log(f"[{spec.name}]: cannot start '{spec.cmd[0]}': {exc.strerror}", sys.stderr)
            item.exit_codes.append(127)
            return
        item.proc = proc
        item.respawn_at = None
        item.reader = threading.Thread(target=self._pump, args=(item, proc), daemon=True)
        item.reader.start()
        _log(f"process started with pid [{proc.pid}]: {spec.name}")

    def run(self) -> int:
        """Start everything, supervise, shut down; returns the launcher's exit code."""
        old = {s: signal.signal(s, self.request_stop)
               for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        try:
            for item in self.items:
                self._start(item)
            while not self._stop.is_set():
                alive = False
                now = time.monotonic()
                for item in self.items:
                    proc = item.proc
                    if proc is not None:
                        code = proc.poll()
                        if code is None:
                            alive = True
                            continue
                        item.proc = None
                        item.exit_codes.append(code)
                        if item.reader:
                            item.reader.join(timeout=1.0)
                        _log(f"process has died [pid {proc.pid}, exit code {code}]: "
                             f"{item.spec.name}", sys.stderr if code else None)
                        if item.spec.respawn:
                            item.respawn_at = now + item.spec.respawn_delay_s
                    if item.respawn_at is not None:
                        alive = True
                        if now >= item.respawn_at:
                            item.restarts += 1
                            _log(f"respawning {item.spec.name} (restart {item.restarts})")
                            self._start(item)
                if not alive:
                    break
                self._stop.wait(0.05)
        finally:
            self.shutdown()
            for s, h in old.items():
                signal.signal(s, h)
        codes = [c for item in self.items for c in item.exit_codes[-1:]]
        stopped_by_us = self._stop.is_set()
        if stopped_by_us:
            return 0 if all(c in (0, -signal.SIGINT, 130, -signal.SIGTERM) for c in codes) else 1
        return next((c for c in codes if c != 0), 0)

    def shutdown(self) -> None:
        """SIGINT to every child, then SIGTERM, then SIGKILL, each after the grace period."""
        running = [i for i in self.items if i.proc is not None and i.proc.poll() is None]
        for item in self.items:
            item.respawn_at = None
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            running = [i for i in running if i.proc is not None and i.proc.poll() is None]
            if not running:
                break
            if sig != signal.SIGINT:
                _log(f"sending {signal.Signals(sig).name} to "
                     f"{', '.join(i.spec.name for i in running)}", sys.stderr)
            for item in running:
                assert item.proc is not None
                try:
                    os.killpg(item.proc.pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + self.grace_s
            while time.monotonic() < deadline and any(
                i.proc is not None and i.proc.poll() is None for i in running
            ):
                time.sleep(0.05)
        for item in self.items:
            if item.proc is not None:
                code = item.proc.wait()
                item.exit_codes.append(code)
                if item.reader:
                    item.reader.join(timeout=1.0)
                _log(f"process has finished cleanly [pid {item.proc.pid}]: {item.spec.name}"
                     if code == 0 else
                     f"process has died [pid {item.proc.pid}, exit code {code}]: {item.spec.name}")
                item.proc = None
