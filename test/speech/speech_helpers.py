"""Helpers for the speech tests: the cockpit phrase stream and pushing audio through a pipeline."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cockpit_ai.speech.pipeline import SpeechPipeline, SpeechResult
from cockpit_ai.speech.synth import COCKPIT_PHRASES, SynthSpeech, brown_noise, make_speech


@dataclass
class PhraseRun:
    """A stream of all phrases back to back, what the pipeline made of it, and the truth."""

    samples: np.ndarray
    phrases: list[SynthSpeech]
    spans: list[tuple[float, float]]  # known speech span of each phrase in the stream, s
    results: list[SpeechResult]


def phrase_stream(
    *, snr_db: float | None, every: int = 1
) -> tuple[np.ndarray, list[SynthSpeech], list[tuple[float, float]]]:
    """Cockpit phrases (every ``every``-th) back to back, 0.4-1.5 s of silence between them.

    With ``snr_db`` one continuous brown noise runs under the whole stream, scaled to the
    mean speech power over the speech spans (a cabin with road rumble throughout).
    """
    parts, phrases, spans = [], [], []
    t = 0.0
    for i, text in enumerate(COCKPIT_PHRASES[::every]):
        lead = 1.5 if i % 3 == 0 else 0.4  # some with long leading silence
        s = make_speech(text, leading_silence_s=lead, trailing_silence_s=0.6)
        phrases.append(s)
        spans.append((t + s.speech_start_s, t + s.speech_end_s))
        parts.append(s.samples)
        t += len(s.samples) / s.sample_rate
    clean = np.concatenate(parts)
    if snr_db is None:
        return clean, phrases, spans
    power = np.mean(
        np.concatenate([clean[int(a * 16000) : int(b * 16000)] for a, b in spans]).astype(float)
        ** 2
    )
    noise = brown_noise(len(clean), seed=1) * np.sqrt(power / 10 ** (snr_db / 10.0))
    noisy = np.clip(np.round(clean + noise), -32768, 32767).astype(np.int16)
    return noisy, phrases, spans


def run_stream(
    pipe: SpeechPipeline, samples: np.ndarray, *, chunk: int = 320
) -> list[SpeechResult]:
    """Push a stream through the pipeline in 20 ms chunks with sample-accurate times."""
    results: list[SpeechResult] = []
    for seq, i in enumerate(range(0, len(samples), chunk)):
        for utt in pipe.push_chunk(
            samples[i : i + chunk], sample_rate=16000, start_time=i / 16000, sequence=seq
        ):
            results.append(pipe.recognise(utt))
    results.extend(pipe.recognise(u) for u in pipe.flush())
    return results
