"""Soak benchmark (issue 15): the demo drive looped through one running stack for a long time,
and the two-computer run's latency against one computer's.

Soak: the stack is launched once and the demo bag played again and again (stamps jump back
each loop: a replay is another timeline for every node). Per loop it prints the questions
heard and answered, whether the dialogue (question, answer, tools, commands) equals loop
1's, the microphone chunks published / received / missing, and the resident memory (RSS)
of every node. At the end: RSS growth per node from the end of loop 1 (the models are
loaded and warm by then) to the end of the last loop (goal < 5 %) — and from the end of
loop 2, since some memory is taken once at the first replay (the trips node: +118 MB in
one step during loop 2, flat after) — dropped audio over all loops (goal 0), loops whose
answers equal loop 1's (goal: all).

Two hosts (``--two-hosts``): the demo drive once on this computer and once split over two
network namespaces (``cockpit-ai demo --two-hosts``, needs root); per question and p50/p95
of speech end → first voice audio, and the ratio two hosts / one host. Figures, never
asserted.

    python bench/soak_bench.py [--minutes 30] [--from S --to S] [--out DIR] [--json FILE]
    python bench/soak_bench.py --two-hosts [--out DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
os.environ.setdefault("ROS_DOMAIN_ID", "97")


def dialogue(summary: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What must repeat loop after loop: questions, answers, tools, commands."""
    return [(t["question"], t["answer"], tuple(t["tool_calls"]),
             tuple((c["function"], c["action"], c["value"]) for c in t["commands"]))
            for t in summary["turns"]]


def soak(out: Path, *, minutes: float, window: tuple[float, float] | None) -> dict[str, Any]:
    from cockpit_ai.demo.drive_bag import make_drive_bag
    from cockpit_ai.demo.runner import run_demo
    from cockpit_ai.paths import data_dir

    expected = json.loads((make_drive_bag(data_dir()) / "expected.json").read_text())
    drive_s = (window[1] - window[0]) if window else float(expected["duration_s"])
    per_loop_s = drive_s + 15.0  # the drive, the last answers, the player's start
    loops = max(2, math.ceil(minutes * 60.0 / per_loop_s))
    print(f"soak: {loops} loops of {drive_s:.0f} s (~{loops * per_loop_s / 60:.0f} min)",
          flush=True)
    rows: list[dict[str, Any]] = []
    started = time.monotonic()

    def on_loop(i: int, data: dict[str, Any]) -> None:
        s = data["summary"]
        a = data["audio"]
        d = dialogue(s)
        same = d == rows[0]["dialogue"] if rows else True
        row = {"loop": i + 1, "minute": round((time.monotonic() - started) / 60, 1),
               "heard": len(s["turns"]), "answered": sum(1 for t in s["turns"] if t["answer"]),
               "dialogue": d, "same_as_loop_1": same,
               "audio": a, "rss_mb": {k: round(v / 2**20, 1)
                                      for k, v in sorted(data["rss_bytes"].items())},
               "cpu_percent": data["cpu_percent"]}
        rows.append(row)
        lost = (a["chunks_published"] or 0) - (a["chunks_received"] or 0)
        print(f"loop {i + 1:3d} @ {row['minute']:5.1f} min: {row['heard']} heard, "
              f"{row['answered']} answered, dialogue {'=' if same else '≠'} loop 1, audio "
              f"{a['chunks_received']}/{a['chunks_published']} (lost {lost}, gaps "
              f"{a['gaps']}), RSS MB " + ", ".join(f"{k} {v:.0f}"
                                                    for k, v in row["rss_mb"].items()),
              flush=True)
        if not same and rows:
            for x, y in zip(rows[0]["dialogue"], d, strict=False):
                if x != y:
                    print(f"    loop 1: {x}\n    now:    {y}", flush=True)

    run_demo(out=out, report=False, echo=False, window=window, loops=loops, on_loop=on_loop)
    last = rows[-1]["rss_mb"]

    def growth_from(row: dict[str, Any]) -> dict[str, float]:
        base = row["rss_mb"]
        return {k: round(100.0 * (last[k] - base[k]) / base[k], 2)
                for k in sorted(base) if k in last and base[k] > 0}

    growth = growth_from(rows[0])
    warm = growth_from(rows[1]) if len(rows) >= 3 else growth
    print("\nRSS growth to the end of the last loop (goal < 5 %), from the end of loop 1 and "
          "from the end of loop 2:")
    for k in growth:
        print(f"  {k:18s} {rows[0]['rss_mb'][k]:8.1f} / {rows[1]['rss_mb'].get(k, 0):8.1f} MB "
              f"-> {last[k]:8.1f} MB  {growth[k]:+6.2f} % / {warm.get(k, 0):+6.2f} %"
              + ("" if warm.get(k, 0) < 5.0 else "   <-- over the goal"))
    lost = sum((r["audio"]["chunks_published"] or 0) - (r["audio"]["chunks_received"] or 0)
               for r in rows)
    gaps = sum(r["audio"]["gaps"] or 0 for r in rows)
    same = sum(1 for r in rows if r["same_as_loop_1"])
    print(f"dropped audio over {len(rows)} loops: {lost} chunks lost, {gaps} gaps (goal 0)")
    print(f"loops whose dialogue equals loop 1's: {same} of {len(rows)}")
    return {"loops": rows, "rss_growth_percent": growth, "rss_growth_after_loop_2": warm,
            "audio_lost_chunks": lost,
            "audio_gaps": gaps, "loops_same_dialogue": same,
            "minutes": round((time.monotonic() - started) / 60, 1)}


