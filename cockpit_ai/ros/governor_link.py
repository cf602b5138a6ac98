"""The load governor on a node: dialogue flags in, the gate and its diagnostics out.

Subscribes ``speech_active`` (std_msgs/Bool, reliable, from the speech node) and
``turn_active`` (std_msgs/Bool, latched, from the planner: true from question received to
response published), both relative so a namespace or remap places them. Polls the
:class:`~cockpit_ai.ros.governor.Governor` once a second and shows ``governor`` (the state),
``cpu_pressure`` and the ``throttled_frames`` counter in the node's Health. Throttling is
normal operation: it never sets WARN, it only adds "throttled: dialogue" to the status text.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from std_msgs.msg import Bool

from cockpit_ai.ros import qos
from cockpit_ai.ros.governor import Governor, GovernorError, GovernorSettings
from cockpit_ai.ros.run import NodeStartupError


def settings_from_params(p: dict[str, Any]) -> GovernorSettings:
    """GovernorSettings from a node's ``governor_enabled``, ``governed_rate_hz`` and
    ``cpu_pressure_high`` parameters (a bad value stops the node with one clear line)."""
    try:
        return GovernorSettings(enabled=bool(p["governor_enabled"]),
                                governed_rate_hz=float(p["governed_rate_hz"]),
                                cpu_pressure_high=float(p["cpu_pressure_high"]))
    except GovernorError as exc:
        raise NodeStartupError(f"governor: {exc}") from None


class GovernorLink:
    """Owns a Governor for ``node``; ``admit()`` counts refused frames as throttled."""

    def __init__(self, node: Any, health: Any, settings: GovernorSettings, *,
                 on_change: Callable[[str], None] | None = None,
                 governor: Governor | None = None) -> None:
        self.node = node
        self.health = health
        self.governor = governor or Governor(settings)
        self._on_change: Callable[[str], None] | None = None
        self._shown = ""
        self._lock = threading.Lock()
        health.count("throttled_frames", 0)  # the key is there from the start
        self.subs = [
            node.create_subscription(Bool, "speech_active",
                                     lambda m: self._flag("speech_active", m), qos.RELIABLE),
            node.create_subscription(Bool, "turn_active",
                                     lambda m: self._flag("turn_active", m), qos.LATCHED),
        ]
        self.timer = node.create_timer(1.0, self.refresh)
        self.refresh()  # the first state, before the node is there to hear of changes
        self._on_change = on_change

    @property
    def enabled(self) -> bool:
        """False when ``governor_enabled`` is off (then every frame is admitted)."""
        return self.governor.settings.enabled

    def admit(self) -> bool:
        """Gate for the image callback; a refused frame counts in ``throttled_frames``."""
        ok = self.governor.admit()
        if not ok:
            self.health.count("throttled_frames")
        self._show()
        return ok

    def status_text(self, text: str) -> str:
        """``text`` with the throttle state in front when throttled."""
        label = self.governor.label()
        if not label:
            return text
        rate = self.governor.settings.governed_rate_hz
        return f"{label} ({rate:g} Hz); {text}" if text else f"{label} ({rate:g} Hz)"

    def refresh(self) -> None:
        """Timer (1 Hz): sample the pressure if due, publish state and pressure in Health."""
        self.governor.poll()
        pressure = self.governor.pressure
        self.health.set("cpu_pressure", str(pressure) if pressure else "unknown")
        self._show()

    def destroy(self) -> None:
        """Remove the subscriptions and the timer (lifecycle cleanup)."""
        for sub in self.subs:
            self.node.destroy_subscription(sub)
        self.subs = []
        self.node.destroy_timer(self.timer)

    def _flag(self, name: str, msg: Any) -> None:
        self.governor.set_flag(name, bool(msg.data))
        self._show()

    def _show(self) -> None:
        with self._lock:  # callbacks of several threads: the shown state is the newest
            state = self.governor.state if self.enabled else "off"
            if state == self._shown:
                return
            self._shown = state
            self.health.set("governor", state)
            if self._on_change is not None:
                self._on_change(state)


class GovernedStatus:
    """A node's Health status with the governor's state in front when throttled.

    ``set`` keeps the node's own level and text; ``show`` re-renders them (the governor's
    ``on_change``), so a throttle state change never overwrites what the node said last.
    """

    def __init__(self, health: Any, level: int | bytes, text: str) -> None:
        self.health = health
        self.governor: GovernorLink | None = None
        self._base: tuple[int | bytes, str] = (level, text)
        self.show()

    def set(self, level: int | bytes, text: str) -> None:
        self._base = (level, text)
        self.show()

    def show(self) -> None:
        level, text = self._base
        governor = self.governor
        self.health.status(level, governor.status_text(text) if governor else text)

