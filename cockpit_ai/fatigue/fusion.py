"""Fuses the indicators into one drowsiness score and an escalating level with hysteresis.

Each indicator gives a component score in 0..1 on one scale (0.25 = mild, 0.5 = moderate,
0.75 = severe); the fused score is the strongest component plus a bonus for every other
component that is at least mild (several signs together are more convincing than one). The
level rises at once when the score crosses a threshold and falls only after the score has
stayed a margin below it for a while, so it does not flicker. No face, or no calibration
yet, is UNKNOWN — never "alert" by default. Times come from the frames only.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from cockpit_ai.enums import FatigueLevel
from cockpit_ai.fatigue.common import FatigueError
from cockpit_ai.fatigue.indicators import IndicatorEvent, Indicators, IndicatorTracker
from cockpit_ai.fatigue.measures import FrameMeasures
from cockpit_ai.fatigue.settings import IndicatorSettings, check_non_negative
from cockpit_ai.fatigue.voice import VoiceSample

# The constants of msg/FatigueState.msg (one source: cockpit_ai.enums).
LEVEL_UNKNOWN = FatigueLevel.UNKNOWN
LEVEL_ALERT = FatigueLevel.ALERT
LEVEL_MILD = FatigueLevel.MILD
LEVEL_MODERATE = FatigueLevel.MODERATE
LEVEL_SEVERE = FatigueLevel.SEVERE
LEVEL_NAMES = tuple(level.label for level in FatigueLevel)


# Components that come from the same signal count once in the combination bonus.
CUE_FAMILIES = {
    "perclos": "eyes",
    "long_blinks": "eyes",
    "microsleep": "eyes",
    "yawn": "mouth",
    "nod": "head",
    "distraction": "attention",
    "voice": "voice",
}


def level_name(level: int) -> str:
    """The word for a level constant."""
    if not 0 <= level < len(LEVEL_NAMES):
        raise FatigueError(f"no fatigue level {level}; levels are 0..{len(LEVEL_NAMES) - 1}")
    return LEVEL_NAMES[level]


@dataclass(frozen=True)
class FusionSettings:
    """How indicators become a score and a level; defaults cite where they come from."""

    # Score thresholds of the levels; a level falls only when the score stays `hysteresis`
    # below its threshold for `fall_hold_s` seconds.
    mild_score: float = 0.25
    moderate_score: float = 0.50
    severe_score: float = 0.75
    hysteresis: float = 0.10
    fall_hold_s: float = 20.0
    # Face lost this long (or several faces and no driver) -> UNKNOWN.
    unknown_after_s: float = 1.0
    # PERCLOS (P80, 60 s) reaching these maps to mild / moderate / severe. 0.15 is the
    # usual "drowsy" cut-off for PERCLOS P80 (e.g. Wierwille et al. 1994; Dinges & Grace
    # 1998 report alert drivers well below it); 0.08 and 0.25 bracket it.
    perclos_mild: float = 0.08
    perclos_moderate: float = 0.15
    perclos_severe: float = 0.25
    # A microsleep (eyes shut >= 1 s) keeps the level severe this long.
    microsleep_hold_s: float = 120.0
    # Head nods within the event window: one is moderate, three severe.
    nods_moderate: int = 1
    nods_severe: int = 3
    # Yawns within the event window (one yawn alone is normal).
    yawns_mild: int = 2
    yawns_moderate: int = 4
    # Mean blink duration over the last minute (>= min_blinks blinks): drowsy blinks get
    # longer, alert ones last ~0.1-0.3 s (Caffier et al. 2003).
    long_blink_s: float = 0.4
    long_blink_min_blinks: int = 3
    long_blink_score: float = 0.30
    # Voice is a weak cue: a full voice score alone reaches mild at most.
    voice_weight: float = 0.35
    # A glance away from the road >= distraction_s (indicator setting) is a mild cue.
    distraction_score: float = 0.30
    # Added for every further independent sign (eyes, mouth, head, voice...) at least mild.
    combo_bonus: float = 0.10

    def __post_init__(self) -> None:
        check_non_negative(self, "fusion")
        if not 0 < self.mild_score < self.moderate_score < self.severe_score <= 1:
            raise FatigueError("need 0 < mild_score < moderate_score < severe_score <= 1")
        if not 0 < self.perclos_mild < self.perclos_moderate < self.perclos_severe <= 1:
            raise FatigueError("need 0 < perclos_mild < perclos_moderate < perclos_severe <= 1")


@dataclass(frozen=True)
class LevelEvent:
    """A change of the reported level; a rise is what the planner reacts to."""

    t: float
    level: int
    previous_level: int
    cues: tuple[str, ...]

    @property
    def rise(self) -> bool:
        """The level went up (towards severe)."""
        return self.level > self.previous_level

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly form with level words."""
        return {
            "t": round(self.t, 6),
            "kind": "rise" if self.rise else "fall",
            "level": level_name(self.level),
            "previous_level": level_name(self.previous_level),
            "cues": list(self.cues),
        }


