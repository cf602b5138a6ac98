"""The load governor's core without ROS: pressure files, hysteresis, dialogue flags, rate."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit_ai.ros.governor import (
    BUSY,
    DIALOGUE,
    NORMAL,
    Governor,
    GovernorError,
    GovernorSettings,
    Pressure,
    PressureReader,
    load_to_percent,
    parse_loadavg,
    parse_psi,
)

PSI = """some avg10=53.69 avg60=31.16 avg300=9.48 total=33831129
full avg10=0.00 avg60=0.00 avg300=0.00 total=0
"""


class FakeReader(PressureReader):
    """Pressure values set by the test; counts reads like the real one."""

    def __init__(self, percent: float | None = 0.0) -> None:
        super().__init__(cores=2)
        self.percent = percent

    def read(self) -> Pressure | None:
        self.reads += 1
        return None if self.percent is None else Pressure(self.percent, "psi")


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def governor(**kw: object) -> tuple[Governor, FakeReader, Clock]:
    reader, clock = FakeReader(), Clock()
    return Governor(GovernorSettings(**kw), reader=reader, clock=clock), reader, clock  # type: ignore[arg-type]


def test_parse_psi_and_loadavg() -> None:
    assert parse_psi(PSI) == pytest.approx(53.69)
    assert parse_psi("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n") == 0.0
    with pytest.raises(ValueError):
        parse_psi("full avg10=1.00 avg60=0 avg300=0 total=0\n")  # no "some" line
    with pytest.raises(ValueError):
        parse_psi("some avg10=abc\n")
    with pytest.raises(ValueError):
        parse_psi("some avg10=150.0\n")
    assert parse_loadavg("2.15 0.82 0.31 4/107 4326\n") == pytest.approx(2.15)
    with pytest.raises(ValueError):
        parse_loadavg("")
    # load average as PSI-like percent: cores..cores+1 runnable maps to 0..100 %
    assert load_to_percent(1.5, 2) == 0.0
    assert load_to_percent(2.5, 2) == pytest.approx(50.0)
    assert load_to_percent(7.0, 2) == 100.0


def test_reader_prefers_psi_and_falls_back_to_loadavg(tmp_path: Path) -> None:
    psi, load = tmp_path / "cpu", tmp_path / "loadavg"
    psi.write_text(PSI)
    load.write_text("2.75 1.0 0.5 3/100 42\n")
    reader = PressureReader(psi_path=psi, loadavg_path=load, cores=2)
    assert reader.read() == Pressure(pytest.approx(53.69), "psi")
    psi.unlink()  # kernel without PSI (or psi=0 on the command line)
    got = reader.read()
    assert got is not None and got.source == "loadavg" and got.percent == pytest.approx(75.0)
    psi.write_text("garbage\n")  # unreadable content: fall back as well
    assert reader.read() == Pressure(pytest.approx(75.0), "loadavg")
    load.unlink()
    assert reader.read() is None  # neither: no pressure, never an exception
    assert str(Pressure(12.345, "psi")) == "12.3 % (psi)"


def test_real_proc_reads_without_error() -> None:
    got = PressureReader().read()  # whatever this machine has
    assert got is None or (0.0 <= got.percent <= 100.0 and got.source in ("psi", "loadavg"))


def test_busy_machine_hysteresis_does_not_flap() -> None:
    g, reader, clock = governor(cpu_pressure_high=60.0, release_ratio=0.5, busy_hold_s=10.0)
    assert g.poll() == NORMAL
    reader.percent = 59.9
    clock.t += 1
    assert g.poll() == NORMAL  # not above the mark
    reader.percent = 75.0
    clock.t += 1
    assert g.poll() == BUSY and g.label() == "throttled: busy machine"
    # Between the marks (30..60 %) it stays busy, however long.
    reader.percent = 45.0
    for _ in range(30):
        clock.t += 1
        assert g.poll() == BUSY
    # Below the low mark, but not for busy_hold_s: still busy; a spike restarts the hold.
    reader.percent = 20.0
    for _ in range(5):
        clock.t += 1
        assert g.poll() == BUSY
    reader.percent = 70.0
    clock.t += 1
    assert g.poll() == BUSY
    reader.percent = 20.0
    for _ in range(9):
        clock.t += 1
        assert g.poll() == BUSY
    clock.t += 2
    assert g.poll() == NORMAL  # 10 s calm
    assert g.transitions == 2  # normal -> busy -> normal, nothing in between


def test_dialogue_flags_override_and_hold() -> None:
    g, reader, clock = governor(dialogue_hold_s=2.0)
    reader.percent = 90.0
    clock.t += 1
    assert g.poll() == BUSY
    g.set_flag("turn_active", True)
    assert g.state == DIALOGUE and g.label() == "throttled: dialogue"  # at once, over busy
    g.set_flag("speech_active", True)
    clock.t += 5
    g.set_flag("speech_active", False)
    assert g.poll() == DIALOGUE  # turn_active still true
    g.set_flag("turn_active", False)
    clock.t += 1.0
    assert g.poll() == DIALOGUE  # held: a pause between turns does not flap
    g.set_flag("speech_active", True)  # the driver speaks again within the hold
    clock.t += 1.5
    g.set_flag("speech_active", False)
    clock.t += 1.9
    assert g.poll() == DIALOGUE
    clock.t += 0.2
    assert g.poll() == BUSY  # hold over, the machine is still busy
    reader.percent = 0.0
    clock.t += 16
    g.poll()
    clock.t += 16
    assert g.poll() == NORMAL


def test_stuck_flag_releases_after_timeout() -> None:
    g, _, clock = governor(flag_timeout_s=120.0)
    g.set_flag("turn_active", True)
    clock.t += 119
    assert g.poll() == DIALOGUE
    clock.t += 2  # the planner died with its latched flag true
    assert g.poll() == NORMAL


def test_rate_it_yields_and_the_gate() -> None:
    g, _, clock = governor(governed_rate_hz=0.5)
    assert g.min_period_s() == 0.0 and g.rate_factor(10.0) == 1.0 and g.label() == ""
    # Normal: every frame passes (the node's own max_rate_hz applies elsewhere).
    assert all(g.admit() for _ in range(10))
    g.set_flag("speech_active", True)
    assert g.min_period_s() == pytest.approx(2.0)
    assert g.rate_factor(10.0) == pytest.approx(0.05)
    assert g.rate_factor(0.2) == 1.0  # never faster than the node's own rate
    # A 10 Hz camera for 10 s while throttled: one frame every 2 s passes.
    admitted = []
    for _ in range(100):
        clock.t += 0.1
        if g.admit():
            admitted.append(clock.t)
    assert len(admitted) == 5
    assert all(b - a >= 2.0 - 1e-9 for a, b in zip(admitted, admitted[1:], strict=False))
    g.set_flag("speech_active", False)
    clock.t += 2.5  # past the hold
    assert all(g.admit() for _ in range(5))  # back to every frame


def test_proc_read_at_most_once_a_second() -> None:
    g, reader, clock = governor(sample_period_s=1.0)
    for _ in range(1000):  # a 1 kHz caller for 10 s
        clock.t += 0.01
        g.admit()
        g.poll()
    assert 9 <= reader.reads <= 11


def test_disabled_and_missing_pressure() -> None:
    g, reader, clock = governor(enabled=False)
    reader.percent = 100.0
    g.set_flag("turn_active", True)
    clock.t += 1
    assert g.poll() == NORMAL and all(g.admit() for _ in range(10))
    assert reader.reads == 0  # off: /proc is not even read
    g, reader, clock = governor()
    reader.percent = None  # no PSI, no loadavg
    clock.t += 1
    assert g.poll() == NORMAL and g.pressure is None


def test_never_busy_at_100_and_bad_settings() -> None:
    g, reader, clock = governor(cpu_pressure_high=100.0)
    reader.percent = 100.0
    clock.t += 1
    assert g.poll() == NORMAL  # 100 = never throttle for pressure
    for bad in ({"governed_rate_hz": 0.0}, {"cpu_pressure_high": 101.0},
                {"release_ratio": 0.0}, {"busy_hold_s": -1.0}):
        with pytest.raises(GovernorError):
            GovernorSettings(**bad)  # type: ignore[arg-type]
