"""The planner core: one turn of dialogue from text (+ vehicle context) to an answer,
typed vehicle commands and landmark queries. Used by the ROS node and the CLI alike.

Order of a turn: pending yes/no question -> never-list (driving functions are refused from
the words alone) -> fast path (with the session's results, for follow-ups) -> free text the
router calls chat: the model writes a plain-text reply (short prompt, no grammar, streamed
by whole sentences) -> otherwise the model writes a tool call (cloud or edge) -> validate ->
act (landmark search, safety gate) -> answer from templates. Each fixed prompt stays in
llama.cpp's cache (``warm_up``). Generation is synchronous; the node runs it in a
worker thread.

Uncertain input never moves the car: a command from a doubtful transcript (``Context.doubt``)
is held and asked back ("Did you mean: ...?"); only a clear yes sends it, re-checked at the
speed of that moment. An unknown speed (``Context.speed_mps`` None) counts as moving.
"""

from __future__ import annotations

import concurrent.futures
import copy
import dataclasses
import functools
import inspect
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Concatenate, ParamSpec

from cockpit_ai.brand import addressing, asks_name, introduction, strip_address
from cockpit_ai.enums import FatigueLevel
from cockpit_ai.planner import documents, fastpath, quoting
from cockpit_ai.planner.answers import (
    SIDE_WORDS,
    describe,
    explicit_target,
    search_failed,
)
from cockpit_ai.planner.answers import confirm_text as _confirm
from cockpit_ai.planner.answers import distance_text as _distance
from cockpit_ai.planner.answers import kind_text as _kind
from cockpit_ai.planner.answers import level_word as _level_word
from cockpit_ai.planner.answers import open_text as _open_text
from cockpit_ai.planner.attention import Attention, Sight
from cockpit_ai.planner.backends import Backend, Generation
from cockpit_ai.planner.config import DEFAULT_CONFIG, default_model_path, merge_config
from cockpit_ai.planner.dialogue import (
    DEFAULT_BRAND,
    DialogueStore,
    Pending,
    Session,
    build_chat_messages,
    build_messages,
    chat_system_prompt,
    system_prompt,
    yes_or_no,
)
from cockpit_ai.planner.errors import LandmarkUnavailable, PlannerError
from cockpit_ai.planner.history import TripHistory
from cockpit_ai.planner.languages import LISTENING, translate
from cockpit_ai.planner.privacy import Surroundings
from cockpit_ai.planner.router import (
    SLOT_CONFIDENCE,
    Route,
    ToolRouter,
    all_tools,
    load_router,
)
from cockpit_ai.planner.safety import SafetyGate, forbidden_intent
from cockpit_ai.planner.tools import (
    TOOL_SCHEMA,
    LandmarkRequest,
    Place,
    ToolCall,
    ToolParseError,
    landmark_request,
    none_to_empty,
    parse_tool_call,
    partial_answer,
    validate_call,
    vehicle_command,
)
from cockpit_ai.planner.types import (
    Context,
    HomeRequest,
    LandmarkSearch,
    RouteEta,
    Turn,
    TurnCounter,
    transcript_doubt,
)
from cockpit_ai.profile.learn import hear
from cockpit_ai.profile.memory import ProfileMemory
from cockpit_ai.speech.sentences import SENTENCE_END

log = logging.getLogger("cockpit_ai.planner")

CHAT_REPLY_MAX = int(TOOL_SCHEMA["anyOf"][-1]["properties"]["reply"]["maxLength"])


def _takes(fn: Any, name: str) -> bool:
    """Whether ``fn`` accepts the keyword ``name`` (or any keyword)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _free_text_tool(text: str) -> str | None:
    """fastpath.free_text_tool: "chat" for a request that is clearly not for the cockpit."""
    router = getattr(fastpath, "free_text_tool", None)
    return router(text) if router is not None else None


class _Clock:
    """Milliseconds since the start of one turn, and the moments its parts were known."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.route_ms: float | None = None
        self.first_token_ms: float | None = None
        self.first_sentence_ms: float | None = None
        self.said = ""  # the partial answer passed on last

    def ms(self) -> float:
        return (time.perf_counter() - self.t0) * 1000

    def sentence(self, text: str) -> None:
        """Note the first moment ``text`` (the answer so far) holds a whole sentence."""
        if self.first_sentence_ms is None and SENTENCE_END.search(text):
            self.first_sentence_ms = self.ms()


def complete_sentences(text: str, limit: int = CHAT_REPLY_MAX) -> str:
    """The whole sentences at the start of streamed ``text`` that fit in ``limit``."""
    # one line; a white space at the end stays (it says the last sentence is over)
    t = " ".join(text.split()) + (" " if text[-1:].isspace() else "")
    ends = [m.end() for m in SENTENCE_END.finditer(t) if m.end() <= limit]
    return t[:ends[-1]] if ends else ""


def cap_reply(text: str, limit: int = CHAT_REPLY_MAX) -> str:
    """A finished plain-text reply as the chat tool takes it: one line, at most ``limit``
    characters, cut after the last whole sentence (an unfinished tail is dropped)."""
    t = " ".join(text.split())
    whole = complete_sentences(t + " ", limit)
    if whole and (len(whole) < len(t) or len(t) <= limit):
        return whole
    if len(t) <= limit:
        return t  # no sentence end at all: the text as it is
    return t[:limit].rsplit(" ", 1)[0]


P = ParamSpec("P")


def _spoken(method: Callable[Concatenate[Planner, P], Turn | None]) -> Callable[
        Concatenate[Planner, P], Turn | None]:
    """A proactive turn (break offer, trip offer, home status...) in the brand's language,
    as handle() says every answer."""
    @functools.wraps(method)
    def said(self: Planner, *args: P.args, **kwargs: P.kwargs) -> Turn | None:
        turn = method(self, *args, **kwargs)
        return None if turn is None else self._speak(turn)

    return said


