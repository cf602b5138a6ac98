"""The home core: a request in, the policy, the arrival gate, the broker and the outbox,
and what the driver hears about it out (no rclpy; the home node is a thin shell over it).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cockpit_ai.home import BrokerError, HomeValueError, State, When, arrival, mqtt, policy
from cockpit_ai.home.mqtt import BrokerSettings, Outbox, OutboxFull, Pending

log = logging.getLogger("cockpit_ai.home")

UNREACHABLE_TEXT = "I can't reach the home right now; I'll keep trying."


class Publisher(Protocol):
    """What the core needs of a broker link (``mqtt.MqttLink``)."""

    def publish(self, topic: str, body: str) -> None: ...


@dataclass(frozen=True)
class Request:
    """A ``HomeCommand``."""

    request_id: str
    device: str
    action: str
    value: str = ""
    unit: str = ""
    when: When = When.NOW
    lead_time_s: float = 0.0  # 0 = the settings' lead_time_s
    confirmed: bool = False


@dataclass(frozen=True)
class Status:
    """A ``HomeStatus``."""

    request_id: str
    device: str
    action: str
    state: State
    text: str
    attempts: int = 0
    eta_s: float = math.nan


@dataclass(frozen=True)
class HomeSettings:
    """Everything the core is configured with (defaults = schema/home.schema.json)."""

    broker: BrokerSettings = field(
        default_factory=lambda: BrokerSettings(reconnect_min_s=5, reconnect_max_s=60))
    policy: policy.Policy = field(default_factory=policy.Policy)
    home_lat: float = 0.0  # 0, 0 = not set: no before-arrival requests
    home_lon: float = 0.0
    lead_time_s: float = 600.0
    arrival_radius_m: float = 150.0
    trip_gap_s: float = 1800.0
    average_speed_kmh: float = 30.0
    eta_source: str = "auto"  # "auto" (road graph when installed), "route", "straight_line"
    retry_period_s: float = 5.0
    retry_max_period_s: float = 60.0
    outbox_size: int = 32
    outbox_max_age_s: float = 900.0

    @property
    def home(self) -> arrival.LatLon | None:
        if self.home_lat == 0.0 and self.home_lon == 0.0:
            return None
        if not arrival.valid_fix(self.home_lat, self.home_lon):
            raise HomeValueError(f"home place {self.home_lat},{self.home_lon} is not a position")
        return (self.home_lat, self.home_lon)


def settings_from_params(p: dict[str, Any]) -> HomeSettings:
    """The node's parameters (schema/home.schema.json keys) → HomeSettings."""
    password = p["password"]
    if p["password_file"]:
        try:
            password = Path(p["password_file"]).read_text().strip()
        except OSError as exc:
            raise HomeValueError(f"password_file {p['password_file']!r}: {exc}") from None
    broker = BrokerSettings(
        host=p["broker_host"], port=int(p["broker_port"]), username=p["username"],
        password=password, client_id=p["client_id"],
        topic_prefix=mqtt.check_prefix(p["topic_prefix"]), tls=bool(p["tls"]),
        tls_ca_file=p["tls_ca_file"], keepalive_s=int(p["keepalive_s"]),
        connect_timeout_s=float(p["connect_timeout_s"]),
        publish_timeout_s=float(p["publish_timeout_s"]),
        reconnect_min_s=max(1, int(p["retry_period_s"])),
        reconnect_max_s=max(1, int(p["retry_period_s"]), int(p["retry_max_period_s"])),
    )
    return HomeSettings(
        broker=broker,
        policy=policy.Policy(tuple(p["auto_devices"]), tuple(p["confirm_devices"])),
        home_lat=float(p["home_lat"]), home_lon=float(p["home_lon"]),
        lead_time_s=float(p["lead_time_s"]), arrival_radius_m=float(p["arrival_radius_m"]),
        trip_gap_s=float(p["trip_gap_s"]), average_speed_kmh=float(p["average_speed_kmh"]),
        eta_source=p["eta_source"], retry_period_s=float(p["retry_period_s"]),
        retry_max_period_s=float(p["retry_max_period_s"]), outbox_size=int(p["outbox_size"]),
        outbox_max_age_s=float(p["outbox_max_age_s"]),
    )


