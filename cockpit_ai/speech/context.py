"""Context biasing: the names the recogniser should expect now, following the drive.

Whisper tiny hears "Mannerheimintie" as "manual, haven't you" unless the name is in its
prompt. The speech node feeds this vocabulary from what the stack already knows:

- ``nearby``: places around the car (``landmarks/nearby`` from the landmark node: a few
  notable places every few seconds) and the streets around it (``StreetNames`` from the
  car's ``fix`` and the bundled street graph), the newest first, each forgotten
  ``nearby_keep_s`` after it was last reported: the vocabulary follows the car;
- ``results``: the places the co-pilot just found or named (``landmarks``: every answer of
  the landmark node, and the capitalised names in its ``response``), newest first, kept
  ``results_keep_s``; while results are fresh the ordinal follow-ups ("the second one")
  are expected too;
- ``static``: the ``hotwords`` parameter (contacts, the brand's own words).

``words()`` is the list for the prompt: static, results, nearby, without duplicates
(case- and accent-insensitive), at most ``max_names``. The brand's wake words go into the
prompt separately (``FasterWhisperBackend.set_wake_words``). No rclpy; ``now`` is any
monotonic clock in seconds.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Said after a list of results; put into the prompt while results are fresh.
FOLLOW_UPS = ("the first one", "the second one", "the third one", "the last one")

# Capitalised words that start sentences or are not names ("Did you mean: ...", "It is ...").
_NOT_NAMES = frozenset(
    {
        "a", "an", "and", "are", "at", "but", "by", "can", "did", "do", "does", "found", "from",
        "go", "going", "he", "here", "how", "i", "if", "in", "is", "it", "its", "let", "me",
        "mean", "minutes", "my", "no", "not", "of", "ok", "okay", "on", "or", "our", "she", "so",
        "sorry", "that", "the", "then", "there", "these", "they", "this", "those", "to", "turn",
        "we", "what", "when", "where", "which", "who", "why", "will", "yes", "you", "your",
        "about", "after", "around", "before", "ahead", "left", "right", "north", "south", "east",
        "west", "km", "metres", "meters", "min", "monday", "tuesday", "wednesday", "thursday",
        "friday", "saturday", "sunday", "open", "closed",
    }
)  # fmt: skip
_NAME = re.compile(r"[A-ZÄÖÅÉÜ][\w'’&.-]*(?:\s+(?:[A-ZÄÖÅÉÜ0-9][\w'’&.-]*|de|la|le|of|the|&))*")


def fold(name: str) -> str:
    """Lower case without accents or punctuation: the key two spellings of a name share."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


def names_in_text(text: str) -> list[str]:
    """Capitalised name phrases in an answer ("Momotoko, 300 m on your right" -> Momotoko),
    not sentence starts that are ordinary words (a one-word sentence start counts only
    when a comma or colon follows it, as in a list; ``landmarks`` has the rest)."""
    out: list[str] = []
    for m in _NAME.finditer(text):
        before = text[: m.start()].rstrip()
        after = text[m.end() :].lstrip()[:1]
        single = len(m.group(0).split()) == 1
        if single and (not before or before[-1] in ".!?") and after not in (",", ":", ";"):
            continue  # "Turning on ...": a sentence's first word, not a name
        words = m.group(0).strip(" .,'’&-").split()
        while words and words[0].lower().strip(".,") in _NOT_NAMES:
            words = words[1:]
        while words and words[-1].lower().strip(".,") in _NOT_NAMES | {"de", "la", "le", "&"}:
            words = words[:-1]
        name = " ".join(words).strip(" .,")
        if len(name) >= 3 and fold(name) and fold(name) not in _NOT_NAMES:
            out.append(name)
    return out


@dataclass(frozen=True)
class ContextConfig:
    """Bounds of the vocabulary; the defaults equal schema/speech.schema.json."""

    max_names: int = 24  # Whisper's prompt is 223 tokens; a Finnish street name takes ~5
    nearby_keep_s: float = 120.0
    results_keep_s: float = 300.0