class Planner:
    """One dialogue core: ``handle(text, context) -> Turn``."""

    def __init__(self, *, backend: Backend | None = None,
                 landmark_search: LandmarkSearch | None = None,
                 history: TripHistory | None = None,
                 route_eta: RouteEta | None = None,
                 config: dict[str, Any] | None = None) -> None:
        self.config = merge_config(config)
        cfg = self.config
        self.backend = backend
        self.landmark_search = landmark_search
        self.history = history
        self.route_eta = route_eta  # distance and time of a drive, for navigation answers
        self.brand = {**DEFAULT_BRAND, **(cfg.get("brand") or {})}
        self.system = system_prompt(self.brand)
        self.chat_system = chat_system_prompt(self.brand)
        # "Hey Qwen, ..." / "..., Qwen.": the brand's wake words and name, cut from a
        # request (one source: the brand file; the router knows no names)
        self.address = addressing(list(self.brand.get("wake_words") or []),
                                  str(self.brand.get("name", "")))
        self.dialogues = DialogueStore(ttl_s=float(cfg["privacy"]["dialogue_ttl_s"]),
                                       max_turns=int(cfg["history_turns"]))
        self.gate = SafetyGate(allow=cfg["safety"].get("allow"),
                               moving_mps=float(cfg["safety"].get("moving_mps", 0.5)))
        allowed = set(self.brand.get("allowed_functions") or [])
        self.gate.narrow(allowed)  # the brand can narrow the allow-list, never widen it
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1,
                                                           thread_name_prefix="landmark")
        # fatigue alerts, proactive remarks, the road camera in answers (attention.py)
        self.attention = Attention(self)
        self._offered_trips: OrderedDict[str, None] = OrderedDict()  # trips offered already
        # fast-path results of answers_without_model(), so handle() does not parse again
        self._parsed: OrderedDict[tuple[str, int, str], Any] = OrderedDict()
        self._parsed_lock = threading.Lock()
        # the learned router (router.py, loaded by build_planner): the tools a request
        # the rules left can be, so the model chooses among those; None = all tools
        self.router: ToolRouter | None = None
        self._routes: OrderedDict[tuple[int, str, int, str], Route] = OrderedDict()
        # what a cloud request must not name around the car (build_planner adds the POI
        # database and the streets); the dialogue's own places are always coarsened
        self.surroundings = Surroundings(grid_m=float(cfg["privacy"]["position_grid_m"]),
                                         streets=False)
        # "forget me": the time of the driver's last forget request (0 = none); a newer one
        # drops every dialogue session at the next turn
        self.forget_mark: Callable[[], float] | None = None
        self._forgot_at = 0.0
        # the driver's preferences (cockpit_ai/profile; build_planner gives the store)
        self.memory: ProfileMemory | None = None
        # the newest shared text ("summarise the document"), kept as the dialogue is
        self.documents = documents.Shelf(ttl_s=float(cfg["privacy"]["dialogue_ttl_s"]))
        self._warmed = False

    # -- public API -------------------------------------------------------------------
    def warm_up(self) -> None:
        """Put the fixed system prompts into the edge model's prompt cache (loaded from the
        kept states where they exist). Done at the first model call otherwise: a process
        that only asks routed questions (``cockpit-ai ask``) never pays for it."""
        self._warmed = True
        edge = getattr(self.backend, "edge", self.backend)
        if edge is None or not hasattr(edge, "warm_up"):
            return
        if _takes(edge.warm_up, "prefix"):  # both fixed prompts, each kept by name
            edge.warm_up([{"role": "system", "content": self.chat_system},
                          {"role": "user", "content": "hello"}], prefix="chat")
            edge.warm_up([{"role": "system", "content": self.system},
                          {"role": "user", "content": "hello"}], prefix="tool")
        else:
            edge.warm_up([{"role": "system", "content": self.system},
                          {"role": "user", "content": "hello"}])

    def handle(self, text: str, context: Context | None = None) -> Turn:
        """Answer one utterance; never raises for bad model output or a failed search."""
        ctx = context or Context()
        clock = _Clock()
        self.honour_forget()
        session = self.dialogues.get(ctx.session_id)
        turn = (_withdrawn("none") if ctx.is_cancelled()
                else self._turn(text.strip(), ctx, session, clock))
        turn.latency_ms = clock.ms()
        # a turn decided before any router ran (empty, a yes/no) took all its time to route
        turn.route_ms = turn.latency_ms if clock.route_ms is None else clock.route_ms
        turn.first_token_ms = clock.first_token_ms
        turn.first_sentence_ms = (turn.latency_ms if clock.first_sentence_ms is None
                                  else min(clock.first_sentence_ms, turn.latency_ms))
        self._speak(turn)
        if not turn.cancelled:  # a withdrawn question leaves the dialogue as it was
            call = turn.tool_calls[0] if turn.tool_calls else None
            session.remember(text, call, turn.text)
        return turn

    def honour_forget(self) -> int:
        """Drop the dialogue when the driver asked to be forgotten since the last check
        (``forget_mark``, e.g. `cockpit-ai privacy forget` from another process); returns
        the sessions dropped."""
        if self.forget_mark is None:
            return 0
        try:
            mark = float(self.forget_mark())
        except Exception as exc:  # unreadable record: keep answering, say why
            log.warning("planner: forget requests unknown: %s", exc)
            return 0
        if mark <= self._forgot_at:
            return 0
        self._forgot_at = mark
        dropped = self.dialogues.forget()
        self.documents.forget()
        log.info("planner: forgot %d dialogue session(s) on the driver's request", dropped)
        return dropped

    def share(self, text: str, *, title: str = "",
              source: str = "") -> documents.SharedDocument:
        """Keep a text shared from the cabin screen or a phone for "summarise the document"
        and "read me the message" (data, never a request); DocumentError when nothing
        readable is in it."""
        doc = documents.document(text, title=title, source=source)
        self.documents.put(doc)
        return doc

    def _speak(self, turn: Turn) -> Turn:
        """The turn's words in the brand's language (planner/languages.py), once."""
        turn.language = str(self.brand.get("language", "en"))
        if not turn.localised:
            turn.text = translate(turn.text, turn.language)[0]
            turn.localised = True
        return turn

    def answers_without_model(self, text: str, session_id: str = "cabin") -> bool:
        """Whether ``handle(text)`` would answer without the LLM: a yes/no to a pending
        question, a refusal of a driving function, a fast-path request, or fast-only mode.
        The node routes such questions to its fast lane; the parse is kept for handle()."""
        text = strip_address(text.strip(), self.address)[0]
        if not text or self.config["fast_only"] or self.backend is None:
            return True
        session = self.dialogues.get(session_id)
        if session.pending is not None and yes_or_no(text) is not None:
            return True
        if forbidden_intent(fastpath.request_part(text)):
            return True
        said = fastpath.normalise(text)  # reading out a text, what the driver says of themselves
        if asks_name(said) or documents.wants(said) == "read" or (
                self.memory is not None and hear(said) is not None):
            return True
        if not self.config["fastpath"]:
            return False
        return (self._fast_parse(text, session, keep=True) is not None
                or self._slot_call(text, session) is not None)

    def _fast_parse(self, text: str, session: Session, *,
                    keep: bool = False) -> ToolCall | None:
        """fastpath.parse with the places the session's previous turns found (follow-ups
        such as "how far is it" need them), remembering a few results (``keep``) for the
        coming handle(): keyed by session and its results too, as the parse depends on them."""
        results = len(session.places)
        key = (session.id, results, text)
        with self._parsed_lock:
            if key in self._parsed:
                cached = self._parsed[key] if keep else self._parsed.pop(key)
                return copy.deepcopy(cached)
        try:
            # follow-ups ("how far is it") where the fast path routes them
            call = (fastpath.parse(text, results=results)
                    if _takes(fastpath.parse, "results") else fastpath.parse(text))
        except ToolParseError as exc:  # a rule produced something invalid: use the model
            log.warning("planner: fast path rule gave an invalid call: %s", exc)
            call = None
        # "is that a bus stop / a church?" is a question to the road camera and the map (a
        # yes or no), not a search for such places
        call = self.attention.route(text) or call
        if keep:
            with self._parsed_lock:
                self._parsed[key] = copy.deepcopy(call)
                while len(self._parsed) > 32:
                    self._parsed.popitem(last=False)
        return call

    @_spoken
    def on_fatigue(self, level: int, context: Context | None = None) -> Turn | None:
        """What to say for a fatigue state (call it with every one: ``context.stamp_ns`` its
        stamp, the speeds at it), or None: each rise gets a stronger response — MILD a
        remark, MODERATE (``fatigue_break_level``) the break offer with the nearest rest
        area or café along the route, SEVERE a warning repeated every ``severe_repeat_s``
        until the level falls or the car stops, with a ``driver_alert`` command — whatever
        was offered before (planner/alerts.py, attention.py)."""
        return self.attention.fatigue(level, context or Context())

    @_spoken
    def on_trip_started(self, *, trip_id: str, destination: str, latitude_deg: float,
                        longitude_deg: float, probability: float,
                        usual_streets: list[str] | None = None,
                        usual_duration_s: float = 0.0,
                        context: Context | None = None) -> Turn | None:
        """The usual destination offered once at a trip's start ("Going to the office?
        Usual route via Mannerheimintie, 12 minutes."); a yes sets it as the destination.
        None when the prediction is too weak, has no name, or this trip was offered already."""
        self.attention.remarks.new_trip(trip_id)  # every place may be remarked on again
        min_p = float(self.config["trip_offer_min_probability"])
        if (min_p <= 0 or not destination or not math.isfinite(probability)
                or probability < min_p or trip_id in self._offered_trips):
            return None
        self._offered_trips[trip_id] = None
        while len(self._offered_trips) > 64:
            self._offered_trips.popitem(last=False)
        ctx = context or Context()
        session = self.dialogues.get(ctx.session_id)
        if self.memory is not None:  # a prediction at the driver's saved home or work
            destination = self.memory.place_name(latitude_deg, longitude_deg) or destination
        name = destination[:40]
        bits = []
        streets = [s for s in (usual_streets or []) if s][:2]
        if streets:
            bits.append("Usual route via " + " and ".join(streets))
        if math.isfinite(usual_duration_s) and usual_duration_s > 0:
            minutes = max(1, round(usual_duration_s / 60))
            bits.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
        going = "Going home?" if name.lower() == "home" else f"Going to {name}?"
        text = going + (" " + ", ".join(bits) + "." if bits else "")
        session.pending = Pending(
            calls=[ToolCall("vehicle", {"function": "navigation", "action": "set",
                                        "value": name, "unit": "none", "zone": "all"})],
            question=f"Shall I set {name} as the destination?", stamp_ns=ctx.stamp_ns)
        return Turn(text, "none", 0.0, proactive=True)

    @_spoken
    def on_route_left(self, *, trip_id: str, destination: str, usual_duration_s: float,
                      route_duration_s: float) -> Turn | None:
        """Once per trip, when the car left the usual route to the predicted destination:
        how the new way compares ("This isn't your usual way to the office: about 15
        minutes this way, 12 by the usual one.")."""
        key = "left:" + trip_id
        if (not destination or key in self._offered_trips
                or not math.isfinite(route_duration_s) or route_duration_s <= 0):
            return None
        self._offered_trips[key] = None
        name = "home" if destination.lower() == "home" else destination[:40]
        now = max(1, round(route_duration_s / 60))
        text = f"This isn't your usual way to {name}: about {now} minute{'s' * (now != 1)}"
        if math.isfinite(usual_duration_s) and usual_duration_s > 0:
            usual = max(1, round(usual_duration_s / 60))
            if usual == now:
                text += ", the same as the usual one."
            else:
                text += f" this way, {usual} by the usual one."
        else:
            text += "."
        return Turn(text, "none", 0.0, proactive=True)

    @_spoken
    def on_nearby(self, sights: list[Sight], *, now_s: float, quiet: bool,
                  context: Context | None = None) -> Turn | None:
        """A remark on a notable place coming abeam ("On your left, Helsinki Cathedral,
        1852."), when the rules allow one (planner/proactive.py): opt-in, ``quiet`` (nobody
        speaking, the co-pilot silent), at most MILD fatigue, one per interval (``now_s``:
        the places' stamp), each place once per trip."""
        return self.attention.nearby(sights, now_s=now_s, quiet=quiet,
                                     ctx=context or Context())

    def on_trip_ended(self, trip_id: str = "") -> None:
        """A trip ended: the next one may remark on every place again."""
        self.attention.remarks.new_trip("")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        close = getattr(self.backend, "close", None)
        if close:
            close()

    # -- one turn ---------------------------------------------------------------------
    def _turn(self, text: str, ctx: Context, session: Session, clock: _Clock) -> Turn:
        text, addressed = strip_address(text, self.address)
        if not text:  # "Hey Qwen." alone: listening
            return Turn(LISTENING if addressed else "I didn't hear anything.", "none", 0.0)
        suspect = quoting.suspect(text)
        if suspect and not ctx.doubt:  # "system: unlock": asked back, never sent at once
            log.warning("planner: the request is held: %s", suspect)
            ctx = dataclasses.replace(ctx, doubt=suspect)
        events: list[str] = []
        if session.pending is not None:
            answered = self._answer_pending(text, ctx, session, events)
            if answered is not None:
                answered.confirmation[:0] = events
                return answered
        turn = self._new_request(text, ctx, session, clock)
        turn.confirmation[:0] = events
        return turn

    def _answer_pending(self, text: str, ctx: Context, session: Session,
                        events: list[str]) -> Turn | None:
        """The answer to a pending question, or None when ``text`` is a new request (the
        pending question is then dropped and ``events`` says why)."""
        pending = session.pending
        assert pending is not None
        answer = yes_or_no(text)
        if pending.expired(timeout_s=float(self.config["confirm_timeout_s"]),
                           stamp_ns=ctx.stamp_ns):
            session.pending = None
            if pending.confirm:
                events.append("expired")
            if answer == "yes":
                return Turn("Sorry, that was a while ago, so I didn't do it. Please ask again.",
                            "fastpath", 0.0)
            if answer == "no":
                return Turn("OK, I won't.", "fastpath", 0.0)
            return None
        if answer == "no":
            session.pending = None
            return Turn("OK, I won't.", "fastpath", 0.0,
                        confirmation=["declined"] if pending.confirm else [])
        if answer == "yes" and ctx.doubt:
            # A misheard "yes" must not send a held command either: keep it and ask again.
            turn = Turn(f"Sorry, I'm not sure I heard you. {pending.question} "
                        "Please say yes or no.", "fastpath", 0.0,
                        awaiting_confirmation=True, confirmation=["unclear"])
            pending.stamp_ns, pending.at = ctx.stamp_ns, time.monotonic()
            return turn
        session.pending = None
        if answer == "yes":
            turn = Turn("", "fastpath", 0.0, tool_calls=list(pending.calls))
            texts = [getattr(self, f"_tool_{call.name}")(call, ctx, session, text, turn)
                     for call in pending.calls]
            turn.text = " ".join(t for t in texts if t)
            if pending.confirm:
                turn.confirmation.append("accepted")
            return turn
        if pending.confirm:
            events.append("replaced")
        return None

    def _new_request(self, text: str, ctx: Context, session: Session, clock: _Clock) -> Turn:
        banned = forbidden_intent(fastpath.request_part(text))
        if banned:
            clock.route_ms = clock.ms()
            return Turn(f"I can't do that: {banned} stays with the driver. I never operate "
                        "driving or safety functions.", "none", 0.0, refused=[banned],
                        refused_codes=["never"])
        personal = self._personal(text, ctx, session, clock)
        if personal is not None:
            return personal
        if self.config["fastpath"] or self.config["fast_only"]:
            call = self._fast_parse(text, session)
            if call is not None:
                clock.route_ms = clock.ms()
                return self._act(call, ctx, session, text, backend="fastpath")
        if self.config["fast_only"] or self.backend is None:
            clock.route_ms = clock.ms()
            return Turn("Sorry, I can only do simple car functions and searches right now.",
                        "none", 0.0)
        route = self._learned_route(text, session)
        slots = self._slot_call(text, session, route)
        if slots is None and fastpath.asks(text):  # a question: answered, never obeyed
            route = route.without_commands()
        chat = _free_text_tool(text) == "chat" or route.tools == ("chat",)
        clock.route_ms = clock.ms()
        if chat:
            return self._chat(text, ctx, session, clock)
        if slots is not None:  # the learned router's tool, its arguments from the words
            return self._act(slots, ctx, session, text, backend="fastpath")
        messages = build_messages(self.system, session, text,
                                  self._context_lines(ctx) + self._shots(text, route))
        gen = self._generate(messages, ctx, clock, session, schema=route.schema(),
                             max_tokens=int(self.config["max_tokens"]), plain=False,
                             prefix="tool")
        if gen is None:
            return Turn("Sorry, I can't think right now. Please try again.", "none", 0.0)
        if gen.cancelled or ctx.is_cancelled():  # withdrawn: act on nothing, say nothing
            return _withdrawn(gen.backend)
        try:
            call = parse_tool_call(gen.text)
        except ToolParseError as exc:
            log.warning("planner: invalid model output (%s): %s", gen.backend, exc)
            return Turn("Sorry, I didn't get that. Could you say it another way?", gen.backend,
                        0.0, model_text=gen.text, fallback_reason=gen.fallback_reason)
        if self.config["router_slots"] and self.config["slot_agree"]:
            # the words' unambiguous arguments win ("switch it off" is off) when they name
            # the same function as the model's call
            call = fastpath.agree(call, text, results=len(session.places))
        if (session.places or session.seen) and not ctx.doubt \
                and not quoting.grounded(call, text):
            # the prompt carried places' names (data): a command the driver's own words do
            # not name is asked back, never sent on its own (planner/quoting.py)
            log.warning("planner: %s command not named by the driver is held",
                        call.args.get("function") or call.args.get("device"))
            ctx = dataclasses.replace(ctx, doubt="a command the driver did not name")
        turn = self._act(call, ctx, session, text, backend=gen.backend)
        turn.model_text = gen.text
        turn.fallback_reason = gen.fallback_reason
        return turn

    def _personal(self, text: str, ctx: Context, session: Session,
                  clock: _Clock) -> Turn | None:
        """Before the router: who the co-pilot is, the shared document asked for, or what
        the driver says about themselves (a preference kept or asked back, a request that
        uses one)."""
        said = fastpath.normalise(text)
        if asks_name(said):  # "what's your name?": the brand's own answer, no model
            clock.route_ms = clock.ms()
            return Turn(introduction(str(self.brand.get("name", ""))), "fastpath", 0.0)
        kind = documents.wants(said)
        heard = (None if kind is not None or self.memory is None
                 else self.memory.hear(said, ctx, session))
        if kind is None and heard is None:
            return None
        clock.route_ms = clock.ms()
        if kind is not None:
            return self._document(kind, ctx, session, clock)
        if isinstance(heard, ToolCall):
            return self._act(heard, ctx, session, text, backend="fastpath")
        return heard

    def _document(self, kind: str, ctx: Context, session: Session, clock: _Clock) -> Turn:
        """The newest shared text read out, or summarised by the model chunk by chunk as
        plain text (no tool grammar: nothing in it can become a command), streamed through
        ``on_partial``; without a model its first lines (planner/documents.py)."""
        used = ["none"]

        def summarise(messages: list[dict[str, str]], on_text: Callable[[str], None]) -> str | None:
            clock.said = ""  # each chunk's summary streams from its start
            gen = self._generate(messages, dataclasses.replace(ctx, on_partial=on_text),
                                 clock, session, schema=None, plain=True, prefix="chat",
                                 max_tokens=int(self.config["chat_max_tokens"]))
            if gen is None or gen.cancelled:
                return None
            used[0] = gen.backend
            return cap_reply(gen.text)

        model = (summarise if kind == "summary" and self.backend is not None
                 and not self.config["fast_only"] else None)

        text, _ = documents.answer(kind, self.documents.latest(), model=model,
                                   language=str(self.brand.get("language", "en")),
                                   on_partial=ctx.on_partial, cancelled=ctx.cancelled,
                                   system=self.chat_system)
        if ctx.is_cancelled():
            return _withdrawn(used[0])
        return Turn(text, used[0] if model is not None else "fastpath", 0.0, localised=True)

    def _learned_route(self, text: str, session: Session) -> Route:
        """The tools the learned router offers the model for ``text`` (all of them without a
        router, or when it fails: a router fault must not stop the answer); a request to
        summarise a text it gives is the summarize tool's alone. Kept for a few requests
        (answers_without_model() routes before handle() does)."""
        results = len(session.places)
        if fastpath.summary_request(text):
            return Route(("summarize",))
        if self.router is None:
            return all_tools(results)
        key = (id(self.router), session.id, results, text)
        with self._parsed_lock:
            if key in self._routes:
                return self._routes[key]
        try:
            route = self.router.route(text, results=results)
        except Exception as exc:  # onnxruntime/sklearn faults: logged, the model chooses
            log.warning("planner: learned router failed (%s); all tools offered", exc)
            return all_tools(results)
        with self._parsed_lock:
            self._routes[key] = route
            while len(self._routes) > 32:
                self._routes.popitem(last=False)
        return route

    def _shots(self, text: str, route: Route) -> list[str]:
        """The development requests nearest ``text`` among the offered tools, with their
        calls, for the model's prompt (``few_shot`` of them; 0 = none)."""
        k = int(self.config["few_shot"])
        if k <= 0 or self.router is None:
            return []
        try:
            similar = self.router.similar(text, route.tools, k)
        except Exception as exc:  # a router fault costs the examples, not the answer
            log.warning("planner: no similar examples (%s)", exc)
            return []
        return ["Similar requests:"] + [f"User: {u}\nJSON: {j}" for u, j in similar]

    def _slot_call(self, text: str, session: Session, route: Route | None = None
                   ) -> ToolCall | None:
        """The learned router's tool with every argument read from the words
        (``fastpath.fill``) when the router is sure of the tool (``SLOT_CONFIDENCE``, from
        cross-validation on the development part); None: the model writes the call. Never
        for free text, and it passes the same gate and "did you mean" as any call."""
        if (self.router is None or not self.config["router_slots"]
                or _free_text_tool(text) is not None):
            return None
        route = route or self._learned_route(text, session)
        if not route.tools or route.tools == ("chat",) or route.confidence < SLOT_CONFIDENCE:
            return None
        return fastpath.fill(route.tools[0], text, results=len(session.places))

    def _generate(self, messages: list[dict[str, Any]], ctx: Context, clock: _Clock,
                  session: Session, *, schema: dict[str, Any] | None, max_tokens: int,
                  plain: bool, prefix: str) -> Generation | None:
        """One model call with the turn's streaming hooks and fixed-prompt name (where the
        back end keeps prompt states) and, for a back end that may send it to the cloud,
        the coarse view of the car's surroundings; notes the first token's time. None when
        no model could answer."""
        assert self.backend is not None
        if not self._warmed:
            self.warm_up()  # counted in this turn: the first model answer of a process pays it
        start_ms = clock.ms()
        hooks = _stream_hooks(ctx, clock, self.backend, plain=plain)
        if _takes(self.backend.generate, "prefix"):
            hooks["prefix"] = prefix
        if _takes(self.backend.generate, "cloud_view"):
            places = [*session.places, *session.seen.values()]
            hooks["cloud_view"] = lambda: self.surroundings.view(ctx.position(), places)
        try:
            gen = self.backend.generate(messages, schema=schema, max_tokens=max_tokens,
                                        **hooks)
        except PlannerError as exc:
            log.error("planner: no model could answer: %s", exc)
            return None
        if gen.completion_tokens > 0 or gen.text:
            clock.first_token_ms = start_ms + max(gen.ttft_ms, 0.0)
        return gen

    def _chat(self, text: str, ctx: Context, session: Session, clock: _Clock) -> Turn:
        """Free text the router calls chat: the model writes only the reply, as plain text
        (no tool prompt, no grammar), streamed sentence by sentence through on_partial;
        the turn still carries a validated chat tool call."""
        messages = build_chat_messages(self.chat_system, session, text,
                                       self._context_lines(ctx))
        gen = self._generate(messages, ctx, clock, session, schema=None,
                             max_tokens=int(self.config["chat_max_tokens"]), plain=True,
                             prefix="chat")
        if gen is None:
            return Turn("Sorry, I can't think right now. Please try again.", "none", 0.0)
        if gen.cancelled or ctx.is_cancelled():
            return _withdrawn(gen.backend)
        reply = cap_reply(gen.text)
        try:
            call = validate_call(ToolCall("chat", {"reply": reply}))
        except ToolParseError as exc:  # cannot happen for a capped string; logged if it does
            log.warning("planner: chat reply rejected: %s", exc)
            call = ToolCall("chat", {"reply": ""})
        turn = self._act(call, ctx, session, text, backend=gen.backend)
        turn.model_text = gen.text
        turn.fallback_reason = gen.fallback_reason
        clock.sentence(turn.text + " ")
        if ctx.on_partial is not None and turn.text and turn.text != clock.said:
            ctx.on_partial(turn.text)  # the whole reply, last: the final answer streamed
        return turn

    def _context_lines(self, ctx: Context) -> list[str]:
        """Per-turn context for the model. No position: the model does not need it, and what
        it never sees cannot leak (the landmark search gets the position directly)."""
        when = ctx.time or datetime.now()
        said = ctx.speed_then_mps if ctx.speed_then_mps is not None else ctx.speed_mps
        speed = ("unknown" if said is None or not math.isfinite(said)
                 else f"{said * 3.6:.0f} km/h")
        parts = [f"Time: {when:%a %H:%M}", f"speed: {speed}"]
        if ctx.fatigue_level >= FatigueLevel.MILD:
            parts.append(f"driver fatigue: {_level_word(ctx.fatigue_level)}")
        lines = ["; ".join(parts)]
        if ctx.road_objects:
            lines.append("Road camera sees: " + ", ".join(ctx.road_objects[:8]))
        return lines

    # -- acting on a tool call ----------------------------------------------------------
    def _act(self, call: ToolCall, ctx: Context, session: Session, text: str, *,
             backend: str) -> Turn:
        call = explicit_target(call, text)
        # a food search gets the driver's diet (and says so)
        call, note = self.memory.adjust(call) if self.memory is not None else (call, "")
        turn = Turn("", backend, 0.0, tool_calls=[call])
        handler = getattr(self, f"_tool_{call.name}")
        turn.text = handler(call, ctx, session, text, turn)
        if note and not turn.refused:
            turn.text = f"{note} {turn.text}"
        if turn.held:  # commands from a doubtful utterance: ask back, send nothing yet
            question = "Did you mean: " + " and ".join(
                describe(vehicle_command(c)) for c in turn.held) + "?"
            session.pending = Pending(calls=list(turn.held), question=question, confirm=True,
                                      stamp_ns=ctx.stamp_ns)
            turn.text = question
            turn.awaiting_confirmation = True
            turn.confirmation.append("asked")
        return turn

    def _search(self, req: LandmarkRequest, ctx: Context, turn: Turn) -> list[Place] | None:
        req.request_id = ctx.request_id
        req.stamp_ns = ctx.stamp_ns
        if ctx.latitude_deg is not None and ctx.longitude_deg is not None:
            req.use_position = True
            req.latitude_deg, req.longitude_deg = ctx.latitude_deg, ctx.longitude_deg
            req.heading_deg = ctx.heading_deg
        turn.landmark_queries.append(req)
        if self.landmark_search is None:
            turn.search_failure = "unavailable"
            return None
        future = self._pool.submit(self.landmark_search, req)
        try:
            places = list(future.result(timeout=float(self.config["landmark_timeout_s"])))
            self.dialogues.get(ctx.session_id).note_places(places)
            return places
        except concurrent.futures.TimeoutError:
            log.warning("planner: landmark search timed out")
            turn.search_failure = "unavailable"
        except LandmarkUnavailable as exc:  # no position, no database: say which
            log.warning("planner: no place search: %s", exc)
            turn.search_failure = exc.reason
        except Exception as exc:  # the service client's many failures: answered without places
            log.warning("planner: landmark search failed: %s", exc)
        return None

    @staticmethod
    def _no_search(turn: Turn) -> str:
        """The answer when a search could not be made: why, when known (issue 15)."""
        return (search_failed(turn.search_failure) if turn.search_failure
                else "I can't see that right now.")

    def _tool_landmark(self, call: ToolCall, ctx: Context, session: Session, text: str,
                       turn: Turn) -> str:
        kind = self.attention.landmark(call, ctx, session, text, turn)
        if kind is not None:  # "is that a bus stop?": the road camera and the map
            return kind
        places = self._search(landmark_request(call, text=text), ctx, turn)
        # what the road camera sees on that side now, in front of the map's answer
        seen = self.attention.fuse(call, ctx, places)
        if places is None:
            return seen or self._no_search(turn)
        session.places, session.focus = places, 0
        turn.places = places
        where = SIDE_WORDS.get(landmark_request(call).side, "nearby")
        if seen:
            return seen
        if not places:
            return f"I don't see a landmark {where}."
        p = places[0]
        answer = f"{where.capitalize()} is {p.name} ({_kind(p)}), {_distance(p.distance_m)} away."
        if len(places) > 1:
            answer += " Also there: " + ", ".join(q.name for q in places[1:3]) + "."
        return answer

    def _tool_poi_search(self, call: ToolCall, ctx: Context, session: Session, text: str,
                         turn: Turn) -> str:
        req = landmark_request(call, text=text)
        places = self._search(req, ctx, turn)
        if places is None:
            return self._no_search(turn)
        session.places, session.focus = places, 0
        turn.places = places
        what = " ".join(filter(None, [
            *req.diets, req.cuisine, (req.categories[0] if req.categories else "place")
        ])).replace("_", " ")
        if not places:
            return f"I couldn't find any {what} nearby" + (" that is open now." if req.open_now
                                                          else ".")
        items = []
        for i, p in enumerate(places[:3], start=1):
            extra = ", ".join(filter(None, [_distance(p.distance_m),
                                            SIDE_WORDS.get(p.side, ""), _open_text(p)]))
            items.append(f"{i}. {p.name}, {extra}")
        return f"I found {len(places)}: " + "; ".join(items) + "."

    def _tool_rest_break(self, call: ToolCall, ctx: Context, session: Session, text: str,
                         turn: Turn) -> str:
        places = self._search(landmark_request(call, text=text), ctx, turn)
        if not places:
            return "Let's take a break at the next safe place to stop."
        session.places, session.focus = places, 0
        turn.places = places
        p = places[0]
        session.pending = Pending(
            calls=[ToolCall("vehicle", {"function": "navigation", "action": "set",
                                        "value": p.name[:40], "unit": "none", "zone": "all"})],
            question=f"Shall I navigate to {p.name}?", stamp_ns=ctx.stamp_ns)
        return (f"How about a break? {p.name} ({_kind(p)}) is {_distance(p.distance_m)} "
                f"{SIDE_WORDS.get(p.side, 'nearby')}. Shall I navigate there?")

    def _tool_result_info(self, call: ToolCall, ctx: Context, session: Session, text: str,
                          turn: Turn) -> str:
        if not session.places:
            return "Which place do you mean? Ask me to find something first."
        item = call.args.get("item", "last")
        index = session.focus if item == "last" else int(item) - 1
        if not 0 <= index < len(session.places):
            return f"I only found {len(session.places)}."
        session.focus = index
        p = session.places[index]
        field_ = call.args.get("field", "details")
        if field_ == "distance":
            return f"{p.name} is {_distance(p.distance_m)} away, {SIDE_WORDS.get(p.side, '')}."
        if field_ == "direction":
            return f"{p.name} is {SIDE_WORDS.get(p.side, 'nearby')}."
        if field_ == "opening_hours":
            state = _open_text(p) or "I don't know if it's open"
            hours = f" Hours: {p.opening_hours}." if p.opening_hours else ""
            return f"{p.name}: {state}.{hours}"
        if field_ == "cuisine":
            return f"{p.name} serves {p.cuisine or 'food I have no details about'}."
        if field_ == "navigate":
            nav = ToolCall("vehicle", {"function": "navigation", "action": "set",
                                       "value": p.name[:40], "unit": "none", "zone": "all"})
            turn.tool_calls.append(nav)
            return self._tool_vehicle(nav, ctx, session, text, turn)
        bits = [_kind(p), _distance(p.distance_m), SIDE_WORDS.get(p.side, ""), _open_text(p)]
        return f"{p.name}: " + ", ".join(b for b in bits if b) + "."

    def _tool_vehicle(self, call: ToolCall, ctx: Context, session: Session, text: str,
                      turn: Turn) -> str:
        cmd = vehicle_command(call)
        cmd.request_id = ctx.request_id
        # NaN = the speed was unknown when the command was checked
        cmd.vehicle_speed_mps = math.nan if ctx.speed_mps is None else float(ctx.speed_mps)
        verdict = self.gate.check(cmd, speed_mps=ctx.speed_mps)
        if not verdict.allowed:
            turn.refused.append(verdict.reason)
            turn.refused_codes.append(verdict.code)
            return verdict.reason
        if ctx.doubt:  # the gate would pass it, but the words may be misheard: ask first
            turn.held.append(call)
            return ""
        turn.commands.append(cmd)
        session.last_command = cmd
        if cmd.function == "navigation" and cmd.action == "set" and cmd.value:
            eta = self._eta_text(cmd.value, ctx, session, turn)
            if eta:
                return f"Navigating to {eta}."
        return _confirm(cmd)

    def _eta_text(self, name: str, ctx: Context, session: Session, turn: Turn) -> str:
        """ "Kauppatori, 1.2 km, about 4 minutes" for a destination, or "" when the place,
        the car's position or a route is unknown (the plain confirmation is said then)."""
        here = ctx.position()
        if self.route_eta is None or here is None:
            return ""
        saved = self.memory.place(name) if self.memory is not None else None
        place = (Place(name=name, latitude_deg=saved[0], longitude_deg=saved[1])
                 if saved is not None  # "home", "the office": the driver's saved place
                 else next((p for p in session.places if p.name.lower() == name.lower()), None))
        if place is None:
            found = self._search(LandmarkRequest(text=name, name_contains=name, limit=1,
                                                 radius_m=20000.0), ctx, turn)
            place = found[0] if found else None
        if place is None or (place.latitude_deg == 0.0 and place.longitude_deg == 0.0):
            return ""
        try:
            eta = self.route_eta(here, (place.latitude_deg, place.longitude_deg))
        except Exception as exc:  # no route (one-way streets, off the map): plain answer
            log.info("planner: no route to %s: %s", name, exc)
            return ""
        if eta is None:
            return ""
        from cockpit_ai.route.spoken import say_distance, say_duration

        return f"{place.name}, {say_distance(eta[0])}, {say_duration(eta[1])}"

    def _tool_smart_home(self, call: ToolCall, ctx: Context, session: Session, text: str,
                         turn: Turn) -> str:
        """A home request goes to the home node (``Turn.home_requests``), never to the
        vehicle bus; "before I arrive" is kept (the home node waits for the ETA)."""
        cmd = vehicle_command(call)
        verdict = self.gate.check(cmd, speed_mps=ctx.speed_mps)
        if not verdict.allowed:
            turn.refused.append(verdict.reason)
            turn.refused_codes.append(verdict.code)
            return verdict.reason
        a = dict(call.args)
        # "before I arrive" is kept with the call, also when it is asked back first
        a["when"] = str(a.get("when") or ("before_arrival" if fastpath.before_arrival(text)
                                          else "now"))
        when = a["when"]
        if ctx.doubt:  # the words may be misheard: ask first, as for the car
            turn.held.append(ToolCall(call.name, a))
            return ""
        req = HomeRequest(device=str(a["device"]), action=str(a["action"]),
                          value=none_to_empty(a.get("value")), when=when,
                          confirmed=bool(a.get("confirmed", False)),
                          request_id=ctx.request_id)
        turn.home_requests.append(req)
        what = describe(cmd)
        if when == "before_arrival":
            return f"I'll {what} before you arrive."
        return f"I'll {what} now." if not req.confirmed else f"OK, I'll {what}."

    @_spoken
    def on_home_status(self, *, state: str, device: str, action: str, value: str = "",
                       when: str = "now", text: str = "", attempts: int = 1,
                       context: Context | None = None) -> Turn | None:
        """What the driver hears of the home node's status (msg/HomeStatus.msg), or None.

        A device the home policy does not automate without asking comes back
        ``NEEDS_CONFIRMATION``: its question becomes the session's pending question, and a
        yes sends it again, confirmed. A request sent before arrival, or after retries, is
        said when it was done; failures are always said. The immediate, first-try success
        was already confirmed by the turn that asked for it."""
        ctx = context or Context()
        state = state.upper()
        if state == "NEEDS_CONFIRMATION":
            session = self.dialogues.get(ctx.session_id)
            call = ToolCall("smart_home", {"device": device, "action": action,
                                           "value": value or "none", "when": when,
                                           "confirmed": True})
            question = text or f"Shall I {describe(vehicle_command(call))}?"
            session.pending = Pending(calls=[call], question=question, stamp_ns=ctx.stamp_ns)
            return Turn(question, "none", 0.0, proactive=True)
        speak = (state in ("FAILED", "FAILED_RETRYING", "REFUSED")
                 or (state == "SENT" and (when == "before_arrival" or attempts > 1)))
        if not speak or not text:
            return None
        return Turn(text, "none", 0.0, proactive=True)

    def _tool_route_suggest(self, call: ToolCall, ctx: Context, session: Session, text: str,
                            turn: Turn) -> str:
        if self.history is None:
            return "I don't keep a trip history in this car."
        origin = ctx.position()
        s = self.history.usual_destination(now=ctx.time or datetime.now(), origin=origin)
        if s is None:
            return "I don't know a usual destination for this time yet."
        session.pending = Pending(
            calls=[ToolCall("vehicle", {"function": "navigation", "action": "set",
                                        "value": s.destination[:40], "unit": "none",
                                        "zone": "all"})],
            question=f"Shall I set {s.destination} as the destination?", stamp_ns=ctx.stamp_ns)
        via = f", usually via {' and '.join(s.streets[:2])}" if s.streets else ""
        took = (f", about {max(1, round(s.duration_s / 60))} minutes" if s.duration_s > 0
                else "")
        return (f"At this time you usually drive to {s.destination} ({s.trips} trips{via}"
                f"{took}). Shall I set it as the destination?")

    def _tool_summarize(self, call: ToolCall, ctx: Context, session: Session, text: str,
                        turn: Turn) -> str:
        summary = none_to_empty(call.args.get("summary"))
        return summary or "There's nothing for me to summarise."

    def _tool_remember(self, call: ToolCall, ctx: Context, session: Session, text: str,
                       turn: Turn) -> str:
        """A yes to "Shall I remember ...?" (never a model's tool: only the profile asks)."""
        if self.memory is None:
            return "Sorry, I can't remember that right now."
        return self.memory.remember(call.args, source="confirmed")

    def _tool_chat(self, call: ToolCall, ctx: Context, session: Session, text: str,
                   turn: Turn) -> str:
        # whole sentences only: a reply the grammar's length cap cut mid-sentence loses its
        # unfinished tail (the streamed partials never carried it, so TTS need not restart)
        return cap_reply(none_to_empty(call.args.get("reply"))) or "Okay."


