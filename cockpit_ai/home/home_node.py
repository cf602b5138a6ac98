"""home: the driver's home over MQTT — ``home_command`` in, Home Assistant commands out,
``home_status`` (what the driver should hear) back.

A thin managed shell over ``cockpit_ai.home.core.Home``: ``configure`` makes the broker link
(paho's own thread connects and reconnects; a broker that is down is a WARN, never a
crash) and the ``home_status`` publisher; ``activate`` subscribes ``home_command`` and
``fix`` (the before-arrival gate) and retries the outbox on a timer.
"""

from __future__ import annotations

import math
from typing import Any

from rclpy.callback_groups import MutuallyExclusiveCallbackGroup

from cockpit_ai.home import HomeValueError, State, When
from cockpit_ai.home.core import Home, Request, Status, settings_from_params
from cockpit_ai.home.mqtt import MqttLink
from cockpit_ai.ros import qos
from cockpit_ai.ros.diagnostics import OK, WARN, Health
from cockpit_ai.ros.managed import ManagedNode
from cockpit_ai.ros.run import NodeStartupError, run_node
from cockpit_ai.ros.stamps import stamp_to_ns

NODE = "home"


def to_request(msg: Any) -> Request:
    """``cockpit_ai/HomeCommand`` → ``Request`` (HomeValueError for an unknown ``when``)."""
    try:
        when = When(int(msg.when))
    except ValueError:
        raise HomeValueError(f"HomeCommand.when {msg.when} is not NOW (0) or "
                             "BEFORE_ARRIVAL (1)") from None  # fmt: skip
    lead = float(msg.lead_time_s)
    return Request(request_id=msg.request_id, device=msg.device.strip(),
                   action=msg.action.strip(), value=msg.value, unit=msg.unit, when=when,
                   lead_time_s=lead if math.isfinite(lead) and lead > 0 else 0.0,
                   confirmed=bool(msg.confirmed))  # fmt: skip


def to_status(status: Status, msg_type: Any, stamp: Any) -> Any:
    """``Status`` → ``cockpit_ai/HomeStatus``."""
    msg = msg_type()
    msg.header.stamp = stamp
    msg.request_id = status.request_id
    msg.device = status.device
    msg.action = status.action
    msg.state = int(status.state)
    msg.text = status.text
    msg.attempts = int(status.attempts)
    msg.eta_s = float(status.eta_s)
    return msg


