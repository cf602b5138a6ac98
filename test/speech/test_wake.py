"""Wake word matching on what Whisper writes, and the activation gate's modes."""

from __future__ import annotations

import pytest

from cockpit_ai.speech import SpeechError
from cockpit_ai.speech.wake import ActivationGate, WakeConfig, WakeWordDetector


@pytest.mark.parametrize(
    "text",
    [
        "Hey Qwen, play some jazz.",
        "hey qwen play some jazz",
        "Hey, Qwen. Play some jazz.",
        "Hey when, play some jazz.",
        "Hey Gwen, play some jazz",
        "Hey Quen play some jazz",
        "Okay. Hey Qwen, play some jazz.",
        "HeyQwen, play some jazz",
    ],
)
def test_fuzzy_variants_are_heard_and_removed(text: str) -> None:
    m = WakeWordDetector(["hey qwen"]).detect(text)
    assert m.heard, (text, m.score)
    assert m.remainder == "Play some jazz." or m.remainder == "Play some jazz"


@pytest.mark.parametrize(
    "text",
    [
        "When do we arrive?",
        "Play some jazz.",
        "Find a vegan restaurant that is open now.",
        "How far is it?",
        "Heat the seat please",
        "",
    ],
)
def test_ordinary_sentences_do_not_wake(text: str) -> None:
    m = WakeWordDetector(["hey qwen"]).detect(text)
    assert not m.heard, (text, m.matched, m.score)
    assert m.remainder == text.strip()


def test_several_brand_phrases() -> None:
    det = WakeWordDetector(["hey qwen", "hello copilot"])
    m = det.detect("Hello, co-pilot, take me home.")
    assert m.heard and m.remainder == "Take me home."


def test_gate_modes_and_follow_up_window() -> None:
    gate = ActivationGate(WakeConfig(mode="wake_word", phrases=("hey qwen",), follow_up_s=5.0))
    assert gate.check("Play some jazz.", start_time=0.0, end_time=1.0)[0] is False
    ok, m = gate.check("Hey Qwen, play some jazz.", start_time=2.0, end_time=3.5)
    assert ok and m.heard
    assert gate.check("How far is it?", start_time=6.0, end_time=7.0)[0] is True  # follow-up
    assert gate.check("Skip this song.", start_time=20.0, end_time=21.0)[0] is False
    always = ActivationGate(WakeConfig(mode="always_on"))
    ok, m = always.check("Play some jazz.", start_time=0.0, end_time=1.0)
    assert ok and not m.heard


def test_bad_wake_settings_are_refused() -> None:
    with pytest.raises(SpeechError):
        ActivationGate(WakeConfig(mode="listen_harder"))
    with pytest.raises(SpeechError):
        ActivationGate(WakeConfig(mode="wake_word", phrases=("",)))
