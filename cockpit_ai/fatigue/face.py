"""Face and eye measures of one cabin frame from MediaPipe's face mesh (the only model user).

MediaPipe 0.10.14's legacy ``FaceMesh(refine_landmarks=True)`` runs offline on the models in
its wheel (478 landmarks). From the driver's landmarks we measure the eye aspect ratio
(EAR) of each eye, the mouth aspect ratio (MAR) and the head pitch/yaw (``solvePnP`` on six
landmarks against a generic face). No face, or several faces and none on the driver's
side, gives measures with ``face_visible`` false — never a guess.

Also here (so nothing else imports cv2): image checks and reading frames from image files,
folders and videos for the command line.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from cockpit_ai.fatigue.common import FatigueError
from cockpit_ai.fatigue.measures import FrameMeasures

# 6-point EAR (Soukupova & Cech 2016) on the mesh: corner, two upper lid, corner, two lower.
# "left" is the eye on the image's left (the driver's right eye in a non-mirrored camera).
LEFT_EYE = (33, 160, 158, 133, 153, 144)
RIGHT_EYE = (362, 385, 387, 263, 373, 380)
# Inner lips: corners 78 / 308, three upper/lower pairs across the opening.
MOUTH_CORNERS = (78, 308)
MOUTH_PAIRS = ((81, 178), (13, 14), (311, 402))
# Eye outlines (upper and lower lid), used to paint eyes shut in synth.py.
LEFT_EYE_UPPER = (33, 246, 161, 160, 159, 158, 157, 173, 133)
LEFT_EYE_LOWER = (33, 7, 163, 144, 145, 153, 154, 155, 133)
RIGHT_EYE_UPPER = (263, 466, 388, 387, 386, 385, 384, 398, 362)
RIGHT_EYE_LOWER = (263, 249, 390, 373, 374, 380, 381, 382, 362)

# Head pose: mesh indices and a generic face in millimetres, in camera axes (x to the image's
# right, y down, z away from the camera), nose tip at the origin (after the widely used
# 6-point model of a mean face).
POSE_POINTS = (1, 152, 33, 263, 61, 291)
POSE_MODEL = np.array([
    [0.0, 0.0, 0.0],          # nose tip
    [0.0, 330.0, 65.0],       # chin
    [-225.0, -170.0, 135.0],  # outer corner of the eye on the image's left
    [225.0, -170.0, 135.0],   # outer corner of the eye on the image's right
    [-150.0, 150.0, 125.0],   # mouth corner, image left
    [150.0, 150.0, 125.0],    # mouth corner, image right
])

DRIVER_SIDES = ("any", "left", "right")
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v"}
MIN_IMAGE_SIDE = 32


class FaceError(FatigueError):
    """An image the face model cannot take, or a file that is not an image/video."""


@dataclass(frozen=True)
class FaceResult:
    """Measures of one frame plus what the model saw (for drawing and tests)."""

    measures: FrameMeasures
    faces: int                      # faces the mesh found in the frame
    landmarks: np.ndarray | None    # (478, 3) pixels of the driver's face (x, y, depth)
    reason: str = ""                # why there are no measures, when there are none

    @property
    def face_visible(self) -> bool:
        """The driver's face was measured."""
        return self.measures.face_visible


def eye_aspect_ratio(points: np.ndarray, indices: Sequence[int]) -> float:
    """(|p2-p6| + |p3-p5|) / (2 |p1-p4|) in pixels: ~0.25-0.3 open, far lower shut."""
    p = points[list(indices), :2].astype(float)
    width = float(np.linalg.norm(p[0] - p[3]))
    if width <= 1e-6:
        raise FaceError("degenerate eye: corners coincide")
    vertical = float(np.linalg.norm(p[1] - p[5]) + np.linalg.norm(p[2] - p[4]))
    return vertical / (2.0 * width)


def mouth_aspect_ratio(points: np.ndarray) -> float:
    """Mean inner-lip gap over the mouth's width: ~0 closed, < 0.5 talking, > 0.6 yawning."""
    p = points[:, :2].astype(float)
    width = float(np.linalg.norm(p[MOUTH_CORNERS[0]] - p[MOUTH_CORNERS[1]]))
    if width <= 1e-6:
        raise FaceError("degenerate mouth: corners coincide")
    gaps = [float(np.linalg.norm(p[a] - p[b])) for a, b in MOUTH_PAIRS]
    return sum(gaps) / (len(gaps) * width)


def camera_matrix(width: int, height: int) -> np.ndarray:
    """A pinhole camera with the focal length ~ image width (no calibration known)."""
    return np.array([[width, 0.0, width / 2.0], [0.0, width, height / 2.0], [0.0, 0.0, 1.0]])


