"""Scoring the planner on the utterance set (shared by tests and bench/planner_bench.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
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
