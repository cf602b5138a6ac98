"""Prosody features: pitch tracker on known tones and voices, speech rate, pauses, loudness."""

from __future__ import annotations

import numpy as np
import pytest

from cockpit_ai.speech import SpeechError
from cockpit_ai.speech.audio import AudioFrame
from cockpit_ai.speech.synth import make_speech
from cockpit_ai.speech.tts import TtsConfig
from cockpit_ai.speech.vad import VadConfig, VoiceActivityDetector
from cockpit_ai.speech.voice_features import compute_voice_features, pitch_track


def _tone(f0: float, seconds: float = 1.0, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(16000 * seconds)) / 16000
    x = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 6))
    return (x / np.abs(x).max() * amp * 32767).astype(np.int16)


@pytest.mark.parametrize("f0", [70.0, 120.0, 220.0, 380.0])
def test_pitch_of_harmonic_tones(f0: float) -> None:
    track = pitch_track(_tone(f0), 16000)
    assert len(track) > 80
    assert abs(float(np.median(track)) - f0) < 0.02 * f0


def test_silence_and_noise_have_no_pitch() -> None:
    assert len(pitch_track(np.zeros(16000, dtype=np.int16), 16000)) == 0
    rng = np.random.default_rng(0)
    noise = (rng.standard_normal(16000) * 3000).astype(np.int16)
    assert len(pitch_track(noise, 16000)) < 10  # white noise is almost never "voiced"


def test_voice_pitch_and_rate_follow_the_speaker() -> None:
    text = "what is that landmark on my right"
    low = compute_voice_features(make_speech(text, tts=TtsConfig(pitch=20)).samples, 16000)
    high = compute_voice_features(make_speech(text, tts=TtsConfig(pitch=80)).samples, 16000)
    assert low.pitch_mean_hz + 30 < high.pitch_mean_hz
    assert 60 < low.pitch_mean_hz < 400 and low.pitch_std_hz > 0
    slow = make_speech(text, tts=TtsConfig(rate_wpm=100), trailing_silence_s=0)
    fast = make_speech(text, tts=TtsConfig(rate_wpm=250), trailing_silence_s=0)
    span = lambda s: s.speech_end_s - s.speech_start_s  # noqa: E731
    r_slow = compute_voice_features(slow.samples, 16000, words=7, speech_duration_s=span(slow))
    r_fast = compute_voice_features(fast.samples, 16000, words=7, speech_duration_s=span(fast))
    assert r_slow.speech_rate_wps * 1.8 < r_fast.speech_rate_wps


def test_pause_ratio_grows_with_pauses() -> None:
    s = make_speech("turn the volume down", trailing_silence_s=0.0)
    a = s.samples[int(s.speech_start_s * 16000) : int(s.speech_end_s * 16000)]  # speech only
    pause = np.zeros(int(0.25 * 16000), dtype=np.int16)  # short enough to stay one utterance
    joined = np.concatenate([a, pause, a, pause, a, np.zeros(16000, dtype=np.int16)])
    vad = VoiceActivityDetector(VadConfig(padding_ms=450))
    utts = []
    for i in range(0, len(joined), 480):
        utts += vad.feed(AudioFrame(joined[i : i + 480], 16000, i / 16000))
    utts += vad.flush()
    assert len(utts) == 1
    with_pauses = compute_voice_features(utts[0].samples, 16000, voiced=utts[0].voiced)
    flat = compute_voice_features(a, 16000, voiced=[True] * 40)
    assert flat.pause_ratio == 0.0
    assert 0.05 < with_pauses.pause_ratio < 0.6


def test_loudness_in_dbfs() -> None:
    tone = _tone(150.0, amp=0.5)
    quiet = (tone // 10).astype(np.int16)
    loud_db = compute_voice_features(tone, 16000).loudness_dbfs
    quiet_db = compute_voice_features(quiet, 16000).loudness_dbfs
    assert -20 < loud_db < -3
    assert loud_db - quiet_db == pytest.approx(20.0, abs=0.3)
    with pytest.raises(SpeechError):
        compute_voice_features(np.zeros(0, dtype=np.int16), 16000)
