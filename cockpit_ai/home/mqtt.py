"""The home's MQTT broker: what each device command looks like, the link, and the outbox.

Commands go to ``<prefix>/<device>/set`` with QoS 1 and the payloads Home Assistant's MQTT
integrations take on a command topic (``DEVICES`` below is the one table): a climate device
gets JSON (``{"state": "heat", "temperature": 21}``), a switch or light ``ON``/``OFF``, a
cover (garage door) ``OPEN``/``CLOSE``, an alarm panel ``ARM_AWAY``/``DISARM``. A command is
delivered when the broker acknowledged it (PUBACK); a broker that is down or refuses the
login is a :class:`~cockpit_ai.home.BrokerError` whose text says what to check, and the
caller keeps the command in an :class:`Outbox` and retries with backoff.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cockpit_ai.home import BrokerError, HomeValueError

log = logging.getLogger("cockpit_ai.home")


@dataclass(frozen=True)
class Device:
    """One home device: its Home Assistant kind and, for climate, the HVAC mode of "on"."""

    kind: str  # "climate", "light", "switch", "cover", "alarm"
    mode: str = ""  # climate: the mode "on" means ("heat", "cool")
    name: str = ""  # spoken name; "" = the device id with spaces
    plural: bool = False  # "the lights are on"


# The one table: device id → HA kind. A device the planner may name and the policy may list.
DEVICES: dict[str, Device] = {
    "heating": Device("climate", mode="heat"),
    "air_conditioning": Device("climate", mode="cool", name="air conditioning"),
    "lights": Device("light", plural=True),
    "coffee_machine": Device("switch", name="coffee machine"),
    "garage_door": Device("cover", name="garage door"),
    "alarm": Device("alarm"),
}

# Actions each kind takes, and their command payloads (climate's are built in ``payload``).
_PAYLOADS: dict[str, dict[str, str]] = {
    "light": {"on": "ON", "off": "OFF"},
    "switch": {"on": "ON", "off": "OFF"},
    "cover": {"open": "OPEN", "close": "CLOSE"},
    "alarm": {"on": "ARM_AWAY", "off": "DISARM", "set": ""},
}
_ALARM_MODES = {"away": "ARM_AWAY", "home": "ARM_HOME", "night": "ARM_NIGHT",
                "vacation": "ARM_VACATION", "off": "DISARM"}  # fmt: skip
CLIMATE_RANGE_C = (5.0, 35.0)


def device(name: str) -> Device:
    """The table entry of ``name``; HomeValueError for a device the table does not know."""
    try:
        return DEVICES[name]
    except KeyError:
        raise HomeValueError(
            f"unknown home device {name!r}; known: {', '.join(sorted(DEVICES))}") from None


def spoken_name(name: str) -> str:
    """How the driver hears the device ("garage door")."""
    entry = DEVICES.get(name)
    return (entry.name if entry and entry.name else name.replace("_", " "))


def actions(name: str) -> tuple[str, ...]:
    """The actions ``name`` takes."""
    entry = device(name)
    if entry.kind == "climate":
        return ("on", "off", "set")
    return tuple(_PAYLOADS[entry.kind])


def _clean(value: str) -> str:
    value = value.strip()
    return "" if value.lower() in ("none", "null") else value


def payload(name: str, action: str, value: str = "") -> str:
    """The command payload for ``action`` on device ``name`` (HomeValueError when it has none)."""
    entry = device(name)
    value = _clean(value)
    if action not in actions(name):
        raise HomeValueError(
            f"the {spoken_name(name)} takes {'/'.join(actions(name))}, not {action!r}")
    if entry.kind == "climate":
        if action == "off":
            return json.dumps({"state": "off"})
        body: dict[str, Any] = {"state": entry.mode}
        if action == "set" or value:
            body["temperature"] = _temperature(name, value)
        return json.dumps(body)
    if entry.kind == "alarm" and action == "set":
        mode = _ALARM_MODES.get(value.lower())
        if mode is None:
            raise HomeValueError(
                f"the alarm can be set to {', '.join(_ALARM_MODES)}, not {value!r}")
        return mode
    return _PAYLOADS[entry.kind][action]


def _temperature(name: str, value: str) -> float | int:
    try:
        degrees = float(value.removesuffix("°").removesuffix("C").strip())
    except ValueError:
        degrees = math.nan
    low, high = CLIMATE_RANGE_C
    if not (math.isfinite(degrees) and low <= degrees <= high):
        raise HomeValueError(f"the {spoken_name(name)} needs a temperature of {low:g} to "
                             f"{high:g} degrees, e.g. 21 (got {value!r})")  # fmt: skip
    return int(degrees) if degrees.is_integer() else degrees


def check_prefix(prefix: str) -> str:
    """A topic prefix without wildcards or empty levels (HomeValueError otherwise)."""
    prefix = prefix.strip().rstrip("/")
    if not prefix or "+" in prefix or "#" in prefix or prefix.startswith("/") or "//" in prefix:
        raise HomeValueError(
            f"topic prefix {prefix!r}: needs levels like 'cockpit_ai/home', no wildcards "
            "(+, #), no leading or empty levels")
    return prefix


def command_topic(prefix: str, name: str) -> str:
    """``<prefix>/<device>/set``."""
    device(name)
    return f"{check_prefix(prefix)}/{name}/set"


def state_topic(prefix: str, name: str) -> str:
    """``<prefix>/<device>/state``: where a home may report the device's state."""
    device(name)
    return f"{check_prefix(prefix)}/{name}/state"


