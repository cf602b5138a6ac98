"""planner: the ROS shell around the planner core (``cockpit_ai.planner.planner.Planner``).

In: ``transcript`` (final ones), ``fatigue_state``,
``road/detections`` and ``cabin/detections``, ``odom`` (nav_msgs/Odometry: speed from the
twist; none yet or older than ``odom_timeout_s`` = unknown, which counts as moving), ``fix``
(the car's position for routes and habits, never given to a model), ``home_status`` (what
became of a home request: said when the driver should hear it), ``trips/event`` (a trip's
start: the usual destination is offered once). Out: ``home_command``
(HomeCommand: smart-home requests, "before I arrive" kept, never on the vehicle bus),
``response``, ``response/partial`` (the answer so far, cut at its last complete sentence,
one message per new sentence, same request_id as the final; off with ``stream_partials``:
``response`` keeps exactly one final answer per question), ``vehicle_command``,
``turn_active`` (std_msgs/Bool, latched: true while a question is being answered, so the
camera nodes can slow down).
Places and landmarks come from the landmark node's ``search_landmarks`` service (client).
The ``planner_turn`` action (cockpit_ai/PlannerTurn) asks one question the same way as a
transcript (same lanes, core and dialogue session): the answer so far as feedback, the
AssistantResponse as result (also published on ``response``), cancel stops generation and
publishes nothing.
Model generation runs in one worker thread, never in a callback; a question that arrives
while another is being answered is queued (bounded) or cancels the older one, as
``busy_policy`` says. A command from a doubtful transcript is asked back (the core decides).

A managed node (:class:`~cockpit_ai.ros.managed.ManagedNode`): ``configure`` loads the
model and creates the publishers and the action server, ``activate`` subscribes and starts
the lanes (``turn_active`` false, latched), ``deactivate`` stops them (work still waiting or
being generated is withdrawn, counted and logged, its goals aborted), ``cleanup`` frees the
model. With ``autostart`` (default) it does configure and activate itself.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, TypeVar

from rclpy.action import ActionServer, CancelResponse, GoalResponse
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
from rclpy.task import Future

from cockpit_ai.brand import BrandError, load_brand
from cockpit_ai.enums import FatigueLevel, LandmarkStatus, Priority
from cockpit_ai.landmark.geometry import check_fix
from cockpit_ai.landmark.hours import local_time
from cockpit_ai.planner.documents import DocumentError
from cockpit_ai.planner.errors import LandmarkUnavailable, PlannerError
from cockpit_ai.planner.planner import (
    Context,
    HomeRequest,
    Planner,
    Turn,
    TurnCounter,
    build_planner,
    transcript_doubt,
)
from cockpit_ai.planner.proactive import Sight
from cockpit_ai.planner.safety import SpeedTracker
from cockpit_ai.planner.scene import SeenObject, camera_side, fresh, seen_objects
from cockpit_ai.planner.tools import LandmarkRequest, Place
from cockpit_ai.ros import qos
from cockpit_ai.ros.diagnostics import ERROR, OK, WARN, Health
from cockpit_ai.ros.history import StampedHistory
from cockpit_ai.ros.managed import ManagedNode
from cockpit_ai.ros.run import NodeStartupError, run_node
from cockpit_ai.ros.stamps import ns_to_stamp, stamp_to_ns
from cockpit_ai.speech.sentences import PartialCutter
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
        # name, wake words, tone, language, allowed functions: the brand's one file
        "brand": load_brand(p["brand"]).planner_brand(),
        "model": p["model"], "model_path": p["model_path"], "n_threads": p["n_threads"],
        "n_ctx": p["n_ctx"], "max_tokens": p["max_tokens"], "fastpath": p["fastpath"],
        "fast_only": p["fast_only"], "history_turns": p["history_turns"],
        "landmark_timeout_s": p["landmark_timeout_s"],
        "break_reminder_s": p["break_reminder_s"],
        "fatigue_break_level": p["fatigue_break_level"], "history_db": p["history_db"],
        "profile_db": p["profile_db"],
        "confirm_timeout_s": p["confirm_timeout_s"],
        "trip_offer_min_probability": p["trip_offer_min_probability"],
        "severe_repeat_s": p["severe_repeat_s"], "proactive_remarks": p["proactive_remarks"],
        "remark_interval_s": p["remark_interval_s"],
        "remark_max_distance_m": p["remark_max_distance_m"],
        "detection_max_age_s": p["detection_max_age_s"],
        "cloud": {"enabled": p["cloud_enabled"], "base_url": p["cloud_base_url"],
                  "model": p["cloud_model"], "api_key_env": p["cloud_api_key_env"],
                  "budget_s": p["cloud_budget_s"], "cooldown_s": p["cloud_cooldown_s"],
                  "response_format": p["cloud_response_format"]},
        "privacy": {"position_grid_m": p["position_grid_m"], "audit_log": p["audit_log"],
                    "audit_retention_days": p["audit_retention_days"], "driver": p["driver"],
                    "consent_db": p["consent_db"], "poi_db": p["cloud_poi_db"],
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


def sight_from_msg(lm: Any) -> Sight:
    """A nearby Landmark message as a remark's Sight (its start_date from the tags)."""
    tags = dict(zip(lm.tag_keys, lm.tag_values, strict=False))
    return Sight(id=lm.id, name=lm.name_en or lm.name,
                 relative_bearing_deg=float(lm.relative_bearing_deg),
                 distance_m=float(lm.distance_m), category=lm.category,
                 start_date=tags.get("start_date", ""))