class HomeNode(ManagedNode):
    """Subscribes ``home_command`` (HomeCommand) and ``fix`` (NavSatFix); publishes
    ``home_status`` (HomeStatus), one message per change of each request."""

    def __init__(self, *, overrides: dict[str, Any] | None = None) -> None:
        super().__init__(NODE, overrides=overrides)
        from cockpit_ai.msg import HomeStatus

        self._status_type = HomeStatus
        try:
            self.settings = settings_from_params(self.p)
            _ = self.settings.home  # a home place that is not a position stops here
        except HomeValueError as exc:
            raise NodeStartupError(f"home: {exc}") from None
        self.health = Health(self)
        b = self.settings.broker
        self.health.set("broker", b.address)
        self.health.set("topic_prefix", b.topic_prefix)
        self.health.set("home_set", self.settings.home is not None)
        self.health.status(WARN, "unconfigured")
        self.link: MqttLink | None = None
        self.home: Home | None = None
        self.pub: Any = None
        self.subs: list[Any] = []
        self.timer: Any = None
        self._broker_state: str | None = None

    # -- lifecycle ------------------------------------------------------------------------
    def load(self) -> None:
        try:
            self.link = MqttLink(self.settings.broker, on_state=self._on_device_state)
            self.home = Home(self.settings, self.link)
        except HomeValueError as exc:
            raise NodeStartupError(f"home: {exc}") from None
        self.health.set("eta_source", self.home.eta_source)
        self.pub = self.create_lifecycle_publisher(self._status_type, "home_status",
                                                   qos.RELIABLE)  # fmt: skip
        # paho's thread connects and reconnects; wait for its first answer (a refused port
        # answers at once) so the first command does not find a connection still opening
        if not self.link.wait_connected(self.p["connect_timeout_s"]):
            self.get_logger().warning(f"home: {self.link.error()}; retrying")
            self._broker_state = "down"
        self.health.status(OK, "configured (inactive)")

    def start(self) -> None:
        from sensor_msgs.msg import NavSatFix

        from cockpit_ai.msg import HomeCommand

        self.subs = [
            self.create_subscription(HomeCommand, "home_command", self._on_command,
                                     qos.RELIABLE,
                                     callback_group=MutuallyExclusiveCallbackGroup()),
            self.create_subscription(NavSatFix, "fix", self._on_fix, qos.SENSOR,
                                     callback_group=MutuallyExclusiveCallbackGroup()),
        ]  # fmt: skip
        self.timer = self.create_timer(self.p["status_period_s"], self._on_timer,
                                       callback_group=MutuallyExclusiveCallbackGroup())
        b = self.settings.broker
        self.get_logger().info(
            f"home: commands from {self.resolve_topic_name('home_command')} to MQTT "
            f"{b.address} under {b.topic_prefix}/<device>/set; auto: "
            f"{', '.join(self.settings.policy.auto_devices) or '-'}; after a yes: "
            f"{', '.join(self.settings.policy.confirm_devices) or '-'}")
        self._on_timer()

    def stop(self) -> None:
        timer, self.timer = self.timer, None
        if timer is not None:
            timer.cancel()
            self.destroy_timer(timer)
        for sub in self.subs:
            self.destroy_subscription(sub)
        self.subs = []

    def unload(self) -> None:
        link, self.link = self.link, None
        if link is not None:
            link.close()
        self.home = None
        if self.pub is not None:
            self.destroy_lifecycle_publisher(self.pub)
            self.pub = None

    def close(self) -> None:
        """run_node, before destroying the node: stop, then disconnect from the broker."""
        super().close()
        self.unload()

    # -- inputs ---------------------------------------------------------------------------
    def _warn(self, message: str) -> None:
        self.get_logger().warning(message, throttle_duration_sec=self.p["warn_throttle_s"])

    def _publish(self, statuses: list[Status], stamp: Any = None) -> None:
        if self.pub is None:
            return
        stamp = stamp if stamp is not None else self.get_clock().now().to_msg()
        for status in statuses:
            self.health.count(f"status_{status.state.name.lower()}")
            if status.state in (State.FAILED, State.FAILED_RETRYING):
                self._warn(f"home: {status.device} {status.action} ({status.request_id}): "
                           f"{status.text} — {self.home.last_error if self.home else ''}")
            self.pub.publish(to_status(status, self._status_type, stamp))

    def _on_command(self, msg: Any) -> None:
        self.health.count("commands")
        try:
            if self.home is None:
                return
            statuses = self.home.handle(to_request(msg))
            stamp = msg.header.stamp if stamp_to_ns(msg.header.stamp) else None
            self._publish(statuses, stamp)
        except HomeValueError as exc:
            self.health.count("bad_commands")
            self._warn(f"home command {msg.request_id!r} refused: {exc}")
            self._publish([Status(msg.request_id, msg.device, msg.action, State.REFUSED,
                                  f"I can't do that at home: {exc}.")])  # fmt: skip
        except Exception as exc:  # never raise out of a callback
            self.health.count("errors")
            self._warn(f"home command {msg.request_id!r} failed: {exc}")

    def _on_fix(self, msg: Any) -> None:
        try:
            if self.home is None:
                return
            if int(msg.status.status) < 0:  # STATUS_NO_FIX: the position means nothing
                self.health.count("rejected_fixes")
                return
            ns = stamp_to_ns(msg.header.stamp) or self.get_clock().now().nanoseconds
            before = self.home.gate.counts["ignored_fixes"]
            statuses = self.home.on_fix(float(msg.latitude), float(msg.longitude), ns / 1e9)
            if self.home.gate.counts["ignored_fixes"] > before:
                self.health.count("rejected_fixes")
                self._warn(f"fix {msg.latitude},{msg.longitude} ignored (not a position)")
            else:
                self.health.count("fixes")
            self._publish(statuses, msg.header.stamp if statuses else None)
        except Exception as exc:  # never raise out of a callback
            self.health.count("errors")
            self._warn(f"fix not usable: {exc}")

    def _on_device_state(self, device: str, payload: str) -> None:
        self.health.set(f"state_{device}", payload[:60])

    def _on_timer(self) -> None:
        try:
            if self.home is None or self.link is None:
                return
            self._publish(self.home.tick())
            connected = self.link.connected
            # log each change once the broker has answered (up, or down with a reason)
            state = "up" if connected else ("down" if self.link.last_error else None)
            if state is not None and state != self._broker_state:
                self._broker_state = state
                if connected:
                    self.get_logger().info(
                        f"home: connected to the MQTT broker at {self.settings.broker.address}")
                else:
                    self.get_logger().warning(f"home: {self.link.error()}; retrying")
            waiting = len(self.home.gate.waiting())
            self.health.set("connected", connected)
            self.health.set("outbox", len(self.home.outbox))
            self.health.set("waiting_for_arrival", waiting)
            eta = self.home.gate.last_eta_s
            self.health.set("eta_home_s", f"{eta:.0f}" if math.isfinite(eta) else "unknown")
            for key, value in {**self.home.outbox.counts, **self.home.counts}.items():
                self.health.set(key, value)
            if connected:
                self.health.status(OK, f"broker {self.settings.broker.address} connected; "
                                   f"{waiting} waiting for the arrival")  # fmt: skip
            else:
                self.health.status(WARN, str(self.link.error()))
        except Exception as exc:  # a timer callback must never raise
            self.health.count("errors")
            self._warn(f"home: {exc}")


def main(args: list[str] | None = None) -> int:
    return run_node(HomeNode, args=args)


if __name__ == "__main__":
    raise SystemExit(main())
