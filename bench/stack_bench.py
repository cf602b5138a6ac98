"""Whole-stack benchmark: the demo drive through every node, N runs, with and without a busy
process beside it (``python3 -c "while True: pass"``), on this machine at rate 1.0.

Per run it prints: audio chunks published / received / missing, word error rate per question
against the spoken text and against offline ``cockpit-ai transcribe`` of the same audio from
the bag (goal: live = offline, 1.0×), whether the dialogue (transcripts, tools, answers,
commands) equals run 1's, CPU per node (% of one core during the drive), and p50/p95 of
``speech_end_to_voice`` (end of the question → first answer audio).

    python bench/stack_bench.py [--runs 3] [--busy both|off|on] [--out DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
os.environ.setdefault("ROS_DOMAIN_ID", "95")


def _pctl(vals: list[float], q: float) -> float | None:
    if not vals:
        return None
    vals = sorted(vals)
    return vals[min(len(vals) - 1, int(q * len(vals)))]


def one_run(out: Path, *, busy: bool, offline: list[dict[str, Any]],
            spoken: list[dict[str, Any]]) -> dict[str, Any]:
    from cockpit_ai.demo.offline import dialogue, match
    from cockpit_ai.demo.runner import run_demo
    from cockpit_ai.speech.text import word_error_rate

    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    try:
        summary = run_demo(out=out, report=False, echo=False).summary
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()
    turns = summary["turns"]
    wer_spoken = []
    for q in spoken:
        turn = min(turns, key=lambda t: abs(t["t"] - q["t"]), default=None)
        near = turn is not None and abs(turn["t"] - q["t"]) < 3.0
        wer_spoken.append(round(word_error_rate(q["text"], turn["question"]), 3)
                          if near and turn else 1.0)
    wer_offline = [round(word_error_rate(o["text"], t["question"]), 3) if o else 1.0
                   for t, o in match(turns, offline)]
    voice = [t["latency_ms"]["speech_end_to_voice"] for t in turns
             if t["latency_ms"].get("speech_end_to_voice") is not None]
    return {"busy": busy, "audio": summary.get("audio"), "heard": len(turns),
            "wer_vs_spoken": wer_spoken, "wer_vs_offline": wer_offline,
            "live_equals_offline": [t["question"] for t in turns] == [o["text"] for o in offline],
            "dialogue": dialogue(summary), "cpu_percent": summary.get("cpu_percent", {}),
            "speech_end_to_voice_p50_ms": _pctl(voice, 0.5),
            "speech_end_to_voice_p95_ms": _pctl(voice, 0.95)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="runs per condition (default 3)")
    ap.add_argument("--busy", choices=("both", "off", "on"), default="both",
                    help="with a busy process beside the stack, without, or both (default)")
    ap.add_argument("--out", type=Path, default=None, help="keep the demo outputs here")
    ap.add_argument("--json", type=Path, default=None, help="write every figure as JSON")
    args = ap.parse_args()

    from cockpit_ai.demo.drive_bag import demo_bag_dir, make_drive_bag
    from cockpit_ai.demo.offline import offline_transcripts
    from cockpit_ai.paths import data_dir

    out = args.out or Path(tempfile.mkdtemp(prefix="stack_bench_"))
    bag_dir = make_drive_bag(data_dir(), log=lambda m: None)
    assert bag_dir == demo_bag_dir(data_dir())
    expected = json.loads((bag_dir / "expected.json").read_text())
    offline = offline_transcripts(bag_dir / "bag", out / "offline")
    print(f"offline transcribe of the bag's audio: {[o['text'] for o in offline]}")
    conditions = {"both": [False, True], "off": [False], "on": [True]}[args.busy]
    runs: list[dict[str, Any]] = []
    for busy in conditions:
        for i in range(args.runs):
            label = f"{'busy' if busy else 'quiet'}-{i + 1}"
            print(f"== run {label}", flush=True)
            r = one_run(out / label, busy=busy, offline=offline, spoken=expected["questions"])
            r["run"] = label
            r["same_dialogue_as_run_1"] = not runs or r["dialogue"] == runs[0]["dialogue"]
            runs.append(r)
            a = r["audio"] or {}
            top = sorted(r["cpu_percent"].items(), key=lambda kv: -kv[1])[:7]
            print(f"  audio: published {a.get('chunks_published')}, received "
                  f"{a.get('chunks_received')}, missing {a.get('gaps')}")
            print(f"  heard {r['heard']}/{len(expected['questions'])}; WER vs spoken "
                  f"{r['wer_vs_spoken']}; vs offline {r['wer_vs_offline']} "
                  f"(live = offline: {r['live_equals_offline']})")
            print(f"  same dialogue as run 1: {r['same_dialogue_as_run_1']}; speech end → voice "
                  f"p50 {r['speech_end_to_voice_p50_ms']} ms, p95 "
                  f"{r['speech_end_to_voice_p95_ms']} ms")
            print("  CPU % of one core: " + ", ".join(f"{n} {v:.0f}" for n, v in top))
    equal = sum(r["live_equals_offline"] for r in runs)
    same = sum(r["same_dialogue_as_run_1"] for r in runs)
    lost = [(r["audio"] or {}).get("gaps") for r in runs]
    voice = [v for r in runs for v in [r["speech_end_to_voice_p50_ms"]] if v is not None]
    print("== summary")
    print(f"  live transcripts = offline transcribe (1.0×): {equal}/{len(runs)} runs")
    print(f"  same dialogue as run 1: {same}/{len(runs)} runs; missing chunks per run {lost}")
    if voice:
        print(f"  speech end → voice p50 over runs: median {statistics.median(voice):.0f} ms")
    if args.json:
        args.json.write_text(json.dumps({"offline": offline, "runs": runs}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
