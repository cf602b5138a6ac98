"""Each detection's bearing from the car: box centre through the camera's horizontal field of
view, plus the camera's mounting yaw."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from cockpit_ai.vision import VisionError
from cockpit_ai.vision.bearing import bearing_deg, wrap_deg
from cockpit_ai.vision.detector import ROAD_CLASSES, Detector, DetectorSettings


def test_centre_edges_and_quarter_points() -> None:
    # the image centre is the optical axis; the edges are at half the field of view
    assert bearing_deg(320, 640, horizontal_fov_deg=90) == pytest.approx(0.0)
    assert bearing_deg(640, 640, horizontal_fov_deg=90) == pytest.approx(45.0)
    assert bearing_deg(0, 640, horizontal_fov_deg=90) == pytest.approx(-45.0)
    assert bearing_deg(1920, 1920, horizontal_fov_deg=120) == pytest.approx(60.0)
    # a pinhole is not linear: a quarter of the width is atan(0.5·tan(45°)), not 22.5°
    assert bearing_deg(480, 640, horizontal_fov_deg=90) == pytest.approx(
        math.degrees(math.atan(0.5)))
    # a narrower lens puts the same column at a smaller angle
    assert bearing_deg(480, 640, horizontal_fov_deg=60) == pytest.approx(
        math.degrees(math.atan(0.5 * math.tan(math.radians(30)))))


def test_mounting_yaw_and_wrap() -> None:
    # a camera looking right (yaw 90): its centre is abeam right
    assert bearing_deg(320, 640, horizontal_fov_deg=90, mount_yaw_deg=90) == pytest.approx(90)
    # a cabin camera facing back (yaw 180): its image right is the car's left-behind
    assert bearing_deg(600, 640, horizontal_fov_deg=90, mount_yaw_deg=180) < -130
    assert bearing_deg(40, 640, horizontal_fov_deg=90, mount_yaw_deg=180) > 130
    assert wrap_deg(190) == pytest.approx(-170) and wrap_deg(-180) == pytest.approx(180)


@pytest.mark.parametrize("fov", [0.0, 180.0, -5.0, math.nan])
def test_bad_field_of_view_is_refused(fov: float) -> None:
    with pytest.raises(VisionError, match="horizontal_fov_deg"):
        bearing_deg(10, 640, horizontal_fov_deg=fov)
    with pytest.raises(VisionError, match="horizontal_fov_deg"):
        Detector(DetectorSettings(horizontal_fov_deg=fov))


def test_bad_width_or_centre_is_refused() -> None:
    with pytest.raises(VisionError):
        bearing_deg(10, 0, horizontal_fov_deg=90)
    with pytest.raises(VisionError):
        bearing_deg(math.inf, 640, horizontal_fov_deg=90)


def bus_on_the_right(bus: np.ndarray) -> np.ndarray:
    """A 1620×1080 road frame: the bus photo fills the right half, grey road on the left."""
    return np.concatenate([np.full((1080, 810, 3), 110, np.uint8), bus], axis=1)


def test_real_detections_carry_their_bearing(model_path: Path, bus: np.ndarray) -> None:
    frame = bus_on_the_right(bus)
    detector = Detector(DetectorSettings(model=str(model_path), classes=ROAD_CLASSES,
                                         threads=2, horizontal_fov_deg=90.0))
    result = detector.detect(frame)
    buses = [d for d in result.detections if d.class_name == "bus"]
    assert len(buses) == 1
    b = buses[0]
    # the bus is right of centre: its bearing is the pinhole angle of its centre column
    expected = math.degrees(math.atan((b.center_x_px - 810) / 810))
    assert b.bearing_deg == pytest.approx(expected, abs=1e-3)
    assert 15 < b.bearing_deg < 40
    assert all(-45 <= d.bearing_deg <= 45 for d in result.detections)
    # the same frame through a narrower lens, and from a camera turned 30° left
    narrow = Detector(DetectorSettings(model=str(model_path), classes=ROAD_CLASSES,
                                       threads=2, horizontal_fov_deg=60.0,
                                       mount_yaw_deg=-30.0))
    nb = next(d for d in narrow.detect(frame).detections if d.class_name == "bus")
    assert nb.center_x_px == pytest.approx(b.center_x_px, abs=0.5)
    assert nb.bearing_deg == pytest.approx(
        math.degrees(math.atan((nb.center_x_px - 810) / 810 * math.tan(math.radians(30))))
        - 30.0, abs=1e-3)
