"""Two computers from network namespaces (``cockpit_ai/demo/netns.py``): each has only its
loopback and the link, a shared-memory folder of its own, and nothing is left behind —
not by ``close()`` with processes still running, not by an earlier run that was killed.
Skipped only where namespaces cannot be made (not root)."""

from __future__ import annotations

import subprocess
import time

import pytest

from cockpit_ai.demo.netns import NetnsError, TwoHosts, remove_stale


@pytest.fixture
def hosts():
    try:
        h = TwoHosts().create()
    except NetnsError as exc:
        pytest.skip(f"two computers cannot be simulated here: {exc}")
    yield h
    h.close()


def _netns() -> set[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.split()}


def test_two_computers_with_a_link_and_nothing_else(hosts) -> None:
    a, b = hosts.hosts["a"], hosts.hosts["b"]
    assert set(hosts.interfaces("a")) == {"lo", a.iface}
    assert set(hosts.interfaces("b")) == {"lo", b.iface}
    # a process on A reaches B over the link (a UDP datagram to B's address)
    listener = subprocess.Popen(b.prefix() + [
        "python3", "-c", "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);"
        f"s.bind(('{b.address}', 47999)); s.settimeout(20); print(s.recv(64).decode())"],
        stdout=subprocess.PIPE, text=True)
    time.sleep(1.0)
    for _ in range(5):
        subprocess.run(a.prefix() + [
            "python3", "-c", "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM)"
            f".sendto(b'hello b', ('{b.address}', 47999))"], check=True, timeout=30)
        time.sleep(0.2)
    assert listener.communicate(timeout=30)[0].strip() == "hello b"
    # each computer's processes get a /dev/shm of their own: a file made on A is not on B
    subprocess.run(a.prefix() + ["sh", "-c", "touch /dev/shm/cockpit_netns_probe"], check=True)
    seen = subprocess.run(b.prefix() + ["ls", "/dev/shm"], capture_output=True, text=True)
    assert "cockpit_netns_probe" not in seen.stdout
    assert hosts.env("a")["COCKPIT_DDS_ADDRESS"] == a.address
    assert hosts.env("b")["COCKPIT_DDS_PEERS"] == f"{a.address},{b.address}"


def test_close_kills_what_runs_and_removes_both(hosts) -> None:
    names = {h.netns for h in hosts.hosts.values()}
    sleeper = subprocess.Popen(hosts.hosts["a"].prefix() + ["sleep", "600"])
    time.sleep(0.5)
    hosts.close()
    assert sleeper.wait(timeout=30) != 0
    assert not names & _netns()


def test_an_earlier_runs_leftovers_are_removed(hosts) -> None:
    """Empty namespaces of ours (a run killed before its clean-up) go; a namespace with a
    process in it, or one just made, stays."""
    a, b = hosts.hosts["a"], hosts.hosts["b"]
    empty = "ckfff0a"
    subprocess.run(["ip", "netns", "add", empty], check=True)
    try:
        assert empty not in remove_stale()  # just made: a run may be starting
        sleepers = [subprocess.Popen(h.prefix() + ["sleep", "600"]) for h in (a, b)]
        time.sleep(0.5)
        removed = remove_stale(min_age_s=0.0)
        assert empty in removed and a.netns not in removed and b.netns not in removed
        assert empty not in _netns() and {a.netns, b.netns} <= _netns()
        for sleeper in sleepers:
            sleeper.kill()
    finally:
        subprocess.run(["ip", "netns", "del", empty], capture_output=True)
