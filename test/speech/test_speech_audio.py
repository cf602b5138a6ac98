"""Chunk checks, resampling, down-mix and file reading (WAV via wave, others via sox)."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from cockpit_ai.speech import SpeechError
from cockpit_ai.speech.audio import (
    Resampler,
    check_chunk,
    read_audio_file,
    resample,
    to_mono,
    write_wav,
)
from cockpit_ai.speech.synth import make_speech


def _sine(f: float, rate: int, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (10000 * np.sin(2 * np.pi * f * t)).astype(np.int16)


def test_check_chunk_refuses_bad_blocks() -> None:
    assert check_chunk(np.ones(320, dtype=np.int16), 16000).dtype == np.int16
    assert check_chunk(b"\x01\x00\x02\x00", 16000).tolist() == [1, 2]
    assert check_chunk(np.array([0.5, -1.0]), 16000).tolist() == [16384, -32767]
    for samples, rate, ch, what in [
        (np.zeros(0, dtype=np.int16), 16000, 1, "empty"),
        (np.zeros(320, dtype=np.int16), 100, 1, "sample rate"),
        (np.zeros(320, dtype=np.int16), 16000, 0, "channel"),
        (np.zeros(321, dtype=np.int16), 16000, 2, "divide"),
        (np.zeros(16000 * 11, dtype=np.int16), 16000, 1, "too large"),
        (np.array([70000]), 16000, 1, "int16 range"),
        (np.array(["a"]), 16000, 1, "not PCM"),
    ]:
        with pytest.raises(SpeechError, match=what):
            check_chunk(samples, rate, ch)


def test_stream_resampler_matches_a_clean_sine_across_block_seams() -> None:
    for src, block in [(48000, 960), (44100, 441), (8000, 160), (22050, 7)]:
        x = _sine(440.0, src)
        r = Resampler(src, 16000)
        out = np.concatenate([r.process(x[i : i + block]) for i in range(0, len(x), block)])
        assert abs(len(out) - 16000) <= 1
        delay = 31 / src  # the streaming filter's group delay
        ideal = 10000 * np.sin(2 * np.pi * 440 * (np.arange(len(out)) / 16000 - delay))
        err = np.abs(out[200:-200] - ideal[200:-200]).max()
        assert err < 150, (src, err)  # < 1.5 % of the amplitude, no clicks at seams


def test_downsampling_removes_what_would_alias() -> None:
    x = _sine(12000.0, 48000)  # above the 8 kHz Nyquist of 16 kHz
    assert np.abs(resample(x, 48000, 16000)[100:-100]).max() < 500
    r = Resampler(48000, 16000)
    y = np.concatenate([r.process(x[i : i + 960]) for i in range(0, len(x), 960)])
    assert np.abs(y[100:-100]).max() < 500


def test_to_mono_averages_channels() -> None:
    st = np.array([100, 300, -100, -300], dtype=np.int16)
    assert to_mono(st, 2).tolist() == [200, -200]


def _write(path: Path, data: np.ndarray, rate: int, channels: int, width: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(data.tobytes())


def test_read_wav_any_rate_width_and_channels(tmp_path: Path) -> None:
    x = _sine(300.0, 44100)
    st = np.stack([x, x], axis=1).reshape(-1)
    _write(tmp_path / "s16.wav", st, 44100, 2, 2)
    b24 = np.zeros(len(x) * 3, dtype=np.uint8)
    v = x.astype(np.int32) << 8
    b24[0::3], b24[1::3], b24[2::3] = v & 255, (v >> 8) & 255, (v >> 16) & 255
    _write(tmp_path / "s24.wav", b24, 44100, 1, 3)
    for name in ("s16.wav", "s24.wav"):
        y = read_audio_file(tmp_path / name)
        assert abs(len(y) - 16000) <= 1
        assert 9000 < np.abs(y[500:-500]).max() < 10500, name


def test_read_flac_through_sox(tmp_path: Path) -> None:
    speech = make_speech("play some jazz")
    wav = write_wav(tmp_path / "a.wav", speech.samples)
    flac = tmp_path / "a.flac"
    subprocess.run(["sox", str(wav), "-r", "22050", str(flac)], check=True)
    y = read_audio_file(flac)
    assert abs(len(y) - len(speech.samples)) <= 2
    corr = np.corrcoef(y.astype(float), speech.samples.astype(float))[0, 1]
    assert corr > 0.95


def test_unreadable_files_give_clear_errors(tmp_path: Path) -> None:
    junk = tmp_path / "notes.wav"
    junk.write_text("this is not audio at all")
    with pytest.raises(SpeechError, match="not a readable audio file"):
        read_audio_file(junk)
    with pytest.raises(SpeechError, match="not found"):
        read_audio_file(tmp_path / "missing.wav")
    empty = tmp_path / "empty.wav"
    _write(empty, np.zeros(0, dtype=np.int16), 16000, 1, 2)
    with pytest.raises(SpeechError, match="no audio"):
        read_audio_file(empty)
    fake_riff = tmp_path / "fake.wav"
    fake_riff.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk")
    with pytest.raises(SpeechError, match="not a PCM WAV"):
        read_audio_file(fake_riff)
