"""``cockpit-ai lifecycle get|set NODE [TRANSITION]`` over lifecycle_msgs services."""

from __future__ import annotations

import argparse
import sys
from typing import Any

TRANSITIONS = ("configure", "activate", "deactivate", "cleanup", "shutdown")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``lifecycle`` subcommands."""
    lc = sub.add_parser("lifecycle", help="get or change the state of a managed node",
                        description="Like `ros2 lifecycle get|set` for managed nodes "
                        "(e.g. vision_node with autostart:=false).")
    lsub = lc.add_subparsers(dest="lifecycle_command", metavar="SUBCOMMAND")
    get = lsub.add_parser("get", help="print the node's current state")
    get.add_argument("node", help="fully qualified node name, e.g. /cockpit/cabin_vision")
    get.add_argument("--timeout", type=float, default=10.0, metavar="S")
    get.set_defaults(func=_get)
    st = lsub.add_parser("set", help="trigger a transition")
    st.add_argument("node", help="fully qualified node name")
    st.add_argument("transition", choices=TRANSITIONS)
    st.add_argument("--timeout", type=float, default=30.0, metavar="S")
    st.set_defaults(func=_set)
    lc.set_defaults(func=lambda a: (lc.print_help(), 2)[1])


def _call(node_name: str, srv_type: Any, suffix: str, request: Any, timeout: float) -> Any:
    import rclpy

    from cockpit_ai.ros.env import apply_dds_defaults

    apply_dds_defaults()
    rclpy.init(args=[])
    node = rclpy.create_node("_cockpit_lifecycle", start_parameter_services=False)
    try:
        client: Any = node.create_client(srv_type, f"{node_name.rstrip('/')}/{suffix}")
        if not client.wait_for_service(timeout_sec=timeout):
            raise TimeoutError(f"{node_name} offers no {suffix} service (not a managed node, "
                               "or not running)")
        future = client.call_async(request)
        rclpy.spin_until_future_complete(node, future, timeout_sec=timeout)
        if not future.done():
            raise TimeoutError(f"{node_name} did not answer {suffix} within {timeout} s")
        return future.result()
    finally:
        node.destroy_node()
        rclpy.shutdown()


def _get(args: argparse.Namespace) -> int:
    from lifecycle_msgs.srv import GetState

    try:
        res = _call(args.node, GetState, "get_state", GetState.Request(), args.timeout)
    except TimeoutError as exc:
        print(f"cockpit-ai lifecycle: {exc}", file=sys.stderr)
        return 1
    print(f"{res.current_state.label} [{res.current_state.id}]")
    return 0


def _set(args: argparse.Namespace) -> int:
    from lifecycle_msgs.msg import Transition
    from lifecycle_msgs.srv import ChangeState

    req = ChangeState.Request()
    req.transition = Transition(label=args.transition)  # the node resolves the label
    try:
        res = _call(args.node, ChangeState, "change_state", req, args.timeout)
    except TimeoutError as exc:
        print(f"cockpit-ai lifecycle: {exc}", file=sys.stderr)
        return 1
    if not res.success:
        print(f"cockpit-ai lifecycle: transition '{args.transition}' failed on {args.node} "
              "(see the node's log)", file=sys.stderr)
        return 1
    print(f"Transitioning successful: {args.transition}")
    return 0
