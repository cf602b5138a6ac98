"""Voice cues: one utterance's prosody (``VoiceSample``) against the driver's own baseline.

The driver's first utterances are the baseline; later ones score slower speech, longer
pauses and a flatter pitch. Times come from the samples, never from the clock.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from cockpit_ai.fatigue.common import FatigueError, clip01, percentile
from cockpit_ai.fatigue.settings import IndicatorSettings

# The loudest a digital signal can be: a full-scale square wave (RMS +3.01 dBFS).
MAX_LOUDNESS_DBFS = 3.02


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
        for name in ("speech_rate_wps", "pitch_mean_hz", "pitch_std_hz", "duration_s"):
            if getattr(self, name) < 0:
                raise FatigueError(f"voice {name} must not be negative, got "
                                   f"{getattr(self, name)!r}")
        if not 0.0 <= self.pause_ratio <= 1.0:
            raise FatigueError(f"voice pause_ratio must be 0..1, got {self.pause_ratio!r}")
        if self.loudness_dbfs > MAX_LOUDNESS_DBFS:
            raise FatigueError(f"voice loudness_dbfs must be at most {MAX_LOUDNESS_DBFS} "
                               f"(full scale), got {self.loudness_dbfs!r}")


def from_driver(frame_id: str, driver_frames: Iterable[str]) -> bool:
    """Is an utterance the driver's, by the audio source that heard it (the VoiceFeatures
    ``header.frame_id``: the microphone's frame)? ``driver_frames`` empty: every source is
    (one cabin microphone). With zone microphones, list the driver's: a passenger's voice
    then never moves the driver's baseline or level."""
    frames = [f for f in driver_frames if f]
    return not frames or frame_id in frames


class VoiceTracker:
    """Voice cues against the driver's own baseline from their first utterances."""

    def __init__(self, settings: IndicatorSettings) -> None:
        self._s = settings
        self._baseline_samples: list[VoiceSample] = []
        self.baseline: dict[str, float] | None = None
        self._scored: deque[tuple[float, float, tuple[str, ...]]] = deque()

    def add(self, sample: VoiceSample) -> None:
        """Take one utterance: into the baseline first, then scored against it."""
        if sample.speech_rate_wps <= 0 and sample.pitch_std_hz <= 0:
            return  # no words and no voiced frames: nothing to compare
        if self.baseline is None:
            self._baseline_samples.append(sample)
            if len(self._baseline_samples) >= max(1, self._s.voice_baseline_utterances):
                self.baseline = {
                    name: median_positive([getattr(v, name) for v in self._baseline_samples])
                    for name in ("speech_rate_wps", "pause_ratio", "pitch_std_hz")
                }
            return
        parts: dict[str, float] = {}
        base = self.baseline
        if base["speech_rate_wps"] > 0 and sample.speech_rate_wps > 0:
            drop = (base["speech_rate_wps"] - sample.speech_rate_wps) / base["speech_rate_wps"]
            parts["slow_speech"] = clip01(drop / self._s.voice_rate_drop)
        if sample.speech_rate_wps > 0 or sample.duration_s > 0:
            rise = sample.pause_ratio - base["pause_ratio"]
            parts["long_pauses"] = clip01(rise / self._s.voice_pause_rise)
        if base["pitch_std_hz"] > 0 and sample.pitch_std_hz > 0:
            drop = (base["pitch_std_hz"] - sample.pitch_std_hz) / base["pitch_std_hz"]
            parts["flat_voice"] = clip01(drop / self._s.voice_pitch_std_drop)
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


def median_positive(values: Iterable[float]) -> float:
    """Median of the values above 0 (0 = unknown in a VoiceSample); 0 when there are none."""
    good = [v for v in values if v > 0]
    return percentile(good, 50.0) if good else 0.0
