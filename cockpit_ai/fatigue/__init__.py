"""Fatigue: eyes, yawns, nods and voice fused into an escalating drowsiness state.

``face.py`` measures a cabin frame with MediaPipe's face mesh (the only module that needs
the model); ``indicators.py`` turns measures over time into blinks, PERCLOS, microsleeps,
yawns, nods, glances away and voice cues; ``fusion.py`` makes a score and a level with
hysteresis. The core is plain Python: no ROS, no model, no wall clock.
"""

from cockpit_ai.fatigue.fusion import (
    LEVEL_ALERT,
    LEVEL_MILD,
    LEVEL_MODERATE,
    LEVEL_NAMES,
    LEVEL_SEVERE,
    LEVEL_UNKNOWN,
    FatigueEstimator,
    FatigueSnapshot,
    FusionSettings,
    LevelEvent,
    ReplaySummary,
    level_name,
    replay,
)
from cockpit_ai.fatigue.indicators import (
    FatigueError,
    FrameMeasures,
    IndicatorEvent,
    Indicators,
    IndicatorSettings,
    IndicatorTracker,
    VoiceSample,
    read_measures_csv,
    write_measures_csv,
)

__all__ = [
    "LEVEL_ALERT",
    "LEVEL_MILD",
    "LEVEL_MODERATE",
    "LEVEL_NAMES",
    "LEVEL_SEVERE",
    "LEVEL_UNKNOWN",
    "FatigueError",
    "FatigueEstimator",
    "FatigueSnapshot",
    "FrameMeasures",
    "FusionSettings",
    "IndicatorEvent",
    "IndicatorSettings",
    "IndicatorTracker",
    "Indicators",
    "LevelEvent",
    "ReplaySummary",
    "VoiceSample",
    "level_name",
    "read_measures_csv",
    "replay",
    "write_measures_csv",
]
