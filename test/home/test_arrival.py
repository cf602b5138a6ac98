"""The before-arrival gate: released when the ETA drops below the lead time, once a trip."""

from __future__ import annotations

import math

import pytest

from cockpit_ai.home import HomeValueError
from cockpit_ai.home.arrival import ArrivalGate, distance_m, straight_line_eta

HOME = (60.1699, 24.9384)


def north_of_home(km: float) -> tuple[float, float]:
    return (HOME[0] + km / 111.195, HOME[1])


def test_straight_line_eta() -> None:
    assert distance_m(north_of_home(1.0), HOME) == pytest.approx(1000.0, rel=1e-3)
    eta = straight_line_eta(36.0)  # 10 m/s
    assert eta(north_of_home(6.0), HOME) == pytest.approx(600.0, rel=1e-3)
    with pytest.raises(HomeValueError):
        straight_line_eta(0.0)


def test_released_once_when_the_eta_drops_below_the_lead_time() -> None:
    gate = ArrivalGate(HOME, straight_line_eta(36.0))
    assert gate.add("heating/on/", 600.0, "H")
    assert not gate.add("heating/on/", 600.0, "H again")  # already waiting
    t = 0.0
    for km in (12.0, 9.0, 6.5):
        t += 60
        assert gate.update(*north_of_home(km), t) == []
    # bad fixes never release anything
    for bad in ((math.nan, 24.9), (60.17, math.inf), (0.0, 0.0), (95.0, 24.9)):
        assert gate.update(*bad, t) == []
    assert gate.counts["ignored_fixes"] == 4
    out = gate.update(*north_of_home(5.9), t + 60)
    assert [r.item for r in out] == ["H"] and out[0].eta_s == pytest.approx(590, rel=1e-2)
    assert gate.update(*north_of_home(3.0), t + 120) == []
    # the same request again this trip: not held again
    assert not gate.add("heating/on/", 600.0, "H")
    # home, then off again: a new trip, the request may wait again
    gate.update(*HOME, t + 300)
    gate.update(*north_of_home(2.0), t + 400)
    assert gate.trip == 1 and gate.add("heating/on/", 600.0, "H2")


def test_a_parked_gap_starts_a_new_trip() -> None:
    gate = ArrivalGate(HOME, straight_line_eta(36.0), trip_gap_s=1800.0)
    gate.add("lights/on/", 600.0, "L")
    assert gate.update(*north_of_home(1.0), 0.0)[0].item == "L"
    assert not gate.add("lights/on/", 600.0, "L")
    gate.update(*north_of_home(20.0), 4000.0)  # the next morning, far away
    assert gate.add("lights/on/", 600.0, "L2")


def test_no_home_place_and_failing_eta() -> None:
    with pytest.raises(HomeValueError, match="home place"):
        ArrivalGate(None, straight_line_eta(30.0)).add("k", 600.0, "x")

    def broken(here: tuple[float, float], home: tuple[float, float]) -> float:
        raise RuntimeError("graph not loaded")

    gate = ArrivalGate(HOME, broken)
    gate.add("k", 600.0, "x")
    assert gate.update(*north_of_home(1.0), 0.0) == [] and gate.counts["eta_errors"] == 1
