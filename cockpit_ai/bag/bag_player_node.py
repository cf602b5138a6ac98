"""bag_player: replays a rosbag2 file onto its original topics at the recorded timing.

Thin ROS shell over ``cockpit_ai.bag.core.play``: raw CDR bytes are published as they were
recorded (no decode/encode), so custom cockpit_ai messages and images replay bit-exact.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from rclpy.duration import Duration
from rclpy.node import Node
from rosgraph_msgs.msg import Clock

from cockpit_ai.bag.core import BagMessage, bag_info, play
from cockpit_ai.bag.types import BagError, message_class
from cockpit_ai.ros import qos
from cockpit_ai.ros.diagnostics import ERROR, OK, Health
from cockpit_ai.ros.params import declare_from_schema
from cockpit_ai.ros.params import overrides as param_overrides
from cockpit_ai.ros.run import NodeStartupError, run_node
from cockpit_ai.ros.stamps import ns_to_stamp

NODE = "bag_player"

#: Streams where every message matters: played with a deep reliable history unless the user
#: asked for best effort, so a subscriber starved of CPU for seconds catches up instead of
#: losing them (audio: a lost 20 ms chunk garbles a word).
STREAM_QOS = {"cockpit_ai/msg/AudioChunk": qos.AUDIO}


def publisher_qos(msgtype: str, requested: str) -> Any:
    """The QoS a replayed topic is published with."""
    if requested != "sensor" and msgtype in STREAM_QOS:
        return STREAM_QOS[msgtype]
    return qos.profile(requested)


#: Longest wait at exit for subscribers to acknowledge the last reliable messages.
ACK_TIMEOUT_S = 2.0


class BagPlayerNode(Node):
    """Publishes a bag's messages; exits when done unless ``loop`` or ``exit_when_done`` off."""

    def __init__(self, *, overrides: dict[str, Any] | None = None) -> None:
        super().__init__(NODE, parameter_overrides=param_overrides(overrides))
        p = declare_from_schema(self, NODE)
        self.bag = p["bag"]
        if not self.bag:
            raise NodeStartupError("bag_player: parameter 'bag' (path of the bag to play) is empty")
        try:
            self.info = bag_info(self.bag)
        except BagError as exc:
            raise NodeStartupError(str(exc)) from None
        topics = list(p["topics"]) or [t.name for t in self.info.topics]
        self.health = Health(self)
        self.pubs: dict[str, Any] = {}
        for t in self.info.topics:
            if t.name in topics:
                try:
                    cls = message_class(t.msgtype)
                except BagError as exc:  # a type this computer does not have: say which
                    raise NodeStartupError(f"{self.bag}: topic {t.name}: {exc}") from None
                self.pubs[t.name] = self.create_publisher(cls, t.name,
                                                          publisher_qos(t.msgtype, p["qos"]))
        self.clock_pub = self.create_publisher(Clock, "/clock", 10) if p["clock"] else None
        self.params = p
        self.topics = topics
        self.stop = threading.Event()
        self.done = threading.Event()
        self.stats: Any = None
        self.exit_code = 0  # 1 when the bag turns out corrupt while playing
        self.thread = threading.Thread(target=self._run, name="bag-play", daemon=True)
        self.thread.start()

    def _wait_for_subscribers(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not self.stop.is_set():
            if all(pub.get_subscription_count() > 0 for pub in self.pubs.values()):
                return
            time.sleep(0.02)
        missing = [t for t, pub in self.pubs.items() if pub.get_subscription_count() == 0]
        if missing:
            self.get_logger().info(f"playing without subscribers on: {', '.join(missing)}")

    def _publish(self, msg: BagMessage) -> None:
        self.pubs[msg.topic].publish(msg.data)

    def _publish_clock(self, ns: int) -> None:
        assert self.clock_pub is not None
        self.clock_pub.publish(Clock(clock=ns_to_stamp(ns)))

    def _run(self) -> None:
        p = self.params
        if p["wait_for_subscribers_s"] > 0:
            self._wait_for_subscribers(p["wait_for_subscribers_s"])
        if p["start_delay_s"] > 0:
            self.stop.wait(p["start_delay_s"])
        self.get_logger().info(
            f"playing {self.bag}: {self.info.message_count} messages, "
            f"{self.info.duration_s:.1f} s, rate {p['rate']}, topics {', '.join(self.pubs)}")
        try:
            clock = self._publish_clock if self.clock_pub else None
            self.stats = play(self.bag, self._publish, rate=p["rate"], loop=p["loop"],
                              topics=self.topics, clock=clock, stop=self.stop)
            s = self.stats.summary()
            if p["stats_file"]:
                Path(p["stats_file"]).write_text(json.dumps(s, indent=1))
            self.health.status(OK, "finished")
            self.get_logger().info(
                f"done: {s['published']} messages, timing error mean "
                f"{s['timing_error_mean_ms']:.2f} ms, p95 {s['timing_error_p95_ms']:.2f} ms")
        except BagError as exc:
            self.exit_code = 1
            self.health.status(ERROR, str(exc))
            self.get_logger().error(str(exc))
        except Exception as exc:  # context shut down while publishing
            if not self.stop.is_set():
                self.get_logger().error(f"playback stopped: {exc}")
        self.done.set()
        if p["exit_when_done"] and not self.stop.is_set():
            self._wait_for_acks(ACK_TIMEOUT_S)
            from rclpy import shutdown

            try:
                shutdown(context=self.context)
            except Exception:  # already shut down (Ctrl-C meanwhile): nothing left to do
                pass

    def _wait_for_acks(self, timeout_s: float) -> None:
        """Let DDS deliver the last reliable messages before the process goes away: wait until
        every subscriber acknowledged them (best-effort publishers return at once)."""
        deadline = time.monotonic() + timeout_s
        pubs = list(self.pubs.values()) + ([self.clock_pub] if self.clock_pub else [])
        for pub in pubs:
            left = max(0.0, deadline - time.monotonic())
            try:
                pub.wait_for_all_acked(Duration(seconds=left))
            except Exception:  # context already shut down
                return

    def close(self) -> None:
        """Stop the playback thread before the node is destroyed."""
        self.stop.set()
        self.thread.join(timeout=2.0)


def main(args: list[str] | None = None) -> int:
    """Entry point of the ``bag_player`` executable."""
    return run_node(BagPlayerNode, args=args)
