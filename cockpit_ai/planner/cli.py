"""`cockpit-ai ask "TEXT"`: one turn through the planner core, printed or as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from cockpit_ai.planner.config import DEFAULT_CONFIG


def register(sub: argparse._SubParsersAction) -> None:
    """Add the planner's subcommands."""
    p = sub.add_parser(
        "ask", help="ask the co-pilot one question (edge model + POI database)",
        description="Run one utterance through the planner core (fast path, then the edge "
                    "model) with a given position/heading/speed; prints the answer and any "
                    "vehicle command.")
    p.add_argument("text", nargs="+",
                   help="what the driver says, e.g. \"set the temperature to 21\"; several "
                        "TEXTs are the turns of one dialogue (\"find a cafe\" \"the second one\")")
    p.add_argument("--lat", type=float, default=None, help="vehicle latitude, degrees")
    p.add_argument("--lon", type=float, default=None, help="vehicle longitude, degrees")
    p.add_argument("--heading", type=float, default=0.0,
                   help="heading in degrees, 0 = north, clockwise (default 0)")
    p.add_argument("--speed", type=float, default=None,
                   help="vehicle speed in km/h (default: unknown, which the safety gate "
                        "treats as moving: doors stay locked)")
    p.add_argument("--at", default=None,
                   help="local time of the question, ISO 8601 (default: now)")
    p.add_argument("--db", type=Path, default=None,
                   help="POI database (default: the bundled one)")
    p.add_argument("--model", type=Path, default=None,
                   help="GGUF file for the edge model (default: Qwen2.5-Coder-1.5B)")
    p.add_argument("--fast-only", action="store_true",
                   help="deterministic fast path only; no model is loaded")
    p.add_argument("--threads", type=int, default=None,
                   help=f"model threads (default {DEFAULT_CONFIG['n_threads']}: on 2 cores "
                        "2 threads gave 1.5x the tokens/s of 1)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object per turn, one per line")
    p.add_argument("--brand", default=None, metavar="NAME",
                   help="brand: a name from config/brands (qwen, aurora, ...) or a brand file; "
                        "its assistant name, tone, answer language and allowed functions "
                        "(default: qwen)")
    p.add_argument("--driver", default=None,
                   help="whose preferences to learn and use (default: 'default')")
    p.add_argument("--profile-db", type=Path, default=None,
                   help="driver preferences database (default: data_dir()/profiles.sqlite, "
                        "as the planner node)")
    p.add_argument("--share", type=Path, default=None, metavar="FILE",
                   help="a UTF-8 text file shared with the co-pilot before the first turn "
                        "(then: \"summarise the document\", \"read me the message\")")
    p.set_defaults(func=_ask)


def landmark_search_from_core(db: Path | None, *, at: datetime | None) -> Any:
    """A LandmarkSearch over the landmark core (``cockpit_ai.landmark``), or None when that
    core or its database is not available (the planner then says it can't see)."""
    from cockpit_ai.planner.landmarks import core_search

    return core_search(db, at=at)


def _ask(args: argparse.Namespace) -> int:
    from cockpit_ai.planner.errors import PlannerError
    from cockpit_ai.planner.planner import Context, build_planner

    at: datetime | None = None
    if args.at:
        try:
            at = datetime.fromisoformat(args.at)
        except ValueError:
            print(f"cockpit-ai ask: --at {args.at!r} is not an ISO 8601 time "
                  "(e.g. 2026-11-28T12:30)", file=sys.stderr)
            return 2
    if (args.lat is None) != (args.lon is None):
        print("cockpit-ai ask: give both --lat and --lon, or neither", file=sys.stderr)
        return 2
    if args.db is not None and not args.db.is_file():
        print(f"cockpit-ai ask: POI database not found: {args.db}", file=sys.stderr)
        return 2
    shared = ""
    if args.share is not None:
        try:
            shared = args.share.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"cockpit-ai ask: --share {args.share}: {exc}", file=sys.stderr)
            return 2
    # In process the first search also loads the time-zone and opening-hours data: be patient.
    config: dict[str, Any] = {"fast_only": bool(args.fast_only), "landmark_timeout_s": 30.0}
    if args.threads is not None:
        config["n_threads"] = args.threads
    if args.model is not None:
        config["model_path"] = str(args.model)
    if args.brand is not None:
        from cockpit_ai.brand import BrandError, load_brand

        try:
            config["brand"] = load_brand(args.brand).planner_brand()
        except BrandError as exc:
            print(f"cockpit-ai ask: {exc}", file=sys.stderr)
            return 2
    if args.profile_db is not None:
        config["profile_db"] = str(args.profile_db)
    if args.driver is not None:
        config["privacy"] = {"driver": args.driver}
    try:
        search = landmark_search_from_core(args.db, at=at)
        planner = build_planner(config, landmark_search=search, warm_up=False)
    except PlannerError as exc:
        print(f"cockpit-ai ask: {exc}", file=sys.stderr)
        return 1
    if shared:
        from cockpit_ai.planner.documents import DocumentError

        try:
            planner.share(shared, title=args.share.stem.replace("_", " "))
        except DocumentError as exc:
            planner.close()
            print(f"cockpit-ai ask: --share {args.share}: {exc}", file=sys.stderr)
            return 2
    ctx = Context(latitude_deg=args.lat, longitude_deg=args.lon, heading_deg=args.heading,
                  speed_mps=None if args.speed is None else args.speed / 3.6, time=at,
                  request_id="cli")
    try:
        # One session: each TEXT is the next turn of the same dialogue (follow-ups, yes/no).
        for text in args.text:
            _print_turn(planner.handle(text, ctx), as_json=args.json,
                        heading=f"> {text}" if len(args.text) > 1 and not args.json else None)
    finally:
        planner.close()
    return 0


def _print_turn(turn: Any, *, as_json: bool, heading: str | None) -> None:
    """One turn as a JSON line, or as the answer, its commands and a summary line."""
    if as_json:
        print(json.dumps(turn.to_dict(), ensure_ascii=False), flush=True)
        return
    if heading is not None:
        print(heading)
    print(turn.text)
    for c in turn.commands:
        print(f"command: {c.function} {c.action} value={c.value!r} unit={c.unit!r} "
              f"zone={c.zone}")
    for r in turn.refused:
        print(f"refused: {r}")
    parts = [f"route {turn.route_ms:.0f}"]
    if turn.first_token_ms is not None:
        parts.append(f"first token {turn.first_token_ms:.0f}")
    if turn.first_sentence_ms is not None:
        parts.append(f"first sentence {turn.first_sentence_ms:.0f}")
    print(f"[{turn.backend}, {turn.latency_ms:.0f} ms ({', '.join(parts)}), tools: "
          f"{', '.join(c.name for c in turn.tool_calls) or '-'}]", flush=True)
