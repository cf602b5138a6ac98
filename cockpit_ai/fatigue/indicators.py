"""Drowsiness indicators over time: calibration, then the eye, mouth, head and voice detectors.

Plain Python, no ROS and no model: feed :class:`~cockpit_ai.fatigue.measures.FrameMeasures`
(what ``face.py`` measures, or rows of a CSV) and
:class:`~cockpit_ai.fatigue.voice.VoiceSample` in time order to :class:`IndicatorTracker`.
Every time comes from the timestamps passed in, never from the wall clock, so a replay of
the same input always gives the same blinks, PERCLOS, yawns and nods.

The tracker owns what the detectors share: the calibration, the frame gaps and the events.
The eye thresholds are relative to the driver's own open-eye EAR, measured in the first
minute (calibration): a driver with narrow eyes is not "always closed", and the frames of
that first minute are replayed through the detectors once the baseline is known, so no
blink of the first minute is lost. The detectors are ``eyes.py`` (PERCLOS, blinks,
microsleeps), ``mouth.py`` (yawns), ``head.py`` (nods, eyes off road) and ``voice.py``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from cockpit_ai.fatigue.common import FatigueError, percentile
from cockpit_ai.fatigue.eyes import EyeTracker, closed_ear, closure_of
from cockpit_ai.fatigue.head import HeadTracker
from cockpit_ai.fatigue.measures import FrameMeasures
from cockpit_ai.fatigue.mouth import YawnTracker
from cockpit_ai.fatigue.settings import IndicatorSettings
from cockpit_ai.fatigue.voice import VoiceSample, VoiceTracker


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


class IndicatorTracker:
    """Turns a time-ordered stream of frame measures into blinks, PERCLOS, yawns, nods..."""

    def __init__(self, settings: IndicatorSettings | None = None) -> None:
        self.settings = settings or IndicatorSettings()
        self._voice = VoiceTracker(self.settings)
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

    @property
    def blinks(self) -> int:
        """Blinks so far (the calibration minute included)."""
        return self._eyes.blinks

    @property
    def microsleeps(self) -> int:
        """Eye closures of at least ``microsleep_s`` so far."""
        return self._eyes.microsleeps

    @property
    def yawns(self) -> int:
        """Yawns so far."""
        return self._mouth.yawns

    @property
    def nods(self) -> int:
        """Head nods so far."""
        return self._head.nods

    @property
    def distractions(self) -> int:
        """Glances away from the road of at least ``distraction_s`` so far."""
        return self._head.distractions

    def add_voice(self, sample: VoiceSample) -> None:
        """Take the prosody of one utterance (any order relative to frames)."""
        self._voice.add(sample)

    def update(self, frame: FrameMeasures) -> Indicators:
        """Take one frame (time order, never earlier than the last one) and report."""
        if self._last_t is not None and frame.t < self._last_t:
            raise FatigueError(
                f"frames must come in time order: t={frame.t} after t={self._last_t}")
        self._last_t = frame.t
        self._new_events: list[IndicatorEvent] = []
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
        closed_limit = closed_ear(s, ear_open)
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

    def closure_of(self, ear: float) -> float:
        """0 = as open as the driver's baseline, 1 = as shut as the mesh measures a shut eye."""
        if self.ear_open is None:
            raise FatigueError("closure needs the open-eye baseline: not calibrated yet")
        return closure_of(self.settings, self.ear_open, ear)

    # -- detectors -------------------------------------------------------------------

    def _reset_detectors(self) -> None:
        """New detectors with the current baselines (at start and after calibration)."""
        s = self.settings
        self._prev_visible_t: float | None = None
        self._eyes = EyeTracker(s, self.ear_open, self._emit)
        self._mouth = YawnTracker(s, self._emit)
        self._head = HeadTracker(s, self.pitch_base, self.yaw_base, self._emit)
        self._events: deque[IndicatorEvent] = deque()

    def _emit(self, kind: str, t: float, t_start: float) -> None:
        event = IndicatorEvent(kind=kind, t=t, t_start=t_start)
        self._events.append(event)
        self._new_events.append(event)

    def _process(self, frame: FrameMeasures) -> None:
        s = self.settings
        t = frame.t
        if not frame.face_visible:
            self._abort_episodes()
            self._eyes.closure = None
            return
        if self._prev_visible_t is not None and t - self._prev_visible_t > s.max_gap_s:
            self._abort_episodes()
        self._prev_visible_t = t
        ear = frame.ear
        assert ear is not None
        self._eyes.update(t, ear)
        self._mouth.update(t, frame.mar)
        self._head.update(t, frame.pitch_deg, frame.yaw_deg)
        while self._events and self._events[0].t <= t - max(s.event_window_s,
                                                             s.perclos_window_s):
            self._events.popleft()

    def _abort_episodes(self) -> None:
        """Face lost or frames missing: episodes end uncounted (their length is unknown)."""
        self._eyes.abort()
        self._mouth.abort()
        self._head.abort()
        self._prev_visible_t = None

    # -- report ----------------------------------------------------------------------

    def _report(self, frame: FrameMeasures) -> Indicators:
        s = self.settings
        t = frame.t
        perclos = self._eyes.perclos(t, frame.face_visible) if self.calibrated else None
        blink_durations = self._eyes.blink_durations()
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
            closure=self._eyes.closure if frame.face_visible else None,
            eyes_closed_s=self._eyes.closed_s(t),
            perclos=perclos,
            blink_rate_per_min=rate,
            mean_blink_duration_s=(sum(blink_durations) / len(blink_durations)
                                   if blink_durations else 0.0),
            blinks=self.blinks,
            microsleeps=self.microsleeps,
            yawns=self.yawns,
            nods=self.nods,
            distractions=self.distractions,
            eyes_off_road_s=self._head.off_road_s(t),
            recent_microsleeps=len(microsleeps),
            recent_yawns=sum(1 for e in recent if e.kind == "yawn"),
            recent_nods=sum(1 for e in recent if e.kind == "nod"),
            recent_blinks=len(blink_durations),
            last_microsleep_t=microsleeps[-1].t if microsleeps else None,
            voice_score=voice_score,
            voice_cues=voice_cues,
            new_events=tuple(self._new_events),
        )
