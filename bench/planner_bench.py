# ruff: noqa: E402  (the source tree goes on sys.path before the package imports)
"""Planner benchmark: accuracy on the evaluation set (development and test parts scored
separately, through Planner.handle as a driver gets it), tool/argument accuracy per model
and per path on the seed utterance set, planner overhead against llama-cpp-python called
directly, and time to a vehicle command.

    python bench/planner_bench.py [--part dev|test|both|all] [--fast-only] [--limit N]
                                  [--models qwen,smol] [--subset] [--repeats 3]

The test part (test/planner/eval/test.yaml) is only scored: its misses are not printed
unless --show-test-misses, so nobody tunes rules to it by reading this output.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cockpit_ai.paths import data_dir
from cockpit_ai.planner.assets import model_path
from cockpit_ai.planner.backends import EdgeBackend, EdgeSettings
from cockpit_ai.planner.dialogue import build_messages
from cockpit_ai.planner.evaluation import (
    CachedBackend,
    PlannerScore,
    eval_fastpath,
    eval_model,
    eval_planner,
    load_utterances,
    score,
)
from cockpit_ai.planner.planner import Context, Planner, build_planner
from cockpit_ai.planner.router import cv_routers, load_calls, load_examples
from cockpit_ai.planner.tools import TOOL_SCHEMA

UTTERANCES = ROOT / "test" / "planner" / "utterances.yaml"
EVAL_DIR = ROOT / "test" / "planner" / "eval"
GOAL_TOOL, GOAL_ARGS, GOAL_GAP = 0.95, 0.90, 3.0  # issue 12: test part; dev - test, points
SCORED_ONLY = ("test", "holdout")  # parts never read to write rules, examples or router data
PROFILES = {"qwen": "qwen2.5-coder-1.5b", "smol": "smollm2-135m"}


def pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def accuracy_rows(items: list[dict[str, Any]], models: list[str]) -> tuple[list[str], list[str]]:
    """Accuracy table (fast path, LLM per model, both combined) and time-to-command table."""
    from cockpit_ai.planner import fastpath

    rows = ["| path | model | handled | tool right | key args right | JSON valid | mean s/utt |",
            "|---|---|---|---|---|---|---|"]
    fp = eval_fastpath(items).row()
    rows.append(f"| fast path | - | {fp['handled']}/{fp['utterances']} | "
                f"{pct(fp['tool_right_of_handled'])} | {pct(fp['args_right_of_handled'])} | "
                f"100 % | {fp['mean_s'] * 1000:.2f} ms |")
    fast_calls = [None if i.get("followup") else fastpath.parse(i["text"]) for i in items]
    vehicle = [k for k, i in enumerate(items) if i["tool"] == "vehicle"]
    cmd_rows = ["| path | model | vehicle utterances answered with a command | median time |",
                "|---|---|---|---|"]
    fast_planner = Planner(config={"fast_only": True})
    times = []
    for k in vehicle:
        t0 = time.perf_counter()
        turn = fast_planner.handle(items[k]["text"], Context(session_id=f"f{k}"))
        if turn.commands:
            times.append(time.perf_counter() - t0)
    cmd_rows.append(f"| fast path | - | {len(times)}/{len(vehicle)} | "
                    f"{statistics.median(times) * 1000:.2f} ms |")
    n = len(items)
    for key in models:
        edge = EdgeBackend(EdgeSettings(model_path=model_path(data_dir(), PROFILES[key])))
        planner = Planner(backend=edge, config={"fastpath": False})
        planner.warm_up()
        ps = eval_model(planner, items, name=key)
        r = ps.row()
        rows.append(f"| LLM | {key} | {r['handled']}/{r['utterances']} | "
                    f"{pct(r['tool_right_of_all'])} | {pct(r['args_right_of_all'])} | "
                    f"{pct(r['json_valid'])} | {r['mean_s']:.2f} |")
        # Fast path where it is confident, the model for the rest (temperature 0: the same
        # model answers as in the LLM-only run).
        tool_ok = args_ok = 0
        for item, fast, slow in zip(items, fast_calls, ps.calls, strict=True):
            t, a = score(fast if fast is not None else slow, item)
            tool_ok += t
            args_ok += a
        rows.append(f"| fast path + LLM | {key} | {n}/{n} | {pct(tool_ok / n)} | "
                    f"{pct(args_ok / n)} | - | - |")
        llm_times = [ps.seconds[k] for k in vehicle if ps.commanded[k]]
        median = f"{statistics.median(llm_times):.2f} s" if llm_times else "-"
        cmd_rows.append(f"| LLM | {key} | {len(llm_times)}/{len(vehicle)} | {median} |")
        for miss in ps.misses:
            print(f"  miss ({key}): {miss}", flush=True)
        del planner, edge
    return rows, cmd_rows


def spread(items: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """``limit`` items spread evenly over the list (the files are grouped by tool), or all."""
    if limit <= 0 or limit >= len(items):
        return items
    step = len(items) / limit
    return [items[int(k * step)] for k in range(limit)]


def ms(x: float) -> str:
    return "-" if x != x else f"{x:.0f}" if x >= 10 else f"{x:.2f}"  # NaN: no such answers


def eval_set_rows(parts: list[str], *, fast_only: bool, limit: int,
                  show_test_misses: bool, learned_router: bool = True, cv: bool = False,
                  rules: bool = True, llm_cache: Path | None = None,
                  chat_replies: bool = True,
                  config: dict[str, Any] | None = None) -> list[str]:
    """Each part through a real planner (build_planner: the configured model behind the fast
    path, or the router alone with ``fast_only``): accuracy, routed share, latency, gap.
    ``cv``: the dev part routed by 5-fold cross-validated learned routers (each request by
    a classifier that never saw it); ``rules`` False: the fast path's rules off (the
    learned router, its slots and the model answer everything); ``llm_cache``: the model's
    answers kept in that file (evaluation.CachedBackend)."""
    files = {"seed": UTTERANCES, "dev": EVAL_DIR / "dev.yaml", "test": EVAL_DIR / "test.yaml",
             "holdout": EVAL_DIR / "holdout.yaml"}
    planner = build_planner({"fast_only": fast_only, "learned_router": learned_router,
                             "fastpath": rules, **(config or {})})
    planner.handle("set the temperature to 21 degrees", Context(session_id="warm"))  # untimed
    if llm_cache is not None and planner.backend is not None:
        planner.backend = CachedBackend(planner.backend, llm_cache,
                                        skip_plain=not chat_replies)
    trained = planner.router
    scores: dict[str, PlannerScore] = {}
    for part in parts:
        items = spread(load_utterances(files[part]), limit)
        router_for = None
        if cv and part == "dev" and trained is not None:
            folds = cv_routers(trained.embedder, load_examples(),
                               [i["text"] for i in load_utterances(files["dev"])],
                               calls=load_calls())
            router_for = lambda item, folds=folds: folds[item["text"]]  # noqa: E731
        t0 = time.perf_counter()
        scores[part] = eval_planner(planner, items, name=part, router_for=router_for)
        planner.router = trained
        print(f"  {part}: {len(items)} requests in {time.perf_counter() - t0:.0f} s",
              flush=True)
    planner.close()
    rows = ["| part | requests | tool right | key args right | routed (no LLM) | "
            "routed right | of which by the learned router's slots (right) | "
            "routed p50 / p95 ms | LLM p50 / p95 ms |",
            "|---|---|---|---|---|---|---|---|---|"]
    for part, ps in scores.items():
        r = ps.row()
        rows.append(f"| {part} | {r['requests']} | {pct(r['tool_right'])} | "
                    f"{pct(r['args_right'])} | {pct(r['routed'])} | {pct(r['routed_right'])} | "
                    f"{r['slots']} ({r['slots_right']}) | "
                    f"{ms(r['routed_p50_ms'])} / {ms(r['routed_p95_ms'])} | "
                    f"{ms(r['llm_p50_ms'])} / {ms(r['llm_p95_ms'])} |")
    for held in SCORED_ONLY:
        if "dev" not in scores or held not in scores:
            continue
        dev, test = scores["dev"].row(), scores[held].row()
        gap_t = 100 * (dev["tool_right"] - test["tool_right"])
        gap_a = 100 * (dev["args_right"] - test["args_right"])
        ok = (test["tool_right"] >= GOAL_TOOL and test["args_right"] >= GOAL_ARGS
              and gap_t <= GOAL_GAP and gap_a <= GOAL_GAP)
        rows.append("")
        rows.append(f"dev - {held} gap: tool {gap_t:+.1f} points, key args {gap_a:+.1f} points "
                    f"(goal: {held} tool >= {pct(GOAL_TOOL)}, args >= {pct(GOAL_ARGS)}, gap <= "
                    f"{GOAL_GAP:.0f} points: {'met' if ok else 'not met'})")
    tools = sorted({t for ps in scores.values() for t in ps.per_tool})
    rows += ["", "| tool | " + " | ".join(f"{p} n / tool / args" for p in scores) + " |",
             "|---|" + "---|" * len(scores)]
    for tool in tools:
        cells = []
        for ps in scores.values():
            n, t, a = ps.per_tool.get(tool, [0, 0, 0])
            cells.append(f"{n} / {pct(t / n)} / {pct(a / n)}" if n else "-")
        rows.append(f"| {tool} | " + " | ".join(cells) + " |")
    for part, ps in scores.items():
        if part in SCORED_ONLY and not show_test_misses:
            print(f"  {part} misses: {len(ps.misses)} (not shown: the {part} part is only "
                  "scored)")
            continue
        for miss in ps.misses:
            print(f"  miss ({part}): {miss}", flush=True)
    return rows


def overhead(repeats: int) -> list[str]:
    """TTFT and tokens/s through EdgeBackend.generate vs create_chat_completion directly."""
    edge = EdgeBackend(EdgeSettings(model_path=model_path(data_dir(), PROFILES["qwen"])))
    planner = Planner(backend=edge, config={"fastpath": False})
    planner.warm_up()
    llm = edge.llm
    grammar = edge._grammar(TOOL_SCHEMA)
    texts = ["find me a vegan restaurant that is open now", "tell me a joke",
             "set the passenger side to 23 degrees"]
    direct_ttft, direct_tps, ours_ttft, ours_tps = [], [], [], []
    reset = [{"role": "system", "content": planner.system}, {"role": "user", "content": "hi"}]

    def direct(msgs: list[dict[str, str]]) -> None:
        t0 = time.perf_counter()
        first, n = 0.0, 0
        for chunk in llm.create_chat_completion(messages=msgs, grammar=grammar,
                                                temperature=0.0, max_tokens=160, stream=True):
            if chunk["choices"][0].get("delta", {}).get("content"):
                if not n:
                    first = time.perf_counter() - t0
                n += 1
        total = time.perf_counter() - t0
        direct_ttft.append(first)
        direct_tps.append((n - 1) / max(total - first, 1e-6))

    def ours(msgs: list[dict[str, str]]) -> None:
        gen = edge.generate(msgs, schema=TOOL_SCHEMA, max_tokens=160)
        ours_ttft.append(gen.ttft_ms / 1000)
        ours_tps.append((gen.completion_tokens - 1)
                        / max((gen.latency_ms - gen.ttft_ms) / 1000, 1e-6))

    for rep in range(repeats):
        for text in texts:
            msgs = build_messages(planner.system, planner.dialogues.get("bench"), text,
                                  ["Time: Sat 12:00; speed: 0 km/h"])
            # Same cache state for both (only the system prompt cached), alternating order.
            for run in ((direct, ours) if rep % 2 == 0 else (ours, direct)):
                llm.create_chat_completion(messages=reset, max_tokens=1, temperature=0.0)
                run(msgs)
    m = statistics.median
    return [
        "| path | TTFT (median) | generation tok/s (median) |", "|---|---|---|",
        f"| llama-cpp-python direct | {m(direct_ttft) * 1000:.0f} ms | {m(direct_tps):.1f} |",
        f"| planner EdgeBackend | {m(ours_ttft) * 1000:.0f} ms | {m(ours_tps):.1f} |",
        f"| ratio planner/direct | {m(ours_ttft) / m(direct_ttft):.3f} | "
        f"{m(ours_tps) / m(direct_tps):.3f} |",
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--models", default="smol,qwen", help="comma list of: smol, qwen")
    ap.add_argument("--subset", action="store_true", help="only the ~10 subset utterances")
    ap.add_argument("--repeats", type=int, default=2, help="overhead repeats (3 prompts each)")
    ap.add_argument("--skip", default="", help="comma list of: eval, accuracy, overhead")
    ap.add_argument("--part", default="both",
                    choices=["dev", "test", "holdout", "both", "all"],
                    help="evaluation set part(s); both = dev + test + holdout; all = both + "
                         "the seed utterance set")
    ap.add_argument("--fast-only", action="store_true",
                    help="router only, no model (quick): also skips the overhead table")
    ap.add_argument("--limit", type=int, default=0,
                    help="at most N requests per part, spread over the part (0: all)")
    ap.add_argument("--no-learned-router", action="store_true",
                    help="the model chooses among all tools (the planner before issue 12's "
                         "learned router), for comparison")
    ap.add_argument("--cv", action="store_true",
                    help="the dev part routed by 5-fold cross-validated learned routers "
                         "(each request by a classifier that never saw it)")
    ap.add_argument("--no-rules", action="store_true",
                    help="the fast path's rules off: the learned router, its slots and the "
                         "model answer every request (measures the layer behind the rules)")
    ap.add_argument("--llm-cache", type=Path, default=None,
                    help="keep the model's answers in this JSON file and reuse them (to "
                         "compare what the planner does with the same answers)")
    ap.add_argument("--no-chat-replies", action="store_true",
                    help="with --llm-cache: plain chat replies are not generated (the route "
                         "is scored, not the reply's words; latency figures then leave them out)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                    help="a planner core setting for the evaluation set run (repeatable)")
    ap.add_argument("--show-test-misses", action="store_true",
                    help="print the test part's misses too (to audit the set, not to tune)")
    args = ap.parse_args()
    items = load_utterances(UTTERANCES)
    if args.subset:
        items = [i for i in items if i.get("subset")]
    skip = set(filter(None, args.skip.split(",")))
    if args.fast_only:
        skip.add("overhead")
    if "eval" not in skip:
        parts = {"dev": ["dev"], "test": ["test"], "holdout": ["holdout"],
                 "both": ["dev", "test", "holdout"],
                 "all": ["seed", "dev", "test", "holdout"]}[args.part]
        if args.fast_only and args.part == "both":
            parts = ["seed", *parts]  # cheap without the model
        model = ("router only" if args.fast_only else "fast path + configured model" + (
            "" if args.no_learned_router else " + learned router"))
        print(f"\n## Evaluation set ({model}; through Planner.handle)\n", flush=True)
        print("\n".join(eval_set_rows(parts, fast_only=args.fast_only, limit=args.limit,
                                      show_test_misses=args.show_test_misses,
                                      learned_router=not args.no_learned_router,
                                      cv=args.cv, rules=not args.no_rules,
                                      llm_cache=args.llm_cache,
                                      chat_replies=not args.no_chat_replies,
                                      config={k: json.loads(v) for k, v in
                                              (kv.split("=", 1) for kv in args.set)})),
              flush=True)
    if "accuracy" not in skip:
        models = [] if args.fast_only else [m for m in args.models.split(",") if m]
        acc, cmd = accuracy_rows(items, models)
        print("\n## Accuracy on the utterance set\n")
        print("\n".join(acc))
        print("\n## Time to a vehicle command (from text to a checked VehicleCommand)\n")
        print("\n".join(cmd), flush=True)
    if "overhead" not in skip:
        print("\n## Planner overhead vs llama-cpp-python (Qwen2.5-Coder-1.5B, grammar on)\n")
        print("\n".join(overhead(args.repeats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
