"""The speech nodes as real processes: file -> capture -> speech -> Transcript; TTS with barge-in;
bad audio chunks refused while the node keeps working; audio far faster than real time arrives
whole; lost chunks are charged to their utterance; the co-pilot's own voice is ignored."""

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




def speech_status(msg) -> tuple[int, str, dict[str, str]] | None:
    """(level, message, values) of the speech node in a DiagnosticArray, else None."""
    for status in msg.status:
        if status.name.rstrip("/").endswith("speech"):
            level = status.level if isinstance(status.level, int) else status.level[0]
            return level, status.message, {kv.key: kv.value for kv in status.values}
    return None


def value(msg, key: str) -> float:
    """A counter of the speech node in a DiagnosticArray (0 when absent)."""
    got = speech_status(msg)
    return float(got[2].get(key, 0)) if got else 0.0


def audio_chunk(samples: np.ndarray, t: float, seq: int):
    from cockpit_ai.speech.audio import AudioFrame
    from cockpit_ai.speech.chunks import chunk_message

    return chunk_message(AudioFrame(samples, 16000, t, seq), frame_id="mic")


def send_audio(probe, samples: np.ndarray, *, t0: float, seq0: int = 0,
               skip: range | None = None) -> int:
    """Publish 20 ms chunks as fast as possible (reliable audio QoS); ``skip`` = chunk
    indices left out (lost), their sequence numbers and times still counted. Returns the
    number of chunks sent."""
    from cockpit_ai.ros import qos

    sent = 0
    for k, i in enumerate(range(0, len(samples), 320)):
        if skip is not None and k in skip:
            continue
        probe.publish("audio", audio_chunk(samples[i : i + 320], t0 + i / 16000, seq0 + k),
                      qos=qos.AUDIO)  # fmt: skip
        sent += 1
    return sent


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
    chunks = probe.subscribe(AudioChunk, "tts/audio", qos=qos.AUDIO)
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
    from cockpit_ai.speech.synth import make_speech
    from cockpit_ai.speech.text import word_error_rate

    transcripts = probe.subscribe(Transcript, "transcript")
    diagnostics = probe.subscribe(DiagnosticArray, "/diagnostics")
    speech = start_speech(processes)
    wait_ready(probe, processes, speech, "transcript")
    # Reliable audio: every chunk arrives (best effort lost some on a busy machine and the
    # phrase came out as "Find that vegan restaurant and at the open now.").
    probe.wait_for_subscribers(AudioChunk, "audio", qos=qos.AUDIO, timeout=30)
    chunk = audio_chunk

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
    for m in bad:
        probe.publish("audio", m, qos=qos.AUDIO)
    speech_audio = make_speech(
        "find a vegan restaurant that is open now", leading_silence_s=0.5, trailing_silence_s=1.0
    )
    n = send_audio(probe, speech_audio.samples, t0=10.0)
    got = transcripts.wait(1, timeout=60)[0]
    assert word_error_rate(speech_audio.text, got.text) <= 0.4, got.text
    assert got.missing_chunks == 0 and got.doubt == "", (got.missing_chunks, got.doubt)
    assert speech.poll() is None
    # Audio that stops in the middle of speech (end of a file, dead mic) still ends it.
    cut = make_speech("take me home", leading_silence_s=0.5, trailing_silence_s=0.0)
    end = int(cut.speech_end_s * 16000)
    send_audio(probe, cut.samples[:end], t0=20.0, seq0=n)
    last = transcripts.wait(2, timeout=45)[1]
    assert word_error_rate(cut.text, last.text) <= 0.34, last.text

    diagnostics.wait(1, timeout=10, where=lambda m: value(m, "bad_chunks") >= 4
                     and value(m, "stream_ends") >= 1)  # fmt: skip
    log = processes.log(speech)
    assert "audio chunk refused" in log and "Traceback" not in log