# ---------------------------------------------------------------------------- the link


@dataclass(frozen=True)
class BrokerSettings:
    """Where the broker is and how to log in (defaults = schema/home.schema.json)."""

    host: str = "127.0.0.1"
    port: int = 1883
    username: str = ""
    password: str = ""
    client_id: str = "cockpit_ai_home"
    topic_prefix: str = "cockpit_ai/home"
    tls: bool = False
    tls_ca_file: str = ""  # "" = the system's CA certificates
    keepalive_s: int = 30
    connect_timeout_s: float = 5.0
    publish_timeout_s: float = 5.0
    reconnect_min_s: int = 1
    reconnect_max_s: int = 30

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


_AUTH_CODES = ("bad user name or password", "not authorized", "bad username or password")


class MqttLink:
    """A paho-mqtt client that stays connected (paho's network thread reconnects with
    backoff) and publishes one command at a time, waiting for its PUBACK.

    ``start()`` never raises for a broker that is down: ``connected`` says whether it is
    up, ``last_error`` why not. ``publish`` raises :class:`BrokerError` when the command did
    not reach the broker; it never leaves a command in paho's own queue to be sent behind the
    caller's back (it only publishes while connected), so the caller's outbox is the one
    place a command waits.
    """

    def __init__(self, settings: BrokerSettings, *,
                 on_state: Callable[[str, str], None] | None = None) -> None:  # fmt: skip
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        check_prefix(settings.topic_prefix)
        self.settings = settings
        self._on_state = on_state
        self._connected = threading.Event()
        self._answered = threading.Event()  # a CONNACK (good or bad) or a failed attempt
        self._lock = threading.Lock()
        self.last_error = ""
        self.auth_failed = False
        self.connects = 0
        self._started = False
        self._started_answer_seen = False
        self._unacked: dict[tuple[str, str], Any] = {}  # sent, PUBACK not seen yet
        self._client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=settings.client_id, protocol=mqtt.MQTTv311)  # fmt: skip
        if settings.username:
            self._client.username_pw_set(settings.username, settings.password or None)
        if settings.tls:
            self._client.tls_set(ca_certs=settings.tls_ca_file or None)
        self._client.reconnect_delay_set(settings.reconnect_min_s, settings.reconnect_max_s)
        self._client.on_connect = self._handle_connect
        self._client.on_connect_fail = self._handle_connect_fail
        self._client.on_disconnect = self._handle_disconnect
        self._client.on_message = self._handle_message

    # -- connection ---------------------------------------------------------------------
    def start(self) -> MqttLink:
        """Start connecting in the background (returns at once)."""
        if not self._started:
            self._started = True
            self._client.connect_async(self.settings.host, self.settings.port,
                                       keepalive=self.settings.keepalive_s)  # fmt: skip
            self._client.loop_start()
        return self

    def wait_connected(self, timeout: float | None = None) -> bool:
        """Wait for the broker's next answer (or failed attempt) unless connected; True if up."""
        self.start()
        if self._connected.is_set():
            return True
        if self._started_answer_seen:
            self._answered.clear()
        self._started_answer_seen = True
        self._answered.wait(self.settings.connect_timeout_s if timeout is None else timeout)
        return self._connected.is_set()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def error(self) -> BrokerError:
        """Why the broker is not usable, as the error a caller raises or reports."""
        s = self.settings
        if self.auth_failed:
            who = f"user {s.username!r}" if s.username else "an anonymous client"
            return BrokerError(f"MQTT broker {s.address} refused the login of {who} "
                               f"({self.last_error}): check username and password")  # fmt: skip
        why = self.last_error or "no answer yet"
        return BrokerError(f"cannot reach the MQTT broker at {s.address} ({why}): is it "
                           "running, and are broker_host/broker_port right?")  # fmt: skip

    def _handle_connect(self, client: Any, userdata: Any, flags: Any, reason: Any,
                        properties: Any) -> None:  # fmt: skip
        if reason.is_failure:
            self.last_error = str(reason)
            self.auth_failed = str(reason).lower() in _AUTH_CODES
            log.warning("MQTT broker %s refused the connection: %s", self.settings.address,
                        reason)  # fmt: skip
            self._answered.set()
            return
        self.last_error = ""
        self.auth_failed = False
        self.connects += 1
        if self._on_state is not None:
            client.subscribe(f"{self.settings.topic_prefix}/+/state", qos=1)
        self._connected.set()
        self._answered.set()
        log.info("connected to the MQTT broker at %s", self.settings.address)

    def _handle_connect_fail(self, client: Any, userdata: Any) -> None:
        if not self.last_error or not self.auth_failed:
            self.last_error = "connection refused or timed out"
        self._answered.set()

    def _handle_disconnect(self, client: Any, userdata: Any, flags: Any, reason: Any,
                           properties: Any) -> None:  # fmt: skip
        was = self._connected.is_set()
        self._connected.clear()
        if was:
            self.last_error = f"connection lost: {reason}"
            log.warning("lost the MQTT broker at %s (%s); reconnecting", self.settings.address,
                        reason)  # fmt: skip

    def _handle_message(self, client: Any, userdata: Any, message: Any) -> None:
        if self._on_state is None:
            return
        parts = message.topic.rsplit("/", 2)
        if len(parts) == 3 and parts[2] == "state":
            try:
                self._on_state(parts[1], message.payload.decode("utf-8", "replace"))
            except Exception as exc:  # a state callback must not stop paho's thread
                log.warning("state message on %s not handled: %s", message.topic, exc)

    # -- publishing ---------------------------------------------------------------------
    def publish(self, topic: str, body: str) -> None:
        """Publish ``body`` on ``topic`` with QoS 1 and wait for the PUBACK.

        A command that went out but was not acknowledged in time stays in paho's queue, and
        paho sends it again itself after a reconnect; publishing it anew would deliver it
        twice. So the next ``publish`` of the same command first looks at that one: already
        acknowledged → done; still in flight → wait for it again.
        """
        self.start()
        key = (topic, body)
        with self._lock:  # one command in flight: each waits for its own PUBACK
            info = self._unacked.pop(key, None)
            if info is not None and _acked(info):
                return
            if not self._connected.is_set():
                if info is not None:
                    self._unacked[key] = info
                raise self.error()
            if info is None:
                from paho.mqtt.enums import MQTTErrorCode

                info = self._client.publish(topic, body, qos=1, retain=False)
                # NO_CONN: the connection dropped just now; paho keeps it and resends
                if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
                    raise BrokerError(f"MQTT publish to {topic} failed: rc {info.rc}")
            deadline = time.monotonic() + self.settings.publish_timeout_s
            while not _acked(info) and time.monotonic() < deadline:
                with info._condition:
                    info._condition.wait(0.05)
            if not _acked(info):
                self._unacked[key] = info
                raise BrokerError(
                    f"the MQTT broker at {self.settings.address} did not acknowledge {topic} "
                    f"within {self.settings.publish_timeout_s:g} s")  # fmt: skip

    def close(self) -> None:
        """Disconnect and stop paho's thread."""
        if self._started:
            self._started = False
            try:
                self._client.disconnect()
            finally:
                self._client.loop_stop()


