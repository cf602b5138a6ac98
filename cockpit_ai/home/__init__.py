"""The driver's home over MQTT: Home Assistant–style commands, a confirmation policy and a
before-arrival gate.

``mqtt.py`` (the broker link, the one device → payload table and the outbox), ``policy.py``
(which devices may be automated without asking), ``arrival.py`` (wait until the ETA to home
drops below a lead time), ``core.py`` (the three together, no rclpy), ``home_node.py`` (the
ROS shell), ``cli.py`` (``cockpit-ai home send``).
"""

from __future__ import annotations

from enum import IntEnum

from cockpit_ai.errors import CockpitError


class HomeError(CockpitError):
    """Base of the home area's errors."""


class HomeValueError(HomeError, ValueError):
    """A command or setting is wrong: unknown device, unsupported action, bad value."""


class BrokerError(HomeError):
    """The MQTT broker cannot be reached, refused the login or did not acknowledge."""


class When(IntEnum):
    """``HomeCommand.when`` (mirrors msg/HomeCommand.msg)."""

    NOW = 0
    BEFORE_ARRIVAL = 1


class State(IntEnum):
    """``HomeStatus.state`` (mirrors msg/HomeStatus.msg)."""

    SENT = 0
    WAITING_FOR_ARRIVAL = 1
    NEEDS_CONFIRMATION = 2
    FAILED_RETRYING = 3
    FAILED = 4
    REFUSED = 5
