"""What the live stack should have heard: the demo bag's audio transcribed offline.

"No audio lost" means the speech node, live under the full stack, hears exactly what
``cockpit-ai transcribe`` hears in the same audio taken from the bag. Used by the demo
replay test and ``bench/stack_bench.py``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from cockpit_ai.demo import scenario as sc
from cockpit_ai.paths import cockpit_command


def offline_transcripts(bag: Path, work: Path) -> list[dict[str, Any]]:
    """Utterances of the bag's audio by ``cockpit-ai transcribe``, times in drive seconds."""
    from cockpit_ai.bag.audio import export_wav

    work.mkdir(parents=True, exist_ok=True)
    wav = work / "drive_audio.wav"
    exported = export_wav(bag, wav)
    out = subprocess.run(cockpit_command() + ["transcribe", str(wav), "--json"],
                         capture_output=True, text=True, timeout=900, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"cockpit-ai transcribe failed: {out.stderr.strip()}")
    offset = exported.start_time_s - sc.START.timestamp()
    return [{"t": round(offset + u["start_time"], 2), "text": u["text"]}
            for u in (json.loads(line) for line in out.stdout.splitlines() if line.strip())]


def match(turns: list[dict[str, Any]], offline: list[dict[str, Any]],
          *, tolerance_s: float = 0.25) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Each live turn with the offline utterance that starts at the same audio time."""
    pairs = []
    for turn in turns:
        near = min(offline, key=lambda u: abs(u["t"] - turn["t"]), default=None)
        ok = near is not None and abs(near["t"] - turn["t"]) <= tolerance_s
        pairs.append((turn, near if ok else None))
    return pairs


def dialogue(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """What must be the same on every replay: transcripts, tools, answers, commands."""
    return [{"question": t["question"], "tool_calls": list(t["tool_calls"]),
             "answer": t["answer"],
             "commands": [(c["function"], c["action"], c["value"], c["unit"])
                          for c in t["commands"]]}
            for t in summary["turns"]]
