"""Brands, driver preferences and shared documents (issue 14 items 4-6): what they cost.

Prints (1) the router path per turn through ``Planner.handle`` (fast path only, the dev
evaluation requests) for the plain English planner, with a driver profile (a diet: every
food search reads it) and with the German brand (every answer through the templates),
median / p95 and the ratio to the plain planner; (2) ``translate`` alone per answer; (3)
``ProfileStore.get`` against the raw sqlite3 query on the same file; and with ``--model``
(4) a shared text of three chunks summarised by the shipped Qwen model: the moment the
first summary sentence is passed on (what the TTS can start speaking) against the whole
answer. Figures are printed, never asserted.

    python bench/brand_bench.py [--repeats 3] [--model]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cockpit_ai.brand import load_brand  # noqa: E402
from cockpit_ai.planner.languages import translate  # noqa: E402
from cockpit_ai.planner.planner import Context, Planner  # noqa: E402
from cockpit_ai.profile.memory import ProfileMemory  # noqa: E402
from cockpit_ai.profile.store import ProfileStore  # noqa: E402


def requests() -> list[str]:
    items = yaml.safe_load((ROOT / "test" / "planner" / "eval" / "dev.yaml").read_text())
    return [str(i["text"]) for i in items if not i.get("followup")]


def timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, round(0.95 * len(xs)) - 1)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--model", action="store_true", help="also summarise with Qwen")
    args = ap.parse_args()
    texts = requests()
    tmp = Path(tempfile.mkdtemp())
    db = tmp / "profiles.sqlite"
    store = ProfileStore(db)
    store.set("anna", "diet", "vegetarian")
    store.set("anna", "home", (60.1636, 24.9470))

    plain = Planner(config={"fast_only": True})
    profiled = Planner(config={"fast_only": True})
    profiled.memory = ProfileMemory(store, "anna")
    german = Planner(config={"fast_only": True,
                             "brand": load_brand("aurora").planner_brand()})
    german.memory = ProfileMemory(store, "anna")
    print(f"(1) Planner.handle, fast path only, {len(texts)} dev requests x {args.repeats} "
          "(no landmark search: the search is the same for all)")
    planners = {"plain (en, no profile)": plain, "with a profile (diet, home)": profiled,
                "aurora (de) + profile": german}
    ms: dict[str, list[float]] = {name: [] for name in planners}
    english: list[str] = []
    for r in range(args.repeats):  # interleaved: the machine's load falls on all alike
        for i, text in enumerate(texts):
            names = list(planners)
            for name in names[i % 3:] + names[:i % 3]:
                t0 = time.perf_counter()
                turn = planners[name].handle(text, Context(speed_mps=0.0, session_id=f"{r}-{i}"))
                ms[name].append((time.perf_counter() - t0) * 1000)
                if planners[name] is plain:
                    english.append(turn.text)
    base = statistics.median(ms["plain (en, no profile)"])
    print(f"  {'planner':34s} {'median ms':>10s} {'p95 ms':>8s} {'ratio':>6s}")
    for name, xs in ms.items():
        print(f"  {name:34s} {statistics.median(xs):10.3f} {p95(xs):8.3f} "
              f"{statistics.median(xs) / base:6.2f}")

    said = [t for t in english if t]
    per = timed(lambda: [translate(t, "de") for t in said], 5)
    covered = sum(translate(t, "de")[1] for t in said)
    print(f"(2) translate(en -> de): {statistics.median(per) * 1000 / len(said):.1f} µs per "
          f"answer (median of 5 passes over {len(said)} answers); {covered}/{len(said)} "
          "answers fully covered by the templates")

    raw_sql = "SELECT key, value, source, updated_at FROM preference WHERE driver = ?"

    def raw() -> object:
        with sqlite3.connect(db) as conn:
            return conn.execute(raw_sql, ("anna",)).fetchall()

    ours = timed(lambda: store.get("anna"), 500)
    theirs = timed(raw, 500)
    print(f"(3) ProfileStore.get {statistics.median(ours) * 1000:.0f} µs vs raw sqlite3 "
          f"connect+select {statistics.median(theirs) * 1000:.0f} µs (ratio "
          f"{statistics.median(ours) / statistics.median(theirs):.2f}; the file is opened "
          "per request so another process's forget holds at once)")

    if args.model:
        from cockpit_ai.planner.planner import build_planner

        p = build_planner({"history_db": None}, warm_up=True)
        body = "\n\n".join(
            f"Day {d}. " + " ".join(f"On day {d} the team drives from Tampere to Turku and "
                                    f"stops at café number {i} for coffee." for i in range(12))
            for d in range(1, 4))
        p.share(body, title="Trip plan", source="phone")
        firsts: list[float] = []
        t0 = time.perf_counter()

        def seen(text: str) -> None:
            firsts.append((time.perf_counter() - t0) * 1000)

        turn = p.handle("summarise the document", Context(on_partial=seen))
        total = (time.perf_counter() - t0) * 1000
        from cockpit_ai.planner.documents import CHUNK_CHARS, FIRST_CHUNK_CHARS, chunks

        parts = chunks(body, CHUNK_CHARS, first=FIRST_CHUNK_CHARS)
        print(f"(4) Qwen, a shared text of {len(body)} characters ({len(parts)} "
              f"chunks): first partial answer {firsts[0] / 1000:.1f} s, whole answer "
              f"{total / 1000:.1f} s ({len(turn.text)} characters, backend {turn.backend})")
        p.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
