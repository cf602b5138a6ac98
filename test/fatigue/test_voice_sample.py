"""A VoiceFeatures message that cannot describe speech is refused before it reaches the
voice tracker (the fatigue node counts it as bad_voice_features)."""

from __future__ import annotations

import math

import pytest

from cockpit_ai.fatigue.common import FatigueError
from cockpit_ai.fatigue.voice import VoiceSample


@pytest.mark.parametrize("field,value", [
    ("speech_rate_wps", -1.0), ("pitch_mean_hz", -0.1), ("pitch_std_hz", -5.0),
    ("duration_s", -2.0), ("pause_ratio", 1.5), ("pause_ratio", -0.01),
    ("loudness_dbfs", 5.8e15), ("loudness_dbfs", math.inf), ("duration_s", math.nan),
])
def test_impossible_voice_values_are_refused(field: str, value: float) -> None:
    with pytest.raises(FatigueError, match=field):
        VoiceSample(t=1.0, **{field: value})


def test_real_and_unknown_values_pass() -> None:
    VoiceSample(t=1.0)  # 0 = unknown
    VoiceSample(t=1.0, speech_rate_wps=2.5, pause_ratio=1.0, pitch_mean_hz=120.0,
                pitch_std_hz=20.0, loudness_dbfs=-23.5, duration_s=1.5)
    VoiceSample(t=1.0, loudness_dbfs=3.0)  # a full-scale square wave