def _withdrawn(backend: str) -> Turn:
    """The turn of a question withdrawn before its answer (``Context.cancelled``)."""
    return Turn("", backend, 0.0, cancelled=True)


def _stream_hooks(ctx: Context, clock: _Clock, backend: Any, *,
                  plain: bool) -> dict[str, Any]:
    """The back end's streaming hooks a turn asks for (none: a plain ``generate`` call).

    ``on_text`` reads the answer so far, out of the tool call being written
    (``tools.partial_answer``) or, ``plain``, as the whole sentences of the text, notes when
    its first sentence is complete and passes it on each time it grows. A back end that
    takes no ``on_text`` is called without it when the turn wants no partial answers."""
    hooks: dict[str, Any] = {}
    if ctx.cancelled is not None:
        hooks["cancelled"] = ctx.cancelled
    on_partial = ctx.on_partial
    if on_partial is None and not _takes(backend.generate, "on_text"):
        return hooks
    def on_text(raw: str) -> None:
        text = complete_sentences(raw) if plain else partial_answer(raw)
        clock.sentence(text + " " if plain else text)
        if len(text) > len(clock.said):
            clock.said = text
            if on_partial is not None:
                on_partial(text)

    hooks["on_text"] = on_text
    return hooks


def street_eta(here: tuple[float, float],
               goal: tuple[float, float]) -> tuple[float, float] | None:
    """Distance and time of the fastest drive on the bundled street graph (loaded at the
    first call); raises ``RouteError`` when there is no route."""
    from cockpit_ai.route.graph import default_graph

    route = default_graph().route(here, goal)
    return route.distance_m, route.duration_s


