"""The launcher with real node processes: namespaces, params, remaps, respawn, Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from rclpy.serialization import serialize_message
from std_msgs.msg import String

from cockpit_ai.bag.core import BagWriter
from cockpit_ai.ros.probe import wait_until
from cockpit_ai.testing import cockpit_cmd

pytestmark = pytest.mark.integration
DATA = Path(__file__).parent / "data"


def _chatter_bag(path: Path) -> Path:
    w = BagWriter(path)
    w.add_topic("/chatter", "std_msgs/msg/String")
    for i in range(10):
        w.write("/chatter", serialize_message(String(data=f"hello {i}")), i * 100_000_000)
    w.close()
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); check its state
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


def _pids(log: str) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for pid, name in re.findall(r"process started with pid \[(\d+)\]: (\S+)", log):
        found.setdefault(name, []).append(int(pid))
    return found


def test_launch_file_brings_up_nodes_where_expected(tmp_path: Path, processes, probe) -> None:
    bag = _chatter_bag(tmp_path / "bag")
    launcher = processes.start(cockpit_cmd() + ["launch", str(DATA / "outer.launch.xml"),
                                                f"bag:={bag}", "ns:=cabin"], name="launch")
    relayed = probe.subscribe(String, "/cabin/relayed")
    msgs = relayed.wait(3, timeout=30)
    assert all(m.data.startswith("hello ") for m in msgs)
    topics = probe.topics()
    assert "/chatter" in topics and "/cabin/relayed" in topics
    assert topics["/cabin/relayed"] == ["std_msgs/msg/String"]

    # respawn: kill the player hard, the launcher reports it and starts it again
    log = processes.log(launcher)
    first_pid = _pids(log)["player"][0]
    os.kill(first_pid, signal.SIGKILL)
    wait_until(lambda: len(_pids(processes.log(launcher)).get("player", [])) >= 2, 20,
               "the player to be respawned")
    log = processes.log(launcher)
    assert re.search(rf"process has died \[pid {first_pid}, exit code -9\]: player", log)
    assert "[player] [INFO]" in log and "[cabin/relay] [INFO]" in log  # prefixed by node name
    n_before = len(relayed.messages)
    relayed.wait(n_before + 2, timeout=30)  # data flows again through the new player

    # Ctrl-C: every child ends, the launcher exits 0
    children = [p for pids in _pids(processes.log(launcher)).values() for p in pids]
    os.kill(launcher.pid, signal.SIGINT)
    assert launcher.wait(timeout=30) == 0, processes.log(launcher)
    assert not [p for p in children if _alive(p)]


def test_node_death_is_reported_with_exit_code(tmp_path: Path) -> None:
    f = tmp_path / "dies.launch.xml"
    f.write_text("""<launch>
  <node pkg="cockpit_ai" exec="bag_player_node" name="no_bag">
    <param name="bag" value="/nonexistent/bag"/>
  </node>
</launch>""")
    res = subprocess.run(cockpit_cmd() + ["launch", str(f)], capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 1
    assert re.search(r"process has died \[pid \d+, exit code 1\]: no_bag", res.stdout + res.stderr)
    assert "[no_bag] [ERROR]" in res.stdout and "/nonexistent/bag" in res.stdout


def test_unknown_tag_fails_clearly_before_starting_anything() -> None:
    res = subprocess.run(cockpit_cmd() + ["launch", str(DATA / "bad_tag.launch.xml")],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert "bad_tag.launch.xml:3: <nodee>: unknown tag" in res.stderr
    assert "Traceback" not in res.stderr
    assert "process started" not in res.stdout


def test_show_args_and_print() -> None:
    res = subprocess.run(cockpit_cmd() + ["launch", str(DATA / "outer.launch.xml"),
                                          "--show-args"], capture_output=True, text=True,
                         timeout=60, check=True)
    assert "'bag':" in res.stdout and "(required)" in res.stdout
    assert "(default: 'cockpit')" in res.stdout
    res = subprocess.run(cockpit_cmd() + ["launch", str(DATA / "outer.launch.xml"), "bag:=/b",
                                          "--print"], capture_output=True, text=True,
                         timeout=60, check=True)
    assert "cockpit/relay:" in res.stdout and "__ns:=/cockpit" in res.stdout
    time.sleep(0)


def _nice(pid: int) -> int:
    """Niceness of a process from /proc/<pid>/stat (field 19)."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def test_launch_prefix_nice_takes_effect_in_the_launchers_session(tmp_path: Path,
                                                                 processes) -> None:
    """`launch-prefix="nice -n 7"` really runs the child at niceness 7, in the launcher's
    session (with sched_autogroup every session is its own scheduling group and nice values
    between sessions do not count) but in its own process group (stopped as a group)."""
    import sys
    from xml.sax.saxutils import quoteattr

    sleeper = f"{sys.executable} -c 'import time; print(\"ready\", flush=True); time.sleep(600)'"
    forker = (f"{sys.executable} -c \"import subprocess, time; "
              f"p = subprocess.Popen(['sleep', '600']); print('grandchild', p.pid, flush=True); "
              f"time.sleep(600)\"")
    f = tmp_path / "nice.launch.xml"
    f.write_text(f"""<launch>
  <executable cmd={quoteattr(sleeper)} name="niced" launch-prefix="nice -n 7"/>
  <executable cmd={quoteattr(sleeper)} name="plain"/>
  <executable cmd={quoteattr(forker)} name="forker" launch-prefix="nice -n 3"/>
</launch>""")
    launcher = processes.start(cockpit_cmd() + ["launch", str(f), "--grace", "2"],
                               name="launch")
    wait_until(lambda: processes.log(launcher).count("ready") == 2
               and "grandchild" in processes.log(launcher), 30, "three children running")
    pids = _pids(processes.log(launcher))
    niced, plain, forker_pid = pids["niced"][0], pids["plain"][0], pids["forker"][0]
    grandchild = int(re.search(r"\[forker\] grandchild (\d+)", processes.log(launcher))[1])
    base = _nice(launcher.pid)
    assert _nice(niced) == min(19, base + 7) == os.getpriority(os.PRIO_PROCESS, niced)
    assert _nice(plain) == base and _nice(forker_pid) == min(19, base + 3)
    assert _nice(grandchild) == _nice(forker_pid)  # the prefix's niceness is inherited
    for pid in (niced, plain, forker_pid):
        assert os.getsid(pid) == os.getsid(launcher.pid)  # no new session (autogroup)
        assert os.getpgid(pid) == pid  # but its own group
    assert os.getpgid(grandchild) == forker_pid
    os.kill(launcher.pid, signal.SIGINT)
    assert launcher.wait(timeout=30) == 0, processes.log(launcher)
    wait_until(lambda: not any(_alive(p) for p in (niced, plain, forker_pid, grandchild)), 10,
               "every child and the grandchild to end")
