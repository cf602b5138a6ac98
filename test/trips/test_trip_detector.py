"""Trips from fixes and speeds by their stamps: start, parking, a second trip; bad input
counted and skipped, never raised."""

from __future__ import annotations

import math

import pytest

from cockpit_ai.trips.detector import REANCHOR_FIXES, DetectorSettings, TripDetector, distance_m

S = 1_000_000_000
T0 = 1_780_000_000 * S
HOME = (60.1700, 24.9430)


def east(p: tuple[float, float], metres: float) -> tuple[float, float]:
    return (p[0], p[1] + metres / (111_320 * math.cos(math.radians(p[0]))))


def drive(det: TripDetector, t0: float, start: tuple[float, float], *, seconds: int,
          speed: float, park_s: int) -> tuple[list, tuple[float, float], float]:
    """1 Hz fixes and 10 Hz speeds: drive east at ``speed`` then stand ``park_s``."""
    events: list = []
    here, t = start, t0
    for _ in range(seconds):
        for k in range(10):
            events += det.on_speed(int((t + k / 10) * S) + T0, speed)
        here = east(here, speed)
        t += 1.0
        events += det.on_fix(int(t * S) + T0, *here)
    for _ in range(park_s):
        for k in range(10):
            events += det.on_speed(int((t + k / 10) * S) + T0, 0.0)
        t += 1.0
        events += det.on_fix(int(t * S) + T0, *here)
    return events, here, t


