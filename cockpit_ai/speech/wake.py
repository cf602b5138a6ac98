"""Activation: wake word (fuzzy, on the transcript), push-to-talk, or always-on.

Whisper writes a wake phrase like "Hey Qwen" as "Hey, Qwen", "hey when", "Hey Gwen"...;
matching is fuzzy on letters over the first few words, so those still count. The matched
words are cut from the text the planner gets. In wake-word mode an utterance without the
wake word is still accepted shortly after an accepted one (a follow-up: "how far is it?").
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from cockpit_ai.speech import SpeechError

MODES = ("wake_word", "push_to_talk", "always_on")


@dataclass(frozen=True)
class WakeConfig:
    """How speech is activated; ``phrases`` come from the brand config."""

    mode: str = "always_on"
    phrases: tuple[str, ...] = ("hey qwen",)
    threshold: float = 0.75  # letter similarity 0..1 for a fuzzy match
    search_words: int = 2  # the phrase may start this many words into the utterance
    follow_up_s: float = 8.0  # wake-word mode: accept follow-ups this long after the last one

    def validate(self) -> None:
        """Raise SpeechError for unknown modes or unusable phrases."""
        if self.mode not in MODES:
            raise SpeechError(f"activation mode must be one of {MODES}, got {self.mode!r}")
        if self.mode == "wake_word" and not any(_norm_words(p) for p in self.phrases):
            raise SpeechError("wake_word mode needs at least one wake phrase (brand config)")
        if not 0.5 <= self.threshold <= 1.0:
            raise SpeechError(f"wake threshold must be 0.5..1.0, got {self.threshold}")


@dataclass(frozen=True)
class WakeMatch:
    """Result of looking for the wake phrase in one transcript."""

    heard: bool
    remainder: str  # the text with the wake phrase (and what preceded it) removed
    matched: str = ""  # the words that matched, as written
    score: float = 0.0


def _norm_word(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", word.lower())


def _norm_words(text: str) -> list[str]:
    return [w for w in (_norm_word(t) for t in text.split()) if w]


class WakeWordDetector:
    """Finds a wake phrase near the start of a transcript, tolerant to spelling variants."""

    def __init__(
        self,
        phrases: tuple[str, ...] | list[str],
        *,
        threshold: float = 0.75,
        search_words: int = 2,
    ) -> None:
        self._phrases = [_norm_words(p) for p in phrases if _norm_words(p)]
        self.threshold = threshold
        self.search_words = search_words

    def detect(self, text: str) -> WakeMatch:
        """Best match of any wake phrase starting within the first ``search_words`` words."""
        raw_tokens = text.split()
        pairs = [(i, _norm_word(t)) for i, t in enumerate(raw_tokens)]
        pairs = [(i, w) for i, w in pairs if w]
        best: tuple[float, int, int] | None = None  # score, first raw index, end raw index
        for phrase in self._phrases:
            target = "".join(phrase)
            for start in range(min(self.search_words + 1, len(pairs))):
                for length in (len(phrase) - 1, len(phrase), len(phrase) + 1):
                    if length < 1 or start + length > len(pairs):
                        continue
                    cand = "".join(w for _, w in pairs[start : start + length])
                    score = difflib.SequenceMatcher(None, cand, target).ratio()
                    if best is None or score > best[0] + 1e-9:
                        best = (score, pairs[start][0], pairs[start + length - 1][0] + 1)
        if best is None or best[0] < self.threshold:
            return WakeMatch(heard=False, remainder=text.strip(), score=best[0] if best else 0.0)
        score, first, end = best
        remainder = " ".join(raw_tokens[end:]).lstrip(" ,.!?;:-")
        if remainder:
            remainder = remainder[0].upper() + remainder[1:]
        return WakeMatch(True, remainder, " ".join(raw_tokens[first:end]), score)


class ActivationGate:
    """Decides per transcript whether it is meant for the assistant, by mode.

    ``push_to_talk`` gating happens on the audio (the pipeline only listens while pressed),
    so here it accepts everything; ``always_on`` accepts everything too, flagging the wake word.
    """

    def __init__(self, config: WakeConfig | None = None) -> None:
        self.config = config or WakeConfig()
        self.config.validate()
        self.detector = WakeWordDetector(
            self.config.phrases,
            threshold=self.config.threshold,
            search_words=self.config.search_words,
        )
        self._last_accepted: float | None = None

    def check(self, text: str, *, start_time: float, end_time: float) -> tuple[bool, WakeMatch]:
        """(accepted, wake match) for a transcript of speech from ``start_time`` to ``end_time``."""
        match = self.detector.detect(text)
        if self.config.mode != "wake_word":
            return True, match
        follow_up = (
            self._last_accepted is not None
            and -1.0 <= start_time - self._last_accepted <= self.config.follow_up_s
        )
        accepted = (match.heard and bool(match.remainder)) or follow_up
        if match.heard and not match.remainder:
            accepted = True  # "Hey Qwen." alone opens the follow-up window
        if accepted:
            self._last_accepted = end_time
        return accepted, match
