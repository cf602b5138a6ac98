"""File source framing and pacing; the microphone fails clearly when there is none."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from cockpit_ai.speech import SpeechError
from cockpit_ai.speech.audio import write_wav
from cockpit_ai.speech.sources import FileSource, MicrophoneSource, list_input_devices


def test_file_source_frames_and_times(tmp_path: Path) -> None:
    x = (np.arange(16000) % 100).astype(np.int16)
    path = write_wav(tmp_path / "a.wav", x)
    src = FileSource(path, frame_ms=30, start_time=5.0)
    fr = list(src.frames())
    assert len(fr) == -(-16000 // 480)
    assert fr[0].start_time == 5.0 and fr[2].start_time == pytest.approx(5.06)
    assert [f.sequence for f in fr] == list(range(len(fr)))
    assert np.array_equal(np.concatenate([f.samples for f in fr])[:16000], x)


def test_file_source_real_time_pace(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "a.wav", np.zeros(8000, dtype=np.int16))  # 0.5 s
    t0 = time.monotonic()
    n = sum(1 for _ in FileSource(path, realtime=True).frames())
    assert n == 25 and 0.4 <= time.monotonic() - t0 <= 1.0


def test_file_source_stop_and_loop(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "a.wav", np.zeros(1600, dtype=np.int16))
    src = FileSource(path, loop=True, start_time=0.0)
    it = src.frames()
    got = [next(it) for _ in range(12)]  # 5 frames per pass: looped twice+
    assert got[-1].start_time == pytest.approx(11 * 0.02)
    src.stop()
    assert list(it) == []


def test_bad_frame_length_and_file(tmp_path: Path) -> None:
    with pytest.raises(SpeechError, match="frame_ms"):
        FileSource(tmp_path / "x.wav", frame_ms=25)
    (tmp_path / "x.wav").write_bytes(b"\x00" * 100)
    with pytest.raises(SpeechError):
        FileSource(tmp_path / "x.wav")


@pytest.mark.skipif(bool(list_input_devices()), reason="this machine has a microphone")
def test_microphone_missing_is_a_clear_error_at_start() -> None:
    mic = MicrophoneSource()
    with pytest.raises(SpeechError, match="microphone"):
        mic.start()
    mic.stop()  # harmless after a failed start