def test_start_parking_and_a_second_trip() -> None:
    ways = iter(range(10**6))
    det = TripDetector(DetectorSettings(park_timeout_s=60.0),
                       way_of=lambda lat, lon: (next(ways) // 20, f"street {lon:.2f}"))
    events = det.on_fix(T0, *HOME)
    e1, here, t = drive(det, 0.0, HOME, seconds=60, speed=10.0, park_s=90)
    assert [e.kind for e in e1] == ["started", "ended"]
    trip = e1[1].trip
    assert trip.start == HOME and abs(trip.start_ns - T0) < 3 * S
    assert abs(trip.distance_m - distance_m(HOME, here)) < 1 and distance_m(trip.end, here) < 1
    assert 550 < trip.distance_m < 650
    assert 55 <= trip.duration_s <= 62  # the trip ended when the car stopped, not later
    assert trip.ways and len(trip.ways) == len(set(trip.ways))  # consecutive repeats merged
    e2, _, _ = drive(det, t, here, seconds=30, speed=8.0, park_s=70)
    assert [e.kind for e in e2] == ["started", "ended"]
    assert e2[1].trip.start == trip.end and e2[1].trip.key != trip.key
    assert det.counts["trips"] == 2 and not events


def test_replayed_stamps_give_the_same_trip_key() -> None:
    keys = []
    for _ in range(2):
        det = TripDetector(DetectorSettings(park_timeout_s=30.0))
        det.on_fix(T0, *HOME)
        events, _, _ = drive(det, 0.0, HOME, seconds=40, speed=10.0, park_s=40)
        keys.append(events[-1].trip.key)
    assert keys[0] == keys[1]


def test_bad_input_is_counted_and_skipped() -> None:
    det = TripDetector(DetectorSettings(park_timeout_s=30.0))
    det.on_fix(T0, *HOME)
    for bad in ((math.nan, 24.9), (60.1, math.inf), (91.0, 0.0), (0.0, 0.0)):
        assert det.on_fix(T0 + S, *bad) == []
    assert det.on_speed(T0 + S, math.nan) == []
    assert det.on_fix(T0 - S, *HOME) == []  # a stamp going backwards
    assert det.on_fix(T0 + 2 * S, 61.0, 25.0) == []  # 100 km in a second: a GNSS jump
    assert det.counts["bad_fixes"] == 4 and det.counts["bad_speeds"] == 1
    assert det.counts["backwards"] == 1 and det.counts["jumps"] == 1
    events, _, _ = drive(det, 3.0, HOME, seconds=40, speed=10.0, park_s=40)
    assert [e.kind for e in events] == ["started", "ended"]  # still works afterwards


def test_a_wrong_first_fix_is_outvoted_by_the_fixes_after_it() -> None:
    det = TripDetector(DetectorSettings(park_timeout_s=30.0))
    det.on_fix(T0, 60.5, 25.5)  # a cold start's wrong fix, ~45 km away
    for i in range(1, REANCHOR_FIXES + 1):  # the car really stands at HOME
        assert det.on_fix(T0 + i * S, *HOME) == []  # parked: no phantom trip either
    assert det.counts["jumps"] == REANCHOR_FIXES and det.counts["reanchors"] == 1
    events, _, _ = drive(det, float(REANCHOR_FIXES + 1), HOME, seconds=40, speed=10.0,
                         park_s=40)
    assert [e.kind for e in events] == ["started", "ended"]
    assert events[1].trip.start == pytest.approx(HOME, abs=1e-4)
    assert 350 < events[1].trip.distance_m < 450  # 40 s at 10 m/s, not the 45 km jump
    one = TripDetector()  # a lone jump between good fixes is still refused
    one.on_fix(T0, *HOME)
    one.on_fix(T0 + S, 61.0, 25.0)
    one.on_fix(T0 + 2 * S, *HOME)
    assert one.counts["jumps"] == 1 and one.counts["reanchors"] == 0


def test_no_odometry_starts_on_displacement_and_short_moves_are_not_trips() -> None:
    det = TripDetector(DetectorSettings(park_timeout_s=20.0, min_trip_m=100.0))
    here, events = HOME, []
    events += det.on_fix(T0, *here)
    for i in range(1, 40):  # fixes only: 10 m/s east
        here = east(here, 10.0)
        events += det.on_fix(T0 + i * S, *here)
    for i in range(40, 70):
        events += det.on_fix(T0 + i * S, *here)
    assert [e.kind for e in events] == ["started", "ended"]
    short = TripDetector(DetectorSettings(park_timeout_s=20.0, min_trip_m=500.0))
    short.on_fix(T0, *HOME)
    got, _, _ = drive(short, 0.0, HOME, seconds=20, speed=10.0, park_s=30)
    assert [e.kind for e in got] == ["started"] and short.counts["short_trips"] == 1


def test_end_now_ends_a_trip_whose_inputs_went_quiet() -> None:
    det = TripDetector(DetectorSettings(park_timeout_s=600.0))
    det.on_fix(T0, *HOME)
    events, _, _ = drive(det, 0.0, HOME, seconds=30, speed=10.0, park_s=0)
    assert [e.kind for e in events] == ["started"]
    (ended,) = det.end_now()
    assert ended.kind == "ended" and ended.trip.distance_m > 250
    assert det.end_now() == []


def test_the_same_drive_played_again_gives_the_same_trips() -> None:
    det = TripDetector(DetectorSettings(park_timeout_s=30.0))
    runs = []
    for _ in range(2):  # stamps jump back to the start: another timeline, not bad input
        det.on_fix(T0, *HOME)
        events, _, _ = drive(det, 0.0, HOME, seconds=40, speed=10.0, park_s=40)
        runs.append([(e.kind, e.trip.key) for e in events])
    assert runs[0] == runs[1] and [k for k, _ in runs[0]] == ["started", "ended"]
    assert det.counts["restarts"] == 1


def test_lost_fixes_do_not_stretch_a_trip_into_the_park() -> None:
    """A loaded machine drops best-effort fixes: the last fixes of the drive are lost and the
    first one received is 13 s into the park. Odometry said the car stopped at 60 s, so the
    trip ends there, not where the late fix showed the displacement."""
    det = TripDetector(DetectorSettings(park_timeout_s=30.0))
    det.on_fix(T0, *HOME)
    events: list = []
    here, t = HOME, 0.0
    for second in range(60 + 50):
        speed = 10.0 if second < 60 else 0.0
        for k in range(10):
            events += det.on_speed(int((t + k / 10) * S) + T0, speed)
        here, t = east(here, speed), t + 1.0
        if not 50 <= second < 73:  # fixes 51..73 s lost
            events += det.on_fix(int(t * S) + T0, *here)
    ended = [e.trip for e in events if e.kind == "ended"]
    assert len(ended) == 1 and 58 <= ended[0].duration_s <= 61, ended
    assert distance_m(ended[0].end, here) < 1
