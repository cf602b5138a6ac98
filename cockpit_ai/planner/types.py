"""What a planner turn takes and gives: the vehicle's context and the answer."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from cockpit_ai.planner.scene import SeenObject
from cockpit_ai.planner.tools import (
    LandmarkRequest,
    Place,
    ToolCall,
    VehicleCommand,
    vehicle_command,
)

LandmarkSearch = Callable[[LandmarkRequest], list[Place]]
#: The drive from one position to another: (distance_m, duration_s), or None (no route).
RouteEta = Callable[[tuple[float, float], tuple[float, float]], "tuple[float, float] | None"]


def transcript_doubt(*, doubt: str = "", missing_chunks: int = 0, confidence: float = 1.0,
                     below_confidence: float = 0.0) -> str:
    """Why a transcript is not to be trusted with a command ("" = it is).

    The speech node's own reason wins; then lost audio inside the utterance; then a
    recogniser confidence under ``below_confidence`` (0 = never doubt on confidence)."""
    if doubt.strip():
        return doubt.strip()
    if missing_chunks > 0:
        return "audio gap"
    if not math.isfinite(confidence) or confidence < below_confidence:
        return "low confidence"
    return ""


@dataclass
class Context:
    """What the vehicle knows when the question is asked."""

    latitude_deg: float | None = None
    longitude_deg: float | None = None
    heading_deg: float = 0.0
    # None = unknown (no odometry, or too old): the safety gate treats the car as moving
    speed_mps: float | None = None
    # the speed at the moment of the question, for what the co-pilot says (a replayed drive
    # says the same however late a busy worker answers); None = say ``speed_mps``
    speed_then_mps: float | None = None
    time: datetime | None = None
    session_id: str = "cabin"
    request_id: str = ""
    # ROS stamp (ns) of the question; landmark queries carry it, so a replayed drive judges
    # opening hours at the recorded moment. 0 = now.
    stamp_ns: int = 0
    fatigue_level: int = 0
    road_objects: list[str] = field(default_factory=list)
    cabin_objects: list[str] = field(default_factory=list)
    # why the words may be misheard ("audio gap", "low confidence", "hallucination-like");
    # "" = sure. A command from a doubtful utterance is asked back, never sent at once.
    doubt: str = ""
    # the answer so far while the model writes it (an action's feedback); None = not wanted
    on_partial: Callable[[str], None] | None = None
    # true once the question is withdrawn (a cancelled goal, a newer question, a stopped
    # node): generation stops between chunks and the turn comes back ``cancelled``
    cancelled: Callable[[], bool] | None = None

    # the car's position for routes, ETAs and habits (the planner node's own good fix);
    # landmark searches keep the landmark node's fix and heading unless latitude_deg is set
    here: tuple[float, float] | None = None
    # what the road camera sees now, with bearings (planner/scene.py): only objects of a
    # frame at most detection_max_age_s older than the question
    road_seen: list[SeenObject] = field(default_factory=list)

    def position(self) -> tuple[float, float] | None:
        """Where the car is, for a route or a habit: ``here``, else latitude/longitude."""
        if self.here is not None:
            return self.here
        if self.latitude_deg is not None and self.longitude_deg is not None:
            return (self.latitude_deg, self.longitude_deg)
        return None

    def is_cancelled(self) -> bool:
        """Whether the question was withdrawn (False without a ``cancelled`` hook)."""
        return self.cancelled is not None and bool(self.cancelled())


@dataclass
class HomeRequest:
    """A smart-home request for the home node (msg/HomeCommand.msg), never the vehicle bus.

    ``when`` is "now" or "before_arrival" (the home node waits until the ETA to the home
    place falls below its lead time); ``confirmed``: the driver said yes to it (devices the
    home policy does not automate without asking, e.g. the garage door)."""

    device: str
    action: str
    value: str = ""
    when: str = "now"
    confirmed: bool = False
    request_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Turn:
    """The planner's answer to one utterance."""

    text: str
    backend: str  # "fastpath", "edge", "cloud" or "none"
    latency_ms: float
    tool_calls: list[ToolCall] = field(default_factory=list)
    commands: list[VehicleCommand] = field(default_factory=list)
    home_requests: list[HomeRequest] = field(default_factory=list)  # to home_command
    landmark_queries: list[LandmarkRequest] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    proactive: bool = False
    language: str = "en"
    model_text: str = ""
    fallback_reason: str = ""
    # "Did you mean ...?": commands held until a clear yes (none in ``commands``)
    awaiting_confirmation: bool = False
    # what happened to a question asked back: "asked", "accepted", "declined", "expired",
    # "replaced" (a new request), "unclear" (a doubtful yes, asked again)
    confirmation: list[str] = field(default_factory=list)
    refused_codes: list[str] = field(default_factory=list)  # SafetyGate Verdict.code per refusal
    held: list[ToolCall] = field(default_factory=list)  # the calls asked back, not sent
    # withdrawn before it was done (Context.cancelled): nothing to say or send, and the
    # dialogue does not remember it
    cancelled: bool = False
    # parts of latency_ms (ms from the start of handle()): deciding the route (never-list,
    # fast path, free-text router); the model's first token (None: no model ran); the
    # moment the first whole sentence of the answer was known (a template answer: all of it)
    route_ms: float = 0.0
    first_token_ms: float | None = None
    first_sentence_ms: float | None = None
    # the text is already in the brand's language (a shared text read out, a summary)
    localised: bool = False
    # why a place search could not be made ("no_fix", "unavailable"; "" = it was, or
    # another error): the answer says so (answers.search_failed)
    search_failure: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.text,
            "backend": self.backend,
            "latency_ms": round(self.latency_ms, 1),
            "route_ms": round(self.route_ms, 1),
            "first_token_ms": _ms(self.first_token_ms),
            "first_sentence_ms": _ms(self.first_sentence_ms),
            "tool_calls": [c.name for c in self.tool_calls],
            "tools": [c.to_dict() for c in self.tool_calls],
            "commands": [c.to_dict() for c in self.commands],
            "home_requests": [h.to_dict() for h in self.home_requests],
            "landmark_queries": [q.to_dict() for q in self.landmark_queries],
            "places": [asdict(p) for p in self.places],
            "refused": list(self.refused),
            "proactive": self.proactive,
            "language": self.language,
            "fallback_reason": self.fallback_reason,
            "awaiting_confirmation": self.awaiting_confirmation,
            "held": [vehicle_command(c).to_dict() for c in self.held],
            "confirmation": list(self.confirmation),
        }


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


class TurnCounter:
    """Questions in flight (received, not yet answered) for the node's ``turn_active``: true
    from the first arrival until the last answer is out, across both lanes. Not locked:
    the node calls it under its own lock."""

    def __init__(self) -> None:
        self.in_flight = 0

    def begin(self) -> bool:
        """One question arrived; True when this makes a turn active (publish true)."""
        self.in_flight += 1
        return self.in_flight == 1

    def end(self, n: int = 1) -> bool:
        """``n`` questions answered, dropped or failed; True when none is left (publish
        false)."""
        if n <= 0 or self.in_flight == 0:
            return False
        self.in_flight = max(0, self.in_flight - n)
        return self.in_flight == 0
