"""Echo cancellation: the co-pilot's own voice (its TTS audio, through a simulated cabin) mixed
into the microphone at the driver's level gives no transcript; the driver talking over it
is heard; without a reference the microphone passes untouched."""

from __future__ import annotations

import numpy as np
import pytest

from cockpit_ai.speech import SpeechError
from cockpit_ai.speech.asr import FasterWhisperBackend
from cockpit_ai.speech.echo import EchoCanceller, ReferenceBuffer
from cockpit_ai.speech.pipeline import EchoConfig, PipelineConfig, SpeechPipeline
from cockpit_ai.speech.text import word_error_rate
from cockpit_ai.speech.tts import TtsConfig, synthesize

RATE = 16000
ANSWERS = (
    "I found three vegetarian restaurants. The closest is Momotoko, three hundred metres "
    "on your right.",
    "Turning the temperature to twenty one degrees. The heating will be on in a minute.",
)
DRIVER = "how far is it"


def cabin(x: np.ndarray, delay_ms: float = 25.0) -> np.ndarray:
    """Speaker to microphone: a delay and a few reflections (a small, damped cabin)."""
    h = np.zeros(int(0.12 * RATE))
    for at_ms, gain in ((0.0, 1.0), (7.0, 0.4), (23.0, -0.25), (61.0, 0.12)):
        h[int((delay_ms + at_ms) * RATE / 1000)] = gain
    return np.convolve(x.astype(np.float64), h)[: len(x)]


def level(x: np.ndarray) -> float:
    return float(np.mean(x[np.abs(x) > 100].astype(np.float64) ** 2))


@pytest.fixture(scope="module")
def scene() -> dict[str, np.ndarray | int]:
    """Two answers 1.5 s apart; the driver starts talking 2 s into the second one. The echo
    is scaled to the driver's level (equal level at the microphone)."""
    a1, a2 = (synthesize(t).samples for t in ANSWERS)
    driver = synthesize(DRIVER, TtsConfig("en-gb+f4", 160)).samples
    t1 = int(0.5 * RATE)
    t2 = t1 + len(a1) + int(1.5 * RATE)
    td = t2 + int(2.0 * RATE)
    n = t2 + len(a2) + int(1.5 * RATE)
    ref = np.zeros(n)
    ref[t1 : t1 + len(a1)] = a1
    ref[t2 : t2 + len(a2)] = a2
    echo = cabin(ref)
    echo *= np.sqrt(level(driver) / level(a1))
    talk = np.zeros(n)
    talk[td : td + len(driver)] = driver
    return {"ref": ref.astype(np.int16), "echo": echo, "driver": talk, "n": n, "t2": t2,
            "td": td, "td_end": td + len(driver)}


def run(pipe: SpeechPipeline, mic: np.ndarray, ref: np.ndarray) -> list[str]:
    texts = []
    for seq, i in enumerate(range(0, len(mic), 320)):
        pipe.push_reference(ref[i : i + 320], sample_rate=RATE, start_time=i / RATE)
        for u in pipe.push_chunk(mic[i : i + 320], sample_rate=RATE, start_time=i / RATE,
                                 sequence=seq):
            r = pipe.recognise(u)
            if r.transcript is not None:
                texts.append(r.transcript.text)
    for u in pipe.flush():
        r = pipe.recognise(u)
        if r.transcript is not None:
            texts.append(r.transcript.text)
    return texts


def mix(*parts: np.ndarray) -> np.ndarray:
    return np.clip(np.round(sum(parts)), -32768, 32767).astype(np.int16)


def test_the_copilots_voice_at_equal_level_gives_no_transcript(
    backend: FasterWhisperBackend, scene: dict
) -> None:
    mic = mix(scene["echo"])
    pipe = SpeechPipeline(PipelineConfig(), backend=backend)
    assert run(pipe, mic, scene["ref"]) == []
    assert pipe.stats.echo_muted > 0 and pipe.stats.reference_chunks > 0
    # the same audio without the canceller: its words are heard (the test can fail)
    plain = SpeechPipeline(PipelineConfig(echo=EchoConfig(enabled=False)), backend=backend)
    heard = " ".join(run(plain, mic, scene["ref"]))
    assert word_error_rate(" ".join(ANSWERS), heard) < 0.5, heard


def test_the_driver_barging_in_over_the_copilot_is_heard(
    backend: FasterWhisperBackend, scene: dict
) -> None:
    mic = mix(scene["echo"], scene["driver"])
    pipe = SpeechPipeline(PipelineConfig(), backend=backend)
    assert [t.lower().strip(" ?.") for t in run(pipe, mic, scene["ref"])] == [DRIVER]


def test_the_canceller_takes_the_echo_away_and_keeps_the_driver(scene: dict) -> None:
    mic = mix(scene["echo"], scene["driver"])
    aec = EchoCanceller(gate_db=0.0, learn_s=0.0)  # the filter alone, no gate
    out = np.concatenate([aec.process(mic[i : i + 320], scene["ref"][i : i + 320])
                          for i in range(0, scene["n"], 320)])

    def db(x: np.ndarray, a: int, b: int) -> float:
        return 10 * np.log10(np.mean(x[a:b].astype(np.float64) ** 2) + 1.0)

    t2, td, te = scene["t2"], scene["td"], scene["td_end"]
    # the second answer alone (the filter has learned the cabin in the first): > 15 dB less
    assert db(mic, t2, td) - db(out, t2, td) > 15.0
    # the driver over the echo: about the driver's half of the power is kept (< 6 dB less)
    assert db(mic, td, te) - db(out, td, te) < 6.0


def test_without_a_reference_the_microphone_passes_untouched() -> None:
    rng = np.random.default_rng(0)
    mic = rng.integers(-3000, 3000, 16000).astype(np.int16)
    aec = EchoCanceller()
    out = np.concatenate([aec.process(mic[i : i + 320], np.zeros(320, np.int16))
                          for i in range(0, len(mic), 320)])
    assert np.array_equal(out, mic)
    assert aec.frames_cancelled == 0


def test_reference_buffer_reads_by_stream_time() -> None:
    buf = ReferenceBuffer(keep_s=1.0)
    buf.write(np.arange(1, 161, dtype=np.int16), start_time=10.0)  # 10.00-10.01 s
    got = buf.read(9.995, 320)  # 80 samples before it, then it, then nothing
    assert not got[:80].any() and got[80] == 1 and got[239] == 160 and not got[240:].any()
    assert buf.active(10.005, 10.02) and not buf.active(10.02, 10.03)
    buf.write(np.ones(160, np.int16), start_time=12.0)  # older than keep_s is forgotten
    assert not buf.read(10.0, 160).any()


def test_bad_reference_blocks_are_refused_and_counted(backend: FasterWhisperBackend) -> None:
    pipe = SpeechPipeline(PipelineConfig(), backend=backend)
    with pytest.raises(SpeechError):
        pipe.push_reference(b"\x00\x01\x02", sample_rate=RATE, start_time=0.0)
    with pytest.raises(SpeechError):
        EchoCanceller().process(np.zeros(10, np.int16), np.zeros(11, np.int16))
    assert pipe.stats.bad_chunks == 1
