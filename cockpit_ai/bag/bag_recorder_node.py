"""bag_recorder: records topics into a rosbag2 file (MCAP by default) as raw CDR bytes.

Topics are found in the ROS graph by name; the subscription's reliability follows the
publisher's, so best-effort camera streams and reliable dialogue topics are both recorded.
"""

from __future__ import annotations

import time
from typing import Any

from rclpy.node import Node
from rclpy.qos import QoSProfile, ReliabilityPolicy

from cockpit_ai.bag.core import BagWriter
from cockpit_ai.bag.types import BagError, message_class
from cockpit_ai.ros.diagnostics import Health
from cockpit_ai.ros.params import declare_from_schema
from cockpit_ai.ros.params import overrides as param_overrides
from cockpit_ai.ros.run import NodeStartupError, run_node

NODE = "bag_recorder"


class BagRecorderNode(Node):
    """Subscribes to the chosen (or all) topics and writes every message it receives."""

    def __init__(self, *, overrides: dict[str, Any] | None = None) -> None:
        super().__init__(NODE, parameter_overrides=param_overrides(overrides))
        p = declare_from_schema(self, NODE)
        if not p["output"]:
            raise NodeStartupError("bag_recorder: parameter 'output' (new bag folder) is empty")
        try:
            self.writer = BagWriter(p["output"], storage=p["storage"])
        except BagError as exc:
            raise NodeStartupError(str(exc)) from None
        self.wanted = [self.resolve_topic_name(t) for t in p["topics"]]
        self.subs: dict[str, Any] = {}
        self.health = Health(self)
        self.started = time.monotonic()
        self.duration_s = p["duration_s"]
        self.closed = False
        self._discover()
        self.create_timer(p["discovery_period_s"], self._discover)
        if self.duration_s > 0:
            self.create_timer(0.05, self._check_duration)
        self.get_logger().info(f"recording {', '.join(self.wanted) or 'all topics'} "
                               f"into {p['output']} ({p['storage']})")

    def _discover(self) -> None:
        for name, types in self.get_topic_names_and_types():
            if name in self.subs or (self.wanted and name not in self.wanted):
                continue
            if not self.wanted and name in ("/rosout", "/parameter_events"):
                continue
            msgtype = types[0]
            try:
                cls = message_class(msgtype)
                self.writer.add_topic(name, msgtype)
            except BagError as exc:
                self.get_logger().warning(f"not recording {name}: {exc}")
                self.subs[name] = None
                continue
            infos = self.get_publishers_info_by_topic(name)
            best_effort = infos and all(
                i.qos_profile.reliability == ReliabilityPolicy.BEST_EFFORT for i in infos)
            profile = QoSProfile(depth=100, reliability=ReliabilityPolicy.BEST_EFFORT
                                 if best_effort else ReliabilityPolicy.RELIABLE)
            self.subs[name] = self.create_subscription(
                cls, name, lambda data, n=name: self._on_message(n, data), profile, raw=True)
            self.get_logger().info(f"subscribed to {name} [{msgtype}]")

    def _on_message(self, topic: str, data: bytes) -> None:
        if self.closed:
            return
        self.writer.write(topic, data, self.get_clock().now().nanoseconds)
        self.health.count("messages")

    def _check_duration(self) -> None:
        if time.monotonic() - self.started >= self.duration_s and not self.closed:
            self.close()
            from rclpy import shutdown

            shutdown(context=self.context)

    def close(self) -> None:
        """Finish the bag file (metadata) exactly once."""
        if not self.closed:
            self.closed = True
            self.writer.close()
            text = f"wrote {self.writer.count} messages to {self.writer.path}"
            if self.context.ok():
                self.get_logger().info(text)
            else:  # after Ctrl-C the context is gone; rosout cannot take it
                print(f"[INFO] [{NODE}]: {text}", flush=True)


def main(args: list[str] | None = None) -> int:
    """Entry point of the ``bag_recorder`` executable."""
    return run_node(BagRecorderNode, args=args)
