"""What may leave the car, and the record of what did.

Only text goes to a cloud model (``text_only`` refuses anything else); every cloud request is
coarsened and redacted first (``CloudView`` then ``Redactor``):

- places near the car (within the position grid) become their category ("[museum]"); a
  place's name is said only when it is farther than the grid;
- distances under the grid become "within 1 km", longer ones are rounded to the grid;
- the street names around the car become "[street]";
- a latitude/longitude pair becomes the centre of its grid cell, a lone coordinate is cut
  to the grid's decimals;
- e-mail addresses, phone numbers, plate numbers and personal names become placeholders.

``AuditLog`` appends exactly the bytes that were sent, one JSON object per line, and drops
entries older than its retention when it opens and as it writes.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cockpit_ai.planner.errors import PlannerError

log = logging.getLogger("cockpit_ai.planner")

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<![\w.])\+?\d[\d ()/-]{5,}\d(?![\w.])")
# Plates: 1-3 letters and 1-4 digits with a dash or space (ABC-123, B MW 1234 style kept
# simple), or a letters+digits block of 5-8 characters such as AB123CD.
_PLATE = re.compile(
    r"\b([A-Z]{1,3}[- ]\d{1,4}|[A-Z]{1,3}[- ][A-Z]{1,2}[- ]?\d{1,4}|[A-Z]{2}\d{2,3}[A-Z]{2})\b"
)
MIN_NAME_CHARS = 3  # shorter names ("K", "7") are not looked for: they say nothing of a place
_COORD = re.compile(r"(?<![\w.])-?\d{1,3}\.\d{3,}(?![\w.])")
# a latitude, longitude pair as people and programs write it: "60.1699, 24.9384"
_PAIR = re.compile(r"(?<![\w.])(-?\d{1,2}\.\d{2,})\s*[,;]?\s+(-?\d{1,3}\.\d{2,})(?![\w.])")
# a distance: "40 m", "350 metres", "1.2 km", "2,5 kilometres"
_DISTANCE = re.compile(
    r"(?<![\w.,])(?<!within )(?<!about )(\d+(?:[.,]\d+)?)\s?"
    r"(kilometres|kilometers|kilometre|kilometer|km|metres|meters|metre|meter|m)(?!\w)",
    re.IGNORECASE)
_NAME_CUE = re.compile(
    r"\b(?i:my name is|i am|i'm|this is|call|phone|text|message|tell|ask|remind|email|"
    r"e-mail|with|from|for|meet|meeting|pick up|visit|mr\.?|mrs\.?|ms\.?|dr\.?)\s+"
    r"((?:[A-ZÅÄÖÜ][a-zåäöüéß'-]+)(?:\s+[A-ZÅÄÖÜ][a-zåäöüéß'-]+)?)"
)
_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Prof)\.?\s+([A-ZÅÄÖÜ][a-zåäöüéß'-]+)")
# Capitalised words after a cue that are not names.
_NOT_NAMES = frozenset({
    "Mr", "Mrs", "Ms", "Dr", "Prof",
    "I", "The", "A", "An", "Home", "Work", "Helsinki", "Monday", "Tuesday", "Wednesday",
    "Thursday", "Friday", "Saturday", "Sunday", "Today", "Tomorrow", "Me", "Us", "It",
})


def grid_decimals(grid_m: float) -> int:
    """Decimals of a degree a lone coordinate keeps: one step is at least ``grid_m`` of
    latitude (1 km -> 2 decimals, 0.01 degree = 1.1 km)."""
    step = max(grid_m, 1.0) / 111_320.0
    return max(0, math.floor(-math.log10(step)))


def grid_text(grid_m: float) -> str:
    """The grid as words: "1 km", "500 m"."""
    return f"{grid_m / 1000:g} km" if grid_m >= 1000 else f"{grid_m:.0f} m"


def coarse_distance(metres: float, *, grid_m: float) -> str:
    """A distance as the cloud may hear it: "within 1 km" under the grid, else rounded to
    the grid ("about 3 km")."""
    if grid_m <= 0:
        return f"{metres:.0f} m"
    if metres < grid_m:
        return f"within {grid_text(grid_m)}"
    return f"about {grid_text(round(metres / grid_m) * grid_m)}"


def _metres(value: str, unit: str) -> float:
    number = float(value.replace(",", "."))
    return number * 1000.0 if unit.lower().startswith("k") else number


def coarsen(lat: float, lon: float, *, grid_m: float) -> tuple[float, float]:
    """Snap a position to the centre of a ``grid_m`` cell (latitude and longitude steps;
    the longitude step is taken at the cell's middle latitude, so a centre snaps to
    itself)."""
    if grid_m <= 0:
        return lat, lon
    dlat = grid_m / 111_320.0
    clat = (math.floor(lat / dlat) + 0.5) * dlat
    dlon = grid_m / max(1.0, 111_320.0 * math.cos(math.radians(clat)))
    clon = (math.floor(lon / dlon) + 0.5) * dlon
    return round(clat, 3), round(clon, 3)


@dataclass
class Redactor:
    """Removes personal data from text bound for the cloud; learns names said in a session."""

    grid_m: float = 1000.0
    known_names: set[str] = field(default_factory=set)

    def learn(self, text: str) -> None:
        """Remember names introduced in ``text`` (e.g. "call Anna Virtanen")."""
        for m in _NAME_CUE.finditer(text or ""):
            for word in m.group(1).split():
                if word not in _NOT_NAMES:
                    self.known_names.add(word)
        for m in _TITLE.finditer(text or ""):
            self.known_names.add(m.group(1))

    def redact(self, text: str) -> str:
        """``text`` with e-mails, phone numbers, plates, coordinates and names replaced."""
        self.learn(text)
        out = _EMAIL.sub("[email]", text)
        out = _COORD.sub(self._coord, out)  # first: the pair's cell is then the cut one's
        out = _PAIR.sub(self._pair, out)
        out = _PHONE.sub(self._phone, out)
        out = _PLATE.sub("[plate]", out)
        for name in sorted(self.known_names, key=len, reverse=True):
            out = re.sub(rf"\b{re.escape(name)}\b", "[name]", out)
        return out

    @staticmethod
    def _phone(m: re.Match[str]) -> str:
        digits = sum(c.isdigit() for c in m.group(0))
        return "[phone]" if digits >= 7 else m.group(0)

    def _pair(self, m: re.Match[str]) -> str:
        lat, lon = float(m.group(1)), float(m.group(2))
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0) or self.grid_m <= 0:
            return m.group(0)
        clat, clon = coarsen(lat, lon, grid_m=self.grid_m)
        return f"{clat:.3f}, {clon:.3f}"  # the cell's centre: it says only the cell

    def _coord(self, m: re.Match[str]) -> str:
        # A stray coordinate in free text: keep only as many decimals as the grid allows.
        return f"{float(m.group(0)):.{grid_decimals(self.grid_m)}f}"


@dataclass
class CloudView:
    """How a cloud request may speak of where the car is (applied to every message).

    ``near``: names of places within the grid of the car (the session's results and, with a
    POI database, every place there) and their category; ``streets``: the street names
    around the car. Both are replaced, and every distance is coarsened to the grid.
    """

    grid_m: float = 1000.0
    near: dict[str, str] = field(default_factory=dict)  # name -> category word
    streets: set[str] = field(default_factory=set)
    _pattern: re.Pattern[str] | None = field(default=None, repr=False, compare=False)
    _words: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    _pattern_key: tuple[int, int] = field(default=(-1, -1), repr=False, compare=False)

    def add_place(self, name: str, kind: str) -> None:
        name = " ".join((name or "").split())
        if len(name) >= MIN_NAME_CHARS:
            self.near.setdefault(name, kind or "place")

    def text(self, text: str) -> str:
        """``text`` with near places as "[category]", streets as "[street]" and distances
        coarsened."""
        pattern, words = self._compiled()
        out = text
        if pattern is not None:
            out = pattern.sub(lambda m: words[m.group(0).casefold()], out)
        if self.grid_m > 0:
            out = _DISTANCE.sub(self._distance, out)
        return out

    def message(self, role: str, content: str) -> str:
        """A message's content through ``text``; an assistant's tool call (JSON) keeps its
        keys and tool name, only its values are coarsened."""
        if role == "assistant" and content.lstrip().startswith("{"):
            try:
                call = json.loads(content)
            except ValueError:
                call = None
            if isinstance(call, dict):
                clean = {k: (self.text(v) if isinstance(v, str) and k != "tool" else v)
                         for k, v in call.items()}
                return json.dumps(clean, ensure_ascii=False)
        return self.text(content)

    def _compiled(self) -> tuple[re.Pattern[str] | None, dict[str, str]]:
        """One alternation of every name (longest first), built once per set of names."""
        key = (len(self.near), len(self.streets))
        if self._pattern_key != key:
            words = {n.casefold(): f"[{k}]" for n, k in self.near.items()}
            words.update({n.casefold(): "[street]" for n in self.streets
                          if len(n) >= MIN_NAME_CHARS})
            names = sorted(words, key=len, reverse=True)
            self._pattern = (re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)",
                re.IGNORECASE) if names else None)
            self._words = words
            self._pattern_key = key
        return self._pattern, self._words

    def _distance(self, m: re.Match[str]) -> str:
        return coarse_distance(_metres(m.group(1), m.group(2)), grid_m=self.grid_m)


def kind_word(category: str) -> str:
    """ "amenity=restaurant" -> "restaurant", "building=yes" -> "building"."""
    key, _, value = (category or "").partition("=")
    word = key if not value or value == "yes" or key == "building" else value
    return (word or "place").replace("_", " ")


def _metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine; plenty for a grid test)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h)))


class Surroundings:
    """What around the car a cloud request must not name: the places within the grid (from
    the POI database, and every place the dialogue found) and the street names there.

    The POI database and the street graph are opened at the first request; one that cannot
    be read is logged once and left out (the dialogue's own places are still coarsened)."""

    def __init__(self, *, grid_m: float, poi_db: Path | None = None, streets: bool = True,
                 street_file: Path | None = None) -> None:
        self.grid_m = grid_m
        self.poi_db = poi_db
        self.use_streets = streets
        self.street_file = street_file
        self._store: Any = None
        self._streets: tuple[Any, Any, list[str]] | None = None
        self._failed: set[str] = set()
        self._lock = threading.Lock()

    def view(self, here: tuple[float, float] | None, places: Any = ()) -> CloudView:
        """The CloudView at ``here`` (None = unknown: every place the dialogue found counts
        as near) with ``places`` (objects with name, category, distance_m, latitude_deg,
        longitude_deg) the dialogue found."""
        view = CloudView(grid_m=self.grid_m)
        for p in places:
            far = here is not None and (p.latitude_deg or p.longitude_deg) and _metres_between(
                here, (p.latitude_deg, p.longitude_deg)) >= self.grid_m
            if not far:
                view.add_place(p.name, kind_word(p.category))
        if here is not None:
            with self._lock:
                for name, kind in self._pois(here):
                    view.add_place(name, kind)
                view.streets.update(self._street_names(here))
        return view

    def _pois(self, here: tuple[float, float]) -> list[tuple[str, str]]:
        if self.poi_db is None or "poi" in self._failed:
            return []
        try:
            if self._store is None:
                from cockpit_ai.landmark.store import PoiStore

                self._store = PoiStore(self.poi_db)
            dlat = self.grid_m / 111_320.0
            dlon = self.grid_m / max(1.0, 111_320.0 * math.cos(math.radians(here[0])))
            rows = self._store.candidates([(here[0] - dlat, here[0] + dlat,
                                            here[1] - dlon, here[1] + dlon)])
        except Exception as exc:  # a missing/corrupt file: its names cannot be known
            self._failed.add("poi")
            log.warning("privacy: POI names around the car unknown (%s); only the "
                        "dialogue's places are coarsened for the cloud", exc)
            return []
        out: list[tuple[str, str]] = []
        for r in rows:
            if _metres_between(here, (r.lat, r.lon)) < self.grid_m:
                kind = kind_word(f"{r.category_key}={r.category}")
                out.extend((n, kind) for n in {r.name, r.name_en} if n)
        return out

    def _street_names(self, here: tuple[float, float]) -> list[str]:
        if not self.use_streets or "streets" in self._failed:
            return []
        try:
            if self._streets is None:
                self._streets = _street_points(self.street_file)
        except Exception as exc:
            self._failed.add("streets")
            log.warning("privacy: street names around the car unknown (%s)", exc)
            return []
        import numpy as np

        lat, lon, names = self._streets
        k = math.cos(math.radians(here[0]))
        d = np.hypot((lat - here[0]) * 111_320.0, (lon - here[1]) * 111_320.0 * k)
        return sorted({names[i] for i in np.flatnonzero(d < self.grid_m)})


def _street_points(path: Path | None) -> tuple[Any, Any, list[str]]:
    """Every named street's points (both ends of each segment) from the street graph."""
    import numpy as np

    from cockpit_ai.route.graph import StreetGraph, default_graph

    graph = (StreetGraph.load(path) if path is not None else default_graph()).graph
    lats: list[float] = []
    lons: list[float] = []
    names: list[str] = []
    for u, v, data in graph.edges(data=True):
        name = str(data.get("name") or "")
        if name:
            for n in (u, v):
                lats.append(graph.nodes[n]["lat"])
                lons.append(graph.nodes[n]["lon"])
                names.append(name)
    return np.array(lats), np.array(lons), names


def text_only(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Messages as role/content strings; refuses audio, images or any non-text part."""
    clean: list[dict[str, str]] = []
    for msg in messages:
        content = msg.get("content")
        if not isinstance(content, str):
            raise PlannerError(
                "only text may be sent to the cloud model (got a non-text message part); "
                "audio and images stay in the car"
            )
        clean.append({"role": str(msg.get("role", "user")), "content": content})
    return clean


class AuditLog:
    """Appends one JSON line per cloud request: when, where, and the exact body sent.

    Entries older than ``retention_days`` are dropped when the log opens and, as it is
    written, at most every ``expire_every_s`` (0 days = kept until forgotten)."""

    def __init__(self, path: Path | None, *, retention_days: float = 0.0,
                 expire_every_s: float = 3600.0, driver: str = "",
                 clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.retention_days = retention_days
        self.expire_every_s = expire_every_s
        self.driver = driver  # who was driving: ``forget`` erases a driver's entries
        self.clock = clock
        self._lock = threading.Lock()
        self._last_expire = -math.inf
        self.expire_due()

    @property
    def max_age_s(self) -> float:
        return self.retention_days * 86400.0

    def expire_due(self) -> int:
        """Drop old entries if retention is set and the last expiry is long enough ago."""
        if self.retention_days <= 0 or self.clock() - self._last_expire < self.expire_every_s:
            return 0
        return self.expire(max_age_s=self.max_age_s)

    def record(self, *, url: str, body: bytes, outcome: str = "") -> None:
        if self.path is None:
            return
        self.expire_due()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"time": self.clock(), "url": url, "outcome": outcome,
                 "driver": self.driver, "body": body.decode("utf-8")}
        with self._lock, self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def expire(self, *, max_age_s: float) -> int:
        """Drop entries older than ``max_age_s``; returns how many were dropped."""
        cutoff = self.clock() - max_age_s
        self._last_expire = self.clock()
        return self._rewrite(lambda e: float(e.get("time", 0)) >= cutoff)

    def forget(self, driver: str | None = None) -> int:
        """Erase a driver's entries (and those that name no driver); None = all of them."""
        return self._rewrite(lambda e: driver is not None
                             and str(e.get("driver") or "") not in ("", driver))

    def _rewrite(self, keep: Callable[[dict[str, Any]], bool]) -> int:
        """Keep the entries ``keep`` says; an unreadable line is dropped (and counted)."""
        if self.path is None or not self.path.exists():
            return 0
        with self._lock:
            lines = [ln for ln in self.path.read_text(encoding="utf-8").splitlines() if ln]
            kept = []
            for ln in lines:
                try:
                    entry = json.loads(ln)
                except ValueError:
                    continue
                if isinstance(entry, dict) and keep(entry):
                    kept.append(ln)
            if len(kept) != len(lines):
                tmp = self.path.with_name(self.path.name + ".tmp")
                tmp.write_text("".join(ln + "\n" for ln in kept), encoding="utf-8")
                os.replace(tmp, self.path)
        return len(lines) - len(kept)
