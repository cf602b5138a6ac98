"""Side of the road, search boxes, course from fixes and fix validation."""

from __future__ import annotations

import math

import pytest
from geographiclib.geodesic import Geodesic

from cockpit_ai.landmark import LandmarkError
from cockpit_ai.landmark.geometry import (
    CourseEstimator,
    Sectors,
    Side,
    check_fix,
    distance_azimuth,
    heading_from_quaternion,
    relative_bearing,
    search_boxes,
    side_alignment,
)

G = Geodesic.WGS84


def point_at(lat: float, lon: float, azimuth: float, distance: float) -> tuple[float, float]:
    g = G.Direct(lat, lon, azimuth, distance)
    return g["lat2"], g["lon2"]


def side_from(lat: float, lon: float, heading: float, poi: tuple[float, float]) -> Side:
    _, azimuth = distance_azimuth(lat, lon, *poi)
    return Sectors().side_of(relative_bearing(azimuth, heading))


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(60.1699, 24.9384), (0.0, 0.0), (-33.86, 151.21), (-16.5, 179.9995), (78.22, 15.65)],
)
def test_due_east_is_right_heading_north_and_left_heading_south(lat: float, lon: float) -> None:
    poi = point_at(lat, lon, 90.0, 120.0)
    assert side_from(lat, lon, 0.0, poi) is Side.RIGHT
    assert side_from(lat, lon, 180.0, poi) is Side.LEFT
    assert side_from(lat, lon, 90.0, poi) is Side.AHEAD
    assert side_from(lat, lon, 270.0, poi) is Side.BEHIND


def test_across_the_antimeridian_is_near_and_to_the_east() -> None:
    # Fiji: the car is just west of 180°, the place just east of it (longitude -179.999).
    distance, azimuth = distance_azimuth(-16.8, 179.9990, -16.8, -179.9995)
    assert 150.0 < distance < 170.0  # 0.0015° of longitude at 16.8°S ≈ 160 m, not 40,000 km
    assert azimuth == pytest.approx(90.0, abs=0.01)
    assert side_from(-16.8, 179.999, 0.0, (-16.8, -179.9995)) is Side.RIGHT


def test_high_latitude_sides_follow_the_geodesic_not_the_map() -> None:
    # 50 m from the North Pole, facing north (towards the pole): a place beyond the pole
    # on the opposite meridian is ahead, although its longitude differs by 180°.
    lat, lon = point_at(90.0, 0.0, 180.0, 50.0)
    beyond = point_at(90.0, 180.0, 180.0, 30.0)  # 30 m past the pole
    distance, _ = distance_azimuth(lat, lon, *beyond)
    assert distance == pytest.approx(80.0, abs=0.01)
    assert side_from(lat, lon, 0.0, beyond) is Side.AHEAD
    east = point_at(lat, lon, 90.0, 20.0)
    assert side_from(lat, lon, 0.0, east) is Side.RIGHT


def test_relative_bearing_wraps_to_plus_minus_180() -> None:
    assert relative_bearing(10.0, 350.0) == pytest.approx(20.0)
    assert relative_bearing(350.0, 10.0) == pytest.approx(-20.0)
    assert relative_bearing(180.0, 0.0) == 180.0
    assert relative_bearing(0.0, 180.0) == 180.0


def test_sectors_are_configurable_and_checked() -> None:
    wide = Sectors(ahead_deg=60.0, behind_deg=20.0)
    assert wide.side_of(50.0) is Side.AHEAD
    assert Sectors().side_of(50.0) is Side.RIGHT
    assert wide.side_of(-155.0) is Side.LEFT
    assert Sectors().side_of(-155.0) is Side.BEHIND
    with pytest.raises(LandmarkError, match="sum must be below 180"):
        Sectors(ahead_deg=100.0, behind_deg=90.0)
    with pytest.raises(LandmarkError):
        Sectors(ahead_deg=0.0)


