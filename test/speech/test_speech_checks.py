"""Whisper's made-up texts and decoder signals -> dropped, or published with a doubt reason."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from cockpit_ai.speech.asr import AsrResult, WhisperConfig, has_made_up_sentence, is_hallucination
from cockpit_ai.speech.pipeline import (
    DOUBT_AUDIO_GAP,
    DOUBT_HALLUCINATION,
    DOUBT_LOW_CONFIDENCE,
    TranscriptChecks,
)

SCHEMA = Path(__file__).resolve().parents[2] / "schema" / "speech.schema.json"

SURE = AsrResult(
    text="Find a vegan restaurant that is open now.", language="en", confidence=0.8,
    no_speech_prob=0.02, recognition_time_s=0.3, backend="test", avg_logprob=-0.2,
    compression_ratio=1.1,
)  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "See you in the next video.", "Thanks for watching!", "Thank you for watching.",
        "Please subscribe.", "Don't forget to like and subscribe!", "I'll see you in the next one.",
        "Subtitles by the Amara.org community", "Transcribed by ESO. Translated by —",
        "Thank you. Bye.", "you", "  So.  ", "Thank you very much.", "Bye-bye.",
        "THANKS FOR WATCHING", "See you next time!",
    ],
)  # fmt: skip
def test_whispers_made_up_outros_are_hallucinations(text: str) -> None:
    assert is_hallucination(text)


@pytest.mark.parametrize(
    "text",
    [
        "Find a vegan restaurant that is open now.", "Thank you for the directions.",
        "See you at the cathedral.", "Navigate to the end of the street.",
        "Subscribe me to traffic news.",
        "Set the temperature to 21.5 degrees.", "Play the next video.", "Okay, play some jazz.",
    ],
)  # fmt: skip
def test_real_requests_are_not_hallucinations(text: str) -> None:
    assert not is_hallucination(text)
    assert not has_made_up_sentence(text)


def test_a_made_up_outro_after_a_request_makes_it_doubtful() -> None:
    text = "Turn left at the church. Thanks for watching."
    assert not is_hallucination(text) and has_made_up_sentence(text)
    assert TranscriptChecks().verdict(replace(SURE, text=text)) == ("ok", DOUBT_HALLUCINATION)


def test_verdicts_from_whispers_signals() -> None:
    c = TranscriptChecks()
    assert c.verdict(SURE) == ("ok", "")
    assert c.verdict(replace(SURE, text="  ")) == ("no speech", "")
    assert c.verdict(replace(SURE, text="See you in the next video.")) == ("hallucination", "")
    # The classic rule needs both signals: likely silence AND an unsure decoder.
    assert c.verdict(replace(SURE, no_speech_prob=0.7, avg_logprob=-1.3)) == ("no speech", "")
    assert c.verdict(replace(SURE, no_speech_prob=0.7, avg_logprob=-0.3))[0] == "ok"
    assert c.verdict(replace(SURE, no_speech_prob=0.3, avg_logprob=-1.3)) == (
        "ok", DOUBT_LOW_CONFIDENCE)  # fmt: skip
    assert c.verdict(replace(SURE, compression_ratio=2.6)) == ("ok", DOUBT_HALLUCINATION)
    assert c.verdict(replace(SURE, avg_logprob=c.doubt_below_logprob - 0.01)) == (
        "ok", DOUBT_LOW_CONFIDENCE)  # fmt: skip
    assert c.verdict(replace(SURE, avg_logprob=c.doubt_below_logprob + 0.01)) == ("ok", "")


def test_lost_audio_is_the_first_doubt() -> None:
    c = TranscriptChecks()
    assert c.verdict(SURE, missing_chunks=3) == ("ok", DOUBT_AUDIO_GAP)
    both = replace(SURE, avg_logprob=-2.0, compression_ratio=3.0)
    assert c.verdict(both, missing_chunks=1) == ("ok", DOUBT_AUDIO_GAP)
    assert c.verdict(both) == ("ok", DOUBT_HALLUCINATION)


def test_min_confidence_still_drops() -> None:
    c = TranscriptChecks(min_confidence=0.9)
    assert c.verdict(SURE) == ("low confidence", "")


def test_thresholds_have_one_source() -> None:
    """The node's schema defaults are the core's defaults (and Whisper's own skip rule)."""
    props = json.loads(SCHEMA.read_text())["definitions"]["speech"]["properties"]
    c = TranscriptChecks()
    assert props["no_speech_threshold"]["default"] == c.no_speech_prob
    assert props["no_speech_below_logprob"]["default"] == c.no_speech_logprob
    assert props["doubt_above_compression_ratio"]["default"] == c.doubt_above_compression_ratio
    assert props["doubt_below_logprob"]["default"] == c.doubt_below_logprob
    assert props["min_confidence"]["default"] == c.min_confidence
    w = WhisperConfig()
    assert (w.no_speech_threshold, w.log_prob_threshold) == (c.no_speech_prob, c.no_speech_logprob)
