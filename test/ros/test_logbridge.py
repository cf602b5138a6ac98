"""A core's stdlib warning reaches /rosout under the node's name when run in a node."""

from __future__ import annotations

import logging
import time

import pytest


def test_core_warning_reaches_rosout() -> None:
    rclpy = pytest.importorskip("rclpy")
    from rcl_interfaces.msg import Log

    from cockpit_ai.ros import logbridge

    rclpy.init()
    try:
        node = rclpy.create_node("logbridge_test")
        got: list[Log] = []
        node.create_subscription(Log, "/rosout", got.append, 50)
        handler = logbridge.attach(node.get_logger())
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not any("tool call" in m.msg for m in got):
                logging.getLogger("cockpit_ai.planner").warning("tool call rejected: %s", "x")
                logging.getLogger("cockpit_ai.planner").debug("not forwarded at INFO")
                rclpy.spin_once(node, timeout_sec=0.2)
        finally:
            logbridge.detach(handler)
        mine = [m for m in got if "tool call" in m.msg]
        assert mine, [m.msg for m in got]
        assert mine[0].name == "logbridge_test"
        assert mine[0].level == Log.WARN
        assert "[cockpit_ai.planner] tool call rejected: x" in mine[0].msg
        assert not any("not forwarded" in m.msg for m in got)
        node.destroy_node()
    finally:
        rclpy.shutdown()
