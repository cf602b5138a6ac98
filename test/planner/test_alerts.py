"""Fatigue alerts escalate: each rise gets a stronger response, SEVERE repeats until the level
falls or the car stops (planner/alerts.py, no ROS)."""

from __future__ import annotations

from cockpit_ai.enums import FatigueLevel as L
from cockpit_ai.planner.alerts import AlertSettings, FatigueAlerts

MOVING = 8.0


def kinds(alerts: FatigueAlerts, levels: list[tuple[float, int]],
          speed: float | None = MOVING) -> list[tuple[float, str, int]]:
    out = []
    for t, level in levels:
        a = alerts.update(level, now_s=t, speed_mps=speed)
        if a is not None:
            out.append((t, a.kind, a.repeat))
    return out


def test_mild_moderate_severe_within_the_cooldown_give_three_responses() -> None:
    a = FatigueAlerts(AlertSettings(cooldown_s=600.0))
    got = kinds(a, [(0, L.ALERT), (10, L.MILD), (40, L.MODERATE), (70, L.SEVERE)])
    assert got == [(10, "remark", 0), (40, "break", 0), (70, "warning", 0)]


def test_severe_right_after_a_break_offer_is_never_silent() -> None:
    a = FatigueAlerts()
    assert kinds(a, [(0, L.MODERATE), (1, L.SEVERE)]) == [(0, "break", 0), (1, "warning", 0)]


def test_severe_repeats_until_the_level_falls() -> None:
    a = FatigueAlerts(AlertSettings(severe_repeat_s=30.0))
    states = [(float(t), L.SEVERE) for t in range(0, 100, 5)] + [(100.0, L.MODERATE),
                                                                  (140.0, L.MODERATE)]
    got = kinds(a, states)
    assert got == [(0, "warning", 0), (30, "warning", 1), (60, "warning", 2),
                   (90, "warning", 3)]
    # it rises again: a new episode starts with the first warning at once
    assert kinds(a, [(150.0, L.SEVERE)]) == [(150.0, "warning", 0)]


def test_severe_repeats_stop_while_the_car_stands_and_resume_when_it_moves() -> None:
    a = FatigueAlerts(AlertSettings(severe_repeat_s=30.0))
    assert kinds(a, [(0, L.SEVERE)]) == [(0, "warning", 0)]
    assert kinds(a, [(t, L.SEVERE) for t in (30.0, 60.0, 90.0)], speed=0.0) == []
    assert kinds(a, [(95.0, L.SEVERE)], speed=5.0) == [(95.0, "warning", 1)]
    # unknown speed counts as moving: the warning keeps coming
    assert kinds(a, [(125.0, L.SEVERE)], speed=None) == [(125.0, "warning", 2)]


def test_a_wavering_level_does_not_nag_within_the_cooldown() -> None:
    a = FatigueAlerts(AlertSettings(cooldown_s=600.0))
    got = kinds(a, [(0, L.MODERATE), (30, L.MILD), (60, L.MODERATE), (90, L.MILD),
                    (700, L.MODERATE)])
    # the first offer; MILD after MODERATE is no rise; MODERATE again within 600 s is
    # already answered; after the cooldown it is offered again
    assert got == [(0, "break", 0), (700, "break", 0)]


def test_unknown_is_neither_a_rise_nor_a_fall() -> None:
    a = FatigueAlerts(AlertSettings(severe_repeat_s=30.0))
    got = kinds(a, [(0, L.SEVERE), (10, L.UNKNOWN), (20, L.SEVERE), (31, L.SEVERE)])
    assert got == [(0, "warning", 0), (31, "warning", 1)]


def test_break_level_is_a_setting_and_a_replay_starts_over() -> None:
    a = FatigueAlerts(AlertSettings(break_level=int(L.MILD)))
    assert kinds(a, [(100, L.MILD)]) == [(100, "break", 0)]
    # stamps going back (a bag played again): the same alerts again
    assert kinds(a, [(0, L.ALERT), (100, L.MILD)]) == [(100, "break", 0)]