def head_pose(points: np.ndarray, width: int, height: int) -> tuple[float, float] | None:
    """Head (pitch, yaw) in degrees from the landmarks; None when solvePnP fails.

    Pitch is negative with the head down, yaw positive when the driver turns to their own
    left (towards the image's right in a non-mirrored camera facing them).
    """
    image_points = points[list(POSE_POINTS), :2].astype(np.float64)
    ok, rvec, _tvec = cv2.solvePnP(
        POSE_MODEL, image_points, camera_matrix(width, height), np.zeros(4),
        flags=cv2.SOLVEPNP_ITERATIVE)
    if not ok:
        return None
    rotation, _ = cv2.Rodrigues(rvec)
    facing = rotation @ np.array([0.0, 0.0, -1.0])   # the face's forward direction
    pitch = -math.degrees(math.asin(max(-1.0, min(1.0, float(facing[1])))))
    yaw = math.degrees(math.atan2(float(facing[0]), float(-facing[2])))
    if not (math.isfinite(pitch) and math.isfinite(yaw)):
        return None
    return pitch, yaw


def check_image(image: Any, *, color: str = "bgr") -> np.ndarray:
    """The image as contiguous RGB uint8 for the model, or a FaceError saying what is wrong."""
    if not isinstance(image, np.ndarray):
        raise FaceError(f"image must be a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise FaceError(f"image must be 8-bit (uint8), got {image.dtype}")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (3, 4)):
        raise FaceError(f"image must be HxW, HxWx3 or HxWx4, got shape {image.shape}")
    if min(image.shape[:2]) < MIN_IMAGE_SIDE:
        raise FaceError(f"image is {image.shape[1]}x{image.shape[0]}; "
                        f"need at least {MIN_IMAGE_SIDE} pixels a side")
    if color not in ("bgr", "rgb"):
        raise FaceError(f"color must be 'bgr' or 'rgb', got {color!r}")
    if image.ndim == 2:
        rgb = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    elif image.shape[2] == 4:
        rgb = cv2.cvtColor(image, cv2.COLOR_BGRA2RGB if color == "bgr" else cv2.COLOR_RGBA2RGB)
    else:
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB) if color == "bgr" else image
    return np.ascontiguousarray(rgb)


def _load_face_mesh() -> Any:
    """Import MediaPipe's legacy face mesh quietly; a clear error when it is missing."""
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from mediapipe.python.solutions import face_mesh
    except ImportError as exc:
        raise FaceError(
            f"mediapipe's face mesh is not installed ({exc}); run `make setup` "
            "(mediapipe==0.10.14 --no-deps, see requirements/mediapipe.txt)") from None
    return face_mesh