def test_side_alignment_prefers_abeam() -> None:
    assert side_alignment(90.0, Side.RIGHT) == pytest.approx(1.0)
    assert side_alignment(40.0, Side.RIGHT) < side_alignment(80.0, Side.RIGHT)
    assert side_alignment(-90.0, Side.RIGHT) == pytest.approx(0.0)


@pytest.mark.parametrize(
    ("lat", "lon", "radius"),
    [(60.17, 24.94, 500.0), (0.0, 0.0, 2000.0), (-16.8, 179.99, 3000.0), (-16.8, -179.99, 3000.0),
     (89.9, 10.0, 20000.0), (-89.999, 0.0, 500.0), (75.0, -179.999, 1000.0)],
)  # fmt: skip
def test_search_boxes_cover_every_point_within_the_radius(
    lat: float, lon: float, radius: float
) -> None:
    boxes = search_boxes(lat, lon, radius)
    for step in range(0, 360, 5):
        for frac in (0.5, 0.999):
            plat, plon = point_at(lat, lon, float(step), radius * frac)
            assert any(b[0] <= plat <= b[1] and b[2] <= plon <= b[3] for b in boxes), (
                f"{plat},{plon} at azimuth {step} missed by {boxes}"
            )
    # and the boxes are not absurdly large away from the poles
    if abs(lat) < 80:
        dlat = boxes[0][1] - boxes[0][0]
        assert dlat < 2.2 * math.degrees(radius / 6_335_439.0)


def test_search_boxes_split_at_the_antimeridian() -> None:
    boxes = search_boxes(-16.8, 179.999, 1000.0)
    assert len(boxes) == 2
    assert any(b[3] == 180.0 for b in boxes) and any(b[2] == -180.0 for b in boxes)


def test_heading_from_enu_quaternion() -> None:
    def quat(yaw_deg: float) -> tuple[float, float, float, float]:
        h = math.radians(yaw_deg) / 2
        return 0.0, 0.0, math.sin(h), math.cos(h)

    assert heading_from_quaternion(*quat(0.0)) == pytest.approx(90.0)  # ENU x = east
    assert heading_from_quaternion(*quat(90.0)) == pytest.approx(0.0, abs=1e-9)
    assert heading_from_quaternion(*quat(180.0)) == pytest.approx(270.0)


class TestCourseEstimator:
    def drive(
        self,
        est: CourseEstimator,
        azimuth: float,
        speed: float,
        n: int,
        start: tuple[float, float] = (60.17, 24.94),
        t0: float = 0.0,
    ) -> float | None:
        lat, lon = start
        heading = None
        for i in range(n):
            plat, plon = point_at(lat, lon, azimuth, speed * i)
            heading = est.update(plat, plon, t0 + i)
        return heading

    def test_course_of_a_moving_car(self) -> None:
        est = CourseEstimator()
        assert est.heading is None
        heading = self.drive(est, 45.0, 10.0, 5)
        assert heading == pytest.approx(45.0, abs=0.01)
        assert est.moving

    def test_no_course_while_stopped_and_last_one_is_held(self) -> None:
        est = CourseEstimator()
        self.drive(est, 120.0, 12.0, 4)
        lat, lon = point_at(60.17, 24.94, 120.0, 36.0)
        # stopped: a metre of GNSS jitter in random directions for 20 s
        for i, jitter_azimuth in enumerate([0, 200, 90, 310, 45, 180] * 3):
            plat, plon = point_at(lat, lon, jitter_azimuth, 1.0)
            assert est.update(plat, plon, 4.0 + i) == pytest.approx(120.0, abs=0.01)
        assert not est.moving

    def test_fixes_too_close_give_no_course(self) -> None:
        est = CourseEstimator(min_distance_m=5.0)
        assert self.drive(est, 30.0, 1.5, 3) is None  # 3 m in 2 s: not enough to tell

    def test_slow_creep_is_not_a_course(self) -> None:
        est = CourseEstimator(min_distance_m=5.0, min_speed_mps=1.0, max_gap_s=30.0)
        assert self.drive(est, 30.0, 0.6, 12) is None  # 0.6 m/s, below the speed floor

    def test_time_going_backwards_restarts(self) -> None:
        est = CourseEstimator()
        self.drive(est, 200.0, 10.0, 4, t0=100.0)
        assert est.heading == pytest.approx(200.0, abs=0.01)
        est.update(60.17, 24.94, 5.0)  # bag replay looped
        assert est.heading is None

    def test_long_gap_takes_no_course_across_it(self) -> None:
        est = CourseEstimator(max_gap_s=5.0)
        est.update(60.17, 24.94, 0.0)
        plat, plon = point_at(60.17, 24.94, 90.0, 500.0)
        assert est.update(plat, plon, 60.0) is None

    def test_rejects_bad_settings(self) -> None:
        with pytest.raises(LandmarkError):
            CourseEstimator(min_distance_m=0.0)


