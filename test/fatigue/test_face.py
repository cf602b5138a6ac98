"""The face model on real photos shipped in packages: open, painted-shut, no face, two faces."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")
pytest.importorskip("mediapipe", reason="mediapipe==0.10.14 is installed by `make setup`")

from cockpit_ai.fatigue import (  # noqa: E402
    LEVEL_UNKNOWN,
    FatigueEstimator,
    IndicatorSettings,
    IndicatorTracker,
)
from cockpit_ai.fatigue.face import (  # noqa: E402
    POSE_MODEL,
    POSE_POINTS,
    FaceAnalyzer,
    FaceError,
    camera_matrix,
    check_image,
    head_pose,
)
from cockpit_ai.fatigue.synth import close_eyes  # noqa: E402


def ultralytics_asset(name: str) -> Path:
    """A photo from the ultralytics wheel, found without importing ultralytics (torch)."""
    spec = importlib.util.find_spec("ultralytics")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("ultralytics (with its sample photos) is installed by `make setup`")
    return Path(next(iter(spec.submodule_search_locations))) / "assets" / name


def face_photos() -> dict[str, np.ndarray]:
    """640x480 crop around a face in zidane.jpg, and grace_hopper.jpg (512x600)."""
    from matplotlib import cbook

    zidane = cv2.imread(str(ultralytics_asset("zidane.jpg")))
    grace = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    assert zidane is not None and grace is not None
    # The mesh finds no face in the full 1280x720 frame; the face is near (1000, 200).
    return {"zidane": np.ascontiguousarray(zidane[0:480, 640:1280]), "grace": grace}


@pytest.fixture(scope="module")
def photos() -> dict[str, np.ndarray]:
    return face_photos()


@pytest.fixture(scope="module")
def static_analyzer():
    with FaceAnalyzer(static=True) as analyzer:
        yield analyzer


def test_open_eyes_on_real_faces(photos, static_analyzer) -> None:
    for name, image in photos.items():
        result = static_analyzer.measure(image, t=0.0)
        m = result.measures
        assert result.faces == 1, name
        assert result.landmarks is not None and result.landmarks.shape == (478, 3)
        assert 0.2 < m.ear_left < 0.33 and 0.2 < m.ear_right < 0.33, (name, m)
        assert m.mar < 0.1, (name, m)                    # both mouths are closed
        assert abs(m.pitch_deg) < 30 and abs(m.yaw_deg) < 40, (name, m)


def test_painted_shut_eyes_give_a_clearly_lower_ear(photos, static_analyzer) -> None:
    for name, image in photos.items():
        open_result = static_analyzer.measure(image, t=0.0)
        shut = close_eyes(image, open_result.landmarks)
        m = static_analyzer.measure(shut, t=0.0).measures
        assert m.face_visible, name
        assert m.ear < 0.14, (name, m)
        assert m.ear < 0.55 * open_result.measures.ear, (name, m)


def test_head_turn_changes_yaw_sign_when_the_image_is_mirrored(photos, static_analyzer) -> None:
    image = photos["zidane"]                             # he looks towards the image's right
    m = static_analyzer.measure(image, t=0.0).measures
    mirrored = static_analyzer.measure(np.ascontiguousarray(image[:, ::-1]), t=0.0).measures
    assert m.yaw_deg > 15 and mirrored.yaw_deg < -15
    assert m.ear_left == pytest.approx(mirrored.ear_right, abs=0.03)


def test_pose_recovers_known_rotations() -> None:
    width, height = 640, 480
    for pitch, yaw in ((0.0, 0.0), (-20.0, 0.0), (15.0, 0.0), (0.0, 30.0), (-10.0, -25.0)):
        # Rotate the model face so its forward direction has this pitch/yaw, then project.
        p, y = math.radians(pitch), math.radians(yaw)
        rx = np.array([[1, 0, 0], [0, math.cos(p), math.sin(p)], [0, -math.sin(p), math.cos(p)]])
        ry = np.array([[math.cos(y), 0, -math.sin(y)], [0, 1, 0], [math.sin(y), 0, math.cos(y)]])
        rotation = ry @ rx
        tvec = np.array([0.0, 0.0, 2500.0])
        image_pts, _ = cv2.projectPoints(POSE_MODEL, cv2.Rodrigues(rotation)[0], tvec,
                                         camera_matrix(width, height), np.zeros(4))
        points = np.zeros((478, 2))
        points[list(POSE_POINTS)] = image_pts.reshape(-1, 2)
        got = head_pose(points, width, height)
        assert got is not None
        assert got == pytest.approx((pitch, yaw), abs=1.0), (pitch, yaw, got)


def test_open_shut_open_sequence_through_the_core_is_a_closure_event(photos) -> None:
    settings = IndicatorSettings(calibration_s=2.0, calibration_min_frames=10)
    for name, image in photos.items():
        with FaceAnalyzer(static=True) as first:
            landmarks = first.measure(image, t=0.0).landmarks
        shut = close_eyes(image, landmarks)
        tracker = IndicatorTracker(settings)
        events = []
        ears = []
        # 10 FPS video in tracking mode: 3 s open, 1.5 s shut, 1 s open, 0.3 s shut, 1 s open.
        plan = [(image, 30), (shut, 15), (image, 10), (shut, 3), (image, 10)]
        with FaceAnalyzer() as analyzer:
            i = 0
            for frame_image, count in plan:
                for _ in range(count):
                    # A little camera shake so the frames are not identical.
                    dx = (i % 3) - 1
                    moved = np.ascontiguousarray(np.roll(frame_image, dx, axis=1))
                    m = analyzer.measure(moved, t=i / 10.0).measures
                    ind = tracker.update(m)
                    events.extend(ind.new_events)
                    ears.append(m.ear)
                    i += 1
        assert all(e is not None for e in ears), name
        assert [e.kind for e in events] == ["microsleep", "blink"], (name, ears)
        assert events[0].t_start == pytest.approx(3.0)
        assert events[1].t_start == pytest.approx(5.5)
        assert events[1].duration_s == pytest.approx(0.3)


def test_no_face_gives_unknown(photos, static_analyzer) -> None:
    grace = photos["grace"]
    flag = cv2.resize(grace[0:300, 0:150], (640, 480))   # the flag beside her: no face
    result = static_analyzer.measure(flag, t=0.0)
    assert result.faces == 0 and not result.face_visible and result.reason == "no face"
    estimator = FatigueEstimator()
    snap = None
    for i in range(20):
        snap = estimator.update(static_analyzer.measure(flag, t=i / 10.0).measures)
    assert snap is not None and snap.level == LEVEL_UNKNOWN and snap.cues == ("no_face",)


def test_two_faces_driver_chosen_by_seat_side(photos) -> None:
    grace = cv2.resize(photos["grace"], (412, 480))
    right = np.full((480, 640, 3), 90, np.uint8)
    right[:, 114:526] = grace
    both = np.ascontiguousarray(np.hstack([photos["zidane"][:, 160:480], right[:, 160:480]]))
    with FaceAnalyzer(static=True, driver_side="any") as analyzer:
        result = analyzer.measure(both, t=0.0)
        alone = analyzer.measure(right, t=0.0).measures
    assert result.faces == 2 and not result.face_visible and "2 faces" in result.reason
    with FaceAnalyzer(static=True, driver_side="right") as analyzer:
        chosen = analyzer.measure(both, t=0.0)
    assert chosen.face_visible and chosen.landmarks[:, 0].mean() > 320
    assert chosen.measures.ear_left == pytest.approx(alone.ear_left, abs=0.02)
    with FaceAnalyzer(static=True, driver_side="left") as analyzer:
        chosen = analyzer.measure(both, t=0.0)
    assert chosen.face_visible and chosen.landmarks[:, 0].mean() < 320


def test_bad_images_are_refused_with_a_clear_error(static_analyzer) -> None:
    with pytest.raises(FaceError, match="uint8"):
        static_analyzer.measure(np.zeros((480, 640, 3), np.float32), t=0.0)
    with pytest.raises(FaceError, match="at least 32"):
        static_analyzer.measure(np.zeros((10, 640, 3), np.uint8), t=0.0)
    with pytest.raises(FaceError, match="HxWx3"):
        static_analyzer.measure(np.zeros((480, 640, 2), np.uint8), t=0.0)
    with pytest.raises(FaceError, match="numpy array"):
        static_analyzer.measure(b"jpeg bytes", t=0.0)
    with pytest.raises(FaceError, match="driver_side"):
        FaceAnalyzer(driver_side="middle")
    gray = check_image(np.full((64, 64), 128, np.uint8))
    assert gray.shape == (64, 64, 3)
