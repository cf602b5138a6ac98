"""The demo summary's bookkeeping without running the stack: audio counts, latency bases,
CPU per node from /proc."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from cockpit_ai.demo.cpu import cpu_share, node_cpu_seconds
from cockpit_ai.demo.runner import audio_summary, summarize

SPEECH = [{"speech_start_s": 14.0, "speech_end_s": 16.0},
          {"speech_start_s": 32.0, "speech_end_s": 35.0}]


def _events(play_start: float) -> list[dict]:
    """A question heard whole, and one split in two by the recogniser."""
    def wall(t: float) -> float:
        return play_start + t

    return [
        {"kind": "transcript", "t": 14.0, "wall": wall(17.0),
         "data": {"id": "u1", "text": "what is that", "end_t": 16.3}},
        {"kind": "response", "t": 14.0, "wall": wall(17.5),
         "data": {"request_id": "u1", "text": "Ateneum", "backend": "edge",
                  "latency_ms": 500.0, "tool_calls": ["landmark"], "proactive": False}},
        {"kind": "tts", "t": 14.0, "wall": wall(17.8), "data": {"request_id": "u1"}},
        # first part of a split question: ends at 33.1 s, heard at 33.9 s (before 35 s)
        {"kind": "transcript", "t": 32.0, "wall": wall(33.9),
         "data": {"id": "u2", "text": "find me", "end_t": 33.1}},
        {"kind": "transcript", "t": 33.4, "wall": wall(36.0),
         "data": {"id": "u3", "text": "a restaurant", "end_t": 35.3}},
    ]


def test_latencies_start_at_the_end_of_what_each_transcript_covers() -> None:
    s = summarize(_events(1000.0), [], {"speech": SPEECH}, play_start=1000.0, rate=1.0)
    lat = [t["latency_ms"] for t in s["turns"]]
    assert round(lat[0]["speech_end_to_transcript"]) == 1000  # 17.0 - 16.0
    assert round(lat[0]["speech_end_to_voice"]) == 1800  # 17.8 - 16.0
    # the split part is measured from its own end, never negative
    assert round(lat[1]["speech_end_to_transcript"]) == 800  # 33.9 - 33.1
    assert round(lat[2]["speech_end_to_transcript"]) == 1000  # 36.0 - 35.0
    assert lat[1]["speech_end_to_voice"] is None  # never answered


def test_audio_counts_come_from_the_player_and_the_speech_node(tmp_path: Path) -> None:
    stats = tmp_path / "play.json"
    stats.write_text(json.dumps({"per_topic": {"/cockpit/audio": 7100, "/cockpit/fix": 710}}))
    speech = {"level": 1, "message": "lost 3 audio chunks",
              "values": {"chunks": "7097", "dropped_frames": "3"}}
    a = audio_summary(stats, speech, "/cockpit/audio")
    assert a == {"chunks_published": 7100, "chunks_received": 7097, "gaps": 3,
                 "speech_status": "lost 3 audio chunks"}
    unknown = audio_summary(tmp_path / "missing.json", None, "/cockpit/audio")
    assert unknown["chunks_published"] is None and unknown["chunks_received"] is None


def test_cpu_time_is_counted_per_node_name() -> None:
    busy = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.6: pass\n" \
           "time.sleep(30)"
    parent = subprocess.Popen([sys.executable, "-c",
                               "import subprocess, sys, time\n"
                               f"c = subprocess.Popen([sys.executable, '-c', {busy!r}, "
                               "'--ros-args', '-r', '__node:=worker'])\n"
                               "time.sleep(30)"])
    try:
        before = node_cpu_seconds(parent.pid)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            now = node_cpu_seconds(parent.pid)
            if now.get("worker", 0.0) >= 0.5:
                break
            time.sleep(0.1)
        assert now.get("worker", 0.0) >= 0.5, now
        share = cpu_share(before, now, 1.0)
        assert share["worker"] > 0
    finally:
        subprocess.run(["pkill", "-P", str(parent.pid)], check=False)
        parent.kill()
        parent.wait()
