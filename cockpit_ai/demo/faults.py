"""Faults injected into a running demo drive: ``cockpit-ai demo --kill NODE@SECONDS``.

A node is killed with SIGKILL (no clean shutdown, as a crash or the OOM killer would) at a
moment of the drive; the launcher's respawn brings it back. What the summary needs is when
it died and how long until the new process was *useful* again: its input subscription is
in the ROS graph with an endpoint the dead process never had (the dead one's endpoints stay
listed until its DDS lease runs out, so "subscribed" alone proves nothing). No rclpy here:
the runner passes a function that lists the endpoints.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cockpit_ai.demo.cpu import node_processes
from cockpit_ai.errors import CockpitError

#: The input a node subscribes once it is ready to work again (relative to the namespace).
#: Managed nodes (speech, planner, vision, fatigue) subscribe only after their model loaded.
READY_TOPIC = {
    "speech": "audio", "planner": "transcript", "tts": "response", "landmark": "fix",
    "fatigue": "cabin/image_raw", "road_vision": "road/image_raw",
    "cabin_vision": "cabin/image_raw", "trips": "fix", "home": "home_command",
}


class DemoInputError(CockpitError, ValueError):
    """A demo argument that cannot be used: a ``--kill`` that is not ``NODE@SECONDS`` or
    names no node of the stack, a drive window outside the drive."""


@dataclass(frozen=True)
class Kill:
    """Kill ``node`` at ``t`` seconds of drive time."""

    node: str
    t: float


def parse_kill(spec: str) -> Kill:
    """``"planner@40"`` → ``Kill("planner", 40.0)``."""
    node, sep, when = spec.partition("@")
    try:
        t = float(when)
    except ValueError:
        t = float("nan")
    if not sep or not node.strip() or not t >= 0 or t == float("inf"):
        raise DemoInputError(f"--kill {spec!r}: use NODE@SECONDS, e.g. planner@40 (a node of "
                             f"the launch: {', '.join(sorted(READY_TOPIC))})")
    return Kill(node.strip(), t)


@dataclass
class Fault:
    """One kill as it happened: drive time, the killed pid, when the node was back."""

    node: str
    t: float | None = None
    pid: int | None = None
    killed_wall: float | None = None
    restarted_wall: float | None = None
    error: str = ""

    def summary(self) -> dict[str, Any]:
        """``{node, t, restarted_after_s}`` (``restarted_after_s`` None: never came back)."""
        back = (None if self.restarted_wall is None or self.killed_wall is None
                else round(self.restarted_wall - self.killed_wall, 2))
        return {"node": self.node, "t": None if self.t is None else round(self.t, 2),
                "restarted_after_s": back}


#: ``endpoints(topic)`` → ``[(node_name, gid bytes), ...]`` of the subscriptions on a topic.
Endpoints = Callable[[str], list[tuple[str, bytes]]]


@dataclass
class FaultInjector:
    """Runs the kills of a drive in a thread and watches each node come back.

    ``drive_time()`` gives the drive's time now (None until the drive started);
    ``endpoints`` lists the subscriptions on a (fully qualified) topic.
    """

    kills: list[Kill]
    launcher_pid: int
    namespace: str
    drive_time: Callable[[], float | None]
    endpoints: Endpoints
    log: Callable[[str], None] = print
    restart_timeout_s: float = 180.0
    faults: list[Fault] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def check_nodes(self) -> None:
        """Every node to kill runs under the launcher (call when the stack is up)."""
        running = node_processes(self.launcher_pid)
        missing = sorted({k.node for k in self.kills} - set(running))
        if missing:
            raise DemoInputError(f"--kill: no node named {', '.join(missing)} in the stack; "
                                 f"running: {', '.join(sorted(running))}")

    def start(self) -> FaultInjector:
        self._thread = threading.Thread(target=self._run, name="demo-faults", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> list[Fault]:
        """Stop watching (a node not back by now stays ``restarted_after_s: None``)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
        return self.faults

    def pending(self) -> bool:
        """A kill still to do, or a killed node not back yet."""
        done = len(self.faults) == len(self.kills)
        return not done or any(f.restarted_wall is None and not f.error for f in self.faults)

    def _topic(self, node: str) -> str | None:
        rel = READY_TOPIC.get(node)
        return None if rel is None else f"{self.namespace.rstrip('/')}/{rel}"

    def _gids(self, node: str) -> set[bytes]:
        topic = self._topic(node)
        if topic is None:
            return set()
        return {gid for name, gid in self.endpoints(topic) if name == node}

    def _run(self) -> None:
        watching: list[tuple[Fault, set[bytes]]] = []
        todo = sorted(self.kills, key=lambda k: k.t)
        while not self._stop.is_set() and (todo or watching):
            now = self.drive_time()
            if todo and now is not None and now >= todo[0].t:
                kill = todo.pop(0)
                fault = Fault(kill.node)
                before = self._gids(kill.node)
                self._kill(fault, now)
                self.faults.append(fault)
                if not fault.error:
                    watching.append((fault, before))
            for item in list(watching):
                fault, before = item
                if self._is_back(fault, before):
                    fault.restarted_wall = time.time()
                    assert fault.killed_wall is not None
                    self.log(f"fault: {fault.node} is back "
                             f"{fault.restarted_wall - fault.killed_wall:.1f} s after the kill")
                    watching.remove(item)
                elif fault.killed_wall and time.time() - fault.killed_wall > self.restart_timeout_s:
                    fault.error = f"not back after {self.restart_timeout_s:.0f} s"
                    watching.remove(item)
            self._stop.wait(0.05)

    def _kill(self, fault: Fault, now: float) -> None:
        pids = node_processes(self.launcher_pid).get(fault.node, [])
        if not pids:
            fault.error = "not running at the kill time"
            self.log(f"fault: cannot kill {fault.node}: {fault.error}")
            return
        pid = pids[0]
        try:  # its process group: the node and anything it forked (the launcher's rule)
            os.killpg(os.getpgid(pid), signal.SIGKILL)
        except ProcessLookupError:
            fault.error = "exited before the kill"
            return
        fault.pid, fault.t, fault.killed_wall = pid, now, time.time()
        self.log(f"fault: killed {fault.node} (pid {pid}, SIGKILL) at {now:.1f} s of the drive")

    def _is_back(self, fault: Fault, before: set[bytes]) -> bool:
        pids = [p for p in node_processes(self.launcher_pid).get(fault.node, [])
                if p != fault.pid and _alive(p)]
        if not pids:
            return False
        if self._topic(fault.node) is None:
            return True  # a node without a known input: its new process is running
        return bool(self._gids(fault.node) - before)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rfind(")") + 2:][:1] != "Z"
