"""Fusion: levels, hysteresis, events, unknown states and voice cues on generated drives."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from cockpit_ai.fatigue import (
    LEVEL_ALERT,
    LEVEL_MILD,
    LEVEL_MODERATE,
    LEVEL_SEVERE,
    LEVEL_UNKNOWN,
    FatigueEstimator,
    FrameMeasures,
    FusionSettings,
    VoiceSample,
    replay,
)

from .sim import DriverSim

MSG = Path(__file__).resolve().parents[2] / "msg" / "FatigueState.msg"


def alert_drive(minutes: float, seed: int = 3) -> DriverSim:
    """An alert driver: normal blinking, talking, one yawn, mirror checks."""
    sim = DriverSim(minutes * 60.0, fps=15.0, seed=seed)
    sim.normal_blinks(0, minutes * 60.0, per_min=17)
    sim.speak(70.0, 45.0, peak=0.5)
    sim.yawn(150.0, 5.0)
    for t in range(90, int(minutes * 60) - 5, 23):
        sim.look_away(float(t), 1.0, yaw_deg=50.0)
    return sim


def test_message_level_constants() -> None:
    text = MSG.read_text(encoding="utf-8")
    for name, value in (("UNKNOWN", LEVEL_UNKNOWN), ("ALERT", LEVEL_ALERT),
                        ("MILD", LEVEL_MILD), ("MODERATE", LEVEL_MODERATE),
                        ("SEVERE", LEVEL_SEVERE)):
        assert f"uint8 LEVEL_{name} = {value}" in text


def test_an_alert_driver_stays_alert() -> None:
    sim = alert_drive(5.0)
    summary = replay(sim.frames())
    assert summary.blinks > 60
    assert summary.yawns == 1
    assert summary.microsleeps == 0 and summary.nods == 0
    assert summary.perclos is not None and summary.perclos < 0.08
    assert summary.level == "alert"
    assert summary.max_level == "alert"
    assert summary.events == [{"t": pytest.approx(60.0), "kind": "rise", "level": "alert",
                               "previous_level": "unknown", "cues": []}]


def test_unknown_until_calibrated_and_never_alert_without_a_face() -> None:
    est = FatigueEstimator()
    levels = []
    for frame in DriverSim(70.0, fps=10.0).frames():
        levels.append((frame.t, est.update(frame)))
    assert all(s.level == LEVEL_UNKNOWN and s.cues == ("calibrating",)
               for t, s in levels if t < 59.95)
    assert levels[-1][1].level == LEVEL_ALERT
    # No face at all: unknown, and the reason is said.
    est = FatigueEstimator()
    snap = None
    for i in range(100):
        snap = est.update(FrameMeasures(t=i / 10.0))
    assert snap is not None and snap.level == LEVEL_UNKNOWN and snap.cues == ("no_face",)
    assert not snap.face_visible and math.isnan(snap.ear_left)


def test_face_lost_reports_unknown_and_comes_back_to_the_same_level() -> None:
    sim = DriverSim(100.0, fps=10.0)
    sim.hide_face(80.0, 5.0)
    est = FatigueEstimator()
    by_t = {round(f.t, 1): est.update(f) for f in sim.frames()}
    assert by_t[80.5].level == LEVEL_ALERT            # a short loss keeps the level
    assert by_t[80.8].level == LEVEL_ALERT
    assert by_t[81.0].level == LEVEL_UNKNOWN
    assert est.events[1].level == LEVEL_UNKNOWN
    assert est.events[1].t == pytest.approx(80.9)     # one second after the last face
    assert by_t[80.9].level_changed
    assert by_t[84.9].cues == ("no_face",)
    assert by_t[85.0].level == LEVEL_ALERT and by_t[85.0].previous_level == LEVEL_UNKNOWN
    assert [(e.previous_level, e.level) for e in est.events] == [
        (LEVEL_UNKNOWN, LEVEL_ALERT), (LEVEL_ALERT, LEVEL_UNKNOWN), (LEVEL_UNKNOWN, LEVEL_ALERT)]


def drowsy_drive() -> DriverSim:
    """Alert first minute, then longer blinks, yawns, a microsleep and a nod; then a break."""
    sim = DriverSim(720.0, fps=15.0, seed=5)
    sim.normal_blinks(0, 60)
    t = 61.0
    while t < 120.0:                              # slightly heavy lids: PERCLOS ~ 0.05
        sim.close_eyes(t, 0.2)
        t += 4.0
    while t < 240.0:                              # long blinks: PERCLOS ~ 0.10 -> mild
        sim.close_eyes(t, 0.45)
        t += 4.5
    sim.yawn(200.0, 5.0)
    sim.yawn(225.0, 5.0)
    while t < 330.0:                              # PERCLOS ~ 0.18 + yawns -> moderate
        sim.close_eyes(t, 0.6)
        t += 3.3
    sim.close_eyes(340.0, 1.8)                   # microsleep -> severe
    sim.nod(343.0, 0.8)
    t = 345.0
    while t < 720.0:                              # wide awake again (after a break)
        sim.close_eyes(t, 0.15)
        t += 4.0
    return sim


def test_levels_escalate_with_the_cues_that_raised_them_and_fall_with_hysteresis() -> None:
    est = FatigueEstimator()
    snaps = [est.update(f) for f in drowsy_drive().frames()]
    rises = [e for e in est.events if e.rise]
    assert [e.level for e in rises] == [LEVEL_ALERT, LEVEL_MILD, LEVEL_MODERATE, LEVEL_SEVERE]
    assert 120.0 < rises[1].t < 240.0 and "perclos" in rises[1].cues
    assert rises[3].t == pytest.approx(341.0)    # the moment the closure reached 1 s
    assert rises[3].cues[0] == "microsleep"
    changed = [s for s in snaps if s.level_changed]
    assert [s.t for s in changed] == [e.t for e in est.events]
    # Recovery: the level falls (after the hold) and ends alert; no rise after the microsleep.
    falls = [e for e in est.events if not e.rise]
    assert falls and all(e.t > 341.0 for e in falls)
    assert snaps[-1].level == LEVEL_ALERT
    assert est.max_level == LEVEL_SEVERE
    assert snaps[-1].microsleeps == 1 and snaps[-1].nods == 1 and snaps[-1].yawns == 2


def hovering_drive() -> DriverSim:
    """PERCLOS swinging slowly around the moderate threshold (0.15) for eight minutes."""
    sim = DriverSim(540.0, fps=15.0, seed=9)
    sim.normal_blinks(0, 60)
    t = 61.0
    while t < 540.0:
        heavy = int((t - 61.0) // 60.0) % 2 == 0    # a minute at ~0.17, a minute at ~0.13
        sim.close_eyes(t, 0.6 if heavy else 0.45)
        t += 3.5
    return sim


def test_hysteresis_keeps_the_level_from_flickering() -> None:
    frames = hovering_drive().frames()
    steady = FatigueEstimator()
    for f in frames:
        steady.update(f)
    twitchy = FatigueEstimator(fusion_settings=FusionSettings(hysteresis=0.0, fall_hold_s=0.0))
    for f in frames:
        twitchy.update(f)
    assert len(twitchy.events) > 6                # without hysteresis it flickers
    assert len(steady.events) <= 3                # unknown->alert->mild->moderate at most
    assert all(e.rise for e in steady.events)


def test_voice_cues_against_the_drivers_own_baseline() -> None:
    sim = DriverSim(200.0, fps=10.0)
    normal = [VoiceSample(t=5.0 + 10 * i, speech_rate_wps=2.6 + 0.1 * (i % 2), pause_ratio=0.2,
                          pitch_mean_hz=120.0, pitch_std_hz=28.0, loudness_dbfs=-20.0,
                          duration_s=3.0) for i in range(8)]
    tired = [VoiceSample(t=120.0 + 10 * i, speech_rate_wps=1.6, pause_ratio=0.5,
                         pitch_mean_hz=110.0, pitch_std_hz=12.0, loudness_dbfs=-24.0,
                         duration_s=4.0) for i in range(6)]
    summary_normal = replay(sim.frames(), voice=normal)
    assert summary_normal.level == "alert"
    est = FatigueEstimator()
    voice = sorted(normal + tired, key=lambda v: v.t)
    vi = 0
    snap = None
    for frame in sim.frames():
        while vi < len(voice) and voice[vi].t <= frame.t:
            est.add_voice(voice[vi])
            vi += 1
        snap = est.update(frame)
        if frame.t < 119.0:
            assert snap.voice_score == 0.0
    assert snap is not None
    assert snap.voice_score > 0.7
    assert snap.level == LEVEL_MILD                 # voice alone reaches mild, no further
    assert snap.cues[0] == "voice"
    assert {"slow_speech", "long_pauses", "flat_voice"} <= set(snap.cues)


def test_replay_is_deterministic() -> None:
    frames = drowsy_drive().frames()
    assert replay(frames).to_dict() == replay(frames).to_dict()


def test_snapshot_fields_match_the_message() -> None:
    text = MSG.read_text(encoding="utf-8")
    fields = []
    for line in text.splitlines():
        line = line.split("#")[0].strip()
        if line and "=" not in line and not line.startswith("std_msgs/"):
            fields.append(line.split()[1])
    est = FatigueEstimator()
    snap = est.update(FrameMeasures(t=0.0, ear_left=0.3, ear_right=0.3, mar=0.1))
    data = snap.to_dict()
    assert [f for f in fields if f not in data] == []
