"""The detector on real photographs: right classes in the right places, stable track ids."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cockpit_ai.vision import VisionError
from cockpit_ai.vision.detector import (
    CABIN_CLASSES,
    NO_TRACK,
    ROAD_CLASSES,
    Detection,
    Detector,
    DetectorSettings,
    draw_detections,
)
from cockpit_ai.vision.images import ImageError


@pytest.fixture(scope="module")
def detector(model_path: Path) -> Detector:
    return Detector(DetectorSettings(model=str(model_path), threads=2))


def inside(d: Detection, x1: float, y1: float, x2: float, y2: float) -> bool:
    return x1 <= d.center_x_px <= x2 and y1 <= d.center_y_px <= y2


def test_bus_photo_people_and_bus(detector: Detector, bus: np.ndarray) -> None:
    result = detector.detect(bus)
    assert (result.image_width_px, result.image_height_px) == (810, 1080)
    assert result.model == "yolov3-tiny.onnx" and result.inference_time_ms > 0
    people = [d for d in result.detections if d.class_name == "person"]
    buses = [d for d in result.detections if d.class_name == "bus"]
    # Four people stand on the pavement in the lower half, in front of the bus.
    assert len(people) >= 3
    assert all(inside(d, 0, 450, 810, 1080) and d.height_px > 250 for d in people)
    assert max(d.score for d in people) > 0.9
    assert any(d.center_x_px < 250 for d in people) and any(d.center_x_px > 600 for d in people)
    # The bus fills the middle of the picture, most of its width.
    assert len(buses) == 1
    bus_box = buses[0]
    assert inside(bus_box, 250, 350, 560, 650) and bus_box.width_px > 600
    assert all(d.track_id == NO_TRACK for d in result.detections)
    assert {d.class_id for d in people} == {0} and bus_box.class_id == 5  # COCO ids


def test_zidane_photo_two_people(detector: Detector, zidane: np.ndarray) -> None:
    people = [d for d in detector.detect(zidane).detections if d.class_name == "person"]
    assert len(people) >= 2
    best = sorted(people, key=lambda d: -d.score)[:2]
    right, left = sorted(best, key=lambda d: -d.center_x_px)
    assert inside(right, 800, 200, 1150, 600) and right.score > 0.8  # Zidane, right
    assert inside(left, 350, 300, 750, 650)  # Ancelotti, left


def test_resize_mode_is_a_setting(model_path: Path, bus: np.ndarray) -> None:
    # Plain resize (darknet's own) also finds the people, with boxes in source pixels.
    stretch = Detector(DetectorSettings(model=str(model_path), resize="stretch"))
    people = [d for d in stretch.detect(bus).detections if d.class_name == "person"]
    assert len(people) >= 3 and all(inside(d, 0, 450, 810, 1080) for d in people)


def test_road_classes_are_all_known(model_path: Path) -> None:
    road = Detector(DetectorSettings(model=str(model_path), classes=ROAD_CLASSES))
    assert [road.names[i] for i in sorted(road._class_ids or [])] == [
        "person", "bicycle", "car", "motorcycle", "bus", "truck", "traffic light", "stop sign"
    ]


def test_cabin_classes_only(model_path: Path, bus: np.ndarray) -> None:
    cabin = Detector(DetectorSettings(model=str(model_path), classes=CABIN_CLASSES))
    names = {d.class_name for d in cabin.detect(bus).detections}
    assert "person" in names and names <= set(CABIN_CLASSES)  # no bus for the cabin camera


def test_tracking_keeps_ids_across_a_moving_crop(model_path: Path, zidane: np.ndarray) -> None:
    tracker = Detector(DetectorSettings(model=str(model_path), track=True, classes=("person",)))
    ids_right: list[int] = []
    ids_left: list[int] = []
    for i in range(6):  # the camera pans: each frame a crop shifted by 20 px right, 5 px down
        x0, y0 = 20 * i, 5 * i
        result = tracker.detect(np.ascontiguousarray(zidane[y0 : y0 + 640, x0 : x0 + 1100]))
        people = result.detections
        assert len(people) >= 2 and all(d.track_id != NO_TRACK for d in people)
        right = max(people, key=lambda d: d.center_x_px)
        left = min(people, key=lambda d: d.center_x_px)
        ids_right.append(right.track_id)
        ids_left.append(left.track_id)
    assert len(set(ids_right)) == 1 and len(set(ids_left)) == 1
    assert ids_right[0] != ids_left[0]
    tracker.reset_tracks()
    again = tracker.detect(zidane)
    assert {d.track_id for d in again.detections} >= {1, 2}  # a new sequence counts from 1


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.onnx"
    with pytest.raises(VisionError, match=r"model file not found: .*nope\.onnx.*make setup"):
        Detector(DetectorSettings(model=str(missing)))


def test_bad_settings_refused(model_path: Path) -> None:
    with pytest.raises(VisionError, match="imgsz 400 must be a positive multiple of 32"):
        Detector(DetectorSettings(model=str(model_path), imgsz=400))
    with pytest.raises(VisionError, match="resize 'crop' must be one of letterbox, stretch"):
        Detector(DetectorSettings(model=str(model_path), resize="crop"))
    with pytest.raises(VisionError, match=r"classes \['unicorn'\] are not in the model"):
        Detector(DetectorSettings(model=str(model_path), classes=("person", "unicorn")))


def test_bad_frames_refused(detector: Detector) -> None:
    with pytest.raises(ImageError, match="H×W×3 uint8"):
        detector.detect(np.zeros((10, 10), np.uint8))
    with pytest.raises(ImageError, match="empty image"):
        detector.detect(np.zeros((0, 10, 3), np.uint8))
    with pytest.raises(ImageError, match="max_pixels"):
        detector.detect(np.broadcast_to(np.uint8(0), (16384, 16384, 3)))


def test_drawing_needs_no_font_download(detector: Detector, bus: np.ndarray) -> None:
    original = bus.copy()
    result = detector.detect(bus)
    drawn = draw_detections(bus, result)
    assert drawn.shape == bus.shape and not np.array_equal(drawn, bus)
    assert np.array_equal(bus, original)  # the input is untouched


def test_an_ultralytics_pt_model_is_one_setting_away(
    model_dir: Path, tmp_path: Path, bus: np.ndarray
) -> None:
    """A .pt checkpoint (here yolo11n built from Ultralytics' own YAML, untrained, so
    nothing is downloaded) runs through the same settings on the torch backend."""
    from ultralytics import YOLO

    from cockpit_ai.assets.darknet import read_names
    from cockpit_ai.vision.detector import COCO_RENAMES

    model = YOLO("yolo11n.yaml", task="detect")
    model.model.names = {
        i: COCO_RENAMES.get(n, n) for i, n in enumerate(read_names(model_dir / "coco.names"))
    }
    path = tmp_path / "yolo11n-untrained.pt"
    model.save(str(path))
    detector = Detector(DetectorSettings(model=str(path), imgsz=320, confidence=0.001,
                                         classes=ROAD_CLASSES, threads=1))
    result = detector.detect(bus)
    assert result.model == "yolo11n-untrained.pt" and detector.names[3] == "motorcycle"
    assert all(d.class_name in ROAD_CLASSES for d in result.detections)
    assert all(0 <= d.center_x_px <= 810 and 0 <= d.center_y_px <= 1080
               for d in result.detections)
