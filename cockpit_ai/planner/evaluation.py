"""Scoring the planner on the utterance set (shared by tests and bench/planner_bench.py)."""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cockpit_ai.planner.tools import Place, ToolCall

SEED_PLACES = [
    Place(name="Cafe Regatta", category="amenity=cafe", distance_m=420.0, side=2, open_now=1,
          opening_hours="Mo-Su 08:00-21:00"),
    Place(name="Cafe Ekberg", category="amenity=cafe", distance_m=650.0, side=4, open_now=2,
          opening_hours="Mo-Fr 07:30-19:00"),
    Place(name="Kaffa Roastery", category="amenity=cafe", distance_m=900.0, side=1, open_now=0),
]
SEED_USER = "find me a cafe"
SEED_CALL = ToolCall("poi_search", {"category": "cafe", "diet": "none", "cuisine": "none",
                                    "open_now": False, "side": "any", "name": "none"})


# every request of the evaluation set is asked at this time (the model's context names it),
# so the same request is the same prompt in every run
EVAL_TIME = datetime(2026, 12, 2, 12, 0)


def load_utterances(path: Path) -> list[dict[str, Any]]:
    """The utterance set (YAML list of {text, tool, args, followup?, subset?})."""
    import yaml

    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [dict(i) for i in items]


def seed_session(planner: Any, session_id: str) -> None:
    """Give a session an earlier POI search with three results, for follow-up utterances."""
    s = planner.dialogues.get(session_id)
    s.remember(SEED_USER, SEED_CALL, "I found 3: 1. Cafe Regatta; 2. Cafe Ekberg; "
               "3. Kaffa Roastery.")
    s.places = list(SEED_PLACES)
    s.focus = 0


def _same(key: str, got: Any, want: Any) -> bool:
    if isinstance(want, bool) or isinstance(got, bool):
        return bool(got) == bool(want)
    g, w = str(got).strip().lower(), str(want).strip().lower()
    return w in g if key == "value" else g == w


def score(call: ToolCall | None, item: dict[str, Any]) -> tuple[bool, bool]:
    """(tool right, tool and every listed argument right)."""
    if call is None or call.name != item["tool"]:
        return False, False
    args = item.get("args") or {}
    return True, all(_same(k, call.args.get(k), v) for k, v in args.items())


@dataclass
class PathScore:
    """Accuracy of one path (fast path or model) on a list of utterances."""

    name: str
    total: int = 0
    handled: int = 0  # fast path: utterances it acted on (the rest go to the model)
    tool_right: int = 0
    args_right: int = 0
    json_valid: int = 0
    seconds: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    calls: list[ToolCall | None] = field(default_factory=list)  # per utterance, in order
    commanded: list[bool] = field(default_factory=list)  # per utterance: a command went out

    def row(self) -> dict[str, Any]:
        n = max(self.total, 1)
        h = max(self.handled, 1)
        return {"path": self.name, "utterances": self.total, "handled": self.handled,
                "tool_right_of_handled": self.tool_right / h,
                "args_right_of_handled": self.args_right / h,
                "tool_right_of_all": self.tool_right / n, "args_right_of_all": self.args_right / n,
                "json_valid": self.json_valid / h,
                "mean_s": sum(self.seconds) / max(len(self.seconds), 1)}


def eval_fastpath(items: list[dict[str, Any]]) -> PathScore:
    """Fast path on every utterance: coverage and precision."""
    from cockpit_ai.planner import fastpath

    ps = PathScore("fast path")
    fastpath.parse("set the temperature to 21 degrees")  # imports and compiles once, untimed
    for item in items:
        ps.total += 1
        if item.get("followup"):
            continue  # follow-ups are the model's by design
        t0 = time.perf_counter()
        call = fastpath.parse(item["text"])
        ps.seconds.append(time.perf_counter() - t0)
        if call is None:
            continue
        ps.handled += 1
        ps.json_valid += 1
        tool_ok, args_ok = score(call, item)
        ps.tool_right += tool_ok
        ps.args_right += args_ok
        if not args_ok:
            ps.misses.append(f"{item['text']!r} -> {call.to_json()}")
    return ps


