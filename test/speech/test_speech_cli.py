"""`cockpit-ai say` and `cockpit-ai transcribe` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cockpit_ai.cli import main
from cockpit_ai.speech.audio import read_audio_file, write_wav
from cockpit_ai.speech.text import word_error_rate


def test_say_then_transcribe_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = tmp_path / "a.wav", tmp_path / "b.wav"
    assert main(["say", "take me home", "--out", str(first), "--lead", "0.8"]) == 0
    assert main(["say", "skip this song", "--out", str(second), "--snr", "10"]) == 0
    joined = np.concatenate([read_audio_file(first), read_audio_file(second)])
    both = write_wav(tmp_path / "both.wav", joined)
    capsys.readouterr()
    assert main(["transcribe", str(both), "--json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(lines) == 2
    assert word_error_rate("take me home", lines[0]["text"]) == 0.0
    assert word_error_rate("skip this song", lines[1]["text"]) <= 0.34
    assert 0.6 <= lines[0]["start_time"] <= 1.1 and lines[0]["end_time"] < lines[1]["start_time"]
    assert lines[0]["voice_features"]["utterance_id"] == lines[0]["utterance_id"]


def test_plain_output_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wav = tmp_path / "a.wav"
    assert main(["say", "hey qwen, play some jazz", "--out", str(wav), "--lead", "0.5"]) == 0
    capsys.readouterr()
    assert main(["transcribe", str(wav)]) == 0
    out = capsys.readouterr().out.strip()
    assert out.endswith("[wake]") and "jazz" in out.lower() and 0.3 <= float(out.split()[0]) <= 0.8
    junk = tmp_path / "junk.wav"
    junk.write_text("hello")
    assert main(["transcribe", str(junk)]) == 1
    err = capsys.readouterr().err
    assert "not a readable audio file" in err and "Traceback" not in err
    assert main(["say", "   ", "--out", str(tmp_path / "x.wav")]) == 1
    assert "empty" in capsys.readouterr().err
