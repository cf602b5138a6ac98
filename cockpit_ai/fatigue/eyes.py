"""Eyes: closure against the driver's own open-eye EAR, PERCLOS, blinks and microsleeps.

The thresholds are relative to the open EAR the calibration measured (``ear_open``): a
driver with narrow eyes is not "always closed". Times come from the frames only.
"""

from __future__ import annotations

from collections import deque

from cockpit_ai.fatigue.common import Emit, FatigueError, Hold, clip01
from cockpit_ai.fatigue.settings import IndicatorSettings


def closure_of(settings: IndicatorSettings, ear_open: float, ear: float) -> float:
    """0 = as open as the driver's baseline, 1 = as shut as the mesh measures a shut eye."""
    shut = settings.closed_ear_ratio * ear_open
    return clip01((ear_open - ear) / (ear_open - shut))


def closed_ear(settings: IndicatorSettings, ear_open: float) -> float:
    """EAR at which the eye counts as >= perclos_closure closed."""
    shut = settings.closed_ear_ratio * ear_open
    return shut + (1.0 - settings.perclos_closure) * (ear_open - shut)


class EyeTracker:
    """PERCLOS over a sliding window, blinks and microsleeps of the visible frames."""

    def __init__(self, settings: IndicatorSettings, ear_open: float | None,
                 emit: Emit) -> None:
        self._s = settings
        self.ear_open = ear_open
        self._emit = emit
        self._window: deque[tuple[float, bool]] = deque()   # (t, closed) of visible frames
        self._window_closed = 0
        self._closed = Hold("microsleep", settings.microsleep_s, emit)   # eyes shut
        self._blink_log: deque[tuple[float, float]] = deque()   # (t_end, duration)
        self.blinks = 0
        self.closure: float | None = None   # of the last visible frame

    @property
    def microsleeps(self) -> int:
        """Closures that lasted ``microsleep_s``."""
        return self._closed.count

    def update(self, t: float, ear: float) -> None:
        """Take the mean EAR of one visible frame at ``t``."""
        if self.ear_open is None:
            raise FatigueError("closure needs the open-eye baseline: not calibrated yet")
        s = self._s
        closure = closure_of(s, self.ear_open, ear)
        self.closure = closure
        closed = closure >= s.perclos_closure - 1e-12
        self._window.append((t, closed))
        self._window_closed += closed
        while self._window and self._window[0][0] <= t - s.perclos_window_s + 1e-6:
            self._window_closed -= self._window.popleft()[1]
        self._episode(t, closure)
        while self._blink_log and self._blink_log[0][0] <= t - s.perclos_window_s + 1e-6:
            self._blink_log.popleft()

    def abort(self) -> None:
        """Face lost or frames missing: a closure ends uncounted (its length is unknown)."""
        self._closed.end()

    def _episode(self, t: float, closure: float) -> None:
        s = self._s
        closed = self._closed
        if closed.since is None:
            if closure >= s.perclos_closure - 1e-12:
                closed.begin(t)
        elif closure < s.reopen_closure:
            duration = t - closed.since
            # A closure already counted as a microsleep is not a blink too.
            if not closed.counted and duration >= s.blink_min_s - 1e-9:
                self.blinks += 1
                self._blink_log.append((t, duration))
                self._emit("blink", t, closed.since)
            closed.end()
        closed.check(t)

    def perclos(self, t: float, face_visible: bool) -> float | None:
        """Share of the window's visible frames that were closed; the window ends at ``t``."""
        if face_visible and self._window:
            return self._window_closed / len(self._window)
        # Face not seen now: the window still ends at this frame.
        in_window = [c for ts, c in self._window if ts > t - self._s.perclos_window_s + 1e-6]
        return sum(in_window) / len(in_window) if in_window else None

    def blink_durations(self) -> list[float]:
        """Durations of the blinks within the PERCLOS window."""
        return [d for _, d in self._blink_log]

    def closed_s(self, t: float) -> float:
        """How long the eyes have been shut at ``t`` (0 when open)."""
        since = self._closed.since
        return (t - since) if since is not None else 0.0