def test_audio_far_faster_than_real_time_arrives_whole(processes, probe) -> None:
    """A starved node gets its audio in bursts: all chunks of a phrase at once must arrive."""
    from diagnostic_msgs.msg import DiagnosticArray

    from cockpit_ai.msg import AudioChunk, Transcript
    from cockpit_ai.ros import qos
    from cockpit_ai.speech.synth import make_speech
    from cockpit_ai.speech.text import word_error_rate

    transcripts = probe.subscribe(Transcript, "transcript")
    diagnostics = probe.subscribe(DiagnosticArray, "/diagnostics")
    speech = start_speech(processes)
    wait_ready(probe, processes, speech, "transcript")
    probe.wait_for_subscribers(AudioChunk, "audio", qos=qos.AUDIO, timeout=30)
    phrase = make_speech("navigate to the central railway station", leading_silence_s=0.5,
                         trailing_silence_s=1.0)  # fmt: skip
    n = send_audio(probe, phrase.samples, t0=5.0)
    got = transcripts.wait(1, timeout=60)
    assert len(got) == 1, [m.text for m in got]
    t = got[0]
    assert word_error_rate(phrase.text, t.text) <= 0.2, t.text
    assert t.missing_chunks == 0 and t.doubt == "", (t.missing_chunks, t.doubt, t.text)
    assert -1.0 < t.avg_logprob <= 0.0 and 0.0 < t.compression_ratio < 2.4
    assert 0.0 <= t.no_speech_prob < 0.6
    diag = diagnostics.wait(1, timeout=10, where=lambda m: value(m, "chunks") >= n)[-1]
    level, message, values = speech_status(diag)
    assert float(values.get("dropped_frames", 0)) == 0 and level == 0, (message, values)
    assert speech.poll() is None


def test_lost_chunks_mark_the_utterance_and_warn(processes, probe) -> None:
    from diagnostic_msgs.msg import DiagnosticArray

    from cockpit_ai.msg import AudioChunk, Transcript
    from cockpit_ai.ros import qos
    from cockpit_ai.speech.synth import make_speech
    from cockpit_ai.speech.text import word_error_rate

    transcripts = probe.subscribe(Transcript, "transcript")
    diagnostics = probe.subscribe(DiagnosticArray, "/diagnostics")
    speech = start_speech(processes)
    wait_ready(probe, processes, speech, "transcript")
    probe.wait_for_subscribers(AudioChunk, "audio", qos=qos.AUDIO, timeout=30)
    phrase = make_speech("find a vegan restaurant that is open now", leading_silence_s=0.5,
                         trailing_silence_s=1.0)  # fmt: skip
    mid = int((phrase.speech_start_s + phrase.speech_end_s) / 2 / 0.02)
    send_audio(probe, phrase.samples, t0=30.0, skip=range(mid, mid + 4))  # 80 ms lost
    got = transcripts.wait(1, timeout=60)
    t = got[0]
    assert t.missing_chunks == 4 and t.doubt == "audio gap", (t.missing_chunks, t.doubt)
    assert word_error_rate(phrase.text, t.text) <= 0.5, t.text  # one utterance, not split
    diag = diagnostics.wait(1, timeout=10, where=lambda m: value(m, "dropped_frames") >= 4
                            and value(m, "doubtful") >= 1)[-1]  # fmt: skip
    level, message, values = speech_status(diag)
    assert level == 1 and "lost 4 audio chunks" in message, (level, message)
    assert float(values["doubtful"]) == 1
    assert len(transcripts.messages) == 1, [m.text for m in transcripts.messages]


def test_the_copilots_own_voice_is_not_a_request(processes, probe) -> None:
    from diagnostic_msgs.msg import DiagnosticArray
    from std_msgs.msg import Bool

    from cockpit_ai.msg import AudioChunk, Transcript, VoiceFeatures
    from cockpit_ai.ros import qos
    from cockpit_ai.speech.synth import make_speech

    transcripts = probe.subscribe(Transcript, "transcript")
    features = probe.subscribe(VoiceFeatures, "voice_features")
    diagnostics = probe.subscribe(DiagnosticArray, "/diagnostics")
    active = probe.subscribe(Bool, "speech_active")
    speech = start_speech(processes)
    wait_ready(probe, processes, speech, "transcript")
    probe.wait_for_subscribers(AudioChunk, "audio", qos=qos.AUDIO, timeout=30)
    # tts_node latches tts/active; the speech node's subscription must match that QoS.
    probe.wait_for_subscribers(Bool, "tts/active", qos=qos.LATCHED, timeout=30)
    from cockpit_ai.msg import AssistantResponse

    probe.publish("response", AssistantResponse(text="The nearest vegan restaurant is open "
                                                     "until ten."), wait_subscribers=1)
    probe.publish("tts/active", Bool(data=True), qos=qos.LATCHED)
    # the node has taken it in (tts/active and audio are two topics: no order between them)
    diagnostics.wait(1, timeout=30, where=lambda m: (speech_status(m) or (0, "", {}))[2]
                     .get("copilot_talking") == "true")
    echo = make_speech("the nearest vegan restaurant is open", leading_silence_s=0.5,
                       trailing_silence_s=1.0)  # fmt: skip
    sent = send_audio(probe, echo.samples, t0=50.0)
    diagnostics.wait(1, timeout=60, where=lambda m: value(m, "own_voice") >= 1)
    assert transcripts.messages == []
    # The VAD heard a voice and said so (the TTS's barge-in signal).
    assert [m.data for m in active.wait(2, timeout=10)][:2] == [True, False]
    # The driver talking over the co-pilot says other words: heard, not taken for an echo.
    driver = make_speech("how far is it", leading_silence_s=0.5, trailing_silence_s=1.0)
    send_audio(probe, driver.samples, t0=50.0 + sent * 0.02, seq0=sent)
    got = transcripts.wait(1, timeout=60)[0]
    assert "far" in got.text.lower() and got.doubt == "", (got.text, got.doubt)
    diagnostics.wait(1, timeout=30, where=lambda m: value(m, "barge_in") >= 1)
    # heard over the co-pilot's voice: no voice cues for the fatigue node (mixed voices)
    diagnostics.wait(1, timeout=30, where=lambda m: value(m, "features_withheld_tts") >= 1)
    assert features.messages == []
    assert speech.poll() is None


