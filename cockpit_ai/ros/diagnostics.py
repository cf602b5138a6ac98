"""Node health on ``/diagnostics`` (diagnostic_msgs/DiagnosticArray), once a second.

Each node keeps counters (frames in, dropped, errors) and a status; ``Health`` publishes
them so ``cockpit-ai topic echo /diagnostics`` or rqt_robot_monitor shows what is wrong.
The period is the node parameter ``diagnostic_updater.period`` (seconds), the name ROS 2's
diagnostic_updater uses, so tools and launch files that set it work here too; the fuzz
tests run nodes with 0.05 s to see each input counted at once.
"""

from __future__ import annotations

import threading
from typing import Any

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue

PERIOD_PARAM = "diagnostic_updater.period"

OK = DiagnosticStatus.OK
WARN = DiagnosticStatus.WARN
ERROR = DiagnosticStatus.ERROR
STALE = DiagnosticStatus.STALE


class Health:
    """Counters and a status line for one node, published periodically."""

    def __init__(self, node: Any, *, hardware_id: str = "", period_s: float = 1.0) -> None:
        self._node = node
        self._lock = threading.Lock()
        self._counters: dict[str, float] = {}
        self._values: dict[str, str] = {}
        self._level = OK
        self._message = "starting"
        self._hardware_id = hardware_id or node.get_name()
        self._pub = node.create_publisher(DiagnosticArray, "/diagnostics", 10)
        self._timer = node.create_timer(self._period(node, period_s), self.publish)

    @staticmethod
    def _period(node: Any, default_s: float) -> float:
        """``diagnostic_updater.period`` of the node (declared here when no one did)."""
        from rcl_interfaces.msg import FloatingPointRange, ParameterDescriptor

        if not node.has_parameter(PERIOD_PARAM):
            node.declare_parameter(PERIOD_PARAM, float(default_s), ParameterDescriptor(
                description="Seconds between /diagnostics messages of this node.",
                floating_point_range=[FloatingPointRange(from_value=0.01, to_value=60.0)],
                read_only=True))
        return float(node.get_parameter(PERIOD_PARAM).value)

    def count(self, key: str, n: float = 1) -> None:
        """Add ``n`` to a counter (created at 0)."""
        with self._lock:
            self._counters[key] = self._counters.get(key, 0) + n

    def set(self, key: str, value: Any) -> None:
        """Set a value shown beside the counters."""
        with self._lock:
            self._values[key] = str(value)

    def status(self, level: bytes | int, message: str) -> None:
        """Set the overall level (OK/WARN/ERROR) and a one-line reason."""
        with self._lock:
            self._level = bytes([level]) if isinstance(level, int) else level
            self._message = message

    def counter(self, key: str) -> float:
        """Current value of a counter (0 when never counted)."""
        with self._lock:
            return self._counters.get(key, 0)

    def publish(self) -> None:
        """Publish the current status now."""
        with self._lock:
            values = [KeyValue(key=k, value=f"{v:g}") for k, v in sorted(self._counters.items())]
            values += [KeyValue(key=k, value=v) for k, v in sorted(self._values.items())]
            status = DiagnosticStatus(
                level=self._level,
                name=f"{self._node.get_fully_qualified_name()}",
                message=self._message,
                hardware_id=self._hardware_id,
                values=values,
            )
        msg = DiagnosticArray()
        msg.header.stamp = self._node.get_clock().now().to_msg()
        msg.status = [status]
        self._pub.publish(msg)
