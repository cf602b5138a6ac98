"""planner: the ROS shell around the planner core (``cockpit_ai.planner.planner.Planner``).

In: ``transcript`` (final ones), ``fatigue_state``,
``road/detections`` and ``cabin/detections``, ``odom`` (nav_msgs/Odometry: speed from the
twist; none yet or older than ``odom_timeout_s`` = unknown, which counts as moving). Out:
``response``, ``vehicle_command``, ``turn_active`` (std_msgs/Bool,
latched: true while a question is being answered, so the camera nodes can slow down).
Places and landmarks come from the landmark node's ``search_landmarks`` service (client).
Model generation runs in one worker thread, never in a callback; a question that arrives
while another is being answered is queued (bounded) or cancels the older one, as
``busy_policy`` says. A command from a doubtful transcript is asked back (the core decides).
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from typing import Any, TypeVar

from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
from rclpy.node import Node
from rclpy.parameter import Parameter

from cockpit_ai.enums import FatigueLevel, LandmarkStatus, Priority
from cockpit_ai.planner.errors import PlannerError
from cockpit_ai.planner.planner import (
    Context,
    Planner,
    Turn,
    TurnCounter,
    build_planner,
    transcript_doubt,
)
from cockpit_ai.planner.safety import SpeedTracker
from cockpit_ai.planner.tools import LandmarkRequest, Place
from cockpit_ai.ros import qos
from cockpit_ai.ros.diagnostics import ERROR, OK, WARN, Health
from cockpit_ai.ros.history import StampedHistory
from cockpit_ai.ros.params import declare_from_schema
from cockpit_ai.ros.run import NodeStartupError, run_node
from cockpit_ai.ros.stamps import ns_to_stamp, stamp_to_ns
from cockpit_ai.workers import BusyPolicy, Lane, TwoLaneWorker

NODE = "planner"


def config_from_params(p: dict[str, Any]) -> dict[str, Any]:
    """The planner core's config dict from the node's flat parameters."""
    allow: dict[str, Any] | None = None
    if p["climate_min_celsius"] or p["climate_max_celsius"]:
        from cockpit_ai.planner.safety import DEFAULT_ALLOW

        allow = {k: dict(v) for k, v in DEFAULT_ALLOW.items()}
        allow["climate"]["min_celsius"] = float(p["climate_min_celsius"])
        allow["climate"]["max_celsius"] = float(p["climate_max_celsius"])
    return {
        "brand": {"name": p["brand_name"], "wake_word": p["wake_word"], "tone": p["brand_tone"],
                  "language": p["language"],
                  "allowed_functions": list(p["allowed_functions"])},
        "model": p["model"], "model_path": p["model_path"], "n_threads": p["n_threads"],
        "n_ctx": p["n_ctx"], "max_tokens": p["max_tokens"], "fastpath": p["fastpath"],
        "fast_only": p["fast_only"], "history_turns": p["history_turns"],
        "landmark_timeout_s": p["landmark_timeout_s"],
        "break_reminder_s": p["break_reminder_s"],
        "fatigue_break_level": p["fatigue_break_level"], "history_db": p["history_db"],
        "confirm_timeout_s": p["confirm_timeout_s"],
        "cloud": {"enabled": p["cloud_enabled"], "base_url": p["cloud_base_url"],
                  "model": p["cloud_model"], "api_key_env": p["cloud_api_key_env"],
                  "budget_s": p["cloud_budget_s"], "cooldown_s": p["cloud_cooldown_s"],
                  "response_format": p["cloud_response_format"]},
        "privacy": {"position_grid_m": p["position_grid_m"], "audit_log": p["audit_log"],
                    "dialogue_ttl_s": p["dialogue_ttl_s"],
                    "history_retention_days": p["history_retention_days"]},
        "safety": {"allow": allow, "moving_mps": p["moving_mps"]},
    }


def place_from_msg(lm: Any) -> Place:
    """A Landmark message as the core's Place."""
    return Place(name=lm.name_en or lm.name, category=lm.category, distance_m=lm.distance_m,
                 bearing_deg=lm.bearing_deg, relative_bearing_deg=lm.relative_bearing_deg,
                 side=int(lm.side), open_now=int(lm.open_now), opening_hours=lm.opening_hours,
                 cuisine=lm.cuisine, diets=list(lm.diets), latitude_deg=lm.latitude_deg,
                 longitude_deg=lm.longitude_deg, id=lm.id)


T = TypeVar("T")


