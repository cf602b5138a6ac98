"""QoS chosen on purpose: sensor streams drop stale data, dialogue is never lost."""

from __future__ import annotations

from rclpy.qos import (
    DurabilityPolicy,
    HistoryPolicy,
    QoSProfile,
    ReliabilityPolicy,
    qos_profile_sensor_data,
)

#: Camera images and audio: best effort, keep only the newest few.
SENSOR = qos_profile_sensor_data

#: Transcripts, answers, commands, queries: reliable, a short history.
RELIABLE = QoSProfile(
    history=HistoryPolicy.KEEP_LAST,
    depth=10,
    reliability=ReliabilityPolicy.RELIABLE,
    durability=DurabilityPolicy.VOLATILE,
)

#: State that a late joiner should still get (e.g. the latest fatigue level).
LATCHED = QoSProfile(
    history=HistoryPolicy.KEEP_LAST,
    depth=1,
    reliability=ReliabilityPolicy.RELIABLE,
    durability=DurabilityPolicy.TRANSIENT_LOCAL,
)

PROFILES = {"sensor": SENSOR, "reliable": RELIABLE, "latched": LATCHED}


def profile(name: str) -> QoSProfile:
    """The QoS profile for a parameter value ("sensor", "reliable" or "latched")."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown QoS profile '{name}'; use one of {sorted(PROFILES)}") from None
