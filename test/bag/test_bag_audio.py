"""`cockpit-ai bag audio`: a bag's AudioChunk stream as a WAV, lost chunks as silence."""

from __future__ import annotations

import json
import subprocess
import time
import wave
from pathlib import Path

import numpy as np
import pytest
from rclpy.serialization import serialize_message

from cockpit_ai.bag.audio import export_wav
from cockpit_ai.bag.core import BagWriter, play
from cockpit_ai.bag.types import BagError
from cockpit_ai.msg import AudioChunk
from cockpit_ai.testing import cockpit_cmd

CHUNK = 320  # 20 ms at 16 kHz


def _chunk(seq: int, value: int, t: float) -> bytes:
    msg = AudioChunk(sample_rate_hz=16000, channels=1, encoding="S16LE", sequence=seq)
    msg.header.stamp.sec = int(t)
    msg.header.stamp.nanosec = int(round((t - int(t)) * 1e9))
    msg.samples = [value] * CHUNK
    return serialize_message(msg)


def _audio_bag(path: Path, seqs: list[int]) -> None:
    writer = BagWriter(path)
    writer.add_topic("/cockpit/audio", "cockpit_ai/msg/AudioChunk")
    for seq in seqs:
        t = 100.0 + seq * 0.02
        writer.write("/cockpit/audio", _chunk(seq, seq + 1, t), int(t * 1e9))
    writer.close()


def _read_wav(path: Path) -> tuple[int, np.ndarray]:
    with wave.open(str(path), "rb") as w:
        return w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


def test_chunks_join_in_order_and_gaps_become_silence(tmp_path: Path) -> None:
    _audio_bag(tmp_path / "bag", [0, 1, 2, 5, 6])  # 3 and 4 were lost
    res = export_wav(tmp_path / "bag", tmp_path / "a.wav")
    assert (res.chunks, res.missing_chunks, res.sample_rate_hz) == (5, 2, 16000)
    assert res.start_time_s == pytest.approx(100.0)
    rate, pcm = _read_wav(tmp_path / "a.wav")
    assert rate == 16000 and len(pcm) == 7 * CHUNK
    blocks = pcm.reshape(7, CHUNK)[:, 0].tolist()
    assert blocks == [1, 2, 3, 0, 0, 6, 7]
    assert res.duration_s == pytest.approx(0.14)


def test_bag_without_audio_fails_clearly(tmp_path: Path) -> None:
    from cockpit_ai.msg import LandmarkArray

    writer = BagWriter(tmp_path / "bag")
    writer.add_topic("/landmarks", "cockpit_ai/msg/LandmarkArray")
    writer.write("/landmarks", serialize_message(LandmarkArray()), 1)
    writer.close()
    with pytest.raises(BagError, match="0 AudioChunk topics"):
        export_wav(tmp_path / "bag", tmp_path / "a.wav")
    with pytest.raises(BagError, match="no AudioChunk topic '/audio'"):
        export_wav(tmp_path / "bag", tmp_path / "a.wav", topic="/audio")


def test_cli_writes_wav_and_json(tmp_path: Path) -> None:
    _audio_bag(tmp_path / "bag", list(range(10)))
    out = subprocess.run(cockpit_cmd() + ["bag", "audio", str(tmp_path / "bag"),
                                       str(tmp_path / "a.wav"), "--json"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout)
    assert info["topic"] == "/cockpit/audio" and info["chunks"] == 10
    assert info["missing_chunks"] == 0
    assert len(_read_wav(tmp_path / "a.wav")[1]) == 10 * CHUNK
    bad = subprocess.run(cockpit_cmd() + ["bag", "audio", str(tmp_path / "nope"), "x.wav"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "no such bag" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_play_counts_messages_per_topic(tmp_path: Path) -> None:
    _audio_bag(tmp_path / "bag", list(range(6)))
    stats = play(tmp_path / "bag", lambda m: None, rate=50.0)
    assert stats.summary()["per_topic"] == {"/cockpit/audio": 6}


@pytest.mark.integration
def test_replayed_audio_reaches_a_busy_subscriber_whole(tmp_path: Path, processes, probe) -> None:
    """A subscriber that does not take messages for a while (a starved executor) still gets
    every audio chunk in order: the player offers audio with a deep reliable history."""
    import threading

    from cockpit_ai.ros import qos

    n = 400  # 8 s of 20 ms chunks, played 20x faster than real time
    _audio_bag(tmp_path / "bag", list(range(n)))
    got: list[int] = []
    gate = threading.Event()

    def slow(msg: AudioChunk) -> None:
        gate.wait(timeout=30)  # the first callback blocks: chunks pile up in DDS meanwhile
        got.append(int(msg.sequence))

    probe.node.create_subscription(AudioChunk, "/cockpit/audio", slow, qos.AUDIO)
    stats_file = tmp_path / "play.json"
    player = processes.start(cockpit_cmd() + ["bag", "play", str(tmp_path / "bag"), "--rate", "20",
                                           "--wait-for-subscribers", "20",
                                           "--stats-json", str(stats_file)], name="play")
    assert player.wait(timeout=60) == 0, processes.log(player)
    gate.set()
    deadline = time.monotonic() + 30
    while len(got) < n and time.monotonic() < deadline:
        time.sleep(0.05)
    assert got == list(range(n))
    assert json.loads(stats_file.read_text())["per_topic"] == {"/cockpit/audio": n}