@dataclass(frozen=True)
class FatigueSnapshot:
    """The state after one frame; field names are those of msg/FatigueState.msg.

    Measures that are unknown (face not seen, pose not solved) are NaN, as the float32
    message fields carry them.
    """

    t: float
    level: int
    previous_level: int
    level_changed: bool
    score: float
    face_visible: bool
    calibrated: bool
    ear_left: float
    ear_right: float
    mar: float
    pitch_deg: float
    yaw_deg: float
    perclos: float
    blink_rate_per_min: float
    mean_blink_duration_s: float
    blinks: int
    microsleeps: int
    yawns: int
    nods: int
    eyes_off_road_s: float
    voice_score: float
    cues: tuple[str, ...]
    components: dict[str, float] = field(default_factory=dict)
    events: tuple[IndicatorEvent, ...] = ()

    @property
    def level_name(self) -> str:
        """The level as a word."""
        return level_name(self.level)

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly form (NaN becomes None)."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, float) and math.isnan(value):
                out[key] = None
        out["cues"] = list(self.cues)
        out["events"] = [
            {"kind": e.kind, "t": e.t, "t_start": e.t_start} for e in self.events]
        out["level_name"] = self.level_name
        return out


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _piecewise(x: float, points: list[tuple[float, float]]) -> float:
    """Linear interpolation through (x, y) points, flat beyond the ends."""
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return points[-1][1]


