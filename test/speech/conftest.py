"""Speech test fixtures: espeak-ng test speech made at test time, one Whisper model per session,
and the cockpit phrase set transcribed once (clean and with car-cabin noise)."""

from __future__ import annotations

import pytest
from speech_helpers import PhraseRun, phrase_stream, run_stream

from cockpit_ai.speech.asr import FasterWhisperBackend, WhisperConfig
from cockpit_ai.speech.pipeline import PipelineConfig, SpeechPipeline

NOISE_SNR_DB = 10.0


@pytest.fixture(scope="session")
def backend() -> FasterWhisperBackend:
    """The tuned default back end (beam 5, cockpit prompt), 2 threads."""
    return FasterWhisperBackend(WhisperConfig(cpu_threads=2), wake_words=["hey qwen"])


@pytest.fixture(scope="session")
def clean_run(backend: FasterWhisperBackend) -> PhraseRun:
    samples, phrases, spans = phrase_stream(snr_db=None)
    pipe = SpeechPipeline(PipelineConfig(), backend=backend)
    return PhraseRun(samples, phrases, spans, run_stream(pipe, samples))


@pytest.fixture(scope="session")
def noisy_run(backend: FasterWhisperBackend) -> PhraseRun:
    samples, phrases, spans = phrase_stream(snr_db=NOISE_SNR_DB, every=2)
    pipe = SpeechPipeline(PipelineConfig(), backend=backend)
    return PhraseRun(samples, phrases, spans, run_stream(pipe, samples))
