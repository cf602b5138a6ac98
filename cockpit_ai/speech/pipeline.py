"""The speech core wired together: PCM chunks -> checks/resampling -> VAD -> ASR -> transcript.

Two halves so a node can keep the recogniser off its callback thread:
``push_chunk()``/``feed()`` (cheap: validation, resampling, VAD; returns finished utterances)
and ``recognise()`` (heavy: Whisper, wake word, voice features). One pipeline per audio
stream; the halves may run on two different threads. No global state.

Lost chunks (``sequence`` gaps) are counted and charged to the utterance they fall in; when
the time jump matches them the hole is filled with silence so the utterance is not split.
``TranscriptChecks`` turns Whisper's decoder signals into "drop" or a ``doubt`` reason.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cockpit_ai.speech import SpeechError
from cockpit_ai.speech.asr import (
    NO_SPEECH_LOGPROB,
    NO_SPEECH_PROB,
    AsrBackend,
    AsrResult,
    FasterWhisperBackend,
    WhisperConfig,
    has_made_up_sentence,
    is_hallucination,
)
from cockpit_ai.speech.audio import (
    MAX_CHUNK_S,
    TARGET_RATE,
    AudioFrame,
    Resampler,
    check_chunk,
    to_mono,
)
from cockpit_ai.speech.echo import EchoCanceller, ReferenceBuffer
from cockpit_ai.speech.text import words_to_numbers
from cockpit_ai.speech.vad import Utterance, VadConfig, VoiceActivityDetector
from cockpit_ai.speech.voice_features import VoiceFeatures, compute_voice_features
from cockpit_ai.speech.wake import ActivationGate, WakeConfig

DOUBT_AUDIO_GAP = "audio gap"
DOUBT_HALLUCINATION = "hallucination-like"
DOUBT_LOW_CONFIDENCE = "low confidence"


@dataclass(frozen=True)
class TranscriptChecks:
    """When Whisper's output is dropped and when it is published with a ``doubt``.

    The one source of these thresholds: schema/speech.schema.json has the same defaults
    (a test compares them). Calibrated on the espeak-ng test and demo phrases, clean and in
    brown noise at 10 dB SNR (docs/speech.md), so that those all come out without doubt.
    """

    # Whisper's classic no-speech rule: both together = no speech, dropped.
    no_speech_prob: float = NO_SPEECH_PROB
    no_speech_logprob: float = NO_SPEECH_LOGPROB
    # Published, but doubtful:
    doubt_above_compression_ratio: float = 2.4  # repetitive text, likely made up
    # The decoder was unsure of its words; the test/demo phrases measured -0.81 at worst.
    doubt_below_logprob: float = -1.0
    min_confidence: float = 0.0  # transcripts below this are dropped (0 = keep all)

    def verdict(
        self, asr: AsrResult, *, missing_chunks: int = 0
    ) -> tuple[str, str]:
        """(reason, doubt): reason "ok" or why it is dropped ("no speech", "hallucination",
        "low confidence"); doubt "" or why an "ok" transcript may be wrong."""
        raw = asr.text.strip()
        if not raw:
            return "no speech", ""
        if is_hallucination(raw):
            return "hallucination", ""
        if asr.no_speech_prob > self.no_speech_prob and asr.avg_logprob < self.no_speech_logprob:
            return "no speech", ""
        if asr.confidence < self.min_confidence:
            return "low confidence", ""
        if missing_chunks > 0:
            return "ok", DOUBT_AUDIO_GAP
        if asr.compression_ratio > self.doubt_above_compression_ratio or has_made_up_sentence(raw):
            return "ok", DOUBT_HALLUCINATION
        if asr.avg_logprob < self.doubt_below_logprob:
            return "ok", DOUBT_LOW_CONFIDENCE
        return "ok", ""


@dataclass(frozen=True)
class EchoConfig:
    """Echo cancellation of the co-pilot's voice (echo.py); defaults = the schema's."""

    enabled: bool = True
    tail_ms: int = 200  # how late the echo may come after the reference (speaker, air, buffers)
    gate_db: float = 12.0  # frames the filter reduced this much are the co-pilot's: muted


@dataclass(frozen=True)
class PipelineConfig:
    """Everything the speech core can be told; the node maps its parameters onto this."""

    vad: VadConfig = field(default_factory=VadConfig)
    wake: WakeConfig = field(default_factory=WakeConfig)
    whisper: WhisperConfig = field(default_factory=WhisperConfig)
    checks: TranscriptChecks = field(default_factory=TranscriptChecks)
    max_chunk_s: float = MAX_CHUNK_S
    # Lost chunks up to this long (whose time jump matches) are filled with silence inside
    # the utterance; a longer hole ends it.
    max_fill_s: float = 1.0
    echo: EchoConfig = field(default_factory=EchoConfig)


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
    missing_chunks: int = 0  # source chunks lost inside the utterance
    avg_logprob: float = 0.0
    compression_ratio: float = 0.0
    no_speech_prob: float = 0.0
    doubt: str = ""  # "" when sure, else DOUBT_AUDIO_GAP / DOUBT_HALLUCINATION / ...


@dataclass(frozen=True)
class SpeechResult:
    """Outcome for one utterance: the transcript (None when dropped) and its voice features."""

    utterance_id: str
    transcript: Transcript | None
    features: VoiceFeatures | None
    accepted: bool  # passed the activation gate (wake word / follow-up / always-on)
    reason: str  # "ok", "no speech", "hallucination", "low confidence", "not addressed"


@dataclass
class PipelineStats:
    """Counters for diagnostics."""

    chunks: int = 0
    bad_chunks: int = 0
    reference_chunks: int = 0  # the co-pilot's played audio (echo reference)
    echo_frames: int = 0  # 10 ms frames through the echo canceller
    echo_muted: int = 0  # of those, muted as the co-pilot's own voice
    dropped_frames: int = 0  # gaps in the source's sequence numbers (lost chunks)
    filled_gaps: int = 0  # holes filled with silence (the utterance was kept whole)
    vad_gaps: int = 0
    utterances: int = 0
    transcripts: int = 0
    rejected: int = 0  # no speech / hallucination / low confidence
    no_speech: int = 0
    hallucinations: int = 0  # texts from the made-up phrase list
    doubtful: int = 0  # published with a doubt
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
            backend.set_wake_words(list(self.config.wake.phrases))
        self.backend = backend
        echo = self.config.echo
        self.reference = ReferenceBuffer()
        self._echo = (
            EchoCanceller(tail_ms=echo.tail_ms, gate_db=echo.gate_db) if echo.enabled else None
        )
        self._ref_resampler: Resampler | None = None
        self.stats = PipelineStats()
        self._stats_lock = threading.Lock()
        self._resampler: Resampler | None = None
        self._last_sequence: int | None = None
        self._last_chunk: tuple[float, float] | None = None  # (start, duration) in source time
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
        lost = 0
        with self._stats_lock:
            self.stats.chunks += 1
            if sequence is not None:
                if self._last_sequence is not None and sequence > self._last_sequence + 1:
                    lost = sequence - self._last_sequence - 1
                    self.stats.dropped_frames += lost
                self._last_sequence = sequence
        mono = to_mono(pcm, int(channels))
        duration = len(mono) / float(sample_rate)
        done = self._lost(lost, float(start_time)) if lost else []
        self._last_chunk = (float(start_time), duration)
        if int(sample_rate) != TARGET_RATE:
            if self._resampler is None or self._resampler.src_rate != int(sample_rate):
                self._resampler = Resampler(int(sample_rate), TARGET_RATE)
            mono = self._resampler.process(mono)
            if len(mono) == 0:
                return done
        return done + self.feed(AudioFrame(mono, TARGET_RATE, float(start_time)))

    def _lost(self, lost: int, start_time: float) -> list[Utterance]:
        """``lost`` chunks went missing before the chunk at ``start_time``.

        When the time jump matches them (within the VAD's gap tolerance) and is short, the
        hole becomes silence inside the utterance; otherwise the chunks are only charged to
        it and the VAD's own time-gap rule decides.
        """
        if self.config.wake.mode == "push_to_talk" and not self._ptt_pressed:
            return []
        next_time = self.vad.next_time
        if self._last_chunk is not None and next_time is not None:
            prev_start, prev_len = self._last_chunk
            jump = start_time - (prev_start + prev_len)
            tolerance = self.config.vad.max_gap_ms / 1000.0
            if 0.0 < jump <= self.config.max_fill_s and abs(jump - lost * prev_len) <= tolerance:
                utts = self.vad.fill(max(0.0, start_time - next_time), missing=lost)
                with self._stats_lock:
                    self.stats.filled_gaps += 1
                    self.stats.utterances += len(utts)
                return utts
        self.vad.mark_missing(lost)
        return []

    def feed(self, frame: AudioFrame) -> list[Utterance]:
        """Run the VAD on a 16 kHz mono frame; push-to-talk mode ignores audio while released."""
        if self.config.wake.mode == "push_to_talk" and not self._ptt_pressed:
            return []
        if self._echo is not None:
            frame = self._cancel_echo(frame)
        if not len(frame.samples):
            return []
        gaps_before = self.vad.gaps
        utts = self.vad.feed(frame)
        with self._stats_lock:
            self.stats.vad_gaps += self.vad.gaps - gaps_before
            self.stats.utterances += len(utts)
        return utts

    def push_reference(
        self,
        samples: np.ndarray | list[int] | bytes,
        *,
        sample_rate: int,
        channels: int = 1,
        start_time: float,
    ) -> None:
        """What the speakers played (``tts/audio``) at ``start_time``: the echo reference.

        Raises SpeechError for a bad block (counted like a bad microphone chunk)."""
        try:
            pcm = check_chunk(samples, sample_rate, channels, max_chunk_s=self.config.max_chunk_s)
        except SpeechError as exc:
            with self._stats_lock:
                self.stats.bad_chunks += 1
                self.stats.last_error = str(exc)
            raise
        mono = to_mono(pcm, int(channels))
        if int(sample_rate) != TARGET_RATE:
            if self._ref_resampler is None or self._ref_resampler.src_rate != int(sample_rate):
                self._ref_resampler = Resampler(int(sample_rate), TARGET_RATE)
            mono = self._ref_resampler.process(mono)
        self.reference.write(mono, float(start_time))
        with self._stats_lock:
            self.stats.reference_chunks += 1

    def _cancel_echo(self, frame: AudioFrame) -> AudioFrame:
        """The co-pilot's voice taken out of the frame (reference of the same stream time)."""
        assert self._echo is not None
        ref = self.reference.read(frame.start_time, len(frame.samples))
        before = (self._echo.frames_cancelled, self._echo.frames_muted)
        y = self._echo.process(frame.samples, ref)
        with self._stats_lock:
            self.stats.echo_frames += self._echo.frames_cancelled - before[0]
            self.stats.echo_muted += self._echo.frames_muted - before[1]
        start = frame.start_time + (len(frame.samples) - len(y)) / frame.sample_rate
        return AudioFrame(y, frame.sample_rate, start, frame.sequence)

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

    def end_stream(self) -> list[Utterance]:
        """The stream stops on purpose (the node is deactivated): ``flush``, and forget where
        it was, so the chunks not listened to meanwhile are not counted as lost when audio
        comes again; push-to-talk counts as released until the button is pressed again."""
        utts = self.flush()
        with self._stats_lock:
            self._last_sequence = None
        self._last_chunk = None
        self._resampler = None
        self._ptt_pressed = False
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
        reason, doubt = self.config.checks.verdict(asr, missing_chunks=utt.missing_chunks)
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
                if reason == "no speech":
                    self.stats.no_speech += 1
                elif reason == "hallucination":
                    self.stats.hallucinations += 1
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
            missing_chunks=utt.missing_chunks,
            avg_logprob=asr.avg_logprob,
            compression_ratio=asr.compression_ratio,
            no_speech_prob=asr.no_speech_prob,
            doubt=doubt,
        )
        with self._stats_lock:
            if accepted:
                self.stats.transcripts += 1
                self.stats.doubtful += bool(doubt)
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
