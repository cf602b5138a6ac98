"""Fuzz the speech node (Whisper loaded once): audio, tts/active, response,
response/partial, push_to_talk. Afterwards a spoken question still becomes a transcript."""

from __future__ import annotations

import time

import numpy as np
import pytest
from fuzzkit import REPO, FuzzedNode, fuzz_input
from inputs import speech_inputs

INPUTS = {i.topic: i for i in speech_inputs()}


@pytest.fixture(scope="module")
def node(module_processes, fuzz_probe, diagnostics):
    return FuzzedNode(module_processes, fuzz_probe, diagnostics, executable="speech_node",
                      namespace="/fz_speech", node_name="speech",
                      args=["--params-file", str(REPO / "config" / "speech.param.yaml"),
                            "-p", "context_biasing:=true"])  # subscribes landmarks, nearby


@pytest.mark.parametrize("topic", sorted(INPUTS))
def test_speech_input_survives_hostile_messages(node, topic) -> None:
    fuzz_input(node, INPUTS[topic])


def test_speech_still_transcribes_after_the_fuzzing(node, fuzz_probe) -> None:
    from cockpit_ai.msg import AudioChunk, Transcript
    from cockpit_ai.ros import qos
    from cockpit_ai.speech.audio import AudioFrame
    from cockpit_ai.speech.chunks import chunk_message
    from cockpit_ai.speech.tts import synthesize

    said = synthesize("Turn on the heating please.").samples
    pcm = np.concatenate([np.zeros(8000, np.int16), np.asarray(said, np.int16),
                          np.zeros(24000, np.int16)])
    out = fuzz_probe.subscribe(Transcript, "/fz_speech/transcript")
    pub = fuzz_probe.wait_for_subscribers(AudioChunk, "/fz_speech/audio", qos=qos.AUDIO)
    t0 = time.time()  # audio time goes on from now, 20 ms per chunk
    for k, i in enumerate(range(0, len(pcm), 320)):
        pub.publish(chunk_message(AudioFrame(pcm[i:i + 320], 16000, t0 + i / 16000,
                                             10**9 + k), frame_id="mic"))
    got = out.wait(1, timeout=120, where=lambda m: "heat" in m.text.lower())
    assert got
    node.check_alive()
