"""The speech nodes as real processes: file -> capture -> speech -> Transcript; TTS with barge-in;
bad audio chunks refused while the node keeps working."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def start_speech(processes, *extra: str):
    from cockpit_ai.testing import node_exec

    return processes.start(
        [node_exec("speech_node"), "--ros-args",
         "--params-file", str(REPO / "config" / "speech.param.yaml"), *extra],
        name="speech")  # fmt: skip


def wait_ready(probe, processes, node, topic: str, timeout: float = 60.0) -> None:
    """The node has created its publishers (i.e. loaded its model) or died trying."""
    deadline = time.monotonic() + timeout
    while probe.node.count_publishers(topic) < 1:
        assert node.poll() is None, processes.log(node)
        assert time.monotonic() < deadline, f"no publisher on {topic}: {processes.log(node)}"
        time.sleep(0.05)


def test_file_through_capture_and_speech_gives_transcripts(processes, probe, tmp_path) -> None:
    from std_msgs.msg import Bool

    from cockpit_ai.msg import Transcript, VoiceFeatures
    from cockpit_ai.ros.stamps import stamp_to_s
    from cockpit_ai.speech.audio import write_wav
    from cockpit_ai.speech.synth import make_speech
    from cockpit_ai.speech.text import word_error_rate
    from cockpit_ai.testing import node_exec

    texts = ["navigate to the central railway station", "play some jazz"]
    parts = [make_speech(t, leading_silence_s=1.0, trailing_silence_s=0.8) for t in texts]
    wav = write_wav(tmp_path / "drive.wav", np.concatenate([p.samples for p in parts]))

    transcripts = probe.subscribe(Transcript, "transcript")
    features = probe.subscribe(VoiceFeatures, "voice_features")
    active = probe.subscribe(Bool, "speech_active")
    speech = start_speech(processes)
    wait_ready(probe, processes, speech, "transcript")
    t_start = time.time()
    capture = processes.start(
        [node_exec("capture_node"), "--ros-args",
         "--params-file", str(REPO / "config" / "capture.param.yaml"),
         "-p", "source:=file", "-p", f"file:={wav}", "-p", "start_delay_s:=1.0",
         "-p", "frame_id:=cabin_mic"],
        name="capture")  # fmt: skip
    got = transcripts.wait(2, timeout=90)
    assert speech.poll() is None and capture.poll() is None, processes.log(capture)
    for msg, text in zip(got, texts, strict=True):
        assert word_error_rate(text, msg.text) <= 0.34, (text, msg.text)
        assert msg.is_final and msg.backend == "faster-whisper" and msg.language == "en"
        assert msg.header.frame_id == "cabin_mic"
        assert t_start < stamp_to_s(msg.header.stamp) < time.time()
        assert msg.audio_duration_s > 0.5 and msg.recognition_time_s > 0
    # The second phrase starts ~(first file part + 1 s) after the first: stamps are audio time.
    gap = stamp_to_s(got[1].header.stamp) - stamp_to_s(got[0].header.stamp)
    first_len = len(parts[0].samples) / 16000
    assert abs(gap - (first_len + 1.0 - parts[0].speech_start_s)) < 0.4
    feats = features.wait(2, timeout=10)
    assert {f.utterance_id for f in feats} == {m.utterance_id for m in got}
    assert all(f.speech_rate_wps > 0.5 and 60 < f.pitch_mean_hz < 400 for f in feats)
    flags = [m.data for m in active.wait(4, timeout=10)]
    assert flags[:4] == [True, False, True, False]


def test_tts_speaks_and_barge_in_stops_it(processes, probe) -> None:
    from std_msgs.msg import Bool

    from cockpit_ai.msg import AssistantResponse, AudioChunk
    from cockpit_ai.ros import qos
    from cockpit_ai.speech.tts import synthesize
    from cockpit_ai.testing import node_exec

    tts = processes.start(
        [node_exec("tts_node"), "--ros-args",
         "--params-file", str(REPO / "config" / "tts.param.yaml"), "-p", "playback:=never"],
        name="tts")  # fmt: skip
    chunks = probe.subscribe(AudioChunk, "tts/audio", qos=qos.SENSOR)
    talking = probe.subscribe(Bool, "tts/active", qos=qos.LATCHED)
    probe.wait_for_subscribers(AssistantResponse, "response", timeout=30)
    probe.wait_for_subscribers(Bool, "speech_active", timeout=30)
    assert tts.poll() is None, processes.log(tts)

    short = "The nearest vegan restaurant is open."
    probe.publish("response", AssistantResponse(request_id="r1", text=short))
    expected = -(-len(synthesize(short).samples) // 320)
    got = chunks.wait(expected, timeout=20)
    time.sleep(0.3)
    assert len(chunks.messages) == expected and len(got) == expected
    seqs = [m.sequence for m in chunks.messages]
    assert seqs == list(range(seqs[0], seqs[0] + expected))
    assert all(m.sample_rate_hz == 16000 and len(m.samples) == 320 for m in chunks.messages)
    span = chunks.times[-1] - chunks.times[0]
    assert 0.7 * expected * 0.02 < span < 1.5 * expected * 0.02  # real-time pace

    long = (
        "Turn left in two hundred metres, then keep right at the fork and follow the "
        "signs to the central railway station, which is about three kilometres ahead."
    )
    full = -(-len(synthesize(long).samples) // 320)
    before = len(chunks.messages)
    n_talk = len(talking.messages)
    probe.publish("response", AssistantResponse(request_id="r2", text=long))
    chunks.wait(before + 30, timeout=20)  # 0.6 s into the answer
    probe.publish("speech_active", Bool(data=True))  # the driver starts talking
    talking.wait(n_talk + 2, timeout=5)  # True when it started, False when it stopped
    assert [m.data for m in talking.messages[n_talk:]] == [True, False]
    time.sleep(0.3)
    spoken = len(chunks.messages) - before
    assert 30 <= spoken < full * 0.6, (spoken, full)
    time.sleep(0.5)
    assert len(chunks.messages) - before == spoken  # and it stays quiet
    assert tts.poll() is None


def test_bad_chunks_are_refused_and_the_node_keeps_working(processes, probe) -> None:
    from diagnostic_msgs.msg import DiagnosticArray

    from cockpit_ai.msg import AudioChunk, Transcript
    from cockpit_ai.ros import qos
    from cockpit_ai.speech.audio import AudioFrame
    from cockpit_ai.speech.chunks import chunk_message
    from cockpit_ai.speech.synth import make_speech
    from cockpit_ai.speech.text import word_error_rate

    transcripts = probe.subscribe(Transcript, "transcript")
    diagnostics = probe.subscribe(DiagnosticArray, "/diagnostics")
    speech = start_speech(processes)
    wait_ready(probe, processes, speech, "transcript")
    probe.wait_for_subscribers(AudioChunk, "audio", qos=qos.SENSOR, timeout=30)

    def chunk(samples: np.ndarray, t: float, seq: int) -> AudioChunk:
        return chunk_message(AudioFrame(samples, 16000, t, seq), frame_id="mic")

    bad = []
    m = chunk(np.zeros(320, np.int16), 1.0, 0)
    m.sample_rate_hz = 7
    bad.append(m)
    m = chunk(np.zeros(320, np.int16), 1.0, 0)
    m.samples = []
    bad.append(m)
    m = chunk(np.zeros(320, np.int16), 1.0, 0)
    m.channels = 0
    bad.append(m)
    m = chunk(np.zeros(320, np.int16), 1.0, 0)
    m.encoding = "F32LE"
    bad.append(m)
    for _ in range(2):  # best effort: send twice
        for m in bad:
            probe.publish("audio", m, qos=qos.SENSOR)
            time.sleep(0.05)
    speech_audio = make_speech(
        "find a vegan restaurant that is open now", leading_silence_s=0.5, trailing_silence_s=1.0
    )
    for seq, i in enumerate(range(0, len(speech_audio.samples), 320)):
        block = speech_audio.samples[i : i + 320]
        probe.publish("audio", chunk(block, 10.0 + i / 16000, seq), qos=qos.SENSOR)
        time.sleep(0.005)
    got = transcripts.wait(1, timeout=60)[0]
    assert word_error_rate(speech_audio.text, got.text) <= 0.4, got.text
    assert speech.poll() is None
    # Audio that stops in the middle of speech (end of a file, dead mic) still ends it.
    cut = make_speech("take me home", leading_silence_s=0.5, trailing_silence_s=0.0)
    end = int(cut.speech_end_s * 16000)
    for seq, i in enumerate(range(0, end, 320), start=1000):
        probe.publish("audio", chunk(cut.samples[i : min(i + 320, end)], 20.0 + i / 16000, seq),
                      qos=qos.SENSOR)  # fmt: skip
        time.sleep(0.005)
    last = transcripts.wait(2, timeout=30)[1]
    assert word_error_rate(cut.text, last.text) <= 0.34, last.text

    def bad_count(msg) -> float:
        for status in msg.status:
            for kv in status.values:
                if kv.key == "bad_chunks" and "speech" in status.name:
                    return float(kv.value)
        return 0.0

    diagnostics.wait(1, timeout=10, where=lambda m: bad_count(m) >= 4)
    log = processes.log(speech)
    assert "audio chunk refused" in log and "Traceback" not in log
