"""``cockpit-ai topic list|echo|hz``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``topic`` subcommands."""
    top = sub.add_parser("topic", help="list, echo and measure topics (like `ros2 topic`)",
                         description="Inspect the live ROS graph.")
    tsub = top.add_subparsers(dest="topic_command", metavar="SUBCOMMAND")
    ls = tsub.add_parser("list", help="topics with their types")
    ls.add_argument("--wait", type=float, default=1.0, metavar="S",
                    help="seconds of discovery before listing (default 1)")
    ls.add_argument("-t", "--show-types", action="store_true", help="print the type beside")
    ls.set_defaults(func=_list)
    echo = tsub.add_parser("echo", help="print messages of a topic")
    echo.add_argument("topic")
    echo.add_argument("--count", type=int, default=0, metavar="N", help="stop after N messages")
    echo.add_argument("--timeout", type=float, default=0.0, metavar="S",
                      help="give up after S seconds without the N messages (exit 1)")
    echo.add_argument("--json", action="store_true", help="one JSON object per line")
    echo.add_argument("--full", action="store_true", help="do not shorten long arrays")
    echo.add_argument("--qos", choices=("auto", "reliable", "sensor"), default="auto",
                      help="subscription QoS (auto follows the publishers)")
    echo.set_defaults(func=_echo)
    hz = tsub.add_parser("hz", help="message rate of a topic")
    hz.add_argument("topic")
    hz.add_argument("--window", type=int, default=100, help="messages in the rate window")
    hz.add_argument("--duration", type=float, default=0.0, metavar="S",
                    help="print the rate after S seconds and exit (default: until Ctrl-C)")
    hz.set_defaults(func=_hz)
    top.set_defaults(func=lambda a: (top.print_help(), 2)[1])


def _node(name: str) -> Any:
    import rclpy

    from cockpit_ai.ros.env import apply_dds_defaults

    apply_dds_defaults()
    rclpy.init(args=[])
    return rclpy.create_node(name, start_parameter_services=False)


def _close(node: Any) -> None:
    import rclpy

    node.destroy_node()
    if rclpy.ok():
        rclpy.shutdown()


def _list(args: argparse.Namespace) -> int:
    import rclpy

    node = _node("_cockpit_topic_list")
    try:
        end = time.monotonic() + args.wait
        while time.monotonic() < end:
            rclpy.spin_once(node, timeout_sec=0.05)
        for name, types in sorted(node.get_topic_names_and_types()):
            print(f"{name} [{', '.join(types)}]" if args.show_types else name)
    finally:
        _close(node)
    return 0


def _wait_type(node: Any, topic: str, timeout: float) -> str | None:
    import rclpy

    end = time.monotonic() + timeout
    while True:
        for name, types in node.get_topic_names_and_types():
            if name == topic:
                return str(types[0])
        if time.monotonic() > end:
            return None
        rclpy.spin_once(node, timeout_sec=0.05)


def _qos(node: Any, topic: str, choice: str) -> Any:
    from rclpy.qos import QoSProfile, ReliabilityPolicy

    from cockpit_ai.ros import qos

    if choice == "sensor":
        return qos.SENSOR
    if choice == "reliable":
        return qos.RELIABLE
    infos = node.get_publishers_info_by_topic(topic)
    if infos and all(i.qos_profile.reliability == ReliabilityPolicy.BEST_EFFORT for i in infos):
        return qos.SENSOR
    return QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)


def _subscribe(args: argparse.Namespace, name: str, callback: Any) -> tuple[Any, int]:
    from cockpit_ai.bag.types import BagError, message_class

    node = _node(name)
    topic = args.topic if args.topic.startswith("/") else "/" + args.topic
    msgtype = _wait_type(node, topic, max(getattr(args, "timeout", 0.0) or 5.0, 1.0))
    if msgtype is None:
        print(f"cockpit-ai topic: topic {topic} does not appear in the graph", file=sys.stderr)
        _close(node)
        return None, 1
    try:
        cls = message_class(msgtype)
    except BagError as exc:
        print(f"cockpit-ai topic: {exc}", file=sys.stderr)
        _close(node)
        return None, 1
    node.create_subscription(cls, topic, callback, _qos(node, topic, getattr(args, "qos", "auto")))
    return node, 0


def _echo(args: argparse.Namespace) -> int:
    import rclpy
    from rclpy.executors import ExternalShutdownException

    from cockpit_ai.topic.format import to_dict, to_yaml

    seen = [0]

    def on_msg(msg: Any) -> None:
        d = to_dict(msg, max_array=0 if args.full else 16)
        if args.json:
            print(json.dumps(d, default=str), flush=True)
        else:
            print(to_yaml(d) + "\n---", flush=True)
        seen[0] += 1

    node, code = _subscribe(args, "_cockpit_topic_echo", on_msg)
    if node is None:
        return code
    start = time.monotonic()
    try:
        while rclpy.ok() and (args.count <= 0 or seen[0] < args.count):
            if args.timeout and time.monotonic() - start > args.timeout:
                print(f"cockpit-ai topic echo: {seen[0]} of {args.count} messages after "
                      f"{args.timeout} s", file=sys.stderr)
                return 1
            rclpy.spin_once(node, timeout_sec=0.1)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        _close(node)
    return 0


def _hz(args: argparse.Namespace) -> int:
    import collections

    import rclpy
    from rclpy.executors import ExternalShutdownException

    stamps: collections.deque[float] = collections.deque(maxlen=max(2, args.window))

    def on_msg(_: Any) -> None:
        stamps.append(time.perf_counter())

    node, code = _subscribe(args, "_cockpit_topic_hz", on_msg)
    if node is None:
        return code
    start = last_print = time.monotonic()
    try:
        while rclpy.ok():
            rclpy.spin_once(node, timeout_sec=0.05)
            now = time.monotonic()
            done = args.duration and now - start >= args.duration
            if now - last_print >= 1.0 or done:
                last_print = now
                if len(stamps) >= 2:
                    gaps = [b - a for a, b in zip(stamps, list(stamps)[1:], strict=False)]
                    mean = sum(gaps) / len(gaps)
                    sd = (sum((g - mean) ** 2 for g in gaps) / len(gaps)) ** 0.5
                    print(f"average rate: {1 / mean:.3f}\n\tmin: {min(gaps):.3f}s max: "
                          f"{max(gaps):.3f}s std dev: {sd:.5f}s window: {len(stamps)}",
                          flush=True)
                else:
                    print("no new messages", flush=True)
            if done:
                break
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        _close(node)
    return 0