def _acked(info: Any) -> bool:
    """Whether paho saw the PUBACK of ``info`` (an ``MQTTMessageInfo``).

    Read from the flag itself: ``is_published()`` raises for a message whose first send
    found no connection even after paho's own resend was acknowledged.
    """
    with info._condition:
        return bool(info._published)


def publish_once(settings: BrokerSettings, topic: str, body: str) -> None:
    """Connect, publish one command with QoS 1, wait for the PUBACK, disconnect (the CLI)."""
    link = MqttLink(settings).start()
    try:
        if not link.wait_connected():
            raise link.error()
        link.publish(topic, body)
    finally:
        link.close()


# ---------------------------------------------------------------------------- outbox


@dataclass
class Pending:
    """A command waiting for the broker."""

    key: str
    topic: str
    body: str
    created: float
    attempts: int = 0
    next_try: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)


class OutboxFull(BrokerError):
    """The outbox holds its limit of commands; the newest is refused, none is dropped."""


class Outbox:
    """Commands the broker has not acknowledged yet, retried with exponential backoff.

    Bounded: a full outbox refuses the newest command (``OutboxFull``) rather than drop an
    older one silently; a command older than ``max_age_s`` is given up (``expired``): a
    garage door must not open an hour after the driver asked.
    """

    def __init__(self, *, size: int = 32, retry_s: float = 5.0, retry_max_s: float = 60.0,
                 max_age_s: float = 900.0) -> None:  # fmt: skip
        if size < 1 or retry_s <= 0 or retry_max_s < retry_s or max_age_s <= 0:
            raise HomeValueError("outbox: size >= 1, 0 < retry_s <= retry_max_s, max_age_s > 0")
        self.size, self.retry_s, self.retry_max_s, self.max_age_s = (
            size, retry_s, retry_max_s, max_age_s)
        self._items: deque[Pending] = deque()
        self.counts = {"queued": 0, "delivered": 0, "refused_full": 0, "expired": 0,
                       "retries": 0, "superseded": 0}  # fmt: skip

    def __len__(self) -> int:
        return len(self._items)

    def add(self, item: Pending, now: float) -> Pending:
        """Keep ``item`` for a retry after a failed attempt (OutboxFull when full)."""
        if len(self._items) >= self.size:
            self.counts["refused_full"] += 1
            raise OutboxFull(f"{len(self._items)} home commands are already waiting for the "
                             "broker; this one was not kept")  # fmt: skip
        item.next_try = now + self.backoff(item.attempts)
        self._items.append(item)
        self.counts["queued"] += 1
        return item

    def backoff(self, attempts: int) -> float:
        """Seconds before the next attempt after ``attempts`` failed ones."""
        return float(min(self.retry_s * 2 ** max(attempts - 1, 0), self.retry_max_s))

    def due(self, now: float) -> tuple[list[Pending], list[Pending]]:
        """(items to try now, expired items) — both taken out of the outbox; a failed try
        goes back with ``retry``."""
        due: list[Pending] = []
        expired: list[Pending] = []
        keep: deque[Pending] = deque()
        for item in self._items:
            if now - item.created > self.max_age_s:
                expired.append(item)
            elif item.next_try <= now:
                due.append(item)
            else:
                keep.append(item)
        self._items = keep
        self.counts["expired"] += len(expired)
        return due, expired

    def retry(self, item: Pending, now: float) -> None:
        """Put a failed retry back (it stays in place: the outbox never grows on retries)."""
        item.next_try = now + self.backoff(item.attempts)
        self._items.append(item)
        self.counts["retries"] += 1

    def remove(self, which: Callable[[Pending], bool]) -> list[Pending]:
        """Take out the items ``which`` picks (a newer command for the same device)."""
        gone = [item for item in self._items if which(item)]
        self._items = deque(item for item in self._items if not which(item))
        self.counts["superseded"] += len(gone)
        return gone

    def delivered(self) -> None:
        self.counts["delivered"] += 1

    def items(self) -> list[Pending]:
        return list(self._items)