class FaceAnalyzer:
    """Runs the face mesh on cabin frames and measures the driver's face.

    ``driver_side`` says where the driver sits in the image: "left" or "right" (faces whose
    centre is on that half; the largest wins), or "any" (exactly one face; several faces
    are ambiguous and give no measures). ``static`` re-detects the face in every image
    (unrelated photos); otherwise the mesh tracks it from frame to frame (video).
    """

    def __init__(self, *, driver_side: str = "any", static: bool = False, max_faces: int = 3,
                 min_detection_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5) -> None:
        if driver_side not in DRIVER_SIDES:
            raise FaceError(f"driver_side must be one of {', '.join(DRIVER_SIDES)}, "
                            f"got {driver_side!r}")
        if not 1 <= max_faces <= 10:
            raise FaceError(f"max_faces must be 1..10, got {max_faces}")
        self.driver_side = driver_side
        face_mesh = _load_face_mesh()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._mesh = face_mesh.FaceMesh(
                static_image_mode=static,
                max_num_faces=max_faces,
                refine_landmarks=True,
                min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=min_tracking_confidence,
            )

    def close(self) -> None:
        """Release the model's graph."""
        if self._mesh is not None:
            self._mesh.close()
            self._mesh = None

    def __enter__(self) -> FaceAnalyzer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def landmarks(self, image: Any, *, color: str = "bgr") -> list[np.ndarray]:
        """All faces' landmarks, (478, 3) in pixels each (x, y, relative depth)."""
        if self._mesh is None:
            raise FaceError("the face analyzer is closed")
        rgb = check_image(image, color=color)
        height, width = rgb.shape[:2]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = self._mesh.process(rgb)
        faces = []
        for face in result.multi_face_landmarks or []:
            pts = np.array([(lm.x * width, lm.y * height, lm.z * width)
                            for lm in face.landmark], dtype=np.float64)
            faces.append(pts)
        return faces

    def choose_driver(self, faces: list[np.ndarray], width: int) -> tuple[int | None, str]:
        """Index of the driver's face among ``faces`` (or None and why)."""
        if not faces:
            return None, "no face"
        if self.driver_side == "any":
            if len(faces) > 1:
                return None, f"{len(faces)} faces and driver_side 'any': cannot tell the driver"
            return 0, ""
        candidates = []
        for i, pts in enumerate(faces):
            centre = float(pts[:, 0].mean())
            on_left = centre < width / 2.0
            if on_left == (self.driver_side == "left"):
                area = float(np.ptp(pts[:, 0]) * np.ptp(pts[:, 1]))
                candidates.append((area, i))
        if not candidates:
            return None, f"no face on the driver's side ({self.driver_side})"
        return max(candidates)[1], ""

    def measure(self, image: Any, *, t: float, color: str = "bgr") -> FaceResult:
        """Measures of the driver's face in one frame taken at time ``t`` (seconds)."""
        faces = self.landmarks(image, color=color)
        height, width = image.shape[:2]
        index, reason = self.choose_driver(faces, width)
        if index is None:
            return FaceResult(FrameMeasures(t=t), faces=len(faces), landmarks=None,
                              reason=reason)
        pts = faces[index]
        pose = head_pose(pts, width, height)
        measures = FrameMeasures(
            t=t,
            ear_left=eye_aspect_ratio(pts, LEFT_EYE),
            ear_right=eye_aspect_ratio(pts, RIGHT_EYE),
            mar=mouth_aspect_ratio(pts),
            pitch_deg=pose[0] if pose else None,
            yaw_deg=pose[1] if pose else None,
        )
        return FaceResult(measures, faces=len(faces), landmarks=pts)


# -- reading frames for the command line -------------------------------------------------


def read_image(path: str | Path) -> np.ndarray:
    """A BGR image from a file, or a FaceError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise FaceError(f"no such image file: {path}")
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise FaceError(f"cannot decode {path} as an image")
    return image


def _natural_key(path: Path) -> list[object]:
    return [int(part) if part.isdigit() else part.lower()
            for part in re.split(r"(\d+)", path.name)]


@dataclass(frozen=True)
class Frame:
    """One frame to measure, with its time and where it came from."""

    t: float
    image: np.ndarray
    source: str


def iter_frames(paths: Sequence[str | Path], *, fps: float | None = None) -> Iterator[Frame]:
    """Frames of images, folders of images (name order) and videos, on one time line.

    Images are ``1/fps`` apart (fps default 15). A video keeps its own timestamps; with
    ``fps`` it is sampled down to that rate. Each input continues after the previous one.
    """
    if fps is not None and not (math.isfinite(fps) and fps > 0):
        raise FaceError(f"fps must be > 0, got {fps}")
    step = 1.0 / (fps or 15.0)
    t_next = 0.0
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted((p for p in path.iterdir()
                            if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES),
                           key=_natural_key)
            if not files:
                raise FaceError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in {path}")
            for file in files:
                yield Frame(t_next, read_image(file), str(file))
                t_next += step
        elif path.suffix.lower() in VIDEO_SUFFIXES:
            last = None
            for t, image in _video_frames(path, fps=fps):
                last = t_next + t
                yield Frame(last, image, str(path))
            if last is None:
                raise FaceError(f"no frames could be read from video {path}")
            t_next = last + step
        elif path.suffix.lower() in IMAGE_SUFFIXES:
            yield Frame(t_next, read_image(path), str(path))
            t_next += step
        elif not path.exists():
            raise FaceError(f"no such file or folder: {path}")
        else:
            raise FaceError(f"{path}: not an image ({', '.join(sorted(IMAGE_SUFFIXES))}), "
                            f"a video ({', '.join(sorted(VIDEO_SUFFIXES))}) or a folder")


def _video_frames(path: Path, *, fps: float | None) -> Iterator[tuple[float, np.ndarray]]:
    if not path.is_file():
        raise FaceError(f"no such video file: {path}")
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise FaceError(f"cannot open video {path}")
    native = capture.get(cv2.CAP_PROP_FPS) or 0.0
    index = 0
    next_t = 0.0
    try:
        while True:
            ok, image = capture.read()
            if not ok:
                break
            t = index / native if native > 0 else capture.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            index += 1
            if fps is not None and t + 1e-9 < next_t:
                continue
            next_t = t + 1.0 / fps if fps else 0.0
            yield t, image
    finally:
        capture.release()
