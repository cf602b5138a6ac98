"""Fatigue: eyes, yawns, nods and voice fused into an escalating drowsiness state.

``face.py`` measures a cabin frame with MediaPipe's face mesh (the only module that needs
the model) into ``measures.py``'s FrameMeasures; ``indicators.py`` calibrates and runs the
detectors over time: ``eyes.py`` (PERCLOS, blinks, microsleeps), ``mouth.py`` (yawns),
``head.py`` (nods, glances away), ``voice.py`` (voice cues), with the thresholds of
``settings.py``; ``fusion.py`` makes a score and a level with hysteresis. The core is plain
Python: no ROS, no model, no wall clock.
"""

from cockpit_ai.fatigue.common import FatigueError
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
from cockpit_ai.fatigue.indicators import IndicatorEvent, Indicators, IndicatorTracker
from cockpit_ai.fatigue.measures import FrameMeasures, read_measures_csv, write_measures_csv
from cockpit_ai.fatigue.settings import IndicatorSettings
from cockpit_ai.fatigue.voice import VoiceSample

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
