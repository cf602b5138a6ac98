"""Streamed answers with real nodes: the TTS speaks the partial answers on response/partial
as they come (each sentence once, the final only adds the rest, a barge-in drops the rest of
the answer), and a real planner with the real model streams a chat answer so the first
``tts/audio`` arrives before the final ``response``, with the same final text as a run with
``stream_partials:=false``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from cockpit_ai.testing import node_exec

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def frames_of(sentences: list[str]) -> int:
    """Chunks the TTS publishes for ``sentences`` spoken one by one (20 ms frames)."""
    from cockpit_ai.speech.tts import synthesize

    return sum(-(-len(synthesize(s).samples) // 320) for s in sentences)


def start_tts(processes: Any, probe: Any, ns: str) -> tuple[Any, Any, Any]:
    from std_msgs.msg import Bool

    from cockpit_ai.msg import AssistantResponse, AudioChunk
    from cockpit_ai.ros import qos

    tts = processes.start(
        [node_exec("tts_node"), "--ros-args",
         "--params-file", str(REPO / "config" / "tts.param.yaml"), "-p", "playback:=never",
         "-r", f"__ns:={ns}"], name=f"tts{ns.replace('/', '_')}")  # fmt: skip
    chunks = probe.subscribe(AudioChunk, f"{ns}/tts/audio", qos=qos.AUDIO)
    talking = probe.subscribe(Bool, f"{ns}/tts/active", qos=qos.LATCHED)
    for topic in ("response", "response/partial"):
        probe.wait_for_subscribers(AssistantResponse, f"{ns}/{topic}", timeout=30)
    probe.wait_for_subscribers(Bool, f"{ns}/speech_active", timeout=30)
    assert tts.poll() is None, processes.log(tts)
    return tts, chunks, talking


def test_tts_speaks_partials_once_and_barge_in_drops_the_rest(processes, probe) -> None:
    from std_msgs.msg import Bool

    from cockpit_ai.msg import AssistantResponse

    ns = "/stts"
    tts, chunks, _talking = start_tts(processes, probe, ns)
    part = f"{ns}/response/partial"
    s1, s2, s3 = "A fox lived in the wood.", "It was clever.", "The end"
    probe.publish(part, AssistantResponse(request_id="r1", text=s1))
    chunks.wait(1, timeout=20)  # spoken before any final exists
    probe.publish(part, AssistantResponse(request_id="r1", text=f"{s1} {s2}"))
    probe.publish(part, AssistantResponse(request_id="r1", text=f"{s1} {s2}"))  # a repeat
    probe.publish(f"{ns}/response", AssistantResponse(request_id="r1", text=f"{s1} {s2} {s3}"))
    expected = frames_of([s1, s2, s3])
    chunks.wait(expected, timeout=30)
    time.sleep(1.0)
    assert len(chunks.messages) == expected  # every sentence once, the final's rest too

    # barge-in mid-answer: audio stops, later partials and the final of r2 say nothing
    long = ("Turn left in two hundred metres, then keep right at the fork and follow the "
            "signs to the central railway station.")
    before = len(chunks.messages)
    probe.publish(part, AssistantResponse(request_id="r2", text=long))
    chunks.wait(before + 30, timeout=20)
    probe.publish(f"{ns}/speech_active", Bool(data=True))
    time.sleep(0.3)
    spoken = len(chunks.messages) - before
    assert spoken < frames_of([long]) * 0.7
    probe.publish(part, AssistantResponse(request_id="r2", text=f"{long} It is open."))
    probe.publish(f"{ns}/response",
                  AssistantResponse(request_id="r2", text=f"{long} It is open. Drive safe."))
    time.sleep(1.5)
    assert len(chunks.messages) - before == spoken  # nothing more of r2
    # a new answer still speaks
    probe.publish(f"{ns}/response", AssistantResponse(request_id="r3", text="Okay."))
    chunks.wait(before + spoken + frames_of(["Okay."]), timeout=20)
    time.sleep(1.0)
    # a final that differs from what was streamed: the rest of the partial is dropped and
    # the whole final is spoken
    first, final = "The fox ran off to the river far away.", "Sorry, I can't think right now."
    before = len(chunks.messages)
    probe.publish(part, AssistantResponse(request_id="r4", text=first))
    probe.publish(f"{ns}/response", AssistantResponse(request_id="r4", text=final))
    chunks.wait(before + frames_of([final]), timeout=20)
    time.sleep(2.5)
    got = len(chunks.messages) - before
    assert frames_of([final]) <= got < frames_of([final]) + frames_of([first]), got
    assert tts.poll() is None


def _planner(processes: Any, ns: str, stream: bool) -> Any:
    return processes.start(
        [node_exec("planner_node"), "--ros-args",
         "--params-file", str(REPO / "config" / "planner.param.yaml"),
         "-p", f"stream_partials:={'true' if stream else 'false'}",
         "-r", f"__ns:={ns}"], name=f"planner{ns.replace('/', '_')}")  # fmt: skip


class _Run:
    """A real planner (the real model) and a real TTS under one namespace."""

    def __init__(self, processes: Any, probe: Any, ns: str, stream: bool) -> None:
        from cockpit_ai.msg import AssistantResponse

        self.ns = ns
        self.planner = _planner(processes, ns, stream)
        _tts, self.chunks, _talking = start_tts(processes, probe, ns)
        self.responses = probe.subscribe(AssistantResponse, f"{ns}/response")
        self.partials = probe.subscribe(AssistantResponse, f"{ns}/response/partial")

    def ready(self, processes: Any, probe: Any) -> None:
        from cockpit_ai.msg import Transcript
        from cockpit_ai.ros.probe import wait_until

        wait_until(lambda: self.responses.subscription.get_publisher_count() > 0, 300,
                   "the planner's response publisher")
        wait_until(lambda: self.partials.subscription.get_publisher_count() > 0, 60,
                   "the planner's partial publisher")
        probe.wait_for_subscribers(Transcript, f"{self.ns}/transcript", timeout=300)
        assert self.planner.poll() is None, processes.log(self.planner)

    def result(self, t0: float) -> dict[str, Any]:
        from cockpit_ai.speech.sentences import split_sentences

        final = self.responses.wait(1, timeout=300)[0]
        expected = frames_of(split_sentences(final.text))
        self.chunks.wait(expected, timeout=180)
        time.sleep(1.0)
        return {"text": final.text, "t_final": self.responses.times[0] - t0,
                "frames": len(self.chunks.messages), "expected": expected,
                "t_audio": self.chunks.times[0] - t0,
                "partials": [m.text for m in self.partials.messages],
                "n_responses": len(self.responses.messages)}


def test_real_planner_streams_a_chat_answer_into_speech(processes, probe) -> None:
    from datetime import datetime

    from cockpit_ai.msg import Transcript

    # Both at once: the model's prompt holds the time of day to the minute, so the two
    # answers are only comparable when asked within the same minute.
    streamed_run = _Run(processes, probe, "/sstream", True)
    plain_run = _Run(processes, probe, "/splain", False)
    for run in (streamed_run, plain_run):
        run.ready(processes, probe)
    if datetime.now().second > 50:
        time.sleep(61 - datetime.now().second)
    t0 = time.perf_counter()
    for run in (streamed_run, plain_run):
        probe.publish(f"{run.ns}/transcript",
                      Transcript(text="Tell me a short story about a fox.", is_final=True,
                                 utterance_id="fox1", confidence=0.9))
    streamed = streamed_run.result(t0)
    plain = plain_run.result(t0)
    print("streamed:", {k: v for k, v in streamed.items() if k != "partials"})
    print("plain:", {k: v for k, v in plain.items() if k != "partials"})
    assert streamed["partials"], "no partial answer published"
    assert all(p.startswith(streamed["partials"][0]) for p in streamed["partials"])
    assert streamed["text"].startswith(streamed["partials"][-1])
    assert streamed["t_audio"] < streamed["t_final"], streamed  # TTS began before the final
    assert streamed["frames"] == streamed["expected"]  # the final's text, each sentence once
    assert streamed["n_responses"] == 1
    assert plain["partials"] == []
    assert plain["text"] == streamed["text"]  # the same final answer, streamed or not
    assert plain["t_audio"] > plain["t_final"]
    assert plain["frames"] == plain["expected"]