def eta_function(settings: HomeSettings) -> tuple[arrival.EtaFn, str]:
    """The ETA the settings ask for, and its name (for diagnostics)."""
    line = arrival.straight_line_eta(settings.average_speed_kmh)
    if settings.eta_source in ("auto", "route"):
        road = arrival.route_eta()
        if road is not None:
            def eta(here: arrival.LatLon, home: arrival.LatLon) -> float:
                try:
                    return float(road(here, home))
                except Exception as exc:  # off the map, no route: the straight line
                    log.debug("road ETA failed (%s); straight line", exc)
                    return line(here, home)

            return eta, "route (straight line off the map)"
        if settings.eta_source == "route":
            raise HomeValueError("eta_source 'route': cockpit_ai.route offers no eta_s here")
    return line, "straight_line"


@dataclass
class _Job:
    request: Request
    topic: str
    body: str
    eta_s: float = math.nan
    attempts: int = 0


def _gate_key(req: Request) -> str:
    """What "the same request" is for the once-per-trip rule."""
    return f"{req.device}/{req.action}/{req.value.strip().lower()}"


def away_text(eta_s: float) -> str:
    """"you're about 8 minutes away"."""
    if not math.isfinite(eta_s):
        return ""
    minutes = round(eta_s / 60.0)
    if eta_s < 30.0:
        return "you're almost home"
    if minutes <= 1:
        return "you're about a minute away"
    return f"you're about {minutes} minutes away"


