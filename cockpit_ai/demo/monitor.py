"""Watches the running stack during the demo: prints the conversation live and keeps a log
of every event with bag time and wall time, for the report and the regression test."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from cockpit_ai.demo import scenario as sc
from cockpit_ai.enums import FatigueLevel
from cockpit_ai.ros.stamps import stamp_to_s

LEVELS = {int(level): level.name for level in FatigueLevel}


@dataclass
class Event:
    """One thing that happened, at bag time ``t`` (s from the drive start) and wall time."""

    kind: str  # transcript, response, command, fatigue, landmarks, tts, home, home_status
    t: float
    wall: float
    data: dict[str, Any] = field(default_factory=dict)


class Monitor:
    """Subscribes to the stack's outputs under ``namespace`` through a Probe."""

    def __init__(self, probe: Any, namespace: str = sc.NAMESPACE, *, echo: bool = True) -> None:
        from cockpit_ai.msg import (
            AssistantResponse,
            AudioChunk,
            FatigueState,
            HomeCommand,
            HomeStatus,
            LandmarkArray,
            Transcript,
            VehicleCommand,
        )
        from cockpit_ai.ros import qos

        self.events: list[Event] = []
        self.fatigue: list[tuple[float, int, float, float]] = []  # t, level, score, perclos
        self.echo = echo
        self._lock = threading.Lock()
        self._t0 = sc.START.timestamp()
        self._last_level = -1
        self._tts_for: set[str] = set()
        self._last_response_id = ""
        node = probe.node
        ns = namespace.rstrip("/")
        node.create_subscription(Transcript, f"{ns}/transcript", self._on_transcript, qos.RELIABLE)
        node.create_subscription(AssistantResponse, f"{ns}/response", self._on_response,
                                 qos.RELIABLE)
        node.create_subscription(VehicleCommand, f"{ns}/vehicle_command", self._on_command,
                                 qos.RELIABLE)
        node.create_subscription(FatigueState, f"{ns}/fatigue_state", self._on_fatigue,
                                 qos.RELIABLE)
        # the home: requests from the planner, what the home node made of them
        node.create_subscription(HomeCommand, f"{ns}/home_command", self._on_home, qos.RELIABLE)
        node.create_subscription(HomeStatus, f"{ns}/home_status", self._on_home_status,
                                 qos.RELIABLE)
        self._home_states = {int(getattr(HomeStatus, n)): n for n in (
            "SENT", "WAITING_FOR_ARRIVAL", "NEEDS_CONFIRMATION", "FAILED_RETRYING", "FAILED",
            "REFUSED")}
        # Every answer of the landmark node, to the planner's search_landmarks calls too.
        node.create_subscription(LandmarkArray, f"{ns}/landmarks", self._on_landmarks,
                                 qos.RELIABLE)
        # Streamed answers: the TTS may speak a partial answer before the final response.
        node.create_subscription(AssistantResponse, f"{ns}/response/partial", self._on_partial,
                                 qos.RELIABLE)
        node.create_subscription(AudioChunk, f"{ns}/tts/audio", self._on_tts, qos.AUDIO)
        from sensor_msgs.msg import NavSatFix

        #: (wall time, bag time) of the first fix seen: maps bag time to wall time.
        self.clock_origin: tuple[float, float] | None = None
        node.create_subscription(NavSatFix, f"{ns}/fix", self._on_fix, qos.SENSOR)
        from diagnostic_msgs.msg import DiagnosticArray

        #: newest /diagnostics status per node (fully qualified name): level, message, values
        self.health: dict[str, dict[str, Any]] = {}
        node.create_subscription(DiagnosticArray, "/diagnostics", self._on_diagnostics, 50)

    def _t(self, stamp: Any) -> float:
        return stamp_to_s(stamp) - self._t0

    def _now_t(self, stamp: Any) -> float:
        """Bag time of a message stamped with the bag's time, or now (a node's own clock)."""
        t = self._t(stamp)
        if -60.0 < t < 86400.0 or self.clock_origin is None:
            return t
        wall, t0 = self.clock_origin
        return time.time() - wall + t0

    def _on_home(self, m: Any) -> None:
        when = "before arrival" if m.when == m.BEFORE_ARRIVAL else "now"
        self._add("home", self._now_t(m.header.stamp),
                  f"home request: {m.device} {m.action} {m.value} ({when})".replace("  ", " "),
                  request_id=m.request_id, device=m.device, action=m.action, value=m.value,
                  when=when, confirmed=bool(m.confirmed))

    def _on_home_status(self, m: Any) -> None:
        state = self._home_states.get(int(m.state), str(m.state))
        eta = f", ETA {m.eta_s:.0f} s" if m.eta_s == m.eta_s else ""  # NaN: unknown
        self._add("home_status", self._now_t(m.header.stamp),
                  f"home: {m.device} {state.lower()}{eta}: \"{m.text}\"",
                  request_id=m.request_id, device=m.device, action=m.action, state=state,
                  text=m.text, attempts=int(m.attempts),
                  eta_s=None if m.eta_s != m.eta_s else round(float(m.eta_s), 1))

    def _add(self, kind: str, t: float, line: str | None, **data: Any) -> None:
        with self._lock:
            self.events.append(Event(kind, t, time.time(), data))
        if self.echo and line:
            print(f"[{t:6.1f} s] {line}", flush=True)

    def _on_transcript(self, m: Any) -> None:
        if not m.is_final:
            return
        doubt = f", doubt: {m.doubt}" if m.doubt else ""
        self._add("transcript", self._t(m.header.stamp),
                  f"driver: \"{m.text}\"  (ASR {m.recognition_time_s:.2f} s{doubt})",
                  id=m.utterance_id, text=m.text, end_t=self._t(m.header.stamp)
                  + m.audio_duration_s, recognition_time_s=m.recognition_time_s,
                  confidence=round(float(m.confidence), 3), doubt=m.doubt,
                  missing_chunks=int(m.missing_chunks))

    def _on_response(self, m: Any) -> None:
        tag = "proactive" if m.proactive else m.backend
        self._last_response_id = m.request_id or f"proactive-{len(self.events)}"
        self._add("response", self._now_t(m.header.stamp),
                  f"co-pilot [{tag}, {m.latency_ms:.0f} ms]: \"{m.text}\"",
                  request_id=m.request_id, text=m.text, backend=m.backend,
                  latency_ms=m.latency_ms, tool_calls=list(m.tool_calls), proactive=m.proactive,
                  awaiting_confirmation=bool(m.awaiting_confirmation))

    def _on_command(self, m: Any) -> None:
        self._add("command", self._t(m.header.stamp),
                  f"vehicle command: {m.function} {m.action} {m.value} {m.unit} ({m.zone})",
                  request_id=m.request_id, function=m.function, action=m.action,
                  value=m.value, unit=m.unit, zone=m.zone)

    def _on_fatigue(self, m: Any) -> None:
        if m.header.stamp.sec == 0 and m.header.stamp.nanosec == 0:
            return  # "no image yet": not a moment of the drive
        t = self._t(m.header.stamp)
        with self._lock:
            self.fatigue.append((t, int(m.level), float(m.score), float(m.perclos)))
        if m.level_changed or int(m.level) != self._last_level:
            prev, self._last_level = self._last_level, int(m.level)
            if prev != -1 or m.level_changed:
                self._add("fatigue", t, f"fatigue: {LEVELS.get(int(m.level), m.level)} "
                          f"(score {m.score:.2f}, PERCLOS {m.perclos:.2f}, cues: "
                          f"{', '.join(m.cues) or 'none'})",
                          level=int(m.level), score=float(m.score), cues=list(m.cues))

    def _on_landmarks(self, m: Any) -> None:
        if not m.request_id:
            return
        self._add("landmarks", self._t(m.header.stamp), None, request_id=m.request_id,
                  names=[lm.name for lm in m.landmarks],
                  names_en=[lm.name_en or lm.name for lm in m.landmarks],
                  points=[(lm.latitude_deg, lm.longitude_deg, lm.name_en or lm.name)
                          for lm in m.landmarks[:3]])

    def _on_fix(self, m: Any) -> None:
        if self.clock_origin is None:
            self.clock_origin = (time.time(), self._t(m.header.stamp))

    def _on_partial(self, m: Any) -> None:
        """The first voice audio after a partial answer belongs to that answer."""
        if m.request_id:
            self._last_response_id = m.request_id

    def _on_tts(self, m: Any) -> None:
        rid = self._last_response_id
        if rid and rid not in self._tts_for:
            self._tts_for.add(rid)
            self._add("tts", self._t(m.header.stamp), None, request_id=rid)

    def _on_diagnostics(self, m: Any) -> None:
        with self._lock:
            for st in m.status:
                self.health[st.name] = {"level": int.from_bytes(st.level, "little")
                                        if isinstance(st.level, bytes) else int(st.level),
                                        "message": st.message,
                                        "values": {kv.key: kv.value for kv in st.values}}

    def node_health(self, suffix: str) -> dict[str, Any] | None:
        """The newest status of the node whose name ends with ``/suffix`` (None if unseen)."""
        with self._lock:
            for name, st in self.health.items():
                if name.endswith("/" + suffix):
                    return dict(st)
        return None

    def snapshot(self) -> list[dict[str, Any]]:
        """All events so far as plain dicts."""
        with self._lock:
            return [asdict(e) for e in self.events]
