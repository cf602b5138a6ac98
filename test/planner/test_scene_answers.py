"""The road camera in the answer, end to end without ROS: the real detector on a frame with a
bus on the right, the bundled Helsinki map, the planner core."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from cockpit_ai.planner import scene
from cockpit_ai.planner.landmarks import core_search
from cockpit_ai.planner.planner import Context, Planner

S = 1_000_000_000
T = 1_781_256_600 * S  # the frame's stamp
# Kaivokatu by Ateneum, driving west: Ateneum is 40 m on the right, Rautatientori's bus
# stop 80 m on the right.
KAIVOKATU = {"latitude_deg": 60.16975, "longitude_deg": 24.9448, "heading_deg": 270.0}


@pytest.fixture(scope="module")
def seen() -> list[scene.SeenObject]:
    """What the road camera sees: bus.jpg in the right half of a 1620×1080 frame."""
    import cv2

    from cockpit_ai.vision.assets import sample_image
    from cockpit_ai.vision.detector import ROAD_CLASSES, Detector, DetectorSettings

    bus = cv2.imread(str(sample_image("bus.jpg")))
    frame = np.concatenate([np.full((1080, 810, 3), 110, np.uint8), bus], axis=1)
    detector = Detector(DetectorSettings(classes=ROAD_CLASSES, threads=2,
                                         horizontal_fov_deg=90.0))
    result = detector.detect(frame)
    return scene.seen_objects(result.detections, image_height_px=result.image_height_px,
                              stamp_ns=T)


@pytest.fixture(scope="module")
def planner() -> Planner:
    search = core_search(None, at=datetime(2026, 6, 12, 12, 30))
    assert search is not None, "the bundled POI database is missing: run make setup"
    # the first search opens the database: give a loaded machine time
    return Planner(landmark_search=search, config={"fast_only": True,
                                                   "landmark_timeout_s": 30.0})


def ask(planner: Planner, text: str, seen: list[scene.SeenObject], *,
        after_s: float = 0.5) -> str:
    at = T + int(after_s * S)
    ctx = Context(**KAIVOKATU, stamp_ns=at,
                  road_seen=scene.fresh(seen, at_ns=at, max_age_s=scene.MAX_AGE_S))
    return planner.handle(text, ctx).text


def test_the_camera_sees_the_bus_on_the_right(seen: list[scene.SeenObject]) -> None:
    buses = [o for o in seen if o.class_name == "bus"]
    assert len(buses) == 1 and scene.camera_side(buses[0].bearing_deg) == "right"


def test_what_is_that_on_my_right_says_the_bus_and_the_landmark_behind_it(
        planner: Planner, seen: list[scene.SeenObject]) -> None:
    answer = ask(planner, "What is that on my right?", seen)
    assert answer.startswith("On your right I can see a bus"), answer
    assert "and behind them Ateneum (museum), 40 metres away." in answer
    # the left side of the frame is empty road: the map alone answers for the left
    left = ask(planner, "What is that on my left?", seen)
    assert "I can see" not in left and left.startswith("On your left is")


def test_is_that_a_bus_stop_uses_the_camera_and_the_map(
        planner: Planner, seen: list[scene.SeenObject]) -> None:
    answer = ask(planner, "Is that a bus stop on my right?", seen)
    assert answer == ("Yes: the map has a bus stop there, Rautatientori, 80 metres on your "
                      "right. I can see a bus on your right too.")
    assert ask(planner, "is that a bus on my right", seen) == \
        "Yes, I can see a bus on your right."
    assert ask(planner, "is that a bus on my left", seen).startswith("I don't see a bus")


def test_stale_detections_are_not_used(planner: Planner,
                                       seen: list[scene.SeenObject]) -> None:
    # the same question 10 s after the last frame: the camera's bus is not "now" any more
    answer = ask(planner, "What is that on my right?", seen, after_s=10.0)
    assert "bus" not in answer and answer.startswith("On your right is Ateneum")
    assert ask(planner, "is that a bus on my right", seen, after_s=10.0) == \
        "I don't see a bus on your right right now."
