"""The speech evaluation set (issue 16): cockpit phrases, many voices, four noises, four SNRs.

The phrases live in ``test/speech/eval/{dev,test}.yaml`` (the test part is only scored).
Each phrase is spoken by one espeak-ng voice at one speed and heard once at each SNR in
``SNRS_DB``; the noise kind rotates with the SNR (a Latin square), so every phrase meets
every noise kind and every (kind, SNR) cell holds a quarter of the phrases: 4 utterances
per phrase instead of the 4 × 4 × voices cross product. Voices and speeds rotate over the
phrases the same way. Everything is seeded: the same item gives the same audio on every run.

The clean espeak-ng speech is cached as ``.npy`` files (``cache_dir``); the noise is mixed
in at render time (cheap, numpy only).
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from cockpit_ai.speech import SpeechError
from cockpit_ai.speech.audio import TARGET_RATE
from cockpit_ai.speech.context import fold
from cockpit_ai.speech.synth import NOISE_KINDS, SynthSpeech, add_noise, speech_span
from cockpit_ai.speech.tts import TtsConfig, synthesize

#: espeak-ng English voices and variants that sound different: US, British (standard, RP,
#: Scottish, Lancaster, West Midlands), Caribbean and New York accents, male and female.
VOICES: tuple[str, ...] = (
    "en-us", "en-gb+f4", "en-gb-scotland+m3", "en-us+f3", "en-gb-x-rp+m2", "en-029+f2",
    "en-gb-x-gbclan+m7", "en-us-nyc+f4", "en-gb", "en-gb-x-gbcwmd+f5", "en-us-nyc+m4",
    "en-gb-x-rp+f1",
)  # fmt: skip
RATES_WPM: tuple[int, ...] = (130, 150, 170, 190)
SNRS_DB: tuple[float, ...] = (0.0, 5.0, 10.0, 20.0)
KINDS: tuple[str, ...] = ("brown", "pink", "engine", "babble")
PARTS = ("dev", "test")
LEAD_S = 0.6  # noise before and after the phrase: the VAD must find the speech in it
TAIL_S = 0.6


@dataclass(frozen=True)
class EvalItem:
    """One phrase of the set."""

    id: str
    text: str


@dataclass(frozen=True)
class Condition:
    """One utterance to score: a phrase, who says it, and what it is heard in."""

    item: EvalItem
    voice: str
    rate_wpm: int
    kind: str  # one of KINDS, or "clean"
    snr_db: float | None  # None = clean

    @property
    def seed(self) -> int:
        """Noise seed: fixed per phrase and SNR."""
        return zlib.crc32(f"{self.item.id}|{self.snr_db}".encode()) & 0x7FFFFFFF

    @property
    def label(self) -> str:
        """``kind@snr`` for tables."""
        return "clean" if self.snr_db is None else f"{self.kind}@{self.snr_db:g}"


def load_part(path: str | Path) -> list[EvalItem]:
    """The items of one part file (``dev.yaml``/``test.yaml``): ids unique, texts non-empty."""
    p = Path(path)
    try:
        rows = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SpeechError(f"cannot read evaluation part {p}: {exc}") from exc
    if not isinstance(rows, list):
        raise SpeechError(f"{p}: expected a list of {{id, text}} items")
    items: list[EvalItem] = []
    seen: set[str] = set()
    for row in rows:
        if not isinstance(row, dict) or not str(row.get("id", "")) or not str(row.get("text", "")):
            raise SpeechError(f"{p}: bad item {row!r} (needs id and text)")
        item = EvalItem(str(row["id"]), " ".join(str(row["text"]).split()))
        if item.id in seen:
            raise SpeechError(f"{p}: duplicate id {item.id}")
        seen.add(item.id)
        items.append(item)
    return items


def design(
    items: Iterable[EvalItem],
    *,
    snrs: Iterable[float] = SNRS_DB,
    kinds: tuple[str, ...] = KINDS,
    clean: bool = False,
) -> list[Condition]:
    """The balanced design: item i gets voice i mod V, rate (i + i // V) mod R, and at the
    j-th SNR the noise kind (i + j) mod K; ``clean`` adds one noise-free utterance each."""
    for k in kinds:
        if k not in NOISE_KINDS:
            raise SpeechError(f"unknown noise kind {k!r}; one of {sorted(NOISE_KINDS)}")
    snr_list = list(snrs)
    out: list[Condition] = []
    for i, item in enumerate(items):
        voice = VOICES[i % len(VOICES)]
        rate = RATES_WPM[(i + i // len(VOICES)) % len(RATES_WPM)]
        if clean:
            out.append(Condition(item, voice, rate, "clean", None))
        for j, snr in enumerate(snr_list):
            out.append(Condition(item, voice, rate, kinds[(i + j) % len(kinds)], float(snr)))
    return out


def clean_speech(cond: Condition, cache_dir: str | Path | None = None) -> np.ndarray:
    """The phrase as espeak-ng says it (int16, 16 kHz), from the cache when there."""
    key = hashlib.sha1(f"{cond.item.text}|{cond.voice}|{cond.rate_wpm}".encode()).hexdigest()
    path = Path(cache_dir) / f"{key[:20]}.npy" if cache_dir else None
    if path is not None and path.is_file():
        cached: np.ndarray = np.load(path)
        return cached
    audio = synthesize(cond.item.text, TtsConfig(cond.voice, cond.rate_wpm)).samples
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, audio)
        tmp.replace(path)
    return audio


def render(cond: Condition, cache_dir: str | Path | None = None) -> SynthSpeech:
    """The utterance as the microphone hears it: lead-in, phrase, tail, noise at the SNR."""
    said = clean_speech(cond, cache_dir)
    start, end = speech_span(said, TARGET_RATE)
    lead = np.zeros(round(LEAD_S * TARGET_RATE), dtype=np.int16)
    tail = np.zeros(round(TAIL_S * TARGET_RATE), dtype=np.int16)
    samples = np.concatenate([lead, said, tail])
    start, end = start + LEAD_S, end + LEAD_S
    if cond.snr_db is not None:
        span = (int(start * TARGET_RATE), int(end * TARGET_RATE))
        samples = add_noise(samples, cond.snr_db, span=span, seed=cond.seed, kind=cond.kind)
    return SynthSpeech(samples, TARGET_RATE, cond.item.text, start, end, cond.snr_db)


def drive_context(item: EvalItem, names: list[str], *, size: int = 12) -> list[str]:
    """What the context vocabulary would hold when ``item`` is said: the places of ``names``
    (e.g. every POI of the bundled extract) that the phrase names, as if they were among the
    places around the car or just found, plus other names of ``names`` up to ``size``
    (seeded per item: the other places around). Streets are in it only when ``names`` has them.
    """
    text = f" {fold(item.text)} "
    named = [n for n in names if fold(n) and f" {fold(n)} " in text]
    # the longest match first ("Cafe Engel" before "Engel"); the rest are distractors
    named = sorted(set(named), key=lambda n: -len(fold(n)))[:3]
    rng = np.random.default_rng(zlib.crc32(item.id.encode()))
    others = [n for n in names if n not in named]
    picks = [others[int(i)] for i in rng.choice(len(others), size=min(size, len(others)),
                                                  replace=False)] if others else []  # fmt: skip
    mixed = picks[: max(0, size - len(named))]
    for n in named:  # the named places somewhere in the list, not always first
        mixed.insert(int(rng.integers(0, len(mixed) + 1)), n)
    return mixed