class Home:
    """Takes requests and fixes, sends through ``link``, answers with :class:`Status` lists.

    Thread-safe (one lock): the node calls ``handle``, ``on_fix`` and ``tick`` from its
    callbacks. ``clock`` is monotonic seconds (the outbox's backoff and age).
    """

    def __init__(self, settings: HomeSettings, link: Publisher, *,
                 eta_s: arrival.EtaFn | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.settings = settings
        self.link = link
        self.clock = clock
        if eta_s is None:
            eta_s, self.eta_source = eta_function(settings)
        else:
            self.eta_source = "injected"
        self.gate = arrival.ArrivalGate(settings.home, eta_s,
                                        arrival_radius_m=settings.arrival_radius_m,
                                        trip_gap_s=settings.trip_gap_s)  # fmt: skip
        self.outbox = Outbox(size=settings.outbox_size, retry_s=settings.retry_period_s,
                             retry_max_s=settings.retry_max_period_s,
                             max_age_s=settings.outbox_max_age_s)  # fmt: skip
        self.counts = {"requests": 0, "sent": 0, "refused": 0, "needs_confirmation": 0,
                       "waiting": 0, "failed_retrying": 0, "failed": 0, "duplicates": 0}
        self.last_error = ""
        self._seen: OrderedDict[tuple[str, bool], None] = OrderedDict()
        self._lock = threading.RLock()

    # -- inputs ---------------------------------------------------------------------------
    def handle(self, req: Request) -> list[Status]:
        """A new request: refused, a question back, held for the arrival, or sent."""
        with self._lock:
            self.counts["requests"] += 1
            if req.request_id:
                key = (req.request_id, req.confirmed)
                if key in self._seen:  # the same request again (a resend, a replay)
                    self.counts["duplicates"] += 1
                    return []
                self._seen[key] = None
                while len(self._seen) > 512:
                    self._seen.popitem(last=False)
            decision = self.settings.policy.decide(req.device, req.action, req.value,
                                                   confirmed=req.confirmed)  # fmt: skip
            if decision.verdict is policy.Verdict.REFUSE:
                return [self._status(req, State.REFUSED, decision.text, "refused")]
            if decision.verdict is policy.Verdict.ASK:
                return [self._status(req, State.NEEDS_CONFIRMATION, decision.text,
                                     "needs_confirmation")]  # fmt: skip
            job = _Job(req, mqtt.command_topic(self.settings.broker.topic_prefix, req.device),
                       decision.body)  # fmt: skip
            # The newest wish for a device wins: an older one still waiting for the arrival
            # for it is dropped (a different setting; the same one is kept, "already on it").
            same = _gate_key(req)
            self.gate.cancel(lambda k: k.split("/")[0] == req.device and k != same)
            if req.when == When.BEFORE_ARRIVAL:
                return self._hold(job)
            return self._send(job)

    def on_fix(self, lat: float, lon: float, t: float) -> list[Status]:
        """A fix (``t``: its stamp, s): held requests whose lead time has come are sent."""
        with self._lock:
            out: list[Status] = []
            for released in self.gate.update(lat, lon, t):
                job: _Job = released.item
                job.eta_s = released.eta_s
                out += self._send(job)
            return out

    def tick(self) -> list[Status]:
        """Retry what the outbox holds (when due); give up on what is too old."""
        with self._lock:
            now = self.clock()
            due, expired = self.outbox.due(now)
            out = [self._gave_up(item.meta["job"], "I couldn't reach the home in time, so I "
                                 f"didn't {self._phrase(item.meta['job'])}.")
                   for item in expired]
            for item in due:
                job: _Job = item.meta["job"]
                job.attempts += 1
                item.attempts = job.attempts
                try:
                    self.link.publish(job.topic, job.body)
                except BrokerError as exc:
                    self.last_error = str(exc)
                    self.outbox.retry(item, now)
                    continue
                self.outbox.delivered()
                log.info("home command %s delivered after %d attempts", job.topic, job.attempts)
                out.append(self._sent(job))
            return out

    # -- helpers --------------------------------------------------------------------------
    def _hold(self, job: _Job) -> list[Status]:
        req = job.request
        lead = float(req.lead_time_s) if req.lead_time_s > 0 else self.settings.lead_time_s
        if self.gate.home is None:
            return [self._status(req, State.REFUSED, "I don't know where home is, so I can't "
                                 f"{self._phrase(job)} before you arrive; I'll need the home "
                                 "place set first.", "refused")]  # fmt: skip
        key = _gate_key(req)
        if not self.gate.add(key, lead, job):
            self.counts["duplicates"] += 1
            return [self._status(req, State.WAITING_FOR_ARRIVAL, "I'm already on it: I'll "
                                 f"{self._phrase(job)} before you arrive.", "waiting")]
        eta = self.gate.last_eta_s
        if math.isfinite(eta) and eta <= lead:  # already close: no need to wait for a fix
            self.gate.release(key)
            job.eta_s = eta
            return self._send(job)
        minutes = max(1, round(lead / 60.0))
        away = "a minute" if minutes == 1 else f"{minutes} minutes"
        return [self._status(req, State.WAITING_FOR_ARRIVAL,
                             f"I'll {self._phrase(job)} at home when you're about {away} "
                             "away.", "waiting", eta_s=eta)]  # fmt: skip

    def _send(self, job: _Job) -> list[Status]:
        # The newest wish for a device wins: an older command for it still waiting for the
        # broker must not arrive after this one ("heating on", then "off", broker down).
        self.outbox.remove(lambda p: p.meta["job"].request.device == job.request.device)
        job.attempts += 1
        try:
            self.link.publish(job.topic, job.body)
        except BrokerError as exc:
            self.last_error = str(exc)
            log.warning("home command %s not delivered: %s", job.topic, exc)
            item = Pending(job.request.request_id, job.topic, job.body, self.clock(),
                           attempts=job.attempts, meta={"job": job})  # fmt: skip
            try:
                self.outbox.add(item, self.clock())
            except OutboxFull as full:
                return [self._gave_up(job, f"I can't reach the home, and {full}; I didn't "
                                      f"{self._phrase(job)}.")]  # fmt: skip
            return [self._status(job.request, State.FAILED_RETRYING, UNREACHABLE_TEXT,
                                 "failed_retrying", attempts=job.attempts, eta_s=job.eta_s)]
        return [self._sent(job)]

    def _sent(self, job: _Job) -> Status:
        req = job.request
        if math.isfinite(job.eta_s):
            text = (f"I {policy.done(req.device, req.action, req.value)} at home, "
                    f"{away_text(job.eta_s)}.")  # fmt: skip
            text = text[0].upper() + text[1:]
        else:
            text = policy.state_text(req.device, req.action, req.value)
        return self._status(req, State.SENT, text, "sent", attempts=job.attempts,
                            eta_s=job.eta_s)  # fmt: skip

    def _gave_up(self, job: _Job, text: str) -> Status:
        return self._status(job.request, State.FAILED, text, "failed", attempts=job.attempts,
                            eta_s=job.eta_s)  # fmt: skip

    def _phrase(self, job: _Job) -> str:
        return policy.phrase(job.request.device, job.request.action, job.request.value)

    def _status(self, req: Request, state: State, text: str, counter: str, *,
                attempts: int = 0, eta_s: float = math.nan) -> Status:  # fmt: skip
        self.counts[counter] += 1
        return Status(req.request_id, req.device, req.action, state, text, attempts, eta_s)
