"""A scripted driver: per-frame EAR/MAR/pitch/yaw sequences with noise, for the core tests.

Everything is placed on frame indices (time = index / fps), so the expected blink
durations, PERCLOS shares and counts are exact.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from cockpit_ai.fatigue import FrameMeasures


@dataclass
class DriverSim:
    """Builds a frame sequence; call the event methods, then :meth:`frames`."""

    duration_s: float
    fps: float = 15.0
    open_ear: float = 0.28
    closed_ear: float = 0.08
    mar_rest: float = 0.04
    pitch: float = -6.0          # the camera sees this driver slightly from below
    yaw: float = 4.0
    ear_noise: float = 0.006
    mar_noise: float = 0.01
    pose_noise: float = 1.0
    seed: int = 1
    t0: float = 0.0
    _n: int = field(init=False)
    _ear: list[float] = field(init=False)
    _mar: list[float] = field(init=False)
    _pitch: list[float] = field(init=False)
    _yaw: list[float] = field(init=False)
    _hidden: list[bool] = field(init=False)

    def __post_init__(self) -> None:
        self._n = round(self.duration_s * self.fps)
        self._ear = [self.open_ear] * self._n
        self._mar = [self.mar_rest] * self._n
        self._pitch = [self.pitch] * self._n
        self._yaw = [self.yaw] * self._n
        self._hidden = [False] * self._n

    def index(self, t: float) -> int:
        """Frame index of time t (seconds from the start)."""
        return round(t * self.fps)

    def _span(self, t: float, duration_s: float) -> range:
        start = self.index(t)
        return range(start, min(self._n, start + round(duration_s * self.fps)))

    def close_eyes(self, t: float, duration_s: float, *, ear: float | None = None) -> int:
        """Eyes shut from t for duration_s; returns the number of shut frames."""
        span = self._span(t, duration_s)
        for i in span:
            self._ear[i] = self.closed_ear if ear is None else ear
        return len(span)

    def lid_twitch(self, t: float, *, ear: float) -> None:
        """One frame with the lid partly lowered (not a blink)."""
        self._ear[self.index(t)] = ear

    def yawn(self, t: float, duration_s: float, *, mar: float = 0.85) -> None:
        """Mouth wide open (ramps up and down over 0.3 s at each end)."""
        span = self._span(t, duration_s)
        ramp = max(1, round(0.3 * self.fps))
        for k, i in enumerate(span):
            edge = min(k + 1, len(span) - k, ramp) / ramp
            self._mar[i] = self.mar_rest + (mar - self.mar_rest) * edge

    def speak(self, t: float, duration_s: float, *, peak: float = 0.45) -> None:
        """Talking: the mouth opens and closes ~4 times a second, never held open."""
        rng = random.Random(self.seed * 7919 + self.index(t))
        span = self._span(t, duration_s)
        syllable = max(2, round(self.fps / 4))
        for k, i in enumerate(span):
            phase = (k % syllable) / syllable
            opening = peak * rng.uniform(0.5, 1.0) if phase < 0.5 else 0.1
            self._mar[i] = max(self._mar[i], opening)

    def nod(self, t: float, duration_s: float, *, depth_deg: float = 25.0) -> None:
        """Head drops by depth_deg and comes back."""
        for i in self._span(t, duration_s):
            self._pitch[i] = self.pitch - depth_deg

    def look_away(self, t: float, duration_s: float, *, yaw_deg: float = 45.0) -> None:
        """Head turned (mirror check, passenger, side window)."""
        for i in self._span(t, duration_s):
            self._yaw[i] = self.yaw + yaw_deg

    def hide_face(self, t: float, duration_s: float) -> None:
        """No face in these frames (hand, turned away, out of view)."""
        for i in self._span(t, duration_s):
            self._hidden[i] = True

    def normal_blinks(self, start_s: float, end_s: float, *, per_min: float = 15.0,
                      min_s: float = 0.1, max_s: float = 0.25) -> int:
        """Alert blinking at random moments; returns how many blinks were placed."""
        rng = random.Random(self.seed)
        t = start_s + rng.uniform(0.5, 60.0 / per_min)
        count = 0
        while t < end_s - 1.0:
            frames = self.close_eyes(t, rng.uniform(min_s, max_s))
            count += frames > 0
            t += rng.uniform(0.4, 1.6) * 60.0 / per_min
        return count

    def frames(self) -> list[FrameMeasures]:
        """The sequence with noise added (deterministic for a seed)."""
        rng = random.Random(self.seed)
        out: list[FrameMeasures] = []
        for i in range(self._n):
            t = self.t0 + i / self.fps
            if self._hidden[i]:
                out.append(FrameMeasures(t=t))
                continue
            left = max(0.0, self._ear[i] + rng.gauss(0.0, self.ear_noise))
            right = max(0.0, self._ear[i] + rng.gauss(0.0, self.ear_noise))
            out.append(FrameMeasures(
                t=t,
                ear_left=left,
                ear_right=right,
                mar=max(0.0, self._mar[i] + rng.gauss(0.0, self.mar_noise)),
                pitch_deg=self._pitch[i] + rng.gauss(0.0, self.pose_noise),
                yaw_deg=self._yaw[i] + rng.gauss(0.0, self.pose_noise),
            ))
        return out
