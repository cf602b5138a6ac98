"""A managed node whose model load fails stops with one clear line and exit 1 — so a
launcher's respawn tries again — instead of staying alive and unconfigured without a word:
an error nobody foresaw (rclpy's default for an exception in on_configure is to log
nothing), and a NodeStartupError after a load that took its time (raised from the autostart
timer, it was "never retrieved" and the node hung)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = r"""
import sys, time
from cockpit_ai.ros.managed import ManagedNode
from cockpit_ai.ros.run import NodeStartupError, run_node

ERRORS = {"unforeseen": RuntimeError, "startup": NodeStartupError}


class Boom(ManagedNode):
    def __init__(self):
        super().__init__("vision")  # any managed node's schema (autostart true)

    def load(self):
        time.sleep(float(sys.argv[2]))  # a model that takes its time to load
        raise ERRORS[sys.argv[1]]("the model file was replaced while it was read")


raise SystemExit(run_node(Boom, args=[]))
"""


@pytest.mark.parametrize(("kind", "delay", "line"), [
    ("unforeseen", "0.0", "[ERROR] vision: loading failed: RuntimeError: the model file was "
                          "replaced while it was read"),
    ("unforeseen", "0.5", "[ERROR] vision: loading failed: RuntimeError: the model file was "
                          "replaced while it was read"),
    ("startup", "0.5", "[ERROR] the model file was replaced while it was read"),
])
def test_a_failed_load_stops_the_node(tmp_path: Path, kind: str, delay: str,
                                      line: str) -> None:
    res = subprocess.run([sys.executable, "-c", SCRIPT, kind, delay], capture_output=True,
                         text=True, timeout=120, cwd=tmp_path)
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert line in out.splitlines(), out
    assert "never retrieved" not in out and "No transition matching" not in out
    if kind == "unforeseen":
        assert "Traceback" in out and "in load" in out  # where it happened, logged once