def test_audio_qos_parameter(processes, probe) -> None:
    """'sensor' takes a best-effort microphone driver; anything else is one clear error."""
    from cockpit_ai.msg import AudioChunk
    from cockpit_ai.ros import qos

    bad = start_speech(processes, "-p", "audio_qos:=loud")
    assert bad.wait(timeout=60) == 1, processes.log(bad)
    log = processes.log(bad)
    # the schema's enum, enforced when the parameter is declared: one line, exit 1
    assert "parameter 'audio_qos': 'loud' is not one of 'audio', 'sensor'" in log, log
    assert "Traceback" not in log
    speech = start_speech(processes, "-p", "audio_qos:=sensor")
    wait_ready(probe, processes, speech, "transcript")
    probe.wait_for_subscribers(AudioChunk, "audio", qos=qos.SENSOR, timeout=30)
    assert speech.poll() is None


def _lifecycle(*args: str, timeout: float = 60.0):
    import subprocess

    from cockpit_ai.testing import cockpit_cmd

    return subprocess.run(cockpit_cmd() + ["lifecycle", *args], capture_output=True,
                          text=True, timeout=timeout + 60)  # fmt: skip


def test_missing_model_stops_with_a_clear_line(processes, tmp_path) -> None:
    """configure (autostart) loads Whisper: no model is one [ERROR] line and exit 1."""
    missing = tmp_path / "no-whisper"
    proc = start_speech(processes, "-p", f"model_dir:={missing}")
    assert proc.wait(timeout=60) == 1, processes.log(proc)
    log = processes.log(proc)
    assert f"Whisper model not found at {missing}/model.bin" in log and "make setup" in log, log
    assert "Traceback" not in log


