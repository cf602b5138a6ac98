"""The speech core wired together: PCM chunks -> checks/resampling -> VAD -> ASR -> transcript.

Two halves so a node can keep the recogniser off its callback thread:
``push_chunk()``/``feed()`` (cheap: validation, resampling, VAD; returns finished utterances)
and ``recognise()`` (heavy: Whisper, wake word, voice features). One pipeline per audio
stream; the halves may run on two different threads. No global state.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cockpit_ai.speech import SpeechError
from cockpit_ai.speech.asr import AsrBackend, FasterWhisperBackend, WhisperConfig, is_hallucination
from cockpit_ai.speech.audio import (
    MAX_CHUNK_S,
    TARGET_RATE,
    AudioFrame,
    Resampler,
    check_chunk,
    to_mono,
)
from cockpit_ai.speech.text import words_to_numbers
from cockpit_ai.speech.vad import Utterance, VadConfig, VoiceActivityDetector
from cockpit_ai.speech.voice_features import VoiceFeatures, compute_voice_features
from cockpit_ai.speech.wake import ActivationGate, WakeConfig


@dataclass(frozen=True)
class PipelineConfig:
    """Everything the speech core can be told; the node maps its parameters onto this."""

    vad: VadConfig = field(default_factory=VadConfig)
    wake: WakeConfig = field(default_factory=WakeConfig)
    whisper: WhisperConfig = field(default_factory=WhisperConfig)
    max_chunk_s: float = MAX_CHUNK_S
    min_confidence: float = 0.0  # transcripts below this are dropped (0 = keep all)
    max_no_speech_prob: float = 0.8  # Whisper's own "this was not speech" above this -> dropped


@dataclass(frozen=True)
class Transcript:
    """Fields of cockpit_ai/Transcript.msg; ``start_time`` becomes the header stamp."""

    utterance_id: str
    text: str
    raw_text: str
    language: str
    confidence: float
    is_final: bool
    wake_word_heard: bool
    audio_duration_s: float
    recognition_time_s: float
    backend: str
    start_time: float
    end_time: float


@dataclass(frozen=True)
class SpeechResult:
    """Outcome for one utterance: the transcript (None when dropped) and its voice features."""

    utterance_id: str
    transcript: Transcript | None
    features: VoiceFeatures | None
    accepted: bool  # passed the activation gate (wake word / follow-up / always-on)
    reason: str  # "ok", "no speech", "low confidence", "not addressed", ...


@dataclass
class PipelineStats:
    """Counters for diagnostics."""

    chunks: int = 0
    bad_chunks: int = 0
    dropped_frames: int = 0  # gaps in the source's sequence numbers
    vad_gaps: int = 0
    utterances: int = 0
    transcripts: int = 0
    rejected: int = 0  # no speech / hallucination / low confidence
    not_addressed: int = 0  # wake-word mode without the wake word
    last_error: str = ""


class SpeechPipeline:
    """Audio in, ``SpeechResult``s out; see the module docstring for the threading split."""

    def __init__(
        self, config: PipelineConfig | None = None, *, backend: AsrBackend | None = None
    ) -> None:
        self.config = config or PipelineConfig()
        self.vad = VoiceActivityDetector(self.config.vad, sample_rate=TARGET_RATE)
        self.gate = ActivationGate(self.config.wake)
        if backend is None:
            backend = FasterWhisperBackend(
                self.config.whisper, wake_words=list(self.config.wake.phrases)
            )
        elif hasattr(backend, "set_wake_words"):
            backend.set_wake_words(list(self.config.wake.phrases))  # type: ignore[attr-defined]
        self.backend = backend
        self.stats = PipelineStats()
        self._stats_lock = threading.Lock()
        self._resampler: Resampler | None = None
        self._last_sequence: int | None = None
        self._ptt_pressed = False
        self._id_prefix = uuid.uuid4().hex[:8]
        self._count = 0

    # ---- cheap half: called for every chunk -------------------------------------------
    @property
    def speech_active(self) -> bool:
        """True while the VAD is inside an utterance (a barge-in signal for TTS)."""
        return self.vad.speech_active

    def push_chunk(
        self,
        samples: np.ndarray | list[int] | bytes,
        *,
        sample_rate: int,
        channels: int = 1,
        start_time: float,
        sequence: int | None = None,
    ) -> list[Utterance]:
        """Validate one PCM block (any rate/channels), resample, run the VAD.

        Raises SpeechError for a bad block (counted; the pipeline stays usable).
        """
        try:
            pcm = check_chunk(samples, sample_rate, channels, max_chunk_s=self.config.max_chunk_s)
        except SpeechError as exc:
            with self._stats_lock:
                self.stats.bad_chunks += 1
                self.stats.last_error = str(exc)
            raise
        with self._stats_lock:
            self.stats.chunks += 1
            if sequence is not None:
                if self._last_sequence is not None and sequence > self._last_sequence + 1:
                    self.stats.dropped_frames += sequence - self._last_sequence - 1
                self._last_sequence = sequence
        mono = to_mono(pcm, int(channels))
        if int(sample_rate) != TARGET_RATE:
            if self._resampler is None or self._resampler.src_rate != int(sample_rate):
                self._resampler = Resampler(int(sample_rate), TARGET_RATE)
            mono = self._resampler.process(mono)
            if len(mono) == 0:
                return []
        return self.feed(AudioFrame(mono, TARGET_RATE, float(start_time)))

    def feed(self, frame: AudioFrame) -> list[Utterance]:
        """Run the VAD on a 16 kHz mono frame; push-to-talk mode ignores audio while released."""
        if self.config.wake.mode == "push_to_talk" and not self._ptt_pressed:
            return []
        gaps_before = self.vad.gaps
        utts = self.vad.feed(frame)
        with self._stats_lock:
            self.stats.vad_gaps += self.vad.gaps - gaps_before
            self.stats.utterances += len(utts)
        return utts

    def set_push_to_talk(self, pressed: bool) -> list[Utterance]:
        """Push-to-talk button; releasing it ends the utterance in progress."""
        was, self._ptt_pressed = self._ptt_pressed, bool(pressed)
        if was and not pressed:
            return self.flush()
        if pressed and not was:
            self.vad.reset()
        return []

    def flush(self) -> list[Utterance]:
        """End of stream: the utterance in progress, if any."""
        utts = self.vad.flush()
        with self._stats_lock:
            self.stats.utterances += len(utts)
        return utts

    # ---- heavy half: call from a worker thread -----------------------------------------
    def set_hotwords(self, words: list[str]) -> None:
        """Names the recogniser should expect now (nearby POIs, contacts); any thread."""
        self.backend.set_hotwords(words)

    def recognise(self, utt: Utterance) -> SpeechResult:
        """ASR + wake word + voice features for one utterance."""
        self._count += 1
        utt_id = f"{self._id_prefix}-{self._count:05d}"
        asr = self.backend.transcribe(utt.samples, utt.sample_rate)
        raw = asr.text.strip()
        reason = "ok"
        if not raw or is_hallucination(raw) or asr.no_speech_prob > self.config.max_no_speech_prob:
            reason = "no speech"
        elif asr.confidence < self.config.min_confidence:
            reason = "low confidence"
        words = len(raw.split()) if reason == "ok" else 0
        features = compute_voice_features(
            utt.samples,
            utt.sample_rate,
            utterance_id=utt_id,
            start_time=utt.start_time,
            words=words,
            voiced=utt.voiced,
            speech_duration_s=utt.speech_duration_s,
        )
        if reason != "ok":
            with self._stats_lock:
                self.stats.rejected += 1
            return SpeechResult(utt_id, None, features, False, reason)
        accepted, match = self.gate.check(raw, start_time=utt.start_time, end_time=utt.end_time)
        text = match.remainder if match.heard else raw
        transcript = Transcript(
            utterance_id=utt_id,
            text=words_to_numbers(" ".join(text.split())),
            raw_text=raw,
            language=asr.language,
            confidence=float(asr.confidence),
            is_final=True,
            wake_word_heard=match.heard,
            audio_duration_s=utt.audio_duration_s,
            recognition_time_s=asr.recognition_time_s,
            backend=asr.backend,
            start_time=utt.start_time,
            end_time=utt.end_time,
        )
        with self._stats_lock:
            if accepted:
                self.stats.transcripts += 1
            else:
                self.stats.not_addressed += 1
        return SpeechResult(
            utt_id,
            transcript if accepted else None,
            features,
            accepted,
            "ok" if accepted else "not addressed",
        )

    def process(self, frame: AudioFrame) -> list[SpeechResult]:
        """Both halves on the caller's thread (CLI, tests): feed a frame, recognise what ended."""
        return [self.recognise(u) for u in self.feed(frame)]


def transcribe_file(
    path: str | Path,
    *,
    pipeline: SpeechPipeline | None = None,
    config: PipelineConfig | None = None,
    frame_ms: int = 20,
) -> list[SpeechResult]:
    """Run a whole audio file through the core; times are seconds from the file start."""
    from cockpit_ai.speech.sources import FileSource

    source = FileSource(path, frame_ms=frame_ms, start_time=0.0)
    pipe = pipeline or SpeechPipeline(config)
    results: list[SpeechResult] = []
    for frame in source.frames():
        results.extend(pipe.process(frame))
    results.extend(pipe.recognise(u) for u in pipe.flush())
    return results
