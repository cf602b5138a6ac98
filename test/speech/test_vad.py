"""Streaming VAD alone: segmentation, timing, silence/noise, long speech, gaps, any block size."""

from __future__ import annotations

import numpy as np
import pytest
from speech_helpers import phrase_stream

from cockpit_ai.speech import SpeechError
from cockpit_ai.speech.audio import AudioFrame
from cockpit_ai.speech.synth import make_speech, noise_only
from cockpit_ai.speech.vad import Utterance, VadConfig, VoiceActivityDetector


def _run(vad: VoiceActivityDetector, x: np.ndarray, block: int, t0: float = 0.0) -> list[Utterance]:
    out: list[Utterance] = []
    for i in range(0, len(x), block):
        out += vad.feed(AudioFrame(x[i : i + block], 16000, t0 + i / 16000))
    return out + vad.flush()


@pytest.mark.parametrize("block", [160, 320, 480, 1000, 4096])
def test_one_utterance_per_phrase_for_any_block_size(block: int) -> None:
    x, phrases, spans = phrase_stream(snr_db=None, every=3)
    utts = _run(VoiceActivityDetector(), x, block, t0=100.0)
    assert len(utts) == len(phrases)
    for u, (a, b) in zip(utts, spans, strict=True):
        assert abs(u.start_time - 100.0 - a) <= 0.3 and abs(u.end_time - 100.0 - b) <= 0.3
        assert u.audio_start_time <= u.start_time < u.end_time
        assert len(u.voiced) * 480 == len(u.samples)


def test_silence_and_cabin_noise_alone_give_no_utterance() -> None:
    assert _run(VoiceActivityDetector(), np.zeros(16000 * 5, dtype=np.int16), 320) == []
    for level in (-40.0, -30.0, -20.0):  # road rumble up to loud
        noise = noise_only(10.0, level_dbfs=level, seed=3)
        assert _run(VoiceActivityDetector(), noise, 320) == [], level
    # Without the pre-emphasis webrtcvad takes loud rumble for speech.
    noise = noise_only(10.0, level_dbfs=-20.0, seed=3)
    assert _run(VoiceActivityDetector(VadConfig(preemphasis=0.0)), noise, 320) != []


def test_long_speech_is_cut_at_max_length() -> None:
    parts = [
        make_speech(t, trailing_silence_s=0.0).samples
        for t in (
            "navigate to the central railway station",
            "find a vegan restaurant that is open now",
        )
    ]
    x = np.concatenate(parts * 2 + [np.zeros(16000, dtype=np.int16)])
    utts = _run(VoiceActivityDetector(VadConfig(max_utterance_s=3.0)), x, 320)
    assert len(utts) >= 3
    assert all(u.audio_duration_s <= 3.0 + 0.03 for u in utts)
    assert utts[0].truncated


def test_time_gap_ends_the_utterance_and_is_counted() -> None:
    s = make_speech("turn off the air conditioning", trailing_silence_s=0.0).samples
    vad = VoiceActivityDetector()
    half = len(s) // 2
    out = []
    for i in range(0, half, 320):
        out += vad.feed(AudioFrame(s[i : i + 320], 16000, i / 16000))
    # The stream resumes 5 s later (lost packets, a paused bag): the old utterance is closed.
    for i in range(half, len(s), 320):
        out += vad.feed(AudioFrame(s[i : i + 320], 16000, 5.0 + i / 16000))
    assert vad.gaps == 1
    assert len(out) == 1 and out[0].end_time < 5.0


def test_bad_settings_and_rates_are_refused() -> None:
    for cfg in (VadConfig(aggressiveness=4), VadConfig(frame_ms=25), VadConfig(padding_ms=5)):
        with pytest.raises(SpeechError):
            VoiceActivityDetector(cfg)
    with pytest.raises(SpeechError):
        VoiceActivityDetector(sample_rate=44100)
    with pytest.raises(SpeechError, match="resample"):
        VoiceActivityDetector().feed(AudioFrame(np.zeros(441, dtype=np.int16), 44100, 0.0))