def test_managed_listens_only_while_active(processes, probe) -> None:
    """autostart:=false: unconfigured, then inactive, and no transcript for the audio sent
    meanwhile; active: transcribes. deactivate mid-phrase still publishes what was heard;
    the chunks not listened to while inactive are not counted as lost."""
    from diagnostic_msgs.msg import DiagnosticArray

    from cockpit_ai.msg import AudioChunk, Transcript
    from cockpit_ai.ros import qos
    from cockpit_ai.speech.synth import make_speech
    from cockpit_ai.speech.text import word_error_rate

    transcripts = probe.subscribe(Transcript, "transcript")
    diagnostics = probe.subscribe(DiagnosticArray, "/diagnostics")
    # A long stream timeout: only the deactivate below can end the cut phrase.
    speech = start_speech(processes, "-p", "autostart:=false", "-p", "stream_timeout_s:=60.0")
    got = _lifecycle("get", "/speech", "--timeout", "60")
    assert got.returncode == 0 and got.stdout.startswith("unconfigured"), \
        (got, processes.log(speech))
    phrase = make_speech("navigate to the central railway station", leading_silence_s=0.5,
                         trailing_silence_s=1.0)  # fmt: skip
    seq = send_audio(probe, phrase.samples, t0=1.0)  # nobody listens: no model, no subscriber
    assert probe.node.count_subscribers("audio") == 0

    assert _lifecycle("set", "/speech", "configure").returncode == 0, processes.log(speech)
    assert _lifecycle("get", "/speech").stdout.startswith("inactive")
    diagnostics.wait(1, timeout=30, where=lambda m: (speech_status(m) or (0, "", {}))[1]
                     == "configured (inactive)")  # fmt: skip
    assert probe.node.count_subscribers("audio") == 0  # loaded, not listening
    seq += send_audio(probe, phrase.samples, t0=10.0, seq0=seq)
    time.sleep(2.0)  # a transcript would take about a second
    assert transcripts.messages == [] and speech.poll() is None

    assert _lifecycle("set", "/speech", "activate").returncode == 0, processes.log(speech)
    assert _lifecycle("get", "/speech").stdout.startswith("active")
    probe.wait_for_subscribers(AudioChunk, "audio", qos=qos.AUDIO, timeout=30)
    heard = send_audio(probe, phrase.samples, t0=20.0, seq0=seq)  # chunks the node got
    seq += heard
    first = transcripts.wait(1, timeout=60)[0]
    assert word_error_rate(phrase.text, first.text) <= 0.2, first.text
    # The source counted on while nobody listened: not lost chunks.
    assert first.missing_chunks == 0 and first.doubt == "", (first.missing_chunks, first.doubt)

    # Deactivated in the middle of a phrase: what was heard is still recognised, published.
    half = make_speech("play some jazz in the car please", leading_silence_s=0.5,
                       trailing_silence_s=0.0)  # fmt: skip
    cut = int((half.speech_start_s + 0.8) * 16000)
    n = send_audio(probe, half.samples[:cut], t0=30.0, seq0=seq)
    seq += n
    heard += n
    diagnostics.wait(1, timeout=30, where=lambda m: value(m, "chunks") >= heard)  # all in
    assert _lifecycle("set", "/speech", "deactivate").returncode == 0, processes.log(speech)
    transcripts.wait(2, timeout=5)  # published before the transition ended
    assert len(transcripts.messages) == 2, [m.text for m in transcripts.messages]
    assert "play" in transcripts.messages[1].text.lower(), transcripts.messages[1].text
    assert _lifecycle("get", "/speech").stdout.startswith("inactive")
    seq += send_audio(probe, phrase.samples, t0=40.0, seq0=seq)  # not listened to
    time.sleep(2.0)
    assert len(transcripts.messages) == 2

    # Active again, the source still counting: one clean transcript, no lost chunks.
    assert _lifecycle("set", "/speech", "activate").returncode == 0, processes.log(speech)
    probe.wait_for_subscribers(AudioChunk, "audio", qos=qos.AUDIO, timeout=30)
    heard += send_audio(probe, phrase.samples, t0=60.0, seq0=seq)
    last = transcripts.wait(3, timeout=60)[2]
    assert word_error_rate(phrase.text, last.text) <= 0.2, last.text
    assert last.missing_chunks == 0 and last.doubt == "", (last.missing_chunks, last.doubt)
    diag = diagnostics.wait(1, timeout=10, where=lambda m: value(m, "transcripts") >= 3
                            and value(m, "chunks") >= heard)[-1]  # fmt: skip
    level, message, values = speech_status(diag)
    assert float(values.get("dropped_frames", 0)) == 0 and level == 0, (message, values)
    assert float(values.get("dropped_utterances", 0)) == 0, values
    assert speech.poll() is None
    assert "Traceback" not in processes.log(speech)


