"""Conversions between ROS time stamps and seconds / nanoseconds."""

from __future__ import annotations

from typing import Any


def stamp_to_ns(stamp: Any) -> int:
    """``builtin_interfaces/Time`` → integer nanoseconds."""
    return int(stamp.sec) * 1_000_000_000 + int(stamp.nanosec)


def stamp_to_s(stamp: Any) -> float:
    """``builtin_interfaces/Time`` → float seconds."""
    return stamp_to_ns(stamp) / 1e9


def ns_to_stamp(ns: int) -> Any:
    """Integer nanoseconds → ``builtin_interfaces/Time``."""
    from builtin_interfaces.msg import Time

    return Time(sec=ns // 1_000_000_000, nanosec=ns % 1_000_000_000)


def s_to_stamp(seconds: float) -> Any:
    """Float seconds → ``builtin_interfaces/Time``."""
    return ns_to_stamp(round(seconds * 1e9))