def camera_labels(objects: list[SeenObject]) -> list[str]:
    """The road camera's objects for the model's context: "bus (right)", "car (ahead)"."""
    labels = []
    for o in objects:
        side = camera_side(o.bearing_deg)
        label = f"{o.class_name} ({side})" if side else o.class_name
        if label not in labels:
            labels.append(label)
    return labels


T = TypeVar("T")


def _then(history: StampedHistory[T], stamp_ns: int) -> T | None:
    """The value at ``stamp_ns`` (the latest one when the stamp is 0 or from another clock)."""
    item = history.at(stamp_ns) if stamp_ns else None
    item = item or history.latest()
    return item[1] if item is not None else None


def position_then(history: StampedHistory[tuple[float, float]], stamp_ns: int, *,
                  received_age_s: float | None, limit_s: float) -> tuple[float, float] | None:
    """The car's position at a question's stamp, or None when it is not known: the newest
    good fix not after the stamp and at most ``limit_s`` older than it; for a stamp of
    another clock (or none), the newest fix. Never when the newest good fix arrived more
    than ``limit_s`` ago (``received_age_s``; None: never one): GNSS lost means position
    unknown, not the place the car has left."""
    if received_age_s is None or received_age_s > limit_s:
        return None
    then = history.at(stamp_ns) if stamp_ns else None
    if then is not None:
        return then[1] if (stamp_ns - then[0]) / 1e9 <= limit_s else None
    latest = history.latest()
    return latest[1] if latest is not None else None


@dataclass(eq=False)
class _Goal:
    """A ``planner_turn`` goal on its way through the lanes; the executor awaits ``done``."""

    handle: Any  # rclpy ServerGoalHandle
    request_id: str
    text: str
    speed_mps: float  # NaN: from odometry, as for a transcript
    labels: list[str]  # empty: the camera labels of its moment
    stamp: Any  # builtin_interfaces/Time of its arrival (the answer's stamp)
    done: Future[tuple[str, Any]] = field(default_factory=Future)  # (outcome, response)
    said: str = ""  # the last partial answer sent as feedback

    def cancel_requested(self) -> bool:
        return bool(self.handle.is_cancel_requested)


@dataclass(eq=False)
class _Job:
    """One piece of work for the lanes."""

    kind: str  # "ask" (a transcript), "goal", "fatigue", "home_status", "trip", "nearby"
    msg: Any  # the Transcript, the _Goal, the FatigueState, HomeStatus, TripEvent or the
    # LandmarkArray of landmarks/nearby
    received: float  # time.monotonic() at arrival (latency_ms)
    lanes: TwoLaneWorker[_Job, None]

    @property
    def goal(self) -> _Goal | None:
        return self.msg if self.kind == "goal" else None

    @property
    def question(self) -> bool:
        """A question opens a turn (turn_active) and can be withdrawn; a break offer, a home
        status or a trip event not."""
        return self.kind in ("ask", "goal")

    @property
    def stamp(self) -> Any:
        return self.msg.stamp if self.kind == "goal" else self.msg.header.stamp


