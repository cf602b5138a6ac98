"""The managed vision node: no inference until configured and activated, none after
deactivate, state changes through `cockpit-ai lifecycle`."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from cockpit_ai.ros import qos
from cockpit_ai.testing import cockpit_cmd, node_exec

pytestmark = pytest.mark.integration
NODE = "/lc_test/road_vision"


def _lifecycle(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cockpit_cmd() + ["lifecycle", *args], capture_output=True,
                          text=True, timeout=120)


def test_configure_activate_deactivate(processes, probe) -> None:
    import cv2
    import ultralytics

    from cockpit_ai.msg import DetectionArray
    from cockpit_ai.vision.images import array_to_image

    proc = processes.start([node_exec("vision_lifecycle_node"), "--ros-args", "-r",
                            "__node:=road_vision", "-r", "__ns:=/lc_test", "-p",
                            "camera:=road"], name="lifecycle")
    got = probe.subscribe(DetectionArray, "/lc_test/detections")
    frame = cv2.resize(cv2.imread(str(Path(ultralytics.__file__).parent / "assets" /
                                      "bus.jpg")), (640, 480))
    image = array_to_image(frame, encoding="bgr8")

    def feed(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            image.header.stamp = probe.node.get_clock().now().to_msg()
            probe.publish("/lc_test/image", image, qos=qos.SENSOR)
            time.sleep(0.1)

    assert _lifecycle("get", NODE).stdout.startswith("unconfigured")
    feed(1.0)
    assert not got.messages  # nothing runs before configure/activate
    # A dialogue turn already in progress: the latched flag reaches the governor that
    # configure sets up (a late joiner still hears it).
    from diagnostic_msgs.msg import DiagnosticArray
    from std_msgs.msg import Bool

    diagnostics = probe.subscribe(DiagnosticArray, "/diagnostics")
    probe.publish("/lc_test/turn_active", Bool(data=True), qos=qos.LATCHED)
    assert _lifecycle("set", NODE, "configure").returncode == 0
    assert _lifecycle("get", NODE).stdout.startswith("inactive")

    def governor_state(d: DiagnosticArray) -> str:
        return next((kv.value for s in d.status if s.name == NODE for kv in s.values
                     if kv.key == "governor"), "")

    diagnostics.wait(1, timeout=30,
                     where=lambda d: governor_state(d) == "throttled (dialogue)")
    probe.publish("/lc_test/turn_active", Bool(data=False), qos=qos.LATCHED)
    assert _lifecycle("set", NODE, "activate").returncode == 0
    deadline = time.monotonic() + 60
    while not got.messages and time.monotonic() < deadline:
        feed(0.5)
    assert got.messages, processes.log(proc)
    assert {d.class_name for d in got.messages[-1].detections} & {"bus", "person"}
    assert _lifecycle("set", NODE, "deactivate").returncode == 0
    time.sleep(1.0)  # a frame in flight may still finish
    count = len(got.messages)
    feed(2.0)
    assert len(got.messages) == count, "inference went on after deactivate"
    bad = _lifecycle("set", NODE, "configure")  # not a valid transition from inactive
    assert bad.returncode == 1 and "failed" in bad.stderr
    missing = _lifecycle("get", "/lc_test/nobody")
    assert missing.returncode == 1 and "no get_state service" in missing.stderr
