"""relay: republishes ``input`` on ``output`` unchanged (raw bytes), like topic_tools relay.

ros-topic-tools is not among the pip wheels; engineers need a relay to bridge a replayed
bag onto the topic names of another stack (e.g. Autoware) or to change QoS on the way.
"""

from __future__ import annotations

from typing import Any

from rclpy.node import Node

from cockpit_ai.bag.types import BagError, message_class
from cockpit_ai.ros import qos
from cockpit_ai.ros.diagnostics import Health
from cockpit_ai.ros.params import declare_from_schema
from cockpit_ai.ros.params import overrides as param_overrides
from cockpit_ai.ros.run import NodeStartupError, run_node

NODE = "relay"


class RelayNode(Node):
    """Subscribes ``input`` and publishes every message on ``output`` as received."""

    def __init__(self, *, overrides: dict[str, Any] | None = None) -> None:
        super().__init__(NODE, parameter_overrides=param_overrides(overrides))
        p = declare_from_schema(self, NODE)
        try:
            cls = message_class(p["type"])
        except BagError as exc:
            raise NodeStartupError(f"relay: parameter 'type': {exc}") from None
        try:
            in_qos, out_qos = qos.profile(p["input_qos"]), qos.profile(p["output_qos"])
        except ValueError as exc:
            raise NodeStartupError(f"relay: {exc}") from None
        self.health = Health(self)
        self.pub = self.create_publisher(cls, "output", out_qos)
        self.sub = self.create_subscription(cls, "input", self._on_message, in_qos, raw=True)
        self.get_logger().info(f"relaying {self.sub.topic_name} -> {self.pub.topic_name} "
                               f"[{p['type']}]")

    def _on_message(self, data: bytes) -> None:
        self.pub.publish(data)
        self.health.count("relayed")


def main(args: list[str] | None = None) -> int:
    """Entry point of the ``relay_node`` executable."""
    return run_node(RelayNode, args=args)