class FatigueEstimator:
    """Frames and voice in, a :class:`FatigueSnapshot` per frame out; keeps the level events."""

    def __init__(self, *, indicator_settings: IndicatorSettings | None = None,
                 fusion_settings: FusionSettings | None = None) -> None:
        self.fusion = fusion_settings or FusionSettings()
        self.tracker = IndicatorTracker(indicator_settings)
        self._known_level = LEVEL_ALERT       # hysteresis state while the face is visible
        self._fall_since: float | None = None
        self._last_visible_t: float | None = None
        self._level = LEVEL_UNKNOWN           # reported level
        self._previous_level = LEVEL_UNKNOWN
        self.events: list[LevelEvent] = []
        self.max_level = LEVEL_UNKNOWN
        self.last: FatigueSnapshot | None = None

    @property
    def level(self) -> int:
        """The level reported with the last frame."""
        return self._level

    def add_voice(self, sample: VoiceSample) -> None:
        """Take one utterance's prosody (its own timestamp)."""
        self.tracker.add_voice(sample)

    def components(self, ind: Indicators) -> dict[str, float]:
        """Score of every indicator on the common 0..1 scale (0.25 mild ... 0.75 severe)."""
        f = self.fusion
        s = self.tracker.settings
        parts: dict[str, float] = {}
        if ind.perclos is not None:
            parts["perclos"] = _piecewise(ind.perclos, [
                (0.0, 0.0), (f.perclos_mild, f.mild_score), (f.perclos_moderate, f.moderate_score),
                (f.perclos_severe, f.severe_score), (2 * f.perclos_severe, 1.0)])
        if ind.last_microsleep_t is not None and ind.t - ind.last_microsleep_t <= (
                f.microsleep_hold_s):
            parts["microsleep"] = 1.0 if ind.recent_microsleeps >= 2 else 0.8
        if ind.eyes_closed_s >= s.microsleep_s:
            parts["microsleep"] = max(parts.get("microsleep", 0.0), 0.8)
        if ind.recent_nods >= f.nods_severe:
            parts["nod"] = 0.8
        elif ind.recent_nods >= f.nods_moderate:
            parts["nod"] = 0.55
        if ind.recent_yawns >= f.yawns_moderate:
            parts["yawn"] = 0.55
        elif ind.recent_yawns >= f.yawns_mild:
            parts["yawn"] = 0.30
        if (ind.recent_blinks >= f.long_blink_min_blinks
                and ind.mean_blink_duration_s >= f.long_blink_s):
            parts["long_blinks"] = f.long_blink_score
        if ind.voice_score > 0:
            parts["voice"] = f.voice_weight * ind.voice_score
        if ind.eyes_off_road_s >= s.distraction_s:
            parts["distraction"] = f.distraction_score
        return parts

    def score(self, parts: dict[str, float]) -> float:
        """Strongest component plus a bonus per further *independent* sign that is at least mild.

        PERCLOS, long blinks and microsleeps all come from the eyes, so together they count
        once; a yawn, a nod or a tired voice beside them is further evidence.
        """
        if not parts:
            return 0.0
        top = max(parts.values())
        families: dict[str, float] = {}
        for name, value in parts.items():
            family = CUE_FAMILIES.get(name, name)
            families[family] = max(families.get(family, 0.0), value)
        strong = sum(1 for v in families.values() if v >= self.fusion.mild_score)
        return min(1.0, top + self.fusion.combo_bonus * max(0, strong - 1))

    def _level_for(self, score: float) -> FatigueLevel:
        f = self.fusion
        if score >= f.severe_score:
            return LEVEL_SEVERE
        if score >= f.moderate_score:
            return LEVEL_MODERATE
        if score >= f.mild_score:
            return LEVEL_MILD
        return LEVEL_ALERT

    def _step_known_level(self, t: float, score: float) -> None:
        target = self._level_for(score)
        if target > self._known_level:
            self._known_level = target
            self._fall_since = None
            return
        lower = self._level_for(score + self.fusion.hysteresis)
        if lower >= self._known_level:
            self._fall_since = None
            return
        if self._fall_since is None:
            self._fall_since = t
        if t - self._fall_since >= self.fusion.fall_hold_s - 1e-9:
            self._known_level = lower
            self._fall_since = None

    def update(self, frame: FrameMeasures) -> FatigueSnapshot:
        """Take one frame (time order) and return the fused state after it."""
        ind = self.tracker.update(frame)
        parts = self.components(ind) if ind.calibrated else {}
        score = self.score(parts)
        if ind.face_visible:
            self._last_visible_t = frame.t
            if ind.calibrated:
                self._step_known_level(frame.t, score)
        face_recent = (self._last_visible_t is not None
                       and frame.t - self._last_visible_t < self.fusion.unknown_after_s)
        if not ind.calibrated:
            level = LEVEL_UNKNOWN
            cues: tuple[str, ...] = ("calibrating",) if face_recent else ("no_face",)
        elif not face_recent:
            level = LEVEL_UNKNOWN
            cues = ("no_face",)
        else:
            level = self._known_level
            ranked = sorted(parts.items(), key=lambda kv: (-kv[1], kv[0]))
            cues = tuple(name for name, value in ranked if value >= self.fusion.mild_score)
            if "voice" in cues:
                cues = cues + tuple(c for c in ind.voice_cues if c not in cues)
        changed = level != self._level
        if changed:
            self._previous_level = self._level
            self.events.append(LevelEvent(t=frame.t, level=level,
                                          previous_level=self._previous_level, cues=cues))
            self._level = level
        self.max_level = max(self.max_level, level)
        snap = FatigueSnapshot(
            t=frame.t,
            level=level,
            previous_level=self._previous_level,
            level_changed=changed,
            score=score if ind.calibrated else 0.0,
            face_visible=ind.face_visible,
            calibrated=ind.calibrated,
            ear_left=_nan(ind.ear_left),
            ear_right=_nan(ind.ear_right),
            mar=_nan(ind.mar),
            pitch_deg=_nan(ind.pitch_deg),
            yaw_deg=_nan(ind.yaw_deg),
            perclos=_nan(ind.perclos),
            blink_rate_per_min=ind.blink_rate_per_min,
            mean_blink_duration_s=ind.mean_blink_duration_s,
            blinks=ind.blinks,
            microsleeps=ind.microsleeps,
            yawns=ind.yawns,
            nods=ind.nods,
            eyes_off_road_s=ind.eyes_off_road_s,
            voice_score=ind.voice_score,
            cues=cues,
            components=parts,
            events=ind.new_events,
        )
        self.last = snap
        return snap


