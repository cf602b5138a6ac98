"""The Autoware bring-up: every node starts, Autoware's topics reach the nodes by remapping
only, and Ctrl-C leaves nothing running."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest

from cockpit_ai.ros import qos
from cockpit_ai.ros.probe import wait_until
from cockpit_ai.testing import cockpit_cmd

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NODES = {"speech", "tts", "road_vision", "cabin_vision", "fatigue", "landmark", "planner", "home",
         "trips"}


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_autoware_launch_remaps_inputs_and_stops_cleanly(processes, probe) -> None:
    import cv2
    import ultralytics
    from nav_msgs.msg import Odometry
    from sensor_msgs.msg import NavSatFix, NavSatStatus

    from cockpit_ai.msg import DetectionArray, LandmarkArray
    from cockpit_ai.vision.images import array_to_image

    launcher = processes.start(cockpit_cmd() + ["launch", "cockpit_ai", "autoware.launch.xml",
                                                "live_sensors:=false"], name="autoware")
    # every node of the stack comes up (subscribed to its input)
    for topic in ("/cockpit/audio", "/cockpit/transcript", "/cockpit/response",
                  "/cockpit/cabin/image_raw", "/sensing/camera/camera0/image_rect_color",
                  "/sensing/gnss/ublox/nav_sat_fix", "/localization/kinematic_state"):
        wait_until(lambda t=topic: probe.node.count_subscribers(t) > 0, 240,
                   f"a subscriber on {topic}")
    detections = probe.subscribe(DetectionArray, "/cockpit/road/detections")
    nearby = probe.subscribe(LandmarkArray, "/cockpit/landmarks/nearby")

    fix = NavSatFix(latitude=60.16990, longitude=24.94540, altitude=20.0)
    fix.status.status = NavSatStatus.STATUS_FIX
    odom = Odometry()
    odom.pose.pose.orientation.w = 1.0  # ENU yaw 0 = heading east
    odom.twist.twist.linear.x = 5.0
    frame = cv2.resize(cv2.imread(str(Path(ultralytics.__file__).parent / "assets" /
                                      "bus.jpg")), (640, 480))
    image = array_to_image(frame, encoding="bgr8")
    image.header.frame_id = "camera0"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (detections.messages and nearby.messages):
        now = probe.node.get_clock().now().to_msg()
        fix.header.stamp = odom.header.stamp = image.header.stamp = now
        probe.publish("/sensing/gnss/ublox/nav_sat_fix", fix, qos=qos.SENSOR)
        probe.publish("/localization/kinematic_state", odom, qos=qos.SENSOR)
        probe.publish("/sensing/camera/camera0/image_rect_color", image, qos=qos.SENSOR)
        time.sleep(0.3)
    assert detections.messages, "no detections from the remapped Autoware camera"
    names = {d.class_name for m in detections.messages for d in m.detections}
    assert "bus" in names or "person" in names, names
    assert nearby.messages, "no nearby landmarks from the remapped Autoware fix"
    assert nearby.messages[-1].landmarks

    log = processes.log(launcher)
    started = {name: int(pid) for pid, name in
               re.findall(r"process started with pid \[(\d+)\]: cockpit/(\S+)", log)}
    assert set(started) == NODES, started
    assert "has died" not in log, log[-3000:]
    os.kill(launcher.pid, signal.SIGINT)
    assert launcher.wait(timeout=60) == 0, processes.log(launcher)[-3000:]
    assert not [name for name, pid in started.items() if _alive(pid)]
