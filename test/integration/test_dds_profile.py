"""The package's DDS defaults: loopback-only discovery and camera-sized best-effort frames."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

PUBLISHER = r"""
import time, rclpy, numpy as np
from sensor_msgs.msg import Image
from cockpit_ai.ros.env import apply_dds_defaults
from cockpit_ai.ros import qos
apply_dds_defaults()
rclpy.init()
node = rclpy.create_node("big_image_talker")
pub = node.create_publisher(Image, "/dds_test/image", qos.SENSOR)
deadline = time.monotonic() + 20
while pub.get_subscription_count() < 1 and time.monotonic() < deadline:
    time.sleep(0.01)
time.sleep(0.3)
data = np.random.default_rng(0).integers(0, 255, (480, 640, 3), dtype=np.uint8).tobytes()
for i in range(30):
    msg = Image(height=480, width=640, encoding="bgr8", step=640 * 3, data=data)
    msg.header.stamp.sec = i
    pub.publish(msg)
    time.sleep(0.05)
time.sleep(0.5)
"""


def test_defaults_keep_discovery_local_and_use_the_profile() -> None:
    from cockpit_ai.ros.env import apply_dds_defaults

    env = apply_dds_defaults({})
    assert env["ROS_AUTOMATIC_DISCOVERY_RANGE"] == "LOCALHOST"
    profile = env["FASTDDS_DEFAULT_PROFILES_FILE"]
    text = Path(profile).read_text()
    assert "<address>127.0.0.1</address>" in text and "<useBuiltinTransports>false" in text
    # a user's choice is respected
    assert "FASTDDS_DEFAULT_PROFILES_FILE" not in apply_dds_defaults(
        {"ROS_AUTOMATIC_DISCOVERY_RANGE": "SUBNET"})
    assert apply_dds_defaults({"FASTDDS_DEFAULT_PROFILES_FILE": "/x.xml"})[
        "FASTDDS_DEFAULT_PROFILES_FILE"] == "/x.xml"
    assert os.environ["FASTDDS_DEFAULT_PROFILES_FILE"] == profile  # set for this test session


def test_640x480_frames_cross_processes_best_effort(processes, probe) -> None:
    from sensor_msgs.msg import Image

    from cockpit_ai.ros import qos

    col = probe.subscribe(Image, "/dds_test/image", qos=qos.SENSOR)
    talker = processes.start([sys.executable, "-c", PUBLISHER], name="talker")
    assert talker.wait(timeout=60) == 0, processes.log(talker)
    got = len(col.messages)
    print(f"640x480 bgr8 best effort: {got}/30 frames arrived")
    assert got >= 27  # the default 512 KB shared-memory segment let ~6 of 50 through
    assert col.messages[0].width == 640 and len(col.messages[0].data) == 640 * 480 * 3