class TestFixValidation:
    def test_good_fix(self) -> None:
        assert check_fix(60.17, 24.94, status=0).ok
        assert check_fix(-16.8, 180.0, status=2).ok

    @pytest.mark.parametrize(
        ("lat", "lon", "status", "reason"),
        [
            (60.17, 24.94, -1, "no fix"),
            (60.17, 24.94, -2, "no fix"),
            (float("nan"), 24.94, 0, "latitude is nan"),
            (60.17, float("inf"), 0, "longitude is inf"),
            (91.0, 24.94, 0, "latitude 91.0 is outside"),
            (60.0, -180.5, 0, "longitude -180.5 is outside"),
            (0.0, 0.0, 0, "0,0"),
        ],
    )
    def test_bad_fixes_say_why(self, lat: float, lon: float, status: int, reason: str) -> None:
        check = check_fix(lat, lon, status=status)
        assert not check.ok
        assert reason in check.reason

    def test_accuracy_limit(self) -> None:
        assert check_fix(60.17, 24.94, status=0, horizontal_std_m=80.0).ok  # limit off
        bad = check_fix(60.17, 24.94, status=0, horizontal_std_m=80.0, max_horizontal_std_m=50.0)
        assert not bad.ok and "80.0 m" in bad.reason


def test_spherical_estimate_bounds_the_geodesic_worldwide() -> None:
    import random

    import numpy as np

    from cockpit_ai.landmark.geometry import AZIMUTH_BOUND_DEG, spherical_estimates

    rng = random.Random(7)
    worst = 0.0
    for _ in range(3000):
        lat = rng.choice([rng.uniform(-90, 90), rng.uniform(80, 90), rng.uniform(-2, 2)])
        lon = rng.uniform(-180, 180)
        plat, plon = point_at(lat, lon, rng.uniform(0, 360), rng.uniform(1, 50_000))
        distance, azimuth = distance_azimuth(lat, lon, plat, plon)
        lows, highs, approxs = spherical_estimates(lat, lon, np.array([plat]), np.array([plon]))
        low, high, approx = float(lows[0]), float(highs[0]), float(approxs[0])
        assert low <= distance <= high
        assert high - low < 0.011 * distance + 1e-3  # a tight band, not a vacuous one
        if distance > 1.0:
            worst = max(worst, abs(relative_bearing(approx, azimuth)))
    assert worst < 0.25 < AZIMUTH_BOUND_DEG  # the margin is four times the worst seen


def test_may_be_matches_a_fine_sweep() -> None:
    import random

    rng = random.Random(3)
    for sectors in (Sectors(), Sectors(ahead_deg=0.5, behind_deg=10.0)):
        for _ in range(2000):
            rel = rng.uniform(-180, 180)
            for side in Side:
                swept = any(
                    sectors.side_of(relative_bearing(rel + t / 100.0, 0.0)) is side
                    for t in range(-100, 101)
                )
                assert bool(sectors.may_be(rel, side, margin_deg=1.0)) is swept