def test_echo_of_the_copilot_is_cancelled_and_the_driver_barges_in(processes, probe) -> None:
    """tts/audio is the echo reference: the co-pilot's voice through the cabin into the
    microphone at the driver's level gives no transcript and no speech_active; the driver
    talking over its next answer is heard (test/speech/test_speech_echo.py has the core)."""
    from diagnostic_msgs.msg import DiagnosticArray
    from std_msgs.msg import Bool

    from cockpit_ai.msg import AudioChunk, Transcript
    from cockpit_ai.ros import qos
    from cockpit_ai.speech.audio import AudioFrame
    from cockpit_ai.speech.chunks import chunk_message
    from cockpit_ai.speech.tts import TtsConfig, synthesize

    rng_level = 100

    def level(x: np.ndarray) -> float:
        return float(np.mean(x[np.abs(x) > rng_level].astype(np.float64) ** 2))

    def cabin(x: np.ndarray) -> np.ndarray:
        h = np.zeros(2000)
        for at, gain in ((400, 1.0), (512, 0.4), (768, -0.25), (1376, 0.12)):
            h[at] = gain
        return np.convolve(x.astype(np.float64), h)[: len(x)]

    driver = synthesize("how far is it", TtsConfig("en-gb+f4", 160)).samples
    scenes = []
    for k, text in enumerate(["I found three vegetarian restaurants. The closest is Momotoko.",
                              "Turning the temperature to twenty one degrees. The heating "
                              "will be on in a minute."]):
        said = synthesize(text).samples
        n = len(said) + 24000
        ref = np.zeros(n)
        ref[8000 : 8000 + len(said)] = said
        mic = cabin(ref) * np.sqrt(level(driver) / level(said))
        if k == 1:  # the driver starts 2 s into the second answer
            mic[40000 : 40000 + len(driver)] += driver
        scenes.append((ref.astype(np.int16), np.clip(np.round(mic), -32768, 32767)
                       .astype(np.int16)))

    transcripts = probe.subscribe(Transcript, "transcript")
    diagnostics = probe.subscribe(DiagnosticArray, "/diagnostics")
    active = probe.subscribe(Bool, "speech_active")
    speech = start_speech(processes)
    wait_ready(probe, processes, speech, "transcript")
    probe.wait_for_subscribers(AudioChunk, "audio", qos=qos.AUDIO, timeout=30)
    probe.wait_for_subscribers(AudioChunk, "tts/audio", qos=qos.AUDIO, timeout=30)
    t0, seq, refs = 100.0, 0, 0
    for ref, mic in scenes:
        # what the speakers played first (two topics have no order between them), then the mic
        for i in range(0, len(ref), 320):
            probe.publish("tts/audio", chunk_message(AudioFrame(ref[i : i + 320], 16000,
                          t0 + i / 16000, refs), frame_id="speaker"), qos=qos.AUDIO)
            refs += 1
        diagnostics.wait(1, timeout=60, where=lambda m, r=refs: value(m, "reference_chunks") >= r)
        sent = send_audio(probe, mic, t0=t0, seq0=seq)
        seq += sent
        t0 += sent * 0.02 + 1.0
    got = transcripts.wait(1, timeout=90)
    assert [m.text.lower().strip(" ?.") for m in got] == ["how far is it"], [m.text for m in got]
    flags = [m.data for m in active.wait(2, timeout=10)]
    assert flags[:2] == [True, False]  # one utterance: the driver's, not the co-pilot's
    diagnostics.wait(1, timeout=30, where=lambda m: value(m, "echo_muted") > 0)
    assert speech.poll() is None


def test_context_vocabulary_follows_the_nearby_places(processes, probe) -> None:
    """A street name Whisper tiny mishears is heard once the landmark node says it is
    around (dev phrase); the streets around the car's fix join; the vocabulary shows in
    diagnostics."""
    from diagnostic_msgs.msg import DiagnosticArray

    from cockpit_ai.msg import AudioChunk, Landmark, LandmarkArray, Transcript
    from cockpit_ai.ros import qos
    from cockpit_ai.speech.synth import make_speech
    from cockpit_ai.speech.text import word_error_rate
    from cockpit_ai.speech.tts import TtsConfig

    text = "go to pohjoisesplanadi"
    phrase = make_speech(text, leading_silence_s=0.5, trailing_silence_s=1.0,
                         tts=TtsConfig("en-gb+f4", 150))
    transcripts = probe.subscribe(Transcript, "transcript")
    diagnostics = probe.subscribe(DiagnosticArray, "/diagnostics")
    speech = start_speech(processes, "-p", "context_biasing:=true")
    wait_ready(probe, processes, speech, "transcript")
    probe.wait_for_subscribers(AudioChunk, "audio", qos=qos.AUDIO, timeout=30)
    sent = send_audio(probe, phrase.samples, t0=10.0)
    before = transcripts.wait(1, timeout=90)[0].text
    nearby = LandmarkArray()
    for name in ("Kappeli", "Pohjoisesplanadi", "Havis Amanda"):
        nearby.landmarks.append(Landmark(name=name))
    probe.publish("landmarks/nearby", nearby, wait_subscribers=1)
    diagnostics.wait(1, timeout=30, where=lambda m: value(m, "context_names") >= 3)
    send_audio(probe, phrase.samples, t0=20.0, seq0=sent)
    after = transcripts.wait(2, timeout=90)[1].text
    assert word_error_rate(text, before) > 0.0, before
    assert word_error_rate(text, after) == 0.0, after
    # the streets around the car join from its fix (the bundled street graph)
    from sensor_msgs.msg import NavSatFix

    fix = NavSatFix(latitude=60.1675, longitude=24.9510)
    fix.status.status = fix.status.STATUS_FIX
    from cockpit_ai.ros.probe import ProbeTimeout

    deadline = time.monotonic() + 90.0
    while True:  # fixes are best effort (qos.MOTION): send again until one is taken in
        probe.publish("fix", fix, qos=qos.MOTION, wait_subscribers=1)
        try:
            diagnostics.wait(1, timeout=5, where=lambda m: value(m, "street_lookups") >= 1
                             and value(m, "context_names") >= 6)
            break
        except ProbeTimeout:
            assert time.monotonic() < deadline, "the street names never joined the context"
    assert speech.poll() is None