@dataclass(frozen=True)
class ReplaySummary:
    """What a replay of recorded measures found (the keys `fatigue replay` prints)."""

    frames: int
    duration_s: float
    calibrated: bool
    ear_open: float | None
    blinks: int
    microsleeps: int
    yawns: int
    nods: int
    distractions: int
    perclos: float | None
    blink_rate_per_min: float
    mean_blink_duration_s: float
    level: str
    max_level: str
    score: float
    events: list[dict[str, object]]

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly form."""
        return asdict(self)


def replay(frames: Iterable[FrameMeasures], *, voice: Iterable[VoiceSample] = (),
           indicator_settings: IndicatorSettings | None = None,
           fusion_settings: FusionSettings | None = None) -> ReplaySummary:
    """Run recorded frames (and utterances, merged by time) through the core."""
    est = FatigueEstimator(indicator_settings=indicator_settings,
                           fusion_settings=fusion_settings)
    pending = sorted(voice, key=lambda v: v.t)
    vi = 0
    count = 0
    first_t: float | None = None
    snap: FatigueSnapshot | None = None
    for frame in frames:
        while vi < len(pending) and pending[vi].t <= frame.t:
            est.add_voice(pending[vi])
            vi += 1
        snap = est.update(frame)
        count += 1
        if first_t is None:
            first_t = frame.t
    if snap is None or first_t is None:
        raise FatigueError("no frames to replay")
    tracker = est.tracker
    return ReplaySummary(
        frames=count,
        duration_s=snap.t - first_t,
        calibrated=snap.calibrated,
        ear_open=tracker.ear_open,
        blinks=snap.blinks,
        microsleeps=snap.microsleeps,
        yawns=snap.yawns,
        nods=snap.nods,
        distractions=tracker.distractions,
        perclos=None if math.isnan(snap.perclos) else snap.perclos,
        blink_rate_per_min=snap.blink_rate_per_min,
        mean_blink_duration_s=snap.mean_blink_duration_s,
        level=level_name(snap.level),
        max_level=level_name(est.max_level),
        score=snap.score,
        events=[e.to_dict() for e in est.events],
    )


def settings_from_dict(values: Mapping[str, object]) -> tuple[IndicatorSettings, FusionSettings]:
    """Core settings from a flat mapping (node parameters) with keys named like the fields.

    Other keys are ignored; missing ones keep their defaults; bad values raise FatigueError.
    """

    def pick(cls: type) -> dict[str, Any]:
        chosen: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name in values:
                value = values[f.name]
                if f.type == "int" and isinstance(value, float) and value.is_integer():
                    value = int(value)
                chosen[f.name] = value
        return chosen

    return IndicatorSettings(**pick(IndicatorSettings)), FusionSettings(**pick(FusionSettings))
