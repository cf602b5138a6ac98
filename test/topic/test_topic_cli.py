"""`cockpit-ai topic list|echo|hz` against a real publisher in another process."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from cockpit_ai.testing import cockpit_cmd

pytestmark = [pytest.mark.integration, pytest.mark.beside]

TALKER = r"""
import time, rclpy
from cockpit_ai.msg import VehicleCommand
from cockpit_ai.ros.env import apply_dds_defaults
apply_dds_defaults()
rclpy.init()
node = rclpy.create_node("topic_cli_talker")
pub = node.create_publisher(VehicleCommand, "/topic_cli/command", 10)
i = 0
end = time.monotonic() + 60
while time.monotonic() < end:
    pub.publish(VehicleCommand(request_id=f"r{i}", function="climate", action="set",
                               value="21", unit="celsius", zone="all"))
    i += 1
    time.sleep(0.05)  # 20 Hz
"""


def test_list_echo_hz(processes) -> None:
    processes.start([sys.executable, "-c", TALKER], name="talker")
    listed = subprocess.run(cockpit_cmd() + ["topic", "list", "-t", "--wait", "3"],
                            capture_output=True, text=True, timeout=60, check=True)
    assert "/topic_cli/command [cockpit_ai/msg/VehicleCommand]" in listed.stdout
    echo = subprocess.run(cockpit_cmd() + ["topic", "echo", "/topic_cli/command", "--count",
                                           "3", "--json", "--timeout", "30"],
                          capture_output=True, text=True, timeout=60, check=True)
    lines = [json.loads(line) for line in echo.stdout.splitlines()]
    assert len(lines) == 3
    assert lines[0]["function"] == "climate" and lines[0]["value"] == "21"
    assert "stamp" in lines[0]["header"]
    hz = subprocess.run(cockpit_cmd() + ["topic", "hz", "/topic_cli/command", "--duration",
                                         "3"], capture_output=True, text=True, timeout=60,
                        check=True)
    rates = [float(x) for x in re.findall(r"average rate: ([\d.]+)", hz.stdout)]
    assert rates and 10 < rates[-1] < 25, hz.stdout


def test_echo_of_missing_topic_fails_clearly() -> None:
    res = subprocess.run(cockpit_cmd() + ["topic", "echo", "/does/not/exist", "--timeout", "2"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 1
    assert "does not appear" in res.stderr and "Traceback" not in res.stderr