def _then(history: StampedHistory[T], stamp_ns: int) -> T | None:
    """The value at ``stamp_ns`` (the latest one when the stamp is 0 or from another clock)."""
    item = history.at(stamp_ns) if stamp_ns else None
    item = item or history.latest()
    return item[1] if item is not None else None


class PlannerNode(Node):
    """Transcripts in; answers, vehicle commands and landmark queries out."""

    def __init__(self, *, overrides: dict[str, Any] | None = None) -> None:
        super().__init__(NODE, parameter_overrides=[
            Parameter(k, value=v) for k, v in (overrides or {}).items()])
        from nav_msgs.msg import Odometry
        from std_msgs.msg import Bool

        from cockpit_ai.msg import (
            AssistantResponse,
            DetectionArray,
            FatigueState,
            LandmarkQuery,
            Transcript,
            VehicleCommand,
        )

        self._msgs = {"response": AssistantResponse, "command": VehicleCommand,
                      "query": LandmarkQuery, "bool": Bool}
        p = declare_from_schema(self, NODE)
        self.p = p
        self.health = Health(self)
        try:
            self.planner: Planner = build_planner(
                config_from_params(p), landmark_search=self._landmark_search,
                warm_up=bool(p["warm_up"]))
        except PlannerError as exc:
            raise NodeStartupError(f"planner: {exc}") from None
        self.health.set("model", p["model_path"] or p["model"])
        self.health.status(OK, "ready")

        self.pub_response = self.create_publisher(AssistantResponse, "response", qos.RELIABLE)
        self.pub_command = self.create_publisher(VehicleCommand, "vehicle_command", qos.RELIABLE)
        # Place and landmark search is a service of the landmark node (its one policy); the
        # client has its own callback group, so the executor delivers the response while the
        # core's worker thread waits on the future.
        from cockpit_ai.srv import SearchLandmarks

        self._search_type = SearchLandmarks
        self.landmark_client = self.create_client(
            SearchLandmarks, "search_landmarks",
            callback_group=MutuallyExclusiveCallbackGroup())
        self.pub_turn_active = self.create_publisher(Bool, "turn_active", qos.LATCHED)
        self.create_subscription(Transcript, "transcript", self._on_transcript, qos.RELIABLE)
        self.create_subscription(FatigueState, "fatigue_state", self._on_fatigue, qos.RELIABLE)
        self.create_subscription(DetectionArray, "road/detections",
                                 lambda m: self._on_detections("road", m), qos.RELIABLE)
        self.create_subscription(DetectionArray, "cabin/detections",
                                 lambda m: self._on_detections("cabin", m), qos.RELIABLE)
        # best effort matches reliable and best-effort publishers (bags, Autoware, drivers)
        self.create_subscription(Odometry, "odom", self._on_odom, qos.SENSOR)

        self._lock = threading.Lock()
        self._speed = SpeedTracker(timeout_s=float(p["odom_timeout_s"]))
        self._turns = TurnCounter()  # questions received and not yet answered (turn_active)
        # The world at each stamp: a question is answered with the speed, fatigue level and
        # camera labels of its own moment (its header stamp), not of the moment a busy worker
        # gets to it, so a replay gives the same answers on a loaded machine.
        self._speed_at: StampedHistory[float] = StampedHistory(120.0)
        self._fatigue_at: StampedHistory[int] = StampedHistory(120.0)
        self._objects_at: dict[str, StampedHistory[list[str]]] = {
            "road": StampedHistory(120.0), "cabin": StampedHistory(120.0)}
        # Two lanes, a thread each (cockpit_ai.workers): fast-path requests ("warmer", "find a
        # cafe", a yes/no, the break offer) never wait behind an LLM answer still being
        # generated; the model lane queues (bounded) or cancels the older question.
        self._lanes: TwoLaneWorker[tuple[str, Any, float], None] = TwoLaneWorker(
            self._process, slow_maxsize=int(p["queue_size"]),
            busy_policy=BusyPolicy(p["busy_policy"]), on_error=self._on_job_error,
            name="planner")
        with self._lock:
            self._publish_turn_active(False)
        self._lanes.start()

    # -- callbacks: store and hand over, never block --------------------------------------
    def _on_transcript(self, msg: Any) -> None:
        if not msg.is_final or not msg.text.strip():
            return
        if self.p["require_wake_word"] and not msg.wake_word_heard:
            self.health.count("ignored_no_wake_word")
            return
        self.health.count("transcripts")
        received = time.monotonic()
        fast = self._is_fast(msg.text)
        with self._lock:
            self._begin_turn()
            admitted = self._lanes.submit(("ask", msg, received), Lane.FAST if fast else Lane.SLOW)
            if admitted.cancelled:
                self.health.count("cancelled", admitted.cancelled)
            if admitted.dropped:
                self.health.count("dropped_questions", admitted.dropped)
            self._end_turn(admitted.cancelled + admitted.dropped)

    def _is_fast(self, text: str) -> bool:
        """Will the core answer this without the model (a yes/no to a question it asked, a
        refusal, the fast path)? Then it goes to the fast lane."""
        try:
            return self.planner.answers_without_model(text, str(self.p["session_id"]))
        except Exception:  # an unexpected parser failure: the model lane, as in the core
            return False

    # -- turn_active: true from a question's arrival until its answer is out -------------
    def _publish_turn_active(self, active: bool) -> None:
        self.pub_turn_active.publish(self._msgs["bool"](data=active))

    def _begin_turn(self) -> None:
        """Call with self._lock held."""
        if self._turns.begin():
            self._publish_turn_active(True)

    def _end_turn(self, n: int = 1) -> None:
        """Call with self._lock held; ``n`` questions answered, dropped or failed."""
        if self._turns.end(n):
            self._publish_turn_active(False)

    def _on_fatigue(self, msg: Any) -> None:
        level = int(msg.level)
        self._fatigue_at.add(stamp_to_ns(msg.header.stamp), level)
        if msg.level_changed and level >= self.p["fatigue_break_level"]:
            # no model involved: the break offer must not wait behind an LLM answer
            self._lanes.submit(("fatigue", msg, time.monotonic()), Lane.FAST)

    def _on_detections(self, camera: str, msg: Any) -> None:
        labels = sorted({d.class_name for d in msg.detections if d.class_name})
        self._objects_at[camera].add(stamp_to_ns(msg.header.stamp), labels)

    def _on_odom(self, msg: Any) -> None:
        v = msg.twist.twist.linear
        speed = math.sqrt(v.x * v.x + v.y * v.y + v.z * v.z)
        with self._lock:
            ok = self._speed.update(speed, now=time.monotonic())
        if not ok:
            self.health.count("bad_odom")
        else:
            self._speed_at.add(stamp_to_ns(msg.header.stamp), abs(speed))

    # -- landmark search: the search_landmarks service (called from the core's worker) ----
    def _landmark_search(self, req: LandmarkRequest) -> list[Place]:
        msg = self._msgs["query"]()
        request_id = req.request_id or uuid.uuid4().hex[:12]
        request_id = f"{request_id}-{uuid.uuid4().hex[:6]}"
        # The stamp of the question (audio time), not the wall clock: the landmark node judges
        # opening hours at this moment, so a replayed drive gets the answers of its own time.
        msg.header.stamp = (ns_to_stamp(req.stamp_ns) if req.stamp_ns
                            else self.get_clock().now().to_msg())
        msg.request_id = request_id
        msg.text = req.text
        msg.side = req.side
        msg.categories = list(req.categories)
        msg.diets = list(req.diets)
        msg.cuisine = req.cuisine
        msg.name_contains = req.name_contains
        msg.open_now = req.open_now
        msg.radius_m = float(req.radius_m)
        msg.limit = int(req.limit)
        msg.use_position = req.use_position
        msg.latitude_deg = req.latitude_deg
        msg.longitude_deg = req.longitude_deg
        msg.heading_deg = req.heading_deg
        timeout = float(self.p["landmark_timeout_s"])
        deadline = time.monotonic() + timeout
        client = self.landmark_client
        if not client.wait_for_service(timeout_sec=timeout):
            self.health.count("landmark_timeouts")
            raise PlannerError("no landmark node (search_landmarks service) to answer")
        future = client.call_async(self._search_type.Request(query=msg))
        done = threading.Event()
        future.add_done_callback(lambda _: done.set())
        if not done.wait(max(0.0, deadline - time.monotonic())) and not future.done():
            client.remove_pending_request(future)
            self.health.count("landmark_timeouts")
            raise PlannerError("no answer from the landmark node")
        response = future.result()
        if response is None:
            raise PlannerError("landmark node could not answer")
        answer = response.result
        if answer.status != LandmarkStatus.OK:
            raise PlannerError(answer.message or "landmark node could not answer")
        return [place_from_msg(lm) for lm in answer.landmarks]

    # -- the worker ---------------------------------------------------------------------
    def _process(self, job: tuple[str, Any, float], lane: Lane) -> None:
        """One job, in its lane's thread; a question's turn ends however it went."""
        kind, msg, received = job
        try:
            with self._lock:
                speed_now = self._speed.speed(now=time.monotonic())
            stamp = stamp_to_ns(msg.header.stamp)
            ctx = Context(speed_mps=speed_now, speed_then_mps=_then(self._speed_at, stamp),
                          fatigue_level=_then(self._fatigue_at, stamp) or 0,
                          session_id=str(self.p["session_id"]),
                          road_objects=list(_then(self._objects_at["road"], stamp) or []),
                          cabin_objects=list(_then(self._objects_at["cabin"], stamp) or []))
            ctx.stamp_ns = stamp
            self.health.set("speed", "unknown" if ctx.speed_mps is None
                            else f"{ctx.speed_mps:.1f} m/s")
            self._run(kind, msg, ctx, received, lane)
        finally:
            if kind == "ask":
                with self._lock:
                    self._end_turn()

    def _on_job_error(self, job: tuple[str, Any, float], exc: BaseException) -> None:
        self.get_logger().error(f"planner failed on {job[0]}: {exc}")
        self.health.count("errors")

    def _run(self, kind: str, msg: Any, ctx: Context, received: float, lane: Lane) -> None:
        """One job: the core's turn, then publish it (unless a newer question cancelled it)."""
        try:
            if kind == "ask":
                ctx.request_id = msg.utterance_id
                ctx.doubt = transcript_doubt(
                    doubt=msg.doubt, missing_chunks=int(msg.missing_chunks),
                    confidence=float(msg.confidence),
                    below_confidence=float(self.p["confirm_below_confidence"]))
                if ctx.doubt:
                    self.health.count("doubtful_transcripts")
                turn: Turn | None = self.planner.handle(msg.text, ctx)
            else:
                turn = self.planner.on_fatigue(int(msg.level), ctx)
        except Exception as exc:
            self.get_logger().error(f"planner failed on {kind}: {exc}")
            self.health.count("errors")
            self.health.status(ERROR, f"last turn failed: {exc}")
            return
        if turn is None:
            return
        # a newer question cancelled this one (busy_policy cancel; never in the fast lane)
        if kind == "ask" and self._lanes.cancelled(lane):
            self.health.count("cancelled")
            return
        self._publish(turn, msg, received, proactive=(kind == "fatigue"),
                      urgent=(kind == "fatigue" and int(msg.level) >= FatigueLevel.SEVERE))

    def _publish(self, turn: Turn, src: Any, received: float, *, proactive: bool,
                 urgent: bool) -> None:
        stamp = src.header.stamp
        request_id = "" if proactive else src.utterance_id
        for cmd in turn.commands:
            out = self._msgs["command"]()
            out.header.stamp = stamp
            out.header.frame_id = "base_link"
            out.request_id = request_id
            out.function, out.action, out.value = cmd.function, cmd.action, cmd.value
            out.unit, out.zone = cmd.unit, cmd.zone
            out.vehicle_speed_mps = float(cmd.vehicle_speed_mps)
            self.pub_command.publish(out)
            self.health.count("commands")
        resp = self._msgs["response"]()
        resp.header.stamp = stamp
        resp.request_id = request_id
        resp.text = turn.text
        resp.language = turn.language
        resp.backend = turn.backend
        resp.latency_ms = float((time.monotonic() - received) * 1000)
        resp.tool_calls = [c.name for c in turn.tool_calls]
        resp.proactive = proactive or turn.proactive
        resp.awaiting_confirmation = turn.awaiting_confirmation
        resp.priority = Priority.URGENT if urgent else Priority.NORMAL
        self.pub_response.publish(resp)
        self.health.count(f"answers_{turn.backend}")
        for event in turn.confirmation:  # asked, accepted, declined, expired, replaced, unclear
            self.health.count(f"confirmations_{event}")
        self.health.set("last_latency_ms", f"{resp.latency_ms:.0f}")
        if turn.fallback_reason:
            self.health.status(WARN, f"cloud unavailable: {turn.fallback_reason}")
        for reason in turn.refused:
            self.get_logger().info(f"refused: {reason}")
            self.health.count("refused")
        self.health.count("speed_unknown_refusals", turn.refused_codes.count("speed_unknown"))

    def close(self) -> None:
        self._lanes.stop(timeout=5)
        self.planner.close()


def main(args: list[str] | None = None) -> int:
    """Entry point of the ``planner_node`` executable."""
    return run_node(PlannerNode, args=args)