def _pctl(vals: list[float], q: float) -> float | None:
    if not vals:
        return None
    vals = sorted(vals)
    return vals[min(len(vals) - 1, int(q * len(vals)))]


def two_hosts(out: Path, window: tuple[float, float] | None) -> dict[str, Any]:
    from cockpit_ai.paths import cockpit_command

    extra = (["--from", str(window[0]), "--to", str(window[1])] if window else [])
    runs: dict[str, dict[str, Any]] = {}
    for name, flags in (("one_host", []), ("two_hosts", ["--two-hosts"])):
        folder = out / name
        t0 = time.monotonic()
        res = subprocess.run(cockpit_command() + ["demo", "--out", str(folder), "--no-report",
                                                  *flags, *extra],
                             capture_output=True, text=True, check=False)
        if res.returncode != 0:
            print(res.stdout[-3000:], res.stderr[-3000:])
            raise SystemExit(f"{name}: cockpit-ai demo failed ({res.returncode})")
        summary = json.loads((folder / "summary.json").read_text())
        voice = [t["latency_ms"]["speech_end_to_voice"] for t in summary["turns"]]
        runs[name] = {"summary": summary, "voice_ms": voice,
                      "wall_min": round((time.monotonic() - t0) / 60, 1)}
    one, two = runs["one_host"], runs["two_hosts"]
    print("\nspeech end -> first voice audio, per question (ms):")
    print(f"  {'question':52s} {'one host':>9s} {'two hosts':>9s} {'ratio':>6s}")
    for t1, t2 in zip(one["summary"]["turns"], two["summary"]["turns"], strict=False):
        a, b = t1["latency_ms"]["speech_end_to_voice"], t2["latency_ms"]["speech_end_to_voice"]
        ratio = f"{b / a:5.2f}x" if a and b else "  –"
        print(f"  {t1['question'][:52]:52s} {a or float('nan'):9.0f} {b or float('nan'):9.0f} "
              f"{ratio}")
    res: dict[str, Any] = {"same_dialogue": dialogue(one["summary"]) == dialogue(two["summary"])}
    for q in (0.5, 0.95):
        a = _pctl([v for v in one["voice_ms"] if v is not None], q)
        b = _pctl([v for v in two["voice_ms"] if v is not None], q)
        res[f"p{int(q * 100)}_ms"] = {"one_host": a, "two_hosts": b,
                                     "ratio": round(b / a, 2) if a and b else None}
        print(f"  p{int(q * 100):<3d} {a or float('nan'):9.0f} ms one host, "
              f"{b or float('nan'):9.0f} ms two hosts"
              + (f", {b / a:.2f}x" if a and b else ""))
    link = two["summary"].get("network", {}).get("link") or {}
    crossed = sum(p["bytes"] for p in link.get("ipv4", []))
    res["link_mb"] = round(crossed / 1e6, 1)
    res["multicast_packets"] = link.get("multicast_packets")
    print(f"dialogue equal: {res['same_dialogue']}; the link carried {crossed / 1e6:.1f} MB, "
          f"{link.get('multicast_packets')} multicast packets")
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=30.0, help="soak length (default 30)")
    ap.add_argument("--from", dest="start", type=float, default=None, metavar="S",
                    help="play only the drive from S seconds (a shorter loop)")
    ap.add_argument("--to", dest="end", type=float, default=None, metavar="S")
    ap.add_argument("--two-hosts", action="store_true",
                    help="instead of the soak: one computer vs two (needs root)")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = ap.parse_args()
    window = None
    if args.start is not None or args.end is not None:
        window = (args.start or 0.0, args.end if args.end is not None else float("inf"))
    out = args.out or Path(tempfile.mkdtemp(prefix="soak-"))
    out.mkdir(parents=True, exist_ok=True)
    result = two_hosts(out, window) if args.two_hosts else soak(out / "soak",
                                                                minutes=args.minutes,
                                                                window=window)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
