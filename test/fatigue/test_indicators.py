"""Indicators on generated EAR/MAR/pose sequences: exact counts, durations and PERCLOS."""

from __future__ import annotations

import pytest

from cockpit_ai.fatigue import (
    FatigueError,
    FrameMeasures,
    IndicatorSettings,
    IndicatorTracker,
    read_measures_csv,
    write_measures_csv,
)

from .sim import DriverSim


def run(frames: list[FrameMeasures], settings: IndicatorSettings | None = None):
    tracker = IndicatorTracker(settings)
    events = []
    ind = None
    for frame in frames:
        ind = tracker.update(frame)
        events.extend(ind.new_events)
    assert ind is not None
    return tracker, ind, events


def test_calibration_learns_the_open_eye_in_the_first_minute() -> None:
    sim = DriverSim(90.0)
    sim.normal_blinks(0, 90)
    tracker = IndicatorTracker()
    for frame in sim.frames():
        ind = tracker.update(frame)
        assert ind.calibrated == (frame.t >= 60.0 - 1e-9)
    assert tracker.ear_open == pytest.approx(0.28, abs=0.01)
    assert tracker.pitch_base == pytest.approx(-6.0, abs=0.5)
    assert tracker.yaw_base == pytest.approx(4.0, abs=0.5)


def test_blinks_counted_with_exact_durations_including_the_calibration_minute() -> None:
    sim = DriverSim(90.0, fps=15.0)
    plan = [(5.0, 3), (20.0, 5), (40.0, 2), (61.0, 4), (75.0, 6)]   # (t, frames shut)
    for t, n in plan:
        sim.close_eyes(t, n / 15.0)
    _, ind, events = run(sim.frames())
    blinks = [e for e in events if e.kind == "blink"]
    assert ind.blinks == len(plan) == len(blinks)
    assert [round(e.t_start * 15) for e in blinks] == [round(t * 15) for t, _ in plan]
    assert [e.duration_s for e in blinks] == pytest.approx([n / 15.0 for _, n in plan])
    # The last minute (t > 29.93) holds the blinks at 40, 61 and 75 s.
    assert ind.recent_blinks == 3
    assert ind.mean_blink_duration_s == pytest.approx((2 + 4 + 6) / 3 / 15.0)
    assert ind.blink_rate_per_min == pytest.approx(3.0)
    assert ind.microsleeps == 0


def test_noise_lid_twitches_and_one_frame_glitches_are_not_blinks() -> None:
    sim = DriverSim(120.0, fps=30.0, ear_noise=0.01)
    for k in range(40):                          # lid half lowered for one frame
        sim.lid_twitch(3.0 + 2.9 * k, ear=0.19)
    for k in range(10):                          # a 33 ms full "closure": tracking glitch
        sim.close_eyes(4.5 + 11.0 * k, 1 / 30.0)
    sim.close_eyes(100.0, 0.2)                   # one real blink
    _, ind, events = run(sim.frames())
    assert ind.blinks == 1
    assert [e.kind for e in events] == ["blink"]


def test_perclos_is_the_exact_share_of_shut_frames_in_the_last_60_s() -> None:
    sim = DriverSim(120.0, fps=10.0)
    shut = 0
    for k in range(18):                          # 18 closures of 0.5 s in the second minute
        shut += sim.close_eyes(61.0 + 3.2 * k, 0.5)
    sim.close_eyes(30.0, 0.5)                    # in the first minute: outside the window
    assert shut == 90
    _, ind, _ = run(sim.frames())
    assert ind.t == pytest.approx(119.9)
    assert ind.perclos == pytest.approx(90 / 600)
    assert ind.blinks == 19


def test_microsleep_is_a_closure_of_at_least_one_second() -> None:
    sim = DriverSim(100.0, fps=15.0)
    sim.close_eyes(70.0, 1.6)                    # microsleep
    sim.close_eyes(80.0, 0.8)                    # long blink, not a microsleep
    _, ind, events = run(sim.frames())
    assert ind.microsleeps == 1
    assert ind.blinks == 1
    micro = [e for e in events if e.kind == "microsleep"]
    assert len(micro) == 1
    assert micro[0].t_start == pytest.approx(70.0)
    assert micro[0].t == pytest.approx(71.0)     # recognised as soon as it lasts 1 s
    assert [e.duration_s for e in events if e.kind == "blink"] == pytest.approx([12 / 15])


def test_yawns_counted_but_speech_is_not_a_yawn() -> None:
    sim = DriverSim(180.0, fps=15.0)
    sim.speak(62.0, 40.0, peak=0.55)             # a long conversation
    sim.speak(105.0, 20.0, peak=0.75)            # loud, wide-mouthed speech
    sim.yawn(130.0, 5.0)
    sim.yawn(150.0, 3.0)
    sim.yawn(170.0, 1.0, mar=0.9)                # too short for a yawn (a gasp)
    _, ind, events = run(sim.frames())
    assert ind.yawns == 2
    yawns = [e for e in events if e.kind == "yawn"]
    assert [round(e.t_start) for e in yawns] == [130, 150]


