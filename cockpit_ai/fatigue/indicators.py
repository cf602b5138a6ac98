"""Drowsiness indicators over time from per-frame face measures and voice features.

Plain Python, no ROS and no model: feed :class:`FrameMeasures` (what ``face.py`` measures, or
rows of a CSV) and :class:`VoiceSample` in time order to :class:`IndicatorTracker`. Every time
comes from the timestamps passed in, never from the wall clock, so a replay of the same
input always gives the same blinks, PERCLOS, yawns and nods.

The eye thresholds are relative to the driver's own open-eye EAR, measured in the first
minute (calibration): a driver with narrow eyes is not "always closed", and the frames of
that first minute are replayed through the detectors once the baseline is known, so no
blink of the first minute is lost.
"""

from __future__ import annotations

import csv
import itertools
import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cockpit_ai.errors import CockpitError


class FatigueError(CockpitError, ValueError):
    """Bad input to the fatigue core (out-of-order frames, a malformed CSV, a bad image...)."""


# Columns of the per-frame measures CSV (a contract: `cockpit-ai fatigue measure` writes
# them, `cockpit-ai fatigue replay` reads them; empty cells mean "face not seen").
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


@dataclass(frozen=True)
class VoiceSample:
    """Prosody of one utterance (the fields of cockpit_ai/VoiceFeatures); 0 = unknown."""

    t: float
    speech_rate_wps: float = 0.0
    pause_ratio: float = 0.0
    pitch_mean_hz: float = 0.0
    pitch_std_hz: float = 0.0
    loudness_dbfs: float = 0.0
    duration_s: float = 0.0

    def __post_init__(self) -> None:
        for name in ("t", "speech_rate_wps", "pause_ratio", "pitch_mean_hz", "pitch_std_hz",
                     "loudness_dbfs", "duration_s"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value):
                raise FatigueError(f"voice {name} must be a finite number, got {value!r}")


def check_non_negative(settings: object, what: str) -> None:
    """Every field of a settings dataclass must be a finite number >= 0."""
    for name, value in vars(settings).items():
        if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise FatigueError(f"{what} setting {name} must be a number >= 0, got {value!r}")


@dataclass(frozen=True)
class IndicatorSettings:
    """Thresholds of the indicators; defaults cite where they come from."""

    # The first minute calibrates the driver's own open-eye EAR (issue 6); fewer visible
    # frames than calibration_min_frames keep it calibrating.
    calibration_s: float = 60.0
    calibration_min_frames: int = 30
    # Blinks cover ~5-10 % of an alert driver's time, so the 75th percentile of the EAR in
    # the first minute is the open eye (the median is pulled down by drooping lids).
    open_ear_percentile: float = 75.0
    # Below this the "open" baseline is not believable (eyes shut all minute): keep going.
    min_open_ear: float = 0.10
    # The mesh's lids never meet: a shut eye still gives EAR ~0.06-0.16 against 0.24-0.27
    # open (models.md); painted-shut eyes in tracking mode read 0.42-0.48 of the open EAR
    # (docs/fatigue.md). Closure is measured between the open EAR (0) and this share of it
    # (1), so P80 "closed" is EAR <= 0.56 x open and an episode ends above 0.67 x open.
    closed_ear_ratio: float = 0.45
    # PERCLOS P80: eyelid covers >= 80 % of the eye (Wierwille et al. 1994; Dinges & Grace,
    # FHWA tech brief MCRT-98-006, 1998), over a sliding 60 s window.
    perclos_closure: float = 0.80
    perclos_window_s: float = 60.0
    # A closure episode ends when closure drops below this (hysteresis against noise).
    reopen_closure: float = 0.60
    # Real blinks last ~0.1-0.4 s (Stern et al. 1984; Caffier et al. 2003): a shorter
    # closure (one frame at >= 20 FPS) is a tracking glitch, not a blink.
    blink_min_s: float = 0.05
    # A closure of >= 1 s is a microsleep (issue 6), counted when it crosses 1 s.
    microsleep_s: float = 1.0
    # A gap between frames longer than this ends any open episode uncounted.
    max_gap_s: float = 0.5
    # Yawn: inner-mouth opening (MAR = mean lip gap / mouth width) above yawn_mar for
    # yawn_min_s. Speech opens the mouth for < 0.5 s at a time; a yawn lasts ~6 s
    # (Provine 1986). Ends below yawn_end_mar.
    yawn_mar: float = 0.6
    yawn_end_mar: float = 0.45
    yawn_min_s: float = 1.5
    # Nod: head drops >= nod_drop_deg below the driver's own pitch and comes back up within
    # nod_min_s..nod_max_s (a longer head-down is looking down, counted as eyes off road).
    nod_drop_deg: float = 15.0
    nod_min_s: float = 0.15
    nod_max_s: float = 2.5
    # Eyes off road (head pose relative to the driver's own straight-ahead pose); Euro NCAP's
    # long distraction is a single glance away from the road of >= 3 s (Safe Driving,
    # Driver Engagement protocol, 2023).
    offroad_yaw_deg: float = 30.0
    offroad_pitch_deg: float = 20.0
    distraction_s: float = 3.0
    # Yawns, nods and microsleeps of the last 5 minutes count as "recent" for fusion.
    event_window_s: float = 300.0
    # Voice: the driver's first utterances are the baseline; then slower speech (25 % fewer
    # words/s), more pause (+0.2 of the utterance) or a flatter pitch (-30 % F0 spread)
    # score 1 each (drowsy speech is slower, more monotone: Krajewski et al. 2009).
    voice_baseline_utterances: int = 5
    # The voice score is the mean over the last few utterances of the last few minutes.
    voice_recent_utterances: int = 5
    voice_window_s: float = 300.0
    voice_rate_drop: float = 0.25
    voice_pause_rise: float = 0.20
    voice_pitch_std_drop: float = 0.30

    def __post_init__(self) -> None:
        check_non_negative(self, "indicator")
        if not 0 < self.closed_ear_ratio < 1:
            raise FatigueError("closed_ear_ratio must be between 0 and 1")
        if not 0 < self.reopen_closure <= self.perclos_closure <= 1:
            raise FatigueError("need 0 < reopen_closure <= perclos_closure <= 1")
        if self.yawn_end_mar > self.yawn_mar:
            raise FatigueError("yawn_end_mar must not exceed yawn_mar")


