"""What may leave the car, and the record of what did.

Only text goes to a cloud model (``text_only`` refuses anything else); every cloud request is
redacted first: positions are snapped to a coarse grid, e-mail addresses, phone numbers, plate
numbers and personal names are replaced by placeholders. ``AuditLog`` appends exactly the
bytes that were sent, one JSON object per line.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cockpit_ai.planner.errors import PlannerError

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<![\w.])\+?\d[\d ()/-]{5,}\d(?![\w.])")
# Plates: 1-3 letters and 1-4 digits with a dash or space (ABC-123, B MW 1234 style kept
# simple), or a letters+digits block of 5-8 characters such as AB123CD.
_PLATE = re.compile(
    r"\b([A-Z]{1,3}[- ]\d{1,4}|[A-Z]{1,3}[- ][A-Z]{1,2}[- ]?\d{1,4}|[A-Z]{2}\d{2,3}[A-Z]{2})\b"
)
_COORD = re.compile(r"(?<![\w.])-?\d{1,3}\.\d{3,}(?![\w.])")
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


def coarsen(lat: float, lon: float, *, grid_m: float) -> tuple[float, float]:
    """Snap a position to the centre of a ``grid_m`` cell (latitude and longitude steps)."""
    if grid_m <= 0:
        return lat, lon
    dlat = grid_m / 111_320.0
    dlon = grid_m / max(1.0, 111_320.0 * math.cos(math.radians(lat)))
    clat = (math.floor(lat / dlat) + 0.5) * dlat
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
        out = _COORD.sub(self._coord, out)
        out = _PHONE.sub(self._phone, out)
        out = _PLATE.sub("[plate]", out)
        for name in sorted(self.known_names, key=len, reverse=True):
            out = re.sub(rf"\b{re.escape(name)}\b", "[name]", out)
        return out

    @staticmethod
    def _phone(m: re.Match[str]) -> str:
        digits = sum(c.isdigit() for c in m.group(0))
        return "[phone]" if digits >= 7 else m.group(0)

    def _coord(self, m: re.Match[str]) -> str:
        # A stray coordinate in free text: keep only as many decimals as the grid allows.
        step = max(self.grid_m, 1.0) / 111_320.0  # degrees of latitude per grid cell
        decimals = max(0, math.floor(-math.log10(step)))
        return f"{float(m.group(0)):.{decimals}f}"


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
    """Appends one JSON line per cloud request: when, where, and the exact body sent."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, *, url: str, body: bytes, outcome: str = "") -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"time": time.time(), "url": url, "outcome": outcome,
                 "body": body.decode("utf-8")}
        with self._lock, self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def expire(self, *, max_age_s: float) -> int:
        """Drop entries older than ``max_age_s``; returns how many were dropped."""
        if self.path is None or not self.path.exists():
            return 0
        cutoff = time.time() - max_age_s
        with self._lock:
            lines = self.path.read_text(encoding="utf-8").splitlines()
            keep = [ln for ln in lines if ln and json.loads(ln).get("time", 0) >= cutoff]
            self.path.write_text("".join(ln + "\n" for ln in keep), encoding="utf-8")
        return len(lines) - len(keep)
