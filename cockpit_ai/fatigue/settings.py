"""Thresholds of the fatigue indicators (``IndicatorSettings``), each default with its source.

The node's schema defaults equal these (``test/test_defaults.py``); ``fusion.py`` checks its
own settings with :func:`check_non_negative` too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cockpit_ai.fatigue.common import FatigueError


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