def test_nods_and_long_glances_away() -> None:
    sim = DriverSim(200.0, fps=15.0)
    for t in (70.0, 80.0, 90.0):
        sim.nod(t, 0.8)                          # head drops and jerks back
    sim.nod(100.0, 6.0)                          # looking down at a phone: no nod
    for t in (120.0, 130.0, 140.0):
        sim.look_away(t, 1.2)                    # mirror checks
    sim.look_away(160.0, 4.0)                    # a long glance away
    tracker = IndicatorTracker()
    off_road = []
    events = []
    for frame in sim.frames():
        ind = tracker.update(frame)
        events.extend(ind.new_events)
        off_road.append((frame.t, ind.eyes_off_road_s))
    assert ind.nods == 3
    assert [round(e.t_start) for e in events if e.kind == "nod"] == [70, 80, 90]
    distractions = [e for e in events if e.kind == "distraction"]
    assert [(round(e.t_start), round(e.t)) for e in distractions] == [(100, 103), (160, 163)]
    assert max(v for t, v in off_road if 150 < t < 170) == pytest.approx(4.0 - 1 / 15)
    assert max(v for t, v in off_road if 115 < t < 150) < 1.3


def test_a_driver_with_narrow_eyes_is_calibrated_to_their_own_open_eye() -> None:
    plan = [(70.0, 3), (80.0, 20), (90.0, 4)]

    def drive(open_ear: float, closed_ear: float) -> tuple:
        sim = DriverSim(120.0, fps=15.0, open_ear=open_ear, closed_ear=closed_ear,
                        ear_noise=0.004)
        sim.normal_blinks(0, 60)
        for t, n in plan:
            sim.close_eyes(t, n / 15.0)
        frames = sim.frames()
        tracker, ind, _ = run(frames)
        return frames, tracker, ind

    _, _, wide = drive(0.28, 0.08)
    frames, narrow_tracker, narrow = drive(0.17, 0.05)
    # A fixed EAR threshold (0.2, common for open eyes) would call this driver asleep.
    assert all(f.ear is not None and f.ear < 0.2 for f in frames)
    assert narrow_tracker.ear_open == pytest.approx(0.17, abs=0.008)
    assert (narrow.blinks, narrow.microsleeps) == (wide.blinks, wide.microsleeps)
    assert narrow.microsleeps == 1
    assert narrow.perclos == pytest.approx(wide.perclos)
    assert narrow.perclos < 0.08


def test_face_lost_ends_episodes_and_is_not_counted_in_perclos() -> None:
    sim = DriverSim(130.0, fps=10.0)
    sim.close_eyes(80.0, 3.0)
    sim.hide_face(81.0, 10.0)                    # closure interrupted by losing the face
    _, ind, events = run(sim.frames())
    assert ind.microsleeps == 0                  # only 1 s seen before the face was lost
    assert ind.blinks == 0
    assert ind.perclos == pytest.approx(10 / 500)   # 10 shut of 500 visible frames
    assert not [e for e in events if e.kind in ("blink", "microsleep")]


def test_frames_out_of_time_order_are_refused() -> None:
    tracker = IndicatorTracker()
    tracker.update(FrameMeasures(t=2.0, ear_left=0.3, ear_right=0.3))
    with pytest.raises(FatigueError, match="time order"):
        tracker.update(FrameMeasures(t=1.0, ear_left=0.3, ear_right=0.3))
    with pytest.raises(FatigueError, match="ear_left"):
        FrameMeasures(t=3.0, ear_left=float("nan"))
    with pytest.raises(FatigueError, match="closed_ear_ratio"):
        IndicatorSettings(closed_ear_ratio=1.5)


def test_measures_csv_round_trip_and_errors(tmp_path) -> None:
    sim = DriverSim(3.0, fps=10.0)
    sim.hide_face(1.0, 0.5)
    frames = sim.frames()
    path = tmp_path / "m.csv"
    assert write_measures_csv(path, frames) == 30
    back = read_measures_csv(path)
    assert len(back) == 30
    assert [f.face_visible for f in back] == [f.face_visible for f in frames]
    assert back[3].ear_left == pytest.approx(frames[3].ear_left, rel=1e-5)
    assert back[12].ear_left is None and back[12].pitch_deg is None
    (tmp_path / "bad.csv").write_text("t,ear_left\n0,0.3\n")
    with pytest.raises(FatigueError, match="missing column"):
        read_measures_csv(tmp_path / "bad.csv")
    (tmp_path / "bad2.csv").write_text("t,ear_left,ear_right,mar,pitch_deg,yaw_deg\n"
                                       "0,0.3,abc,0.1,0,0\n")
    with pytest.raises(FatigueError, match=r"bad2\.csv:2: ear_right"):
        read_measures_csv(tmp_path / "bad2.csv")
    with pytest.raises(FatigueError, match="cannot read"):
        read_measures_csv(tmp_path / "absent.csv")


def test_calibration_waits_for_enough_face_and_believable_open_eyes() -> None:
    # The face is hidden most of the first two minutes, then seen: calibration comes from
    # the first full window with enough visible frames, and memory stays bounded.
    sim = DriverSim(200.0, fps=10.0)
    sim.hide_face(1.0, 119.0)
    sim.close_eyes(0.0, 1.0)                      # the only visible second: eyes shut
    tracker = IndicatorTracker()
    calibrated_at = None
    for frame in sim.frames():
        ind = tracker.update(frame)
        assert len(tracker._calib) <= 601
        if ind.calibrated and calibrated_at is None:
            calibrated_at = frame.t
    assert calibrated_at == pytest.approx(180.0)
    assert tracker.ear_open == pytest.approx(0.28, abs=0.01)