class ContextVocabulary:
    """The names to expect now; thread-safe (ROS callbacks feed it, the worker reads it)."""

    def __init__(self, config: ContextConfig | None = None) -> None:
        self.config = config or ContextConfig()
        if self.config.max_names < 0:
            raise ValueError(f"max_names must be >= 0, got {self.config.max_names}")
        self._lock = threading.Lock()
        self._static: list[str] = []
        self._nearby: list[tuple[float, str]] = []  # (last reported, name), newest last
        self._results: list[tuple[float, str]] = []  # (when, name), newest last

    def set_static(self, words: Iterable[str]) -> None:
        """The ``hotwords`` parameter: always in the vocabulary, first."""
        with self._lock:
            self._static = _clean(words)

    def add_nearby(self, names: Iterable[str], now: float) -> None:
        """Places around the car now (``landmarks/nearby``); the newest come first."""
        with self._lock:
            self._nearby = _merge(self._nearby, _clean(names), now, 4 * self.config.max_names)

    def add_results(self, names: Iterable[str], now: float) -> None:
        """Places the co-pilot found or named: expected in the next answers (newest first)."""
        fresh = _clean(names)
        if not fresh:
            return
        with self._lock:
            self._results = _merge(self._results, fresh, now, 4 * self.config.max_names)

    def words(self, now: float) -> list[str]:
        """Static, fresh results (newest first) with the ordinal follow-ups, fresh nearby
        places; no duplicates; at most ``max_names`` (follow-ups not counted)."""
        cfg = self.config
        with self._lock:
            results = [n for t, n in reversed(self._results) if now - t <= cfg.results_keep_s]
            nearby = [n for t, n in reversed(self._nearby) if now - t <= cfg.nearby_keep_s]
            static = list(self._static)
        out: list[str] = []
        seen: set[str] = set()
        for name in static + results + nearby:
            key = fold(name)
            if key and key not in seen and len(out) < cfg.max_names:
                seen.add(key)
                out.append(name)
        if results:
            out += [f for f in FOLLOW_UPS if fold(f) not in seen]
        return out


def _merge(
    old: list[tuple[float, str]], fresh: list[str], now: float, keep: int
) -> list[tuple[float, str]]:
    """``fresh`` names (first = best) become the newest entries; older copies go."""
    keys = {fold(n) for n in fresh}
    kept = [(t, n) for t, n in old if fold(n) not in keys]
    return (kept + [(now, n) for n in reversed(fresh)])[-max(1, keep) :]


def _clean(words: Iterable[str]) -> list[str]:
    out, seen = [], set()
    for w in words:
        name = " ".join(str(w).split())
        if name and fold(name) and fold(name) not in seen:
            seen.add(fold(name))
            out.append(name)
    return out


class StreetNames:
    """Names of the streets within ``radius_m`` of a position, nearest first (the street
    graph of ``cockpit_ai.route``: the drivable ways of the bundled extract)."""

    def __init__(self, graph: Any, *, radius_m: float = 300.0, limit: int = 8) -> None:
        self.radius_m = float(radius_m)
        self.limit = int(limit)
        lat, lon, names = [], [], []
        g = graph.graph  # networkx DiGraph: nodes with lat/lon, edges with a name
        for u, v, data in g.edges(data=True):
            name = str(data.get("name") or "")
            if name:
                lat.append((g.nodes[u]["lat"] + g.nodes[v]["lat"]) / 2.0)
                lon.append((g.nodes[u]["lon"] + g.nodes[v]["lon"]) / 2.0)
                names.append(name)
        self._lat = np.radians(np.array(lat, dtype=np.float64))
        self._lon = np.radians(np.array(lon, dtype=np.float64))
        self._names = names

    def near(self, lat_deg: float, lon_deg: float) -> list[str]:
        """The nearest ``limit`` street names within the radius (no duplicates)."""
        if not self._names or not (math.isfinite(lat_deg) and math.isfinite(lon_deg)):
            return []
        lat, lon = math.radians(lat_deg), math.radians(lon_deg)
        x = (self._lon - lon) * math.cos(lat) * 6371008.8
        y = (self._lat - lat) * 6371008.8
        dist = np.hypot(x, y)
        out: list[str] = []
        for i in np.argsort(dist):
            if dist[i] > self.radius_m or len(out) >= self.limit:
                break
            if self._names[i] not in out:
                out.append(self._names[i])
        return out
