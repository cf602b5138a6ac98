"""``cockpit-ai demo --kill``: the kill spec, and the injector against the real launcher.

The launcher runs a stand-in node (a sleeping process named by ``__node:=``) with respawn;
the injector SIGKILLs it at its drive time and must see the *new* process come back.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from cockpit_ai.demo.cpu import node_processes
from cockpit_ai.demo.faults import DemoInputError, FaultInjector, Kill, parse_kill
from cockpit_ai.demo.report import fault_rows
from cockpit_ai.testing import cockpit_cmd

LAUNCH = """<launch>
  <executable cmd="{python} -c 'import time; time.sleep(600)' __node:={name}"
              name="{name}" respawn="true" respawn_delay="{delay}"/>
</launch>
"""


def test_kill_specs() -> None:
    assert parse_kill("planner@40") == Kill("planner", 40.0)
    assert parse_kill(" speech @ 12.5") == Kill("speech", 12.5)
    for bad in ("planner", "planner@", "@40", "planner@soon", "planner@-1", "planner@nan",
                "planner@inf"):
        with pytest.raises(DemoInputError, match="NODE@SECONDS"):
            parse_kill(bad)


def test_fault_rows_count_the_questions_after_each_kill() -> None:
    summary = {"faults": [{"node": "speech", "t": 38.0, "restarted_after_s": 6.2}],
               "turns": [{"t": 32.0, "answer": "I found 2"}, {"t": 50.0, "answer": "300 m"},
                         {"t": 66.0, "answer": None}]}
    (row,) = fault_rows(summary)
    assert (row["asked_after"], row["answered_after"]) == (2, 1)
    assert row["node"] == "speech" and row["restarted_after_s"] == 6.2


def _launch(processes, tmp_path: Path, name: str, delay: float):
    path = tmp_path / "stand_in.launch.xml"
    path.write_text(LAUNCH.format(python=sys.executable, name=name, delay=delay))
    launcher = processes.start(cockpit_cmd() + ["launch", str(path)], name="launcher")
    deadline = time.monotonic() + 60
    while name not in node_processes(launcher.pid):
        assert time.monotonic() < deadline, processes.log(launcher)
        time.sleep(0.05)
    return launcher


@pytest.mark.parametrize("name", ["dummy", "tts"])
def test_a_killed_node_is_seen_back_through_respawn(processes, tmp_path, name) -> None:
    """``dummy`` is back when its new process runs; ``tts`` (a node with a known input)
    only when an endpoint the dead process never had is listed — the dead one's stays."""
    launcher = _launch(processes, tmp_path, name, delay=1.0)
    first = node_processes(launcher.pid)[name]

    def endpoints(topic: str) -> list[tuple[str, bytes]]:
        assert topic == "/ns/response"
        # every incarnation's endpoint, the dead one's too (as until its DDS lease ends)
        seen.update(node_processes(launcher.pid).get(name, []))
        return [(name, str(pid).encode()) for pid in sorted(seen)]

    seen: set[int] = set()
    t0 = time.monotonic()
    injector = FaultInjector([Kill(name, 0.5)], launcher.pid, "/ns",
                             drive_time=lambda: time.monotonic() - t0, endpoints=endpoints,
                             restart_timeout_s=60.0)
    injector.check_nodes()
    injector.start()
    deadline = time.monotonic() + 60
    while injector.pending():
        assert time.monotonic() < deadline, processes.log(launcher)
        time.sleep(0.05)
    (fault,) = injector.stop()
    assert fault.pid == first[0] and not fault.error
    now = node_processes(launcher.pid)[name]
    assert now != first  # a new process
    summary = fault.summary()
    assert set(summary) == {"node", "t", "restarted_after_s"}
    assert summary["t"] is not None and summary["t"] >= 0.5
    # respawn_delay 1 s: not back before it, and soon after
    assert 1.0 <= summary["restarted_after_s"] < 30.0, summary
    assert launcher.poll() is None and "process has died" in processes.log(launcher)


def test_a_kill_of_a_node_not_in_the_stack_is_refused(processes, tmp_path) -> None:
    launcher = _launch(processes, tmp_path, "dummy", delay=1.0)
    injector = FaultInjector([Kill("planer", 1.0)], launcher.pid, "/ns",
                             drive_time=lambda: None, endpoints=lambda _t: [])
    with pytest.raises(DemoInputError, match=r"no node named planer.*running: dummy"):
        injector.check_nodes()