def eval_model(planner: Any, items: list[dict[str, Any]], *, name: str) -> PathScore:
    """The model path (fast path off) on ``items``; each utterance in its own session."""
    from cockpit_ai.planner.planner import Context
    from cockpit_ai.planner.tools import ToolParseError, parse_tool_call

    ps = PathScore(name)
    for i, item in enumerate(items):
        ps.total += 1
        ps.handled += 1
        sid = f"eval-{i}"
        if item.get("followup"):
            seed_session(planner, sid)
        ctx = Context(session_id=sid, speed_mps=0.0)
        t0 = time.perf_counter()
        turn = planner.handle(item["text"], ctx)
        ps.seconds.append(time.perf_counter() - t0)
        try:
            parse_tool_call(turn.model_text)
            ps.json_valid += 1
        except ToolParseError:
            pass
        call = turn.tool_calls[0] if turn.tool_calls else None
        ps.calls.append(call)
        ps.commanded.append(bool(turn.commands))
        tool_ok, args_ok = score(call, item)
        ps.tool_right += tool_ok
        ps.args_right += args_ok
        if not args_ok:
            ps.misses.append(f"{item['text']!r} -> {turn.model_text}")
    return ps


# -- the evaluation set (test/planner/eval: a development part and a test part) ------------
# Enum values that mean "unspecified": not something an item has to cover.
PLACEHOLDERS = {"any", "none", "all"}


def full_call(item: dict[str, Any]) -> ToolCall:
    """The expected call of ``item`` with every unlisted argument at a neutral value (the
    first enum value, "none", false), so the listed ones can be checked against the schema."""
    from cockpit_ai.planner.tools import TOOLS

    props = TOOLS[item["tool"]]["properties"]
    args: dict[str, Any] = {}
    for key, prop in props.items():
        if key == "tool":
            continue
        if "enum" in prop:
            args[key] = prop["enum"][0]
        elif prop.get("type") == "boolean":
            args[key] = False
        else:
            args[key] = "none"
    args.update(item.get("args") or {})
    return ToolCall(item["tool"], args)


def argument_kinds() -> set[tuple[str, str, str]]:
    """Every (tool, argument, value) a complete set exercises: each tool (argument ""), each
    non-placeholder enum value, each scored free-text argument ("*"), each boolean (true)."""
    from cockpit_ai.planner.tools import TOOLS

    kinds: set[tuple[str, str, str]] = set()
    free_text = {("poi_search", "cuisine"), ("vehicle", "value"), ("smart_home", "value")}
    for tool, schema in TOOLS.items():
        kinds.add((tool, "", ""))
        for key, prop in schema["properties"].items():
            if "enum" in prop:
                kinds |= {(tool, key, v) for v in prop["enum"] if v not in PLACEHOLDERS}
            elif prop.get("type") == "boolean":
                kinds.add((tool, key, "true"))
            elif (tool, key) in free_text:
                kinds.add((tool, key, "*"))
    return kinds


def covered_kinds(items: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    """The (tool, argument, value) triples the expected calls of ``items`` score."""
    from cockpit_ai.planner.tools import TOOLS

    kinds: set[tuple[str, str, str]] = set()
    for item in items:
        tool = item["tool"]
        kinds.add((tool, "", ""))
        for key, value in (item.get("args") or {}).items():
            prop = TOOLS[tool]["properties"].get(key, {})
            if isinstance(value, bool):
                kinds.add((tool, key, str(value).lower()))
            elif "enum" in prop:
                kinds.add((tool, key, str(value)))
            else:
                kinds.add((tool, key, "*"))
    return kinds


def normalized_text(text: str) -> str:
    """Lower case, letters/digits/spaces only: two items equal here are the same request."""
    kept = "".join(c if c.isalnum() else " " for c in text.lower())
    return " ".join(kept.split())


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) by nearest rank; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))
    return ordered[rank]


@dataclass
class PlannerScore:
    """One part of the set through ``Planner.handle`` (router, then the model): accuracy,
    the share routed without the model, and latency per path."""

    name: str
    tool_right: int = 0
    args_right: int = 0
    routed_s: list[float] = field(default_factory=list)  # answered by the fast path
    llm_s: list[float] = field(default_factory=list)  # answered by a model (edge/cloud)
    other: int = 0  # neither: refused before routing, or no model to ask (fast-only)
    routed_right: int = 0  # routed answers with the right tool and key arguments
    slots: int = 0  # routed by the learned router's slots (the rules alone would not)
    slots_right: int = 0
    per_tool: dict[str, list[int]] = field(default_factory=dict)  # tool: [n, tool, args]
    misses: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.routed_s) + len(self.llm_s) + self.other

    def row(self) -> dict[str, Any]:
        n = max(self.total, 1)
        return {"part": self.name, "requests": self.total, "tool_right": self.tool_right / n,
                "args_right": self.args_right / n, "routed": len(self.routed_s) / n,
                "routed_right": self.routed_right / max(len(self.routed_s), 1),
                "slots": self.slots, "slots_right": self.slots_right,
                "routed_p50_ms": 1000 * percentile(self.routed_s, 0.5),
                "routed_p95_ms": 1000 * percentile(self.routed_s, 0.95),
                "llm_p50_ms": 1000 * percentile(self.llm_s, 0.5),
                "llm_p95_ms": 1000 * percentile(self.llm_s, 0.95)}


