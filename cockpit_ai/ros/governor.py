"""Load governor: how often a background model (vision, fatigue) may run right now.

On a 2-core car computer everything runs at once, and the time-critical path (audio → VAD
→ ASR → planner fast path → TTS, then the LLM) must get the CPU first. Process priorities
(``nice`` in the launch files) decide who runs when the CPU is short; the governor makes the
background models *ask for less* while it is short:

- a dialogue turn is in progress (``speech_active``: the driver is talking; ``turn_active``:
  the planner works on an answer) → ``throttled (dialogue)`` at once, and for
  ``dialogue_hold_s`` after the last flag fell (pauses between words and turns do not flap);
- the machine is busy: CPU pressure above ``cpu_pressure_high`` → ``throttled (busy
  machine)``, until it has stayed below ``release_ratio`` × that for ``busy_hold_s``;
- otherwise ``normal``.

While throttled the model runs at most ``governed_rate_hz``; :meth:`Governor.admit` is the
gate a node's image callback asks (a frame it refuses is a *throttled* frame, not a drop).

CPU pressure is Linux PSI (``/proc/pressure/cpu``, the ``some avg10`` line: the share of
the last 10 s in which at least one runnable task waited for a CPU, 0..100 %). Without PSI
it is estimated from the 1-minute load average: ``100 × clamp(load − cores, 0, 1)``, which
equals PSI's "some" for a load of ``cores`` to ``cores + 1`` runnable tasks. ``/proc`` is
read at most once per ``sample_period_s`` (1 s), however often :meth:`admit` is called.

Plain Python (no rclpy): the ROS side is :mod:`cockpit_ai.ros.governor_link`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cockpit_ai.errors import CockpitError

PSI_PATH = Path("/proc/pressure/cpu")
LOADAVG_PATH = Path("/proc/loadavg")

NORMAL = "normal"
BUSY = "throttled (busy machine)"
DIALOGUE = "throttled (dialogue)"
STATES = (NORMAL, BUSY, DIALOGUE)
#: Dialogue flags the governor listens to (topic names in the nodes).
FLAGS = ("speech_active", "turn_active")


class GovernorError(CockpitError, ValueError):
    """Settings that cannot work (a rate or threshold out of range)."""


@dataclass(frozen=True)
class Pressure:
    """One CPU pressure reading: percent (0..100) and where it came from."""

    percent: float
    source: str  # "psi" or "loadavg"

    def __str__(self) -> str:
        return f"{self.percent:.1f} % ({self.source})"


def parse_psi(text: str) -> float:
    """The ``some avg10`` value of a ``/proc/pressure/cpu`` text, in percent."""
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0] == "some":
            for field in fields[1:]:
                key, _, value = field.partition("=")
                if key == "avg10":
                    percent = float(value)
                    if not 0.0 <= percent <= 100.0:
                        raise ValueError(f"avg10={value} is not a percentage")
                    return percent
    raise ValueError("no 'some avg10=' in the pressure file")


def parse_loadavg(text: str) -> float:
    """The 1-minute load average of a ``/proc/loadavg`` text."""
    fields = text.split()
    if not fields:
        raise ValueError("empty loadavg")
    load = float(fields[0])
    if load < 0:
        raise ValueError(f"negative load average {load}")
    return load


def load_to_percent(load: float, cores: int) -> float:
    """Load average as a PSI-like percentage: time some task waits, if load ≈ cores..cores+1."""
    return 100.0 * min(1.0, max(0.0, load - cores))


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class PressureReader:
    """Reads CPU pressure: PSI when the kernel has it, else the load average per core."""

    def __init__(self, *, psi_path: Path = PSI_PATH, loadavg_path: Path = LOADAVG_PATH,
                 cores: int | None = None) -> None:
        self.psi_path = psi_path
        self.loadavg_path = loadavg_path
        self.cores = cores or _cores()
        self.reads = 0  # files opened, for the "at most once a second" check

    def read(self) -> Pressure | None:
        """The current pressure, or None when neither file can be read."""
        try:
            self.reads += 1
            return Pressure(parse_psi(self.psi_path.read_text()), "psi")
        except (OSError, ValueError):
            pass  # no PSI (old kernel, psi=0, container): fall back to the load average
        try:
            self.reads += 1
            load = parse_loadavg(self.loadavg_path.read_text())
        except (OSError, ValueError):
            return None
        return Pressure(load_to_percent(load, self.cores), "loadavg")


@dataclass(frozen=True)
class GovernorSettings:
    """What the governor throttles to and when (see the module docstring)."""

    enabled: bool = True
    governed_rate_hz: float = 0.5
    cpu_pressure_high: float = 50.0   # percent; 100 = never throttle for pressure
    release_ratio: float = 0.6        # busy ends below release_ratio × cpu_pressure_high ...
    busy_hold_s: float = 15.0         # ... held this long
    dialogue_hold_s: float = 2.0      # throttled this long after the last dialogue flag fell
    flag_timeout_s: float = 120.0     # a flag true this long is stuck (its publisher died)
    sample_period_s: float = 1.0      # /proc is read at most this often

    def __post_init__(self) -> None:
        if not self.governed_rate_hz > 0:
            raise GovernorError(f"governed_rate_hz must be > 0, got {self.governed_rate_hz}")
        if not 0.0 <= self.cpu_pressure_high <= 100.0:
            raise GovernorError(
                f"cpu_pressure_high must be 0..100 %, got {self.cpu_pressure_high}")
        if not 0.0 < self.release_ratio <= 1.0:
            raise GovernorError(f"release_ratio must be in (0, 1], got {self.release_ratio}")
        for name in ("busy_hold_s", "dialogue_hold_s", "flag_timeout_s", "sample_period_s"):
            if getattr(self, name) < 0:
                raise GovernorError(f"{name} must not be negative")

    @property
    def governed_period_s(self) -> float:
        """Minimum time between model runs while throttled."""
        return 1.0 / self.governed_rate_hz


class Governor:
    """Thread-safe: flags come from subscription callbacks, :meth:`admit` from image ones."""

    def __init__(self, settings: GovernorSettings | None = None, *,
                 reader: PressureReader | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings or GovernorSettings()
        self._reader = reader or PressureReader()
        self._clock = clock
        self._lock = threading.Lock()
        self._flags: dict[str, float] = {}      # flag name -> since when it is true
        self._dialogue_end: float | None = None  # when the last flag fell
        self._busy = False
        self._calm_since: float | None = None
        self._last_sample: float | None = None
        self._pressure: Pressure | None = None
        self._state = NORMAL
        self._last_admit: float | None = None
        self.transitions = 0

    # -- inputs ----------------------------------------------------------------------------

    def set_flag(self, name: str, active: bool, now: float | None = None) -> None:
        """A dialogue flag (``speech_active``, ``turn_active``) changed."""
        now = self._clock() if now is None else now
        with self._lock:
            if active:
                self._flags.setdefault(name, now)
            elif self._flags.pop(name, None) is not None and not self._active_flags(now):
                self._dialogue_end = now
            self._evaluate(now)

    def poll(self, now: float | None = None) -> str:
        """Sample the pressure if due and update the state; returns the state."""
        now = self._clock() if now is None else now
        with self._lock:
            self._evaluate(now)
            return self._state

    def admit(self, now: float | None = None) -> bool:
        """May the model run on a frame now? False: skip it (a throttled frame)."""
        now = self._clock() if now is None else now
        with self._lock:
            self._evaluate(now)
            if self._state != NORMAL and self._last_admit is not None \
                    and now - self._last_admit < self.settings.governed_period_s:
                return False
            self._last_admit = now
            return True

    # -- outputs ---------------------------------------------------------------------------

    @property
    def state(self) -> str:
        """``normal``, ``throttled (busy machine)`` or ``throttled (dialogue)``."""
        with self._lock:
            return self._state

    @property
    def throttled(self) -> bool:
        """True in either throttled state."""
        return self.state != NORMAL

    @property
    def pressure(self) -> Pressure | None:
        """The last pressure reading (None before the first or without /proc)."""
        with self._lock:
            return self._pressure

    def min_period_s(self) -> float:
        """Minimum time between model runs now: 0 (no limit) or 1 / governed_rate_hz."""
        return self.settings.governed_period_s if self.throttled else 0.0

    def rate_factor(self, normal_rate_hz: float) -> float:
        """Share of ``normal_rate_hz`` the model may use now (1.0 when normal)."""
        if not self.throttled or normal_rate_hz <= 0:
            return 1.0
        return min(1.0, self.settings.governed_rate_hz / normal_rate_hz)

    def label(self) -> str:
        """Short text for a status line: "" when normal, else "throttled: dialogue" etc."""
        state = self.state
        return "" if state == NORMAL else "throttled: " + state.split("(", 1)[1].rstrip(")")

    # -- the state machine (called with the lock held) -------------------------------------

    def _active_flags(self, now: float) -> list[str]:
        timeout = self.settings.flag_timeout_s
        return [n for n, since in self._flags.items() if now - since < timeout]

    def _sample(self, now: float) -> None:
        s = self.settings
        if self._last_sample is not None and now - self._last_sample < s.sample_period_s:
            return
        self._last_sample = now
        self._pressure = self._reader.read()
        if self._pressure is None:
            self._busy, self._calm_since = False, None
            return
        percent = self._pressure.percent
        if percent > s.cpu_pressure_high:
            self._busy, self._calm_since = True, None
        elif self._busy and percent < s.cpu_pressure_high * s.release_ratio:
            if self._calm_since is None:
                self._calm_since = now
            if now - self._calm_since >= s.busy_hold_s:
                self._busy, self._calm_since = False, None
        else:
            self._calm_since = None  # between the marks: stay as we are

    def _evaluate(self, now: float) -> None:
        s = self.settings
        if not s.enabled:
            state = NORMAL
        else:
            self._sample(now)
            held = (self._dialogue_end is not None
                    and now - self._dialogue_end < s.dialogue_hold_s)
            if self._active_flags(now) or held:
                state = DIALOGUE
            elif self._busy:
                state = BUSY
            else:
                state = NORMAL
        if state != self._state:
            self._state = state
            self.transitions += 1
