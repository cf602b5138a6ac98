"""Face measures of one frame (what ``face.py`` gives the core) and their CSV file.

The CSV is a contract: `cockpit-ai fatigue measure` writes it, `cockpit-ai fatigue replay`
reads it, so a recorded drive can be replayed through the core without the model.
"""

from __future__ import annotations

import csv
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cockpit_ai.fatigue.common import FatigueError

# Columns of the per-frame measures CSV (empty cells mean "face not seen").
CSV_COLUMNS = ("t", "ear_left", "ear_right", "mar", "pitch_deg", "yaw_deg")


@dataclass(frozen=True)
class FrameMeasures:
    """Face measures of one cabin frame; ``None`` means not measured (face not seen).

    ``ear_left`` is the eye on the image's left (mesh points 33,160,158,133,153,144),
    ``pitch_deg`` is negative with the head down, ``yaw_deg`` positive turned to the
    driver's left.
    """

    t: float
    ear_left: float | None = None
    ear_right: float | None = None
    mar: float | None = None
    pitch_deg: float | None = None
    yaw_deg: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.t, int | float) or not math.isfinite(self.t):
            raise FatigueError(f"frame time must be a finite number of seconds, got {self.t!r}")
        for name in CSV_COLUMNS[1:]:
            value = getattr(self, name)
            if value is None:
                continue
            if not isinstance(value, int | float) or not math.isfinite(value):
                raise FatigueError(f"{name} must be a finite number or empty, got {value!r}")
            if name in ("ear_left", "ear_right", "mar") and value < 0:
                raise FatigueError(f"{name} cannot be negative, got {value!r}")

    @property
    def face_visible(self) -> bool:
        """A face was measured in this frame (at least one eye)."""
        return self.ear_left is not None or self.ear_right is not None

    @property
    def ear(self) -> float | None:
        """Mean EAR of the eyes measured in this frame."""
        values = [v for v in (self.ear_left, self.ear_right) if v is not None]
        return sum(values) / len(values) if values else None


def _cell(value: str, column: str, line: int, path: Path) -> float | None:
    value = value.strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise FatigueError(f"{path}:{line}: {column}={value!r} is not a number") from None
    if not math.isfinite(number):
        return None
    return number


def read_measures_csv(path: str | Path) -> list[FrameMeasures]:
    """Read a measures CSV (columns t, ear_left, ear_right, mar, pitch_deg, yaw_deg)."""
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise FatigueError(f"cannot read {path}: {exc.strerror or exc}") from None
    frames: list[FrameMeasures] = []
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise FatigueError(f"{path}: missing column(s) {', '.join(missing)}; expected "
                               f"{','.join(CSV_COLUMNS)}")
        for line, row in enumerate(reader, start=2):
            t = _cell(row["t"] or "", "t", line, path)
            if t is None:
                raise FatigueError(f"{path}:{line}: every row needs a time t")
            values = {c: _cell(row[c] or "", c, line, path) for c in CSV_COLUMNS[1:]}
            try:
                frames.append(FrameMeasures(t=t, **values))
            except FatigueError as exc:
                raise FatigueError(f"{path}:{line}: {exc}") from None
    for prev, cur in itertools.pairwise(frames):
        if cur.t < prev.t:
            raise FatigueError(f"{path}: times must not go backwards ({cur.t} after {prev.t})")
    return frames


def format_cell(value: float | None) -> str:
    """A CSV cell: empty for None, else up to 6 significant decimals."""
    return "" if value is None else f"{value:.6g}"


def measures_row(frame: FrameMeasures) -> list[str]:
    """The CSV cells of one frame, in CSV_COLUMNS order."""
    return [format_cell(getattr(frame, c)) for c in CSV_COLUMNS]


def write_measures_csv(path: str | Path, frames: Iterable[FrameMeasures]) -> int:
    """Write frames as a measures CSV; returns the number of rows."""
    count = 0
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for frame in frames:
            writer.writerow(measures_row(frame))
            count += 1
    return count
