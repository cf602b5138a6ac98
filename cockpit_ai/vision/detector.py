"""Ultralytics YOLO on camera frames, with ByteTrack ids, offline.

The detector wraps ``ultralytics.YOLO`` so that every setting a car integrator tunes is
one value (model file, classes, confidence, IoU, image size, resize mode, device,
threads, tracking), results come back as dataclasses shaped like ``Detection.msg`` /
``DetectionArray.msg``, and nothing is ever downloaded or pip-installed at run time.
Ultralytics does the pre-processing, inference, NMS and tracking itself; the default
model is the converted darknet yolov3-tiny (see :mod:`cockpit_ai.vision.assets`), and any
Ultralytics model the user owns (``yolo11n.pt``, an ONNX export) is one setting away.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cockpit_ai.vision import VisionError
from cockpit_ai.vision.bearing import bearing_deg, check_fov
from cockpit_ai.vision.images import DEFAULT_MAX_PIXELS, ImageError

# Darknet-era COCO names → the current ones Ultralytics models use (the converted
# yolov3-tiny already carries these; an older export may not).
COCO_RENAMES = {
    "motorbike": "motorcycle", "aeroplane": "airplane", "sofa": "couch",
    "pottedplant": "potted plant", "diningtable": "dining table", "tvmonitor": "tv",
}  # fmt: skip

NO_TRACK = -1  # Detection.msg NO_TRACK
# What each camera is for. COCO has no general traffic-sign class: "stop sign" is the one.
ROAD_CLASSES = (
    "person", "bicycle", "car", "motorcycle", "bus", "truck", "traffic light", "stop sign",
)
CABIN_CLASSES = ("person", "cell phone", "cup", "bottle")
CAMERA_CLASSES: dict[str, tuple[str, ...]] = {"road": ROAD_CLASSES, "cabin": CABIN_CLASSES}
RESIZE_MODES = ("letterbox", "stretch")


def configure_offline() -> None:
    """Keep Ultralytics from going online: no connectivity probe, pip installs or analytics.

    Must run before ``ultralytics`` is imported (it reads these at import); an explicit
    user value wins.
    """
    os.environ.setdefault("YOLO_OFFLINE", "1")  # is_online() → False, no DNS probe
    os.environ.setdefault("YOLO_AUTOINSTALL", "false")  # never pip-install a requirement
    os.environ.setdefault("YOLO_VERBOSE", "false")


configure_offline()


@dataclass(frozen=True)
class DetectorSettings:
    """Every knob of the detector. ``model`` empty means the installed default.

    ``resize``: ``letterbox`` keeps the aspect ratio and pads (Ultralytics' way);
    ``stretch`` resizes to a square like darknet did in training. ``classes`` empty keeps
    every class the model knows. ``horizontal_fov_deg`` and ``mount_yaw_deg`` describe the
    camera, so each detection carries its bearing from the car (:mod:`.bearing`).
    """

    model: str = ""
    classes: tuple[str, ...] = ()
    confidence: float = 0.25
    iou: float = 0.45
    imgsz: int = 416
    resize: str = "letterbox"
    device: str = "cpu"
    threads: int = 2
    track: bool = False
    tracker: str = "bytetrack.yaml"
    max_det: int = 100
    max_pixels: int = DEFAULT_MAX_PIXELS
    horizontal_fov_deg: float = 90.0  # the camera's horizontal field of view
    mount_yaw_deg: float = 0.0  # its optical axis against the car's forward axis, + = right

    def model_path(self) -> Path:
        """The model file these settings select."""
        if self.model:
            return Path(self.model).expanduser()
        from cockpit_ai.vision.assets import default_model_path

        return default_model_path()


@dataclass(frozen=True)
class Detection:
    """One object in one image (fields of Detection.msg); box in source-image pixels."""

    class_name: str
    class_id: int
    score: float
    track_id: int
    center_x_px: float
    center_y_px: float
    width_px: float
    height_px: float
    # the box centre's direction from the car's forward axis, degrees, + = right (NaN: the
    # camera is not described)
    bearing_deg: float = math.nan

    @property
    def xyxy(self) -> tuple[float, float, float, float]:
        """Corners (x1, y1, x2, y2)."""
        hw, hh = self.width_px / 2, self.height_px / 2
        return (self.center_x_px - hw, self.center_y_px - hh,
                self.center_x_px + hw, self.center_y_px + hh)


@dataclass
class DetectionResult:
    """All detections of one frame (fields of DetectionArray.msg, header aside).

    ``inference_time_ms`` is the whole detect call (pre-processing, model, NMS, tracking);
    ``speed_ms`` is Ultralytics' own split. ``camera``, ``latency_ms`` and
    ``frames_dropped`` are filled by whoever runs the detector on a stream.
    """

    detections: list[Detection]
    image_width_px: int
    image_height_px: int
    inference_time_ms: float
    model: str
    camera: str = ""
    latency_ms: float = 0.0
    frames_dropped: int = 0
    speed_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict."""
        return asdict(self)


def _check_settings(s: DetectorSettings) -> None:
    if not 0.0 < s.confidence <= 1.0:
        raise VisionError(f"confidence {s.confidence} must be in (0, 1]")
    if not 0.0 < s.iou <= 1.0:
        raise VisionError(f"iou {s.iou} must be in (0, 1]")
    if s.imgsz <= 0 or s.imgsz % 32:
        raise VisionError(f"imgsz {s.imgsz} must be a positive multiple of 32")
    if s.resize not in RESIZE_MODES:
        raise VisionError(f"resize {s.resize!r} must be one of {', '.join(RESIZE_MODES)}")
    if s.threads < 1:
        raise VisionError(f"threads {s.threads} must be at least 1")
    if s.max_det < 1:
        raise VisionError(f"max_det {s.max_det} must be at least 1")
    check_fov(s.horizontal_fov_deg)
    if not math.isfinite(s.mount_yaw_deg):
        raise VisionError(f"mount_yaw_deg {s.mount_yaw_deg} is not a number")


class Detector:
    """Loads the model once (clear error if missing) and runs it on BGR frames.

    Not thread-safe: one detector per worker thread. With ``track`` on, call it on the
    frames of one camera in order; :meth:`reset_tracks` starts a new sequence.
    """

    def __init__(self, settings: DetectorSettings | None = None) -> None:
        self.settings = s = settings or DetectorSettings()
        _check_settings(s)
        path = s.model_path()
        if not path.is_file():
            raise VisionError(
                f"model file not found: {path}; run `make setup` to install the default "
                "model, or set `model` to a model file you own"
            )
        self.model_path = path
        from ultralytics import YOLO
        from ultralytics.utils import SETTINGS

        if SETTINGS.get("sync"):
            SETTINGS.update(sync=False)  # no analytics events
        try:
            self._yolo = YOLO(str(path), task="detect")
        except Exception as exc:  # Ultralytics raises many types for bad files
            raise VisionError(f"cannot load model {path}: {exc}") from exc
        self._class_ids: list[int] | None = None
        # First call builds Ultralytics' predictor (and tracker); then names are known.
        blank = np.zeros((s.imgsz, s.imgsz, 3), np.uint8)
        self._run(blank)
        self.reset_tracks()
        self._set_threads()
        # Old darknet-era names (motorbike, aeroplane, …) read as the current COCO ones.
        self.names: dict[int, str] = {
            int(i): COCO_RENAMES.get(n, n) for i, n in self._yolo.predictor.model.names.items()
        }
        if s.classes:
            by_name = {n: i for i, n in self.names.items()}
            unknown = [c for c in s.classes if c not in by_name]
            if unknown:
                raise VisionError(
                    f"classes {unknown} are not in the model's {len(by_name)} classes "
                    f"(e.g. {', '.join(list(by_name)[:8])}, …)"
                )
            self._class_ids = sorted(by_name[c] for c in s.classes)

    def _set_threads(self) -> None:
        """Apply the thread setting after Ultralytics' set-up.

        Its device selection sets torch to (cores - 1) threads, and its ONNX Runtime
        session takes every core; the session is rebuilt with the setting.
        """
        import torch

        torch.set_num_threads(self.settings.threads)
        backend = getattr(self._yolo.predictor.model, "backend", None)
        session = getattr(backend, "session", None)
        if session is None or session.get_providers()[0] != "CPUExecutionProvider":
            return
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self.settings.threads
        options.inter_op_num_threads = 1
        backend.session = ort.InferenceSession(
            str(self.model_path), options, providers=["CPUExecutionProvider"]
        )

    def _run(self, image: np.ndarray) -> Any:
        s = self.settings
        kwargs: dict[str, Any] = dict(
            conf=s.confidence, iou=s.iou, imgsz=s.imgsz, classes=self._class_ids,
            max_det=s.max_det, device=s.device, verbose=False, save=False,
        )
        if s.track:
            return self._yolo.track(image, persist=True, tracker=s.tracker, **kwargs)[0]
        return self._yolo.predict(image, **kwargs)[0]

    def reset_tracks(self) -> None:
        """Forget every track (a new camera sequence starts)."""
        for tracker in getattr(self._yolo.predictor, "trackers", None) or []:
            tracker.reset()

    def detect(self, image: np.ndarray) -> DetectionResult:
        """Detections on one ``H×W×3`` BGR uint8 frame, boxes in that frame's pixels."""
        if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 \
                or image.shape[2] != 3:
            shape = getattr(image, "shape", None)
            raise ImageError(f"detector needs an H×W×3 uint8 BGR image, got {shape}")
        height, width = int(image.shape[0]), int(image.shape[1])
        if height == 0 or width == 0:
            raise ImageError(f"empty image ({width}×{height})")
        if height * width > self.settings.max_pixels:
            raise ImageError(
                f"image {width}×{height} is over the max_pixels limit {self.settings.max_pixels}"
            )
        start = time.perf_counter()
        sx = sy = 1.0
        frame = image
        if self.settings.resize == "stretch":
            import cv2

            size = self.settings.imgsz
            frame = cv2.resize(image, (size, size), interpolation=cv2.INTER_LINEAR)
            sx, sy = width / size, height / size
        result = self._run(frame)
        boxes = result.boxes
        xywh = boxes.xywh.cpu().numpy().astype(float)
        conf = boxes.conf.cpu().numpy().astype(float)
        cls = boxes.cls.cpu().numpy().astype(int)
        ids = boxes.id.cpu().numpy().astype(int) if boxes.id is not None else None
        detections = [
            Detection(
                class_name=self.names.get(int(c), str(int(c))),
                class_id=int(c),
                score=float(p),
                track_id=int(ids[i]) if ids is not None else NO_TRACK,
                center_x_px=float(b[0] * sx),
                center_y_px=float(b[1] * sy),
                width_px=float(b[2] * sx),
                height_px=float(b[3] * sy),
                bearing_deg=bearing_deg(float(b[0] * sx), width,
                                        horizontal_fov_deg=self.settings.horizontal_fov_deg,
                                        mount_yaw_deg=self.settings.mount_yaw_deg),
            )
            for i, (b, p, c) in enumerate(zip(xywh, conf, cls, strict=True))
        ]
        elapsed = (time.perf_counter() - start) * 1000.0
        return DetectionResult(
            detections=detections,
            image_width_px=width,
            image_height_px=height,
            inference_time_ms=elapsed,
            model=self.model_path.name,
            speed_ms={k: float(v) for k, v in (result.speed or {}).items() if v is not None},
        )


def draw_detections(image: np.ndarray, result: DetectionResult) -> np.ndarray:
    """A copy of ``image`` with boxes and labels, drawn with OpenCV (no font download)."""
    import cv2

    out = image.copy()
    for d in result.detections:
        x1, y1, x2, y2 = (round(v) for v in d.xyxy)
        hue = (d.class_id * 47) % 180
        color = tuple(int(c) for c in cv2.cvtColor(np.uint8([[[hue, 220, 230]]]),
                                                   cv2.COLOR_HSV2BGR)[0, 0])
        cv2.rectangle(out, (x1, y1), (x2, y2), color, 2)
        label = f"{d.class_name} {d.score:.2f}"
        if d.track_id != NO_TRACK:
            label += f" #{d.track_id}"
        (tw, th), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1)
        top = max(y1 - th - base - 2, 0)
        cv2.rectangle(out, (x1, top), (x1 + tw + 4, top + th + base + 2), color, -1)
        cv2.putText(out, label, (x1 + 2, top + th + 1), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                    (0, 0, 0), 1, cv2.LINE_AA)
    return out