class PlannerNode(ManagedNode):
    """Transcripts and planner_turn goals in; answers and vehicle commands out (managed)."""

    def __init__(self, *, overrides: dict[str, Any] | None = None) -> None:
        super().__init__(NODE, overrides=overrides)
        from std_msgs.msg import Bool

        from cockpit_ai.action import PlannerTurn
        from cockpit_ai.msg import (
            AssistantResponse,
            HomeCommand,
            LandmarkArray,
            LandmarkQuery,
            VehicleCommand,
        )

        self._msgs = {"response": AssistantResponse, "command": VehicleCommand,
                      "query": LandmarkQuery, "bool": Bool, "home": HomeCommand,
                      "nearby": LandmarkArray}
        self._action = PlannerTurn
        p = self.p
        self.health = Health(self)
        self.health.set("model", p["model_path"] or p["model"])
        self.planner: Planner | None = None
        self.pub_response: Any = None
        self.pub_partial: Any = None
        self.pub_command: Any = None
        self.pub_home: Any = None
        # home requests sent, by (request_id, device): what a later HomeStatus is about
        self._home_sent: OrderedDict[tuple[str, str], HomeRequest] = OrderedDict()
        self.pub_turn_active: Any = None
        self.landmark_client: Any = None
        self.action_server: ActionServer | None = None
        self._subs: list[Any] = []
        self._lanes: TwoLaneWorker[_Job, None] | None = None

        self._lock = threading.Lock()
        self._speed = SpeedTracker(timeout_s=float(p["odom_timeout_s"]))
        self._turns = TurnCounter()  # questions received and not yet answered (turn_active)
        # The world at each stamp: a question is answered with the speed, fatigue level and
        # camera labels of its own moment (its header stamp), not of the moment a busy worker
        # gets to it, so a replay gives the same answers on a loaded machine.
        self._speed_at: StampedHistory[float] = StampedHistory(120.0)
        self._fatigue_at: StampedHistory[int] = StampedHistory(120.0)
        # the car's position (good fixes only) for routes and habits; never sent to a model
        self._fix_at: StampedHistory[tuple[float, float]] = StampedHistory(120.0)
        self._fix_received: float | None = None  # monotonic time of the newest good fix
        self._objects_at: dict[str, StampedHistory[list[str]]] = {
            "road": StampedHistory(120.0), "cabin": StampedHistory(120.0)}
        # the road camera's objects with their bearings, per frame (planner/scene.py)
        self._seen_at: StampedHistory[list[SeenObject]] = StampedHistory(120.0)
        # someone speaking (speech_active), the co-pilot talking (tts/active): no remark
        self._speaking = False
        self._talking = False
        self._fatigue_last: int | None = None  # the last level handed to the core
        # Accepted goals not yet finished, under their own lock: a lane may drop a goal (its
        # on_drop) while _submit holds self._lock.
        self._goals: set[_Goal] = set()
        self._goals_lock = threading.Lock()
        # The executor resumes a waiting coroutine (a goal's execute) when it wakes up; a
        # worker thread that ends a goal wakes it with this at once.
        self._wake = self.create_guard_condition(lambda: None)
        self.health.status(OK, "unconfigured")

    # -- lifecycle (ManagedNode) ----------------------------------------------------------
    def load(self) -> None:
        p = self.p
        try:
            self.planner = build_planner(
                config_from_params(p), landmark_search=self._landmark_search,
                warm_up=bool(p["warm_up"]))
        except (PlannerError, BrandError) as exc:
            raise NodeStartupError(f"planner: {exc}") from None
        try:  # the street graph for navigation answers, loaded now, not at the first request
            from cockpit_ai.route.graph import default_graph

            default_graph()
        except Exception as exc:  # answers then come without distance and time
            self.get_logger().warning(f"planner: no street graph ({exc}); navigation "
                                      "answers give no distance or time")
            self.health.set("street_graph", "unavailable")
        # Plain publishers, not lifecycle ones: an answer that was already being worked on
        # when the node deactivates still goes out (nothing accepted is dropped unseen).
        self.pub_response = self.create_publisher(self._msgs["response"], "response",
                                                  qos.RELIABLE)
        self.pub_partial = self.create_publisher(self._msgs["response"], "response/partial",
                                                 qos.RELIABLE)
        self.pub_command = self.create_publisher(self._msgs["command"], "vehicle_command",
                                                 qos.RELIABLE)
        self.pub_turn_active = self.create_publisher(self._msgs["bool"], "turn_active",
                                                     qos.LATCHED)
        # smart-home requests go to the home node, never onto the vehicle bus
        self.pub_home = self.create_publisher(self._msgs["home"], "home_command", qos.RELIABLE)
        # Place and landmark search is a service of the landmark node (its one policy); the
        # client has its own callback group, so the executor delivers the response while the
        # core's worker thread waits on the future.
        from cockpit_ai.srv import SearchLandmarks

        self._search_type = SearchLandmarks
        self.landmark_client = self.create_client(
            SearchLandmarks, "search_landmarks",
            callback_group=MutuallyExclusiveCallbackGroup())
        self.health.status(OK, "configured (inactive)")

    def start(self) -> None:
        from nav_msgs.msg import Odometry
        from sensor_msgs.msg import NavSatFix

        from cockpit_ai.msg import (
            DetectionArray,
            FatigueState,
            HomeStatus,
            SharedText,
            Transcript,
            TripEvent,
        )

        p = self.p
        # Two lanes, a thread each (cockpit_ai.workers): fast-path requests ("warmer", "find a
        # cafe", a yes/no, the break offer) never wait behind an LLM answer still being
        # generated; the model lane queues (bounded) or cancels the older question.
        self._lanes = TwoLaneWorker(
            self._process, slow_maxsize=int(p["queue_size"]),
            busy_policy=BusyPolicy(p["busy_policy"]), on_error=self._on_job_error,
            on_drop=self._on_dropped, name="planner").start()
        with self._lock:
            self._turns = TurnCounter()
            self._publish_turn_active(False)
        self._subs = [
            self.create_subscription(Transcript, "transcript", self._on_transcript,
                                     qos.RELIABLE),
            self.create_subscription(FatigueState, "fatigue_state", self._on_fatigue,
                                     qos.RELIABLE),
            self.create_subscription(DetectionArray, "road/detections",
                                     lambda m: self._on_detections("road", m), qos.RELIABLE),
            self.create_subscription(DetectionArray, "cabin/detections",
                                     lambda m: self._on_detections("cabin", m), qos.RELIABLE),
            # best effort matches reliable and best-effort publishers (bags, Autoware, drivers)
            self.create_subscription(Odometry, "odom", self._on_odom, qos.MOTION),
            self.create_subscription(NavSatFix, "fix", self._on_fix, qos.MOTION),
            # proactive remarks: the notable places near the car, and who is talking
            self.create_subscription(self._msgs["nearby"], "landmarks/nearby",
                                     self._on_nearby, qos.RELIABLE),
            self.create_subscription(self._msgs["bool"], "speech_active",
                                     lambda m: self._on_talk("speaking", m), qos.RELIABLE),
            self.create_subscription(self._msgs["bool"], "tts/active",
                                     lambda m: self._on_talk("talking", m), qos.LATCHED),
            self.create_subscription(HomeStatus, "home_status",
                                     lambda m: self._on_proactive("home_status", m),
                                     qos.RELIABLE),
            self.create_subscription(TripEvent, "trips/event",
                                     lambda m: self._on_proactive("trip", m), qos.RELIABLE),
            # a text from the cabin screen or a phone: kept, read out or summarised on request
            self.create_subscription(SharedText, "shared_text", self._on_shared_text,
                                     qos.RELIABLE),
        ]
        # The action server appears at the first activation and stays until the node ends
        # (rclpy has no lifecycle action server): goals are taken while active and rejected
        # otherwise (_on_goal). Destroying it at deactivate raced the executor building its
        # wait set in another thread ("action server pointer is invalid": the node died).
        # Its execute callback is a coroutine awaiting its job: it holds no executor thread
        # while the model writes.
        if self.action_server is None:
            self.action_server = ActionServer(
                self, self._action, "planner_turn", execute_callback=self._execute,
                goal_callback=self._on_goal, cancel_callback=self._on_cancel,
                callback_group=ReentrantCallbackGroup())
        self.health.status(OK, "ready")

    def stop(self) -> None:
        for sub in self._subs:
            self.destroy_subscription(sub)
        self._subs = []
        lanes, self._lanes = self._lanes, None
        if lanes is None:
            return
        lanes.stop(timeout=5.0)  # an answer being generated sees running false and stops
        waiting = sum(lanes.lanes[lane].pending for lane in Lane)
        if waiting:
            self.health.count("withdrawn_at_stop", waiting)
            self.get_logger().warning(
                f"planner: deactivated with {waiting} request(s) not yet answered")
        with self._lock:
            self._end_turn(self._turns.in_flight)
        with self._goals_lock:
            goals = list(self._goals)
        for goal in goals:
            self._finish(goal, "aborted")
        if self.planner is not None:
            self.health.status(OK, "configured (inactive)")

    def unload(self) -> None:
        for pub in (self.pub_response, self.pub_partial, self.pub_command,
                    self.pub_turn_active, self.pub_home):
            if pub is not None:
                self.destroy_publisher(pub)
        self.pub_response = self.pub_partial = self.pub_command = self.pub_turn_active = None
        self.pub_home = None
        client, self.landmark_client = self.landmark_client, None
        if client is not None:
            self.destroy_client(client)
        planner, self.planner = self.planner, None
        if planner is not None:
            planner.close()
        self.health.status(OK, "unconfigured")

    def close(self) -> None:
        super().close()
        self.unload()
        server, self.action_server = self.action_server, None
        if server is not None:  # the executor has stopped: safe to destroy now
            server.destroy()

    # -- callbacks: store and hand over, never block --------------------------------------
    def _on_transcript(self, msg: Any) -> None:
        if not msg.is_final or not msg.text.strip():
            self.health.count("transcripts_ignored")  # partial or empty: nothing to answer
            return
        if self.p["require_wake_word"] and not msg.wake_word_heard:
            self.health.count("ignored_no_wake_word")
            return
        self.health.count("transcripts")
        self._submit("ask", msg, msg.text)

    def _submit(self, kind: str, msg: Any, text: str) -> bool:
        """A question into its lane (fast when the core needs no model); False when the node
        is not active. Opens its turn; what the lane dropped for it is counted."""
        lanes = self._lanes
        if lanes is None:
            return False
        job = _Job(kind, msg, time.monotonic(), lanes)
        fast = self._is_fast(text)
        with self._lock:
            self._begin_turn()
            admitted = lanes.submit(job, Lane.FAST if fast else Lane.SLOW)
            if admitted.cancelled:
                self.health.count("cancelled", admitted.cancelled)
            if admitted.dropped:
                self.health.count("dropped_questions", admitted.dropped)
            self._end_turn(admitted.cancelled + admitted.dropped)
        return True

    def _is_fast(self, text: str) -> bool:
        """Will the core answer this without the model (a yes/no to a question it asked, a
        refusal, the fast path)? Then it goes to the fast lane."""
        planner = self.planner
        if planner is None:
            return False
        try:
            return planner.answers_without_model(text, str(self.p["session_id"]))
        except Exception:  # an unexpected parser failure: the model lane, as in the core
            return False

    # -- the planner_turn action ----------------------------------------------------------
    def _on_goal(self, request: Any) -> GoalResponse:
        """Goals are taken while the node is active; refused (not lost) otherwise."""
        if not self.running or self._lanes is None:
            self.health.count("goals_rejected")
            return GoalResponse.REJECT
        return GoalResponse.ACCEPT

    def _on_cancel(self, handle: Any) -> CancelResponse:
        """Always accepted: the job sees it (before it starts, or between model chunks)."""
        return CancelResponse.ACCEPT

    async def _execute(self, handle: Any) -> Any:
        """One goal through the same path as a transcript; the executor thread is free while
        it waits (a coroutine)."""
        req = handle.request
        goal = _Goal(handle=handle, request_id=req.request_id or uuid.uuid4().hex[:12],
                     text=req.text, speed_mps=float(req.speed_mps), labels=list(req.labels),
                     stamp=self.get_clock().now().to_msg())
        self.health.count("goals")
        with self._goals_lock:
            self._goals.add(goal)
        if not self._submit("goal", goal, goal.text):
            self._finish(goal, "aborted")  # deactivated between accept and execute
        outcome, response = (await goal.done) or ("aborted", None)
        result = self._action.Result()
        if response is not None:
            result.response = response
        else:
            result.response.request_id = goal.request_id
            result.response.header.stamp = goal.stamp
        if outcome == "succeeded":
            handle.succeed()
        elif outcome == "canceled" and handle.is_cancel_requested:
            handle.canceled()
        else:
            self.get_logger().info(f"planner: goal {goal.request_id} aborted ({outcome})")
            handle.abort()
        return result

    def _feedback(self, goal: _Goal, text: str) -> None:
        """The answer so far, as the goal's feedback (each time it changes)."""
        if text == goal.said:
            return
        goal.said = text
        try:
            goal.handle.publish_feedback(self._action.Feedback(partial_answer=text))
        except Exception as exc:  # the goal ended meanwhile (node stopped): nothing to tell
            self.get_logger().debug(f"planner: feedback for {goal.request_id} lost: {exc}")

    def _finish(self, goal: _Goal, outcome: str, response: Any = None) -> None:
        """End a goal once ("succeeded", "canceled", "aborted"); later calls do nothing."""
        with self._goals_lock:
            if goal not in self._goals:
                return
            self._goals.discard(goal)
        goal.done.set_result((outcome, response))
        self._wake.trigger()

    def _on_dropped(self, job: _Job) -> None:
        """The model lane dropped a job by ``busy_policy`` (a full lane, a newer question):
        a goal among them ends now (its turn is counted by ``_submit``)."""
        goal = job.goal
        if goal is not None:
            self.health.count("dropped_goals")
            self._finish(goal, "dropped by busy_policy")

    def _publish_turn_active(self, active: bool) -> None:
        pub = self.pub_turn_active
        if pub is not None and self.context.ok():
            pub.publish(self._msgs["bool"](data=active))

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
        if level not in FATIGUE_LEVELS:  # 255 would read as "very drowsy": refused
            self.health.count("rejected_fatigue_states")
            self.get_logger().warning(f"fatigue_state level {level} is not a level",
                                      throttle_duration_sec=5.0)
            return
        self.health.count("fatigue_states")
        self._fatigue_at.add(stamp_to_ns(msg.header.stamp), level)
        lanes = self._lanes
        if lanes is None:
            return
        # Every change (the alerts core follows rises and falls) and every SEVERE state (its
        # warning repeats until the level falls or the car stops); no model involved: an
        # alert must not wait behind an LLM answer.
        if msg.level_changed or level != self._fatigue_last or level >= FatigueLevel.SEVERE:
            self._fatigue_last = level
            lanes.submit(_Job("fatigue", msg, time.monotonic(), lanes), Lane.FAST)

    def _on_nearby(self, msg: Any) -> None:
        """Notable places near the car: maybe a remark (only when the driver opted in)."""
        self.health.count("nearby_updates")
        lanes = self._lanes
        if lanes is not None and self.p["proactive_remarks"] and msg.landmarks:
            lanes.submit(_Job("nearby", msg, time.monotonic(), lanes), Lane.FAST)

    def _on_talk(self, who: str, msg: Any) -> None:
        self.health.count(f"{who}_updates")
        with self._lock:
            setattr(self, f"_{who}", bool(msg.data))

    def _quiet(self) -> bool:
        """Nobody speaking, the co-pilot silent and no question being answered."""
        with self._lock:
            return not (self._speaking or self._talking or self._turns.in_flight)

    def _on_proactive(self, kind: str, msg: Any) -> None:
        """A home status or trip event: what to say is decided in the fast lane (no model).
        A state or event code the messages do not define is refused (counted)."""
        home = kind == "home_status"
        counter = "home_statuses" if home else "trip_events"
        if int(msg.state if home else msg.event) not in (_HOME_STATES if home else TRIP_EVENTS):
            self.health.count(f"rejected_{counter}")
            self.get_logger().warning(f"{counter}: an unknown code refused",
                                      throttle_duration_sec=5.0)
            return
        self.health.count(counter)
        lanes = self._lanes
        if lanes is not None:
            lanes.submit(_Job(kind, msg, time.monotonic(), lanes), Lane.FAST)

    def _on_detections(self, camera: str, msg: Any) -> None:
        try:
            stamp = stamp_to_ns(msg.header.stamp)
            labels = sorted({d.class_name for d in msg.detections if d.class_name})
            seen = (seen_objects(msg.detections, image_height_px=float(msg.image_height_px),
                                 stamp_ns=stamp) if camera == "road" else None)
        except (ValueError, TypeError, OverflowError) as exc:  # never out of a callback
            self.health.count(f"rejected_{camera}_frames")
            self.get_logger().warning(f"{camera}/detections refused: {exc}",
                                      throttle_duration_sec=5.0)
            return
        self._objects_at[camera].add(stamp, labels)
        if seen is not None:
            self._seen_at.add(stamp, seen)
        self.health.count(f"{camera}_frames")

    def _on_odom(self, msg: Any) -> None:
        v = msg.twist.twist.linear
        speed = math.sqrt(v.x * v.x + v.y * v.y + v.z * v.z)
        with self._lock:
            ok = self._speed.update(speed, now=time.monotonic())
        if not ok:
            self.health.count("bad_odom")
        else:
            self.health.count("odometry")
            self._speed_at.add(stamp_to_ns(msg.header.stamp), abs(speed))

    def _on_shared_text(self, msg: Any) -> None:
        """Keep the newest shared text (data: nothing in it is a request); an empty or
        unreadable one is counted and refused, the one before stays."""
        planner = self.planner
        if planner is None:
            return
        try:
            doc = planner.share(msg.text, title=msg.title, source=msg.source)
        except DocumentError as exc:
            self.health.count("shared_texts_refused")
            self.get_logger().warning(f"shared text refused: {exc}",
                                      throttle_duration_sec=5.0)
            return
        self.health.count("shared_texts")
        if doc.truncated:
            self.health.count("shared_texts_cut")
            self.get_logger().warning(f"shared text cut to {len(doc.text)} characters",
                                      throttle_duration_sec=5.0)

    def _on_fix(self, msg: Any) -> None:
        check = check_fix(msg.latitude, msg.longitude, status=int(msg.status.status))
        if not check.ok:
            self.health.count("rejected_fixes")
            return
        self.health.count("fixes")
        self._fix_at.add(stamp_to_ns(msg.header.stamp), (float(msg.latitude),
                                                           float(msg.longitude)))
        self._fix_received = time.monotonic()

    def _position_at(self, stamp_ns: int) -> tuple[float, float] | None:
        """Where the car was at a question's stamp (None: unknown, ``position_then``)."""
        received = self._fix_received
        age = None if received is None else time.monotonic() - received
        return position_then(self._fix_at, stamp_ns, received_age_s=age,
                             limit_s=float(self.p["fix_timeout_s"]))

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
        if client is None:
            raise PlannerError("the planner is not configured")
        if not client.wait_for_service(timeout_sec=timeout):
            self.health.count("landmark_timeouts")
            raise LandmarkUnavailable("unavailable",
                                      "no landmark node (search_landmarks service) to answer")
        future = client.call_async(self._search_type.Request(query=msg))
        done = threading.Event()
        future.add_done_callback(lambda _: done.set())
        if not done.wait(max(0.0, deadline - time.monotonic())) and not future.done():
            client.remove_pending_request(future)
            self.health.count("landmark_timeouts")
            raise LandmarkUnavailable("unavailable", "no answer from the landmark node")
        response = future.result()
        if response is None:
            raise PlannerError("landmark node could not answer")
        answer = response.result
        if answer.status == LandmarkStatus.NO_FIX:
            raise LandmarkUnavailable("no_fix", answer.message)
        if answer.status == LandmarkStatus.UNAVAILABLE:
            raise LandmarkUnavailable("unavailable", answer.message)
        if answer.status != LandmarkStatus.OK:
            raise PlannerError(answer.message or "landmark node could not answer")
        return [place_from_msg(lm) for lm in answer.landmarks]

    # -- the worker ---------------------------------------------------------------------
    def _process(self, job: _Job, lane: Lane) -> None:
        """One job, in its lane's thread; a question's turn (and a goal) ends however it
        went."""
        goal = job.goal
        try:
            planner = self.planner
            if goal is not None and goal.cancel_requested():
                self.health.count("cancelled_goals")
                self._finish(goal, "canceled")  # cancelled while it waited in its lane
                return
            if planner is None or not self.running:
                if job.question:
                    self.health.count("withdrawn_at_stop")  # taken as the node stopped
                return
            stamp = stamp_to_ns(job.stamp)
            with self._lock:
                speed_now = self._speed.speed(now=time.monotonic())
            speed_then = _then(self._speed_at, stamp)
            # the road camera's frame of the question's moment, unless it is too old
            seen = fresh(_then(self._seen_at, stamp) or [], at_ns=stamp,
                         max_age_s=float(self.p["detection_max_age_s"]))
            road = camera_labels(seen)
            cabin = list(_then(self._objects_at["cabin"], stamp) or [])
            if goal is not None and math.isfinite(goal.speed_mps):
                # The caller's speed can only make the safety gate stricter: a client's
                # default 0 never unlocks what odometry says the car is too fast for.
                given = abs(float(goal.speed_mps))
                speed_now = given if speed_now is None else max(speed_now, given)
                speed_then = given if speed_then is None else max(speed_then, given)
            if goal is not None and goal.labels:
                road, cabin = list(goal.labels), []  # the caller says what the cameras see
            ctx = Context(speed_mps=speed_now, speed_then_mps=speed_then,
                          fatigue_level=_then(self._fatigue_at, stamp) or 0,
                          session_id=str(self.p["session_id"]),
                          road_objects=road, cabin_objects=cabin)
            ctx.stamp_ns = stamp
            ctx.here = self._position_at(stamp)
            ctx.time = local_time(stamp, ctx.here)  # the question's moment, also in a replay
            ctx.road_seen = seen
            if job.question:
                ctx.cancelled = lambda: self._withdrawn(job, lane)
            self.health.set("speed", "unknown" if ctx.speed_mps is None
                            else f"{ctx.speed_mps:.1f} m/s")
            self._run(planner, job, ctx, lane)
        finally:
            if goal is not None:
                self._finish(goal, "failed")  # nothing when it already ended
            if job.question:
                with self._lock:
                    self._end_turn()

    def _withdrawn(self, job: _Job, lane: Lane) -> bool:
        """Is this question no longer wanted (its goal cancelled, a newer question under
        busy_policy cancel, the node deactivated)? Asked between model chunks."""
        goal = job.goal
        return (not self.running or job.lanes.cancelled(lane)
                or (goal is not None and goal.cancel_requested()))

    def _on_job_error(self, job: _Job, exc: BaseException) -> None:
        self.get_logger().error(f"planner failed on {job.kind}: {exc}")
        self.health.count("errors")

    def _run(self, planner: Planner, job: _Job, ctx: Context, lane: Lane) -> None:
        """One job: the core's turn, then publish it (unless it was withdrawn meanwhile)."""
        kind, msg, goal = job.kind, job.msg, job.goal
        try:
            if kind == "ask":
                ctx.request_id = msg.utterance_id
                ctx.doubt = transcript_doubt(
                    doubt=msg.doubt, missing_chunks=int(msg.missing_chunks),
                    confidence=float(msg.confidence),
                    below_confidence=float(self.p["confirm_below_confidence"]))
                if ctx.doubt:
                    self.health.count("doubtful_transcripts")
                ctx.on_partial = self._partials(job, ctx.request_id)
                turn: Turn | None = planner.handle(msg.text, ctx)
            elif goal is not None:
                ctx.request_id = goal.request_id
                stream = self._partials(job, goal.request_id)

                def on_partial(text: str) -> None:
                    self._feedback(goal, text)
                    if stream is not None:
                        stream(text)

                ctx.on_partial = on_partial
                turn = planner.handle(goal.text, ctx)
            elif kind == "home_status":
                turn = self._home_status_turn(planner, msg, ctx)
            elif kind == "nearby":
                turn = planner.on_nearby(
                    [sight_from_msg(lm) for lm in msg.landmarks],
                    now_s=ctx.stamp_ns / 1e9 if ctx.stamp_ns else time.monotonic(),
                    quiet=self._quiet(), context=ctx)
                if turn is not None:
                    self.health.count("remarks")
            elif kind == "trip" and msg.event == msg.ENDED:
                planner.on_trip_ended(msg.trip_id)
                turn = None
            elif kind == "trip":
                turn = (planner.on_trip_started(
                    trip_id=msg.trip_id, destination=msg.predicted_destination,
                    latitude_deg=msg.predicted_lat, longitude_deg=msg.predicted_lon,
                    probability=msg.probability, usual_streets=list(msg.usual_streets),
                    usual_duration_s=msg.usual_duration_s, context=ctx)
                    if msg.event == msg.STARTED else planner.on_route_left(
                        trip_id=msg.trip_id, destination=msg.predicted_destination,
                        usual_duration_s=msg.usual_duration_s,
                        route_duration_s=msg.route_duration_s)
                    if msg.event == msg.LEFT_USUAL_ROUTE else None)
            else:
                turn = planner.on_fatigue(int(msg.level), ctx)
        except Exception as exc:  # one failed turn must not end the lane
            self.get_logger().error(f"planner failed on {kind}: {exc}")
            self.health.count("errors")
            self.health.status(ERROR, f"last turn failed: {exc}")
            return
        if turn is None:
            return
        if job.question and (turn.cancelled or ctx.is_cancelled()):
            self._withdraw(job)
            return
        urgent = kind == "fatigue" and int(msg.level) >= FatigueLevel.SEVERE
        resp = self._publish(turn, job, proactive=not job.question, urgent=urgent)
        if goal is not None:
            self._feedback(goal, turn.text)  # the whole answer (a fast-path one: only this)
            self._finish(goal, "succeeded", resp)

    def _home_status_turn(self, planner: Planner, msg: Any, ctx: Context) -> Turn | None:
        """What the driver hears of a HomeStatus (the request it answers, as it was sent)."""
        with self._lock:
            sent = self._home_sent.get((msg.request_id, msg.device))
        state = _HOME_STATES.get(int(msg.state), "UNKNOWN")
        self.health.count(f"home_{state.lower()}")
        return planner.on_home_status(
            state=state, device=msg.device, action=msg.action,
            value=sent.value if sent else "", when=sent.when if sent else "now",
            text=msg.text, attempts=int(msg.attempts), context=ctx)

    def _partials(self, job: _Job, request_id: str) -> Any:
        """The hook publishing a question's partial answers on ``response/partial`` (None
        with ``stream_partials`` off): only when a new complete sentence appears."""
        if not self.p["stream_partials"]:
            return None
        cutter = PartialCutter()
        stamp = job.stamp

        def publish(text: str) -> None:
            cut = cutter.feed(text)
            pub = self.pub_partial
            if cut is None or pub is None:
                return
            resp = self._msgs["response"]()
            resp.header.stamp = stamp
            resp.request_id = request_id
            resp.text = cut
            resp.latency_ms = float((time.monotonic() - job.received) * 1000)
            pub.publish(resp)
            self.health.count("partials_published")

        return publish

    def _withdraw(self, job: _Job) -> None:
        """A question withdrawn before its answer: nothing is published; say why."""
        goal = job.goal
        if goal is not None and goal.cancel_requested():
            self.health.count("cancelled_goals")
            self._finish(goal, "canceled")
            return
        if not self.running:
            self.health.count("withdrawn_at_stop")
            self.get_logger().warning(f"planner: deactivated while answering {job.kind}")
        else:  # a newer question cancelled this one (busy_policy cancel; never the fast lane)
            self.health.count("cancelled")
        if goal is not None:
            self._finish(goal, "cancelled by a newer question" if self.running
                         else "the planner was deactivated")

    def _publish(self, turn: Turn, job: _Job, *, proactive: bool, urgent: bool) -> Any:
        """Commands and the answer on their topics; returns the AssistantResponse."""
        stamp = job.stamp
        goal = job.goal
        request_id = ("" if proactive else goal.request_id if goal is not None
                      else job.msg.utterance_id)
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
        for req in turn.home_requests:
            self._publish_home(req, stamp, request_id)
        resp = self._msgs["response"]()
        resp.header.stamp = stamp
        resp.request_id = request_id
        resp.text = turn.text
        resp.language = turn.language
        resp.backend = turn.backend
        resp.latency_ms = float((time.monotonic() - job.received) * 1000)
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
        return resp


    def _publish_home(self, req: HomeRequest, stamp: Any, request_id: str) -> None:
        out = self._msgs["home"]()
        out.header.stamp = stamp
        out.request_id = request_id or uuid.uuid4().hex[:12]
        out.device, out.action, out.value = req.device, req.action, req.value
        out.unit = "celsius" if req.action == "set" and req.device in ("heating",
                                                                       "air_conditioning") else ""
        out.when = out.BEFORE_ARRIVAL if req.when == "before_arrival" else out.NOW
        out.confirmed = req.confirmed
        with self._lock:
            self._home_sent[(out.request_id, req.device)] = req
            while len(self._home_sent) > 64:
                self._home_sent.popitem(last=False)
        self.pub_home.publish(out)
        self.health.count("home_requests")


def _home_states() -> dict[int, str]:
    from cockpit_ai.msg import HomeStatus

    names = ("SENT", "WAITING_FOR_ARRIVAL", "NEEDS_CONFIRMATION", "FAILED_RETRYING", "FAILED",
             "REFUSED")
    return {int(getattr(HomeStatus, n)): n for n in names}


_HOME_STATES = _home_states()
FATIGUE_LEVELS = frozenset(int(level) for level in FatigueLevel)


def _trip_events() -> frozenset[int]:
    from cockpit_ai.msg import TripEvent

    return frozenset(int(getattr(TripEvent, n)) for n in ("STARTED", "ENDED",
                                                          "LEFT_USUAL_ROUTE"))


TRIP_EVENTS = _trip_events()


def main(args: list[str] | None = None) -> int:
    """Entry point of the ``planner_node`` executable."""
    return run_node(PlannerNode, args=args)