def _learned_router(data: Path) -> ToolRouter | None:
    """The learned router from its installed model; None (logged) when it is missing, so
    a planner without it still answers: the model then chooses among all tools."""
    try:
        return load_router(data)
    except Exception as exc:  # not installed, unreadable, a library fault
        log.warning("planner: no learned router (%s); the model chooses among all tools",
                    exc)
        return None


def build_planner(config: dict[str, Any] | None = None, *,
                  landmark_search: LandmarkSearch | None = None,
                  data: Path | None = None, warm_up: bool = True) -> Planner:
    """A Planner with the back ends the config asks for (edge model loads now)."""
    from cockpit_ai.paths import data_dir
    from cockpit_ai.planner.assets import models_dir
    from cockpit_ai.planner.backends import (
        CloudBackend,
        CloudSettings,
        EdgeBackend,
        EdgeSettings,
        FailoverBackend,
    )
    from cockpit_ai.planner.privacy import AuditLog, Redactor
    from cockpit_ai.privacy import DEFAULT_DRIVER
    from cockpit_ai.privacy.consent import ConsentStore

    cfg = merge_config(config)
    priv = cfg["privacy"]
    grid_m = float(priv["position_grid_m"])
    driver = str(priv.get("driver") or DEFAULT_DRIVER)
    consent = ConsentStore(Path(priv["consent_db"]) if priv.get("consent_db") else None)
    backend: Backend | None = None
    cloud_on = False
    if not cfg["fast_only"]:
        edge = EdgeBackend(EdgeSettings(
            model_path=default_model_path(cfg, data or data_dir()),
            n_threads=int(cfg["n_threads"]), n_ctx=int(cfg["n_ctx"]),
            n_batch=int(cfg["n_batch"]), max_tokens=int(cfg["max_tokens"]),
            state_dir=models_dir(data or data_dir())))
        cloud_cfg = cfg["cloud"]
        cloud = None
        cloud_on = bool(cloud_cfg.get("enabled") and cloud_cfg.get("base_url"))
        if cloud_on:
            cloud = CloudBackend(
                CloudSettings(base_url=str(cloud_cfg["base_url"]),
                              model=str(cloud_cfg.get("model", "default")),
                              api_key_env=str(cloud_cfg.get("api_key_env", "")),
                              budget_s=float(cloud_cfg.get("budget_s", 4.0)),
                              probe_timeout_s=float(cloud_cfg.get("probe_timeout_s", 0.5)),
                              response_format=str(cloud_cfg.get("response_format",
                                                                "json_object_schema")),
                              max_tokens=int(cfg["max_tokens"])),
                redactor=Redactor(grid_m=grid_m),
                audit=AuditLog(Path(priv["audit_log"]) if priv.get("audit_log") else None,
                               retention_days=float(priv["audit_retention_days"]),
                               driver=driver))
            if not consent.cloud_allowed(driver):
                log.warning("planner: the cloud is enabled but driver %r has not consented; "
                            "it stays off until `cockpit-ai privacy consent give --driver "
                            "%s`", driver, driver)
        backend = FailoverBackend(edge, cloud, cloud_enabled=bool(cloud_cfg.get("enabled")),
                                  cooldown_s=float(cloud_cfg.get("cooldown_s", 30.0)),
                                  consent=lambda: consent.cloud_allowed(driver))
    history = None
    if cfg.get("history_db") is not None:
        from cockpit_ai.trips.cli import default_history_db

        # "" = the file the trips node records (the same default), so habits are the car's
        history = TripHistory(cfg["history_db"] or default_history_db(),
                              retention_days=float(cfg["privacy"]["history_retention_days"]))
    planner = Planner(backend=backend, landmark_search=landmark_search, history=history,
                      route_eta=street_eta, config=cfg)
    from cockpit_ai.profile.store import ProfileStore

    # the driver's preferences: the same file as `cockpit-ai profile`, this driver's rows
    planner.memory = ProfileMemory(ProfileStore(cfg["profile_db"] or None), driver)
    planner.forget_mark = consent.forget_mark  # `cockpit-ai privacy forget` drops dialogue
    if cloud_on:  # every place and street near the car, not only the dialogue's own
        from cockpit_ai.landmark.query import default_db

        planner.surroundings = Surroundings(
            grid_m=grid_m, poi_db=Path(priv["poi_db"]) if priv.get("poi_db") else default_db(),
            streets=True)
    loader = None
    if backend is not None and cfg.get("learned_router", True):
        # loaded beside the model's warm-up: each takes seconds on a busy machine, and a
        # node that starts slowly misses its first inputs
        folder = data or data_dir()
        loader = threading.Thread(
            target=lambda: setattr(planner, "router", _learned_router(folder)),
            name="learned-router", daemon=True)
        loader.start()
    if warm_up and backend is not None:
        planner.warm_up()
    if loader is not None:
        loader.join()
    return planner


__all__ = [  # the core's API, importable from here as before the split
    "DEFAULT_CONFIG", "Context", "HomeRequest", "LandmarkSearch", "Planner", "Turn",
    "TurnCounter",
    "build_planner", "default_model_path", "describe", "explicit_target", "merge_config",
    "transcript_doubt",
]
