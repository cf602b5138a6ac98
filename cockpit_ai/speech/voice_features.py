"""Prosody of one utterance for the fatigue node: speech rate, pauses, pitch, loudness.

Tired drivers speak slower, pause longer and flatter; these are cheap cues. Pitch is a
plain autocorrelation F0 tracker in numpy (40 ms windows, 10 ms hop, 60-400 Hz).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cockpit_ai.speech import SpeechError
from cockpit_ai.speech.audio import dbfs

F0_MIN_HZ = 60.0
F0_MAX_HZ = 400.0


@dataclass(frozen=True)
class VoiceFeatures:
    """Fields of cockpit_ai/VoiceFeatures.msg; ``start_time`` becomes the header stamp."""

    utterance_id: str
    start_time: float
    duration_s: float
    speech_rate_wps: float
    pause_ratio: float
    pitch_mean_hz: float
    pitch_std_hz: float
    loudness_dbfs: float


def pitch_track(
    samples: np.ndarray,
    sample_rate: int,
    *,
    win_ms: float = 40.0,
    hop_ms: float = 10.0,
    voicing: float = 0.45,
    min_level_dbfs: float = -50.0,
) -> np.ndarray:
    """F0 in Hz per voiced window (unvoiced windows left out), by normalised autocorrelation."""
    x = samples.astype(np.float64) / 32768.0
    win = int(sample_rate * win_ms / 1000)
    hop = int(sample_rate * hop_ms / 1000)
    lag_min = int(sample_rate / F0_MAX_HZ)
    lag_max = min(int(sample_rate / F0_MIN_HZ), win - 1)
    if len(x) < win:
        return np.zeros(0)
    starts = np.arange(0, len(x) - win + 1, hop)
    frames = np.stack([x[s : s + win] for s in starts])
    frames = frames - frames.mean(axis=1, keepdims=True)
    level = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    keep = level > min_level_dbfs
    if not keep.any():
        return np.zeros(0)
    frames = frames[keep] * np.hanning(win)
    nfft = 1 << (2 * win - 1).bit_length()
    spec = np.fft.rfft(frames, nfft, axis=1)
    ac = np.fft.irfft(np.abs(spec) ** 2, nfft, axis=1)[:, : lag_max + 1]
    ac /= ac[:, :1] + 1e-12
    # Divide out the window's own autocorrelation so long lags are not penalised.
    w_ac = np.correlate(np.hanning(win), np.hanning(win), "full")[win - 1 : win + lag_max]
    ac = ac / (w_ac / w_ac[0] + 1e-3)
    region = ac[:, lag_min : lag_max + 1]
    # The shortest lag whose peak is near the highest one: longer lags repeat the period.
    is_peak = np.zeros_like(region, dtype=bool)
    is_peak[:, 1:-1] = (region[:, 1:-1] >= region[:, :-2]) & (region[:, 1:-1] >= region[:, 2:])
    is_peak[:, -1] = True
    good = is_peak & (region >= 0.85 * region.max(axis=1, keepdims=True))
    best = good.argmax(axis=1)
    peak = region[np.arange(len(region)), best]
    lags = (best + lag_min).astype(np.float64)
    # Parabolic interpolation around the peak for sub-sample lag.
    i = best + lag_min
    ok = (i > lag_min) & (i < lag_max)
    rows = np.arange(len(ac))
    left, mid, right = ac[rows, i - 1], ac[rows, i], ac[rows, np.minimum(i + 1, lag_max)]
    denom = left - 2 * mid + right
    safe = np.where(np.abs(denom) > 1e-9, denom, 1.0)
    shift = np.where(ok & (np.abs(denom) > 1e-9), 0.5 * (left - right) / safe, 0.0)
    lags = lags + np.clip(shift, -0.5, 0.5)
    voiced = peak > voicing
    return sample_rate / lags[voiced]


def compute_voice_features(
    samples: np.ndarray,
    sample_rate: int,
    *,
    utterance_id: str = "",
    start_time: float = 0.0,
    words: int | None = None,
    voiced: list[bool] | None = None,
    speech_duration_s: float | None = None,
) -> VoiceFeatures:
    """Features of one utterance; ``voiced`` are the VAD's per-frame flags over ``samples``.

    ``words`` (from the transcript) gives the speech rate over ``speech_duration_s`` (the
    speech span, defaults to the whole audio). Pause ratio is the unvoiced share of the frames
    between the first and the last voiced frame.
    """
    if len(samples) == 0:
        raise SpeechError("no audio to compute voice features on")
    duration = len(samples) / float(sample_rate)
    span = speech_duration_s if speech_duration_s and speech_duration_s > 0 else duration
    rate = float(words) / span if words else 0.0
    pause = 0.0
    if voiced and any(voiced):
        first = voiced.index(True)
        last = len(voiced) - 1 - voiced[::-1].index(True)
        inner = voiced[first : last + 1]
        pause = 1.0 - sum(inner) / len(inner)
    f0 = pitch_track(samples, sample_rate)
    if len(f0) >= 3:
        # Octave errors are the tracker's typical failure: keep values near the median.
        med = float(np.median(f0))
        f0 = f0[(f0 > med / 1.6) & (f0 < med * 1.6)]
    pitch_mean = float(f0.mean()) if len(f0) else 0.0
    pitch_std = float(f0.std()) if len(f0) else 0.0
    return VoiceFeatures(
        utterance_id=utterance_id,
        start_time=start_time,
        duration_s=duration,
        speech_rate_wps=rate,
        pause_ratio=float(pause),
        pitch_mean_hz=pitch_mean,
        pitch_std_hz=pitch_std,
        loudness_dbfs=float(dbfs(samples)),
    )