@dataclass(frozen=True)
class IndicatorEvent:
    """A detected blink, microsleep, yawn, nod or distraction.

    ``t`` is when it was recognised (for a blink: when the eye reopened; for a microsleep,
    yawn or distraction: when it crossed its minimum duration), ``t_start`` when it began.
    """

    kind: str
    t: float
    t_start: float

    @property
    def duration_s(self) -> float:
        """Duration up to the moment it was recognised."""
        return self.t - self.t_start


@dataclass(frozen=True)
class Indicators:
    """Every indicator after one frame (times are frame timestamps)."""

    t: float
    face_visible: bool
    calibrated: bool
    ear_left: float | None
    ear_right: float | None
    mar: float | None
    pitch_deg: float | None
    yaw_deg: float | None
    ear_open: float | None          # the driver's own open-eye EAR (None while calibrating)
    closure: float | None           # 0 = as open as the baseline, 1 = shut
    eyes_closed_s: float            # current continuous closure
    perclos: float | None           # share of the window's visible frames >= 80 % closed
    blink_rate_per_min: float
    mean_blink_duration_s: float
    blinks: int
    microsleeps: int
    yawns: int
    nods: int
    distractions: int
    eyes_off_road_s: float
    recent_microsleeps: int         # within event_window_s
    recent_yawns: int
    recent_nods: int
    recent_blinks: int              # within perclos_window_s
    last_microsleep_t: float | None
    voice_score: float
    voice_cues: tuple[str, ...]
    new_events: tuple[IndicatorEvent, ...] = field(default=())


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default), ``q`` in 0..100."""
    if not values:
        raise FatigueError("percentile of no values")
    return float(np.percentile(values, q))


class _VoiceTracker:
    """Voice cues against the driver's own baseline from their first utterances."""

    def __init__(self, settings: IndicatorSettings) -> None:
        self._s = settings
        self._baseline_samples: list[VoiceSample] = []
        self.baseline: dict[str, float] | None = None
        self._scored: deque[tuple[float, float, tuple[str, ...]]] = deque()

    def add(self, sample: VoiceSample) -> None:
        if sample.speech_rate_wps <= 0 and sample.pitch_std_hz <= 0:
            return  # no words and no voiced frames: nothing to compare
        if self.baseline is None:
            self._baseline_samples.append(sample)
            if len(self._baseline_samples) >= max(1, self._s.voice_baseline_utterances):
                self.baseline = {
                    name: _median_positive([getattr(v, name) for v in self._baseline_samples])
                    for name in ("speech_rate_wps", "pause_ratio", "pitch_std_hz")
                }
            return
        parts: dict[str, float] = {}
        base = self.baseline
        if base["speech_rate_wps"] > 0 and sample.speech_rate_wps > 0:
            drop = (base["speech_rate_wps"] - sample.speech_rate_wps) / base["speech_rate_wps"]
            parts["slow_speech"] = _clip01(drop / self._s.voice_rate_drop)
        if sample.speech_rate_wps > 0 or sample.duration_s > 0:
            rise = sample.pause_ratio - base["pause_ratio"]
            parts["long_pauses"] = _clip01(rise / self._s.voice_pause_rise)
        if base["pitch_std_hz"] > 0 and sample.pitch_std_hz > 0:
            drop = (base["pitch_std_hz"] - sample.pitch_std_hz) / base["pitch_std_hz"]
            parts["flat_voice"] = _clip01(drop / self._s.voice_pitch_std_drop)
        if not parts:
            return
        score = sum(parts.values()) / len(parts)
        cues = tuple(name for name, value in parts.items() if value >= 0.5)
        self._scored.append((sample.t, score, cues))
        while self._scored and self._scored[0][0] <= sample.t - self._s.voice_window_s:
            self._scored.popleft()

    def score(self, t: float) -> tuple[float, tuple[str, ...]]:
        """Mean score of the utterances within the voice window that ends at ``t``."""
        recent = [(s, c) for ts, s, c in self._scored if ts > t - self._s.voice_window_s]
        recent = recent[-max(1, self._s.voice_recent_utterances):]
        if not recent:
            return 0.0, ()
        cues: list[str] = []
        for _, c in recent:
            cues.extend(x for x in c if x not in cues)
        return sum(s for s, _ in recent) / len(recent), tuple(cues)