def eval_planner(planner: Any, items: list[dict[str, Any]], *, name: str,
                 router_for: Callable[[dict[str, Any]], Any] | None = None) -> PlannerScore:
    """Every item through ``planner.handle`` as a driver would get it (the fast path where
    it answers, the model for the rest), each in its own session, follow-ups seeded.
    ``router_for(item)``: the learned router to use for that item (cross-validation)."""
    from cockpit_ai.planner import fastpath
    from cockpit_ai.planner.planner import Context

    ps = PlannerScore(name)
    for i, item in enumerate(items):
        sid = f"eval-{name}-{i}"
        if router_for is not None:
            planner.router = router_for(item)
        if item.get("followup"):
            seed_session(planner, sid)
        t0 = time.perf_counter()
        turn = planner.handle(item["text"], Context(session_id=sid, speed_mps=0.0,
                                                    time=EVAL_TIME))
        seconds = time.perf_counter() - t0
        if turn.backend == "fastpath":
            ps.routed_s.append(seconds)
        elif turn.backend in ("edge", "cloud"):
            ps.llm_s.append(seconds)
        else:
            ps.other += 1
        call = turn.tool_calls[0] if turn.tool_calls else None
        tool_ok, args_ok = score(call, item)
        ps.tool_right += tool_ok
        ps.args_right += args_ok
        ps.routed_right += args_ok and turn.backend == "fastpath"
        if turn.backend == "fastpath" and call is not None and call.name not in ("chat",) \
                and fastpath.parse(item["text"], results=3 if item.get("followup") else 0) is None:
            ps.slots += 1
            ps.slots_right += args_ok
        counts = ps.per_tool.setdefault(item["tool"], [0, 0, 0])
        counts[0] += 1
        counts[1] += tool_ok
        counts[2] += args_ok
        if not args_ok:
            got = call.to_json() if call is not None else f"(no call: {turn.text[:60]!r})"
            ps.misses.append(f"{item.get('id', i)} [{turn.backend}] {item['text']!r} -> {got}")
    return ps


class CachedBackend:
    """A model back end whose answers are kept in a JSON file, keyed by the exact request
    (messages, grammar schema, token limit): comparing what the planner does with the
    model's answers costs no second model run. Temperature 0, so a stored answer is the
    answer. ``skip_plain``: a plain-text request (a chat reply, no grammar) is not run at
    all (an empty reply): when only the route is scored, its text does not matter. For
    benchmarks only."""

    name = "edge"

    def __init__(self, inner: Any, path: Path, *, skip_plain: bool = False) -> None:
        self.inner = inner
        self.path = path
        self.skip_plain = skip_plain
        self.store: dict[str, dict[str, Any]] = (
            json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {})
        self.hits = self.misses = 0

    def generate(self, messages: list[dict[str, Any]], *, schema: dict[str, Any] | None,
                 max_tokens: int | None = None, **hooks: Any) -> Any:
        from cockpit_ai.planner.backends import Generation

        key = hashlib.sha256(json.dumps([messages, schema, max_tokens], sort_keys=True)
                             .encode()).hexdigest()
        if schema is None and self.skip_plain:
            return Generation("", "edge", 0.0)
        got = self.store.get(key)
        if got is not None:
            self.hits += 1
            return Generation(got["text"], got["backend"], got["latency_ms"],
                              got["ttft_ms"], got["tokens"])
        self.misses += 1
        import inspect

        takes = inspect.signature(self.inner.generate).parameters
        kw = {k: v for k, v in hooks.items()
              if k in takes or any(p.kind is p.VAR_KEYWORD for p in takes.values())}
        gen = self.inner.generate(messages, schema=schema, max_tokens=max_tokens, **kw)
        if not gen.cancelled:
            self.store[key] = {"text": gen.text, "backend": gen.backend,
                               "latency_ms": gen.latency_ms, "ttft_ms": gen.ttft_ms,
                               "tokens": gen.completion_tokens}
            self.path.write_text(json.dumps(self.store), encoding="utf-8")
        return gen
