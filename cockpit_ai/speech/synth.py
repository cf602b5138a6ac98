"""Test speech on demand: espeak-ng phrases at 16 kHz with known speech spans, optional
leading/trailing silence and cabin noise at a chosen SNR (fixed seed): brown (the default),
pink, synthetic engine/road noise or babble of other phrases (``NOISE_KINDS``).

Used by the tests, the benchmark and the demo, so all three hear the same audio.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cockpit_ai.speech import SpeechError
from cockpit_ai.speech.audio import TARGET_RATE, write_wav
from cockpit_ai.speech.tts import TtsConfig, synthesize

# Cockpit phrases the tests and benchmark use (espeak-ng says them; reference for WER).
COCKPIT_PHRASES: tuple[str, ...] = (
    "what is that landmark on my right",
    "find a vegan restaurant that is open now",
    "set the temperature to twenty one degrees",
    "open the passenger window halfway",
    "play some jazz",
    "navigate to the central railway station",
    "how far is it",
    "close all the windows",
    "turn on the seat heating for the driver",
    "find a vegetarian cafe near the cathedral",
    "what is the building on the left",
    "turn the volume down",
    "take me home",
    "is there a charging station nearby",
    "i feel tired",
    "call my wife",
    "read the document on the screen",
    "tell me about the church straight ahead",
    "find a gluten free bakery that is open now",
    "set the fan speed to three",
    "skip this song",
    "the second one",
    "how long until we arrive",
    "turn off the air conditioning",
)


@dataclass(frozen=True)
class SynthSpeech:
    """Synthesised test audio and where the speech lies in it (seconds from sample 0)."""

    samples: np.ndarray  # mono int16
    sample_rate: int
    text: str
    speech_start_s: float
    speech_end_s: float
    snr_db: float | None


def speech_span(
    samples: np.ndarray, sample_rate: int, *, threshold_db: float = -40.0
) -> tuple[float, float]:
    """First and last 10 ms window whose level is within ``threshold_db`` of the loudest."""
    win = sample_rate // 100
    n = len(samples) // win
    if n == 0:
        raise SpeechError("audio too short to find speech in")
    frames = samples[: n * win].astype(np.float64).reshape(n, win)
    rms = np.sqrt(np.mean(frames**2, axis=1)) + 1e-9
    level = 20 * np.log10(rms / rms.max())
    loud = np.flatnonzero(level > threshold_db)
    return loud[0] * win / sample_rate, (loud[-1] + 1) * win / sample_rate


def brown_noise(n: int, *, seed: int = 0) -> np.ndarray:
    """Unit-RMS brown (1/f^2) noise: a leaky integral of white noise, like road rumble."""
    rng = np.random.default_rng(seed)
    white = rng.standard_normal(max(n, 1))
    # Leaky integrator 1 / (1 - 0.995 z^-1), applied in the frequency domain (numpy only):
    # -6 dB/octave above ~13 Hz at 16 kHz, no DC drift.
    w = np.fft.rfftfreq(len(white)) * 2 * np.pi
    out = np.fft.irfft(np.fft.rfft(white) / (1 - 0.995 * np.exp(-1j * w)), len(white))[:n]
    out -= out.mean()
    return out / np.sqrt(np.mean(out**2))


def _shaped(n: int, gain: np.ndarray | None, seed: int) -> np.ndarray:
    """White noise through a frequency-domain ``gain`` (one value per rfft bin), unit RMS."""
    rng = np.random.default_rng(seed)
    spec = np.fft.rfft(rng.standard_normal(max(n, 1)))
    if gain is not None:
        spec *= gain
    out = np.fft.irfft(spec, max(n, 1))[:n]
    out -= out.mean()
    return out / (np.sqrt(np.mean(out**2)) + 1e-12)


def pink_noise(n: int, *, seed: int = 0, sample_rate: int = TARGET_RATE) -> np.ndarray:
    """Unit-RMS pink (1/f) noise: -3 dB/octave above 20 Hz (fans, air vents)."""
    f = np.fft.rfftfreq(max(n, 1), 1.0 / sample_rate)
    return _shaped(n, 1.0 / np.sqrt(np.maximum(f, 20.0)), seed)


def engine_noise(n: int, *, seed: int = 0, sample_rate: int = TARGET_RATE) -> np.ndarray:
    """Unit-RMS synthetic engine and road noise at cruising speed.

    Road/tyre roar: broadband noise with most energy at 50-500 Hz and a tyre-tread band near
    1 kHz; engine: the firing frequency of a four-cylinder at 2000-2600 rpm (67-87 Hz,
    drifting slowly) and its harmonics, 12 dB below the roar at the second harmonic.
    """
    f = np.fft.rfftfreq(max(n, 1), 1.0 / sample_rate)
    roar = 1.0 / (1.0 + (f / 250.0) ** 2) * (f > 25.0)
    tread = 0.12 * np.exp(-(((f - 1000.0) / 250.0) ** 2))
    road = _shaped(n, roar + tread, seed)
    rng = np.random.default_rng(seed + 1)
    t = np.arange(n) / sample_rate
    rpm = 2300.0 + 300.0 * np.sin(2 * np.pi * t / rng.uniform(6.0, 12.0) + rng.uniform(0, 6.3))
    phase = 2 * np.pi * np.cumsum(rpm / 60.0 * 2.0) / sample_rate  # 2 firings per revolution
    engine = sum(
        (0.5 ** abs(k - 2)) * np.sin(k * phase + rng.uniform(0, 6.3)) for k in range(1, 7)
    )
    engine = np.asarray(engine, dtype=np.float64)
    engine /= np.sqrt(np.mean(engine**2)) + 1e-12
    mix = road + 10 ** (-6 / 20) * engine
    return mix / np.sqrt(np.mean(mix**2))


def babble_noise(
    n: int, *, seed: int = 0, talkers: int = 4, sample_rate: int = TARGET_RATE
) -> np.ndarray:
    """Unit-RMS cabin babble: ``talkers`` espeak-ng voices saying ``COCKPIT_PHRASES`` at once.

    The phrases are the project's own tuning phrases (never in the evaluation set), each
    talker in another voice and speed, back to back with short pauses, offset at random.
    """
    rng = np.random.default_rng(seed)
    voices = ("en-us+m3", "en-gb+f2", "en-gb-scotland+m1", "en-us-nyc+f4", "en-029+m2",
              "en-gb-x-rp+f5")  # fmt: skip
    out = np.zeros(max(n, 1))
    for k in range(talkers):
        cfg = TtsConfig(voices[(seed + k) % len(voices)], int(rng.integers(140, 190)),
                        int(rng.integers(30, 70)), 100, sample_rate)  # fmt: skip
        track = np.zeros(0)
        while len(track) < n + sample_rate:
            phrase = COCKPIT_PHRASES[int(rng.integers(len(COCKPIT_PHRASES)))]
            said = _say_cached(phrase, cfg).astype(np.float64)
            gap = np.zeros(int(rng.uniform(0.1, 0.6) * sample_rate))
            track = np.concatenate([track, said, gap])
        start = int(rng.integers(0, sample_rate))
        part = track[start : start + n]
        out[: len(part)] += part / (np.sqrt(np.mean(part**2)) + 1e-12)
    out = out[:n]
    out -= out.mean()
    return out / (np.sqrt(np.mean(out**2)) + 1e-12)


@functools.lru_cache(maxsize=256)
def _say_cached(text: str, cfg: TtsConfig) -> np.ndarray:
    return synthesize(text, cfg).samples


#: The kinds of noise ``add_noise`` can mix in (one function each, unit RMS, seeded).
NOISE_KINDS: dict[str, Callable[..., np.ndarray]] = {
    "brown": brown_noise,
    "pink": pink_noise,
    "engine": engine_noise,
    "babble": babble_noise,
}


def make_noise(kind: str, n: int, *, seed: int = 0) -> np.ndarray:
    """``n`` samples of unit-RMS noise of ``kind`` (one of ``NOISE_KINDS``) at 16 kHz."""
    try:
        fn = NOISE_KINDS[kind]
    except KeyError:
        raise SpeechError(f"unknown noise kind {kind!r}; one of {sorted(NOISE_KINDS)}") from None
    return fn(n, seed=seed)


def add_noise(
    samples: np.ndarray,
    snr_db: float,
    *,
    span: tuple[int, int] | None = None,
    seed: int = 0,
    kind: str = "brown",
) -> np.ndarray:
    """Mix noise so speech power (over ``span`` sample indices) / noise power = ``snr_db``."""
    speech = samples.astype(np.float64)
    a, b = span or (0, len(samples))
    p_speech = float(np.mean(speech[a:b] ** 2))
    noise = make_noise(kind, len(samples), seed=seed) * np.sqrt(p_speech / 10 ** (snr_db / 10.0))
    return np.clip(np.round(speech + noise), -32768, 32767).astype(np.int16)


def make_speech(
    text: str,
    *,
    leading_silence_s: float = 0.0,
    trailing_silence_s: float = 0.5,
    snr_db: float | None = None,
    seed: int = 0,
    tts: TtsConfig | None = None,
    sample_rate: int = TARGET_RATE,
    noise: str = "brown",
) -> SynthSpeech:
    """Say ``text`` with espeak-ng, pad with silence, optionally add ``noise`` at ``snr_db``."""
    cfg = tts or TtsConfig(sample_rate=sample_rate)
    if cfg.sample_rate != sample_rate:
        cfg = TtsConfig(cfg.voice, cfg.rate_wpm, cfg.pitch, cfg.volume, sample_rate)
    audio = synthesize(text, cfg)
    start, end = speech_span(audio.samples, sample_rate)
    lead = np.zeros(round(leading_silence_s * sample_rate), dtype=np.int16)
    tail = np.zeros(round(trailing_silence_s * sample_rate), dtype=np.int16)
    samples = np.concatenate([lead, audio.samples, tail])
    start += leading_silence_s
    end += leading_silence_s
    if snr_db is not None:
        span = (int(start * sample_rate), int(end * sample_rate))
        samples = add_noise(samples, snr_db, span=span, seed=seed, kind=noise)
    return SynthSpeech(samples, sample_rate, text, start, end, snr_db)


def make_speech_wav(path: str | Path, text: str, **options: object) -> SynthSpeech:
    """``make_speech`` and write it as a 16-bit WAV file at ``path``."""
    speech = make_speech(text, **options)  # type: ignore[arg-type]
    write_wav(path, speech.samples, speech.sample_rate)
    return speech


def noise_only(
    seconds: float, *, level_dbfs: float = -30.0, seed: int = 0, sample_rate: int = TARGET_RATE
) -> np.ndarray:
    """Brown noise alone at an RMS level in dBFS (a cabin with nobody talking)."""
    n = int(seconds * sample_rate)
    x = brown_noise(n, seed=seed) * 32768.0 * 10 ** (level_dbfs / 20.0)
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)