def _clip01(x: float) -> float:
    return min(1.0, max(0.0, x))


def _median_positive(values: Iterable[float]) -> float:
    good = [v for v in values if v > 0]
    return percentile(good, 50.0) if good else 0.0


class IndicatorTracker:
    """Turns a time-ordered stream of frame measures into blinks, PERCLOS, yawns, nods..."""

    def __init__(self, settings: IndicatorSettings | None = None) -> None:
        self.settings = settings or IndicatorSettings()
        self._voice = _VoiceTracker(self.settings)
        self._last_t: float | None = None
        self._t_first_visible: float | None = None
        self._calib: list[FrameMeasures] = []
        self.ear_open: float | None = None
        self.pitch_base: float | None = None
        self.yaw_base: float | None = None
        self._reset_detectors()

    # -- public ----------------------------------------------------------------------

    @property
    def calibrated(self) -> bool:
        """The driver's own open-eye EAR is known."""
        return self.ear_open is not None

    def add_voice(self, sample: VoiceSample) -> None:
        """Take the prosody of one utterance (any order relative to frames)."""
        self._voice.add(sample)

    def update(self, frame: FrameMeasures) -> Indicators:
        """Take one frame (time order, never earlier than the last one) and report."""
        if self._last_t is not None and frame.t < self._last_t:
            raise FatigueError(
                f"frames must come in time order: t={frame.t} after t={self._last_t}")
        self._last_t = frame.t
        self._new_events = []
        if self.calibrated:
            self._process(frame)
        else:
            self._calibrate(frame)
        return self._report(frame)

    # -- calibration -----------------------------------------------------------------

    def _calibrate(self, frame: FrameMeasures) -> None:
        s = self.settings
        if frame.face_visible and self._t_first_visible is None:
            self._t_first_visible = frame.t
        if self._t_first_visible is None:
            return
        self._calib.append(frame)
        if frame.t - self._t_first_visible < s.calibration_s - 1e-9:
            return
        visible = [f for f in self._calib if f.face_visible]
        ear_open = None
        if len(visible) >= s.calibration_min_frames:
            ear_open = percentile([f.ear for f in visible if f.ear is not None],
                                  s.open_ear_percentile)
        if ear_open is None or ear_open < s.min_open_ear:
            # Too few frames with a face, or an "open" eye that is not believable (shut all
            # the time): go on with the last calibration_s only (bounded memory).
            self._calib = [f for f in self._calib if f.t > frame.t - s.calibration_s]
            first = next((f for f in self._calib if f.face_visible), None)
            self._t_first_visible = first.t if first else None
            if first is None:
                self._calib = []
            return
        self.ear_open = ear_open
        closed_limit = self._closed_ear()
        open_frames = [f for f in visible if f.ear is not None and f.ear > closed_limit]
        pitches = [f.pitch_deg for f in open_frames if f.pitch_deg is not None]
        yaws = [f.yaw_deg for f in open_frames if f.yaw_deg is not None]
        self.pitch_base = percentile(pitches, 50.0) if pitches else None
        self.yaw_base = percentile(yaws, 50.0) if yaws else None
        # Replay the calibration minute through the detectors with the baseline now known.
        buffered, self._calib = self._calib, []
        self._reset_detectors()
        for f in buffered:
            self._process(f)

    def _closed_ear(self) -> float:
        """EAR at which the eye counts as >= perclos_closure closed."""
        assert self.ear_open is not None
        s = self.settings
        shut = s.closed_ear_ratio * self.ear_open
        return shut + (1.0 - s.perclos_closure) * (self.ear_open - shut)

    def closure_of(self, ear: float) -> float:
        """0 = as open as the driver's baseline, 1 = as shut as the mesh measures a shut eye."""
        if self.ear_open is None:
            raise FatigueError("closure needs the open-eye baseline: not calibrated yet")
        shut = self.settings.closed_ear_ratio * self.ear_open
        return _clip01((self.ear_open - ear) / (self.ear_open - shut))

    # -- detectors -------------------------------------------------------------------

    def _reset_detectors(self) -> None:
        self._window: deque[tuple[float, bool]] = deque()   # (t, closed) of visible frames
        self._window_closed = 0
        self._prev_visible_t: float | None = None
        self._closed_since: float | None = None
        self._microsleep_counted = False
        self._blink_log: deque[tuple[float, float]] = deque()   # (t_end, duration)
        self.blinks = 0
        self.microsleeps = 0
        self._yawn_since: float | None = None
        self._yawn_counted = False
        self.yawns = 0
        self._down_since: float | None = None
        self.nods = 0
        self._off_since: float | None = None
        self._distraction_counted = False
        self.distractions = 0
        self._events: deque[IndicatorEvent] = deque()
        self._closure: float | None = None

    def _emit(self, kind: str, t: float, t_start: float) -> None:
        event = IndicatorEvent(kind=kind, t=t, t_start=t_start)
        self._events.append(event)
        self._new_events.append(event)

    def _process(self, frame: FrameMeasures) -> None:
        s = self.settings
        t = frame.t
        if not frame.face_visible:
            self._abort_episodes()
            self._closure = None
            return
        if self._prev_visible_t is not None and t - self._prev_visible_t > s.max_gap_s:
            self._abort_episodes()
        self._prev_visible_t = t
        ear = frame.ear
        assert ear is not None
        closure = self.closure_of(ear)
        self._closure = closure
        closed = closure >= s.perclos_closure - 1e-12
        self._window.append((t, closed))
        self._window_closed += closed
        while self._window and self._window[0][0] <= t - s.perclos_window_s + 1e-6:
            self._window_closed -= self._window.popleft()[1]
        self._eyes(t, closure)
        self._mouth(t, frame.mar)
        self._head(t, frame.pitch_deg, frame.yaw_deg)
        while self._events and self._events[0].t <= t - max(s.event_window_s,
                                                             s.perclos_window_s):
            self._events.popleft()
        while self._blink_log and self._blink_log[0][0] <= t - s.perclos_window_s + 1e-6:
            self._blink_log.popleft()

    def _abort_episodes(self) -> None:
        """Face lost or frames missing: episodes end uncounted (their length is unknown)."""
        self._closed_since = None
        self._microsleep_counted = False
        self._yawn_since = None
        self._yawn_counted = False
        self._down_since = None
        self._off_since = None
        self._distraction_counted = False
        self._prev_visible_t = None

    def _eyes(self, t: float, closure: float) -> None:
        s = self.settings
        if self._closed_since is None:
            if closure >= s.perclos_closure - 1e-12:
                self._closed_since = t
                self._microsleep_counted = False
        elif closure < s.reopen_closure:
            duration = t - self._closed_since
            if self._microsleep_counted:
                pass  # already counted as a microsleep when it crossed the threshold
            elif duration >= s.blink_min_s - 1e-9:
                self.blinks += 1
                self._blink_log.append((t, duration))
                self._emit("blink", t, self._closed_since)
            self._closed_since = None
            self._microsleep_counted = False
        if (self._closed_since is not None and not self._microsleep_counted
                and t - self._closed_since >= s.microsleep_s - 1e-9):
            self._microsleep_counted = True
            self.microsleeps += 1
            self._emit("microsleep", t, self._closed_since)

    def _mouth(self, t: float, mar: float | None) -> None:
        s = self.settings
        if mar is None:
            self._yawn_since = None
            self._yawn_counted = False
            return
        if self._yawn_since is None:
            if mar >= s.yawn_mar:
                self._yawn_since = t
                self._yawn_counted = False
        elif mar < s.yawn_end_mar:
            self._yawn_since = None
            self._yawn_counted = False
        if (self._yawn_since is not None and not self._yawn_counted
                and t - self._yawn_since >= s.yawn_min_s - 1e-9):
            self._yawn_counted = True
            self.yawns += 1
            self._emit("yawn", t, self._yawn_since)

    def _head(self, t: float, pitch: float | None, yaw: float | None) -> None:
        s = self.settings
        down = None
        if pitch is not None and self.pitch_base is not None:
            down = self.pitch_base - pitch   # > 0: head lower than the driver's usual pose
        turned = None
        if yaw is not None and self.yaw_base is not None:
            turned = abs(yaw - self.yaw_base)
        # Nods.
        if down is None:
            self._down_since = None
        elif self._down_since is None:
            if down >= s.nod_drop_deg:
                self._down_since = t
        elif down < s.nod_drop_deg / 2.0:
            duration = t - self._down_since
            if s.nod_min_s - 1e-9 <= duration <= s.nod_max_s + 1e-9:
                self.nods += 1
                self._emit("nod", t, self._down_since)
            self._down_since = None
        # Eyes off the road (head pose).
        off = (turned is not None and turned > s.offroad_yaw_deg) or (
            down is not None and down > s.offroad_pitch_deg)
        if not off:
            self._off_since = None
            self._distraction_counted = False
        elif self._off_since is None:
            self._off_since = t
        if (self._off_since is not None and not self._distraction_counted
                and t - self._off_since >= s.distraction_s - 1e-9):
            self._distraction_counted = True
            self.distractions += 1
            self._emit("distraction", t, self._off_since)

    # -- report ----------------------------------------------------------------------

    def _report(self, frame: FrameMeasures) -> Indicators:
        s = self.settings
        t = frame.t
        perclos = None
        if self.calibrated and frame.face_visible and self._window:
            perclos = self._window_closed / len(self._window)
        elif self.calibrated:   # face not seen now: the window still ends at this frame
            in_window = [c for ts, c in self._window if ts > t - s.perclos_window_s + 1e-6]
            perclos = sum(in_window) / len(in_window) if in_window else None
        blink_durations = [d for _, d in self._blink_log]
        span = s.perclos_window_s
        if self._t_first_visible is not None:
            span = min(span, max(t - self._t_first_visible, 1e-9))
        rate = len(blink_durations) / (span / 60.0) if self.calibrated else 0.0
        recent = [e for e in self._events if e.t > t - s.event_window_s]
        microsleeps = [e for e in recent if e.kind == "microsleep"]
        voice_score, voice_cues = self._voice.score(t)
        return Indicators(
            t=t,
            face_visible=frame.face_visible,
            calibrated=self.calibrated,
            ear_left=frame.ear_left,
            ear_right=frame.ear_right,
            mar=frame.mar,
            pitch_deg=frame.pitch_deg,
            yaw_deg=frame.yaw_deg,
            ear_open=self.ear_open,
            closure=self._closure if frame.face_visible else None,
            eyes_closed_s=(t - self._closed_since) if self._closed_since is not None else 0.0,
            perclos=perclos,
            blink_rate_per_min=rate,
            mean_blink_duration_s=(sum(blink_durations) / len(blink_durations)
                                   if blink_durations else 0.0),
            blinks=self.blinks,
            microsleeps=self.microsleeps,
            yawns=self.yawns,
            nods=self.nods,
            distractions=self.distractions,
            eyes_off_road_s=(t - self._off_since) if self._off_since is not None else 0.0,
            recent_microsleeps=len(microsleeps),
            recent_yawns=sum(1 for e in recent if e.kind == "yawn"),
            recent_nods=sum(1 for e in recent if e.kind == "nod"),
            recent_blinks=len(blink_durations),
            last_microsleep_t=microsleeps[-1].t if microsleeps else None,
            voice_score=voice_score,
            voice_cues=voice_cues,
            new_events=tuple(self._new_events),
        )


# -- CSV of per-frame measures ----------------------------------------------------------


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
