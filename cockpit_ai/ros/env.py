"""DDS defaults for every cockpit_ai process: discovery stays on this machine.

Applied before rclpy creates a participant, and only where the user has not chosen:
``ROS_AUTOMATIC_DISCOVERY_RANGE`` defaults to ``LOCALHOST`` (cabin audio and images are
private: nothing is offered to other hosts unless asked for), and with it the package's
Fast DDS profile (``config/fastdds_profile.xml``: loopback-only UDP, shared memory with
segments big enough for camera frames). Set ``ROS_AUTOMATIC_DISCOVERY_RANGE=SUBNET`` or
your own ``FASTDDS_DEFAULT_PROFILES_FILE`` to run across machines.
"""

from __future__ import annotations

import os
from pathlib import Path


def profile_file() -> Path | None:
    """The installed Fast DDS profile, if the package is installed."""
    try:
        from cockpit_ai.paths import package_share

        path = package_share() / "config" / "fastdds_profile.xml"
    except FileNotFoundError:
        return None
    return path if path.is_file() else None


def apply_dds_defaults(env: dict[str, str] | None = None) -> dict[str, str]:
    """Fill in the defaults in ``env`` (``os.environ`` when None); returns it."""
    target = os.environ if env is None else env
    target.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
    rmw = target.get("RMW_IMPLEMENTATION", "rmw_fastrtps_cpp")
    if (target["ROS_AUTOMATIC_DISCOVERY_RANGE"] == "LOCALHOST" and rmw == "rmw_fastrtps_cpp"
            and "FASTDDS_DEFAULT_PROFILES_FILE" not in target):
        profile = profile_file()
        if profile is not None:
            target["FASTDDS_DEFAULT_PROFILES_FILE"] = str(profile)
    return target  # type: ignore[return-value]
