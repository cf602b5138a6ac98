"""Fuzz the TTS node (response, response/partial, speech_active); afterwards an answer is
still spoken on tts/audio."""

from __future__ import annotations

import pytest
from fuzzkit import REPO, FuzzedNode, fuzz_input
from inputs import response, tts_inputs

INPUTS = {i.topic: i for i in tts_inputs()}


@pytest.fixture(scope="module")
def node(module_processes, fuzz_probe, diagnostics):
    return FuzzedNode(module_processes, fuzz_probe, diagnostics, executable="tts_node",
                      namespace="/fz_tts", node_name="tts",
                      args=["--params-file", str(REPO / "config" / "tts.param.yaml"),
                            "-p", "playback:=never"])


@pytest.mark.parametrize("topic", sorted(INPUTS))
def test_tts_input_survives_hostile_messages(node, topic) -> None:
    fuzz_input(node, INPUTS[topic])


def test_tts_still_speaks_after_the_fuzzing(node, fuzz_probe) -> None:
    from cockpit_ai.msg import AudioChunk
    from cockpit_ai.ros import qos

    audio = fuzz_probe.subscribe(AudioChunk, "/fz_tts/tts/audio", qos=qos.AUDIO)
    fuzz_probe.wait_for_publishers("/fz_tts/tts/audio")
    msg = response(0)
    msg.request_id, msg.text = "fz-after", "The fuzzing is over."
    fuzz_probe.publish("/fz_tts/response", msg, wait_subscribers=1)
    assert audio.wait(5, timeout=60)
    node.check_alive()
