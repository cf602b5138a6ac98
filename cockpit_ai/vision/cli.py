"""``cockpit-ai detect IMAGE…``: the vision core on image files, without ROS."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cockpit_ai.vision import VisionError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the vision subcommands; their defaults are the core's (DetectorSettings)."""
    from cockpit_ai.vision.detector import DetectorSettings

    d = DetectorSettings()
    p = sub.add_parser(
        "detect",
        help="detect objects in image files with the vision core (YOLO, offline)",
        description="Run the vision detector on image files and print what it finds. "
        "The default model is the one `make setup` installs (yolov3-tiny, COCO).",
    )
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files (jpg, png, …)")
    p.add_argument("--model", default="", metavar="PATH",
                   help="model file (.onnx or Ultralytics .pt); default: the installed yolov3-tiny")
    p.add_argument("--json", action="store_true", help="print one JSON object per image")
    p.add_argument("--camera", choices=("all", "road", "cabin"), default="all",
                   help="keep only the classes that camera is for (default: all classes)")
    p.add_argument("--classes", default="", metavar="NAMES",
                   help="comma-separated class names to keep (overrides --camera)")
    p.add_argument("--conf", type=float, default=d.confidence,
                   help=f"minimum confidence (default {d.confidence})")
    p.add_argument("--iou", type=float, default=d.iou,
                   help=f"NMS IoU threshold (default {d.iou})")
    p.add_argument("--imgsz", type=int, default=d.imgsz,
                   help=f"model input size (default {d.imgsz})")
    p.add_argument("--resize", choices=("letterbox", "stretch"), default=d.resize,
                   help=f"letterbox keeps the aspect ratio, stretch is darknet's "
                   f"(default {d.resize})")
    p.add_argument("--threads", type=int, default=d.threads,
                   help=f"CPU threads for the model (default {d.threads})")
    p.add_argument("--hfov", type=float, default=d.horizontal_fov_deg,
                   help="the camera's horizontal field of view in degrees, for each "
                   f"object's bearing (default {d.horizontal_fov_deg:g})")
    p.add_argument("--mount-yaw", type=float, default=d.mount_yaw_deg,
                   help="the camera's yaw against the car's forward axis in degrees, + = "
                   f"right (default {d.mount_yaw_deg:g})")
    p.add_argument("--annotate", metavar="DIR", default="",
                   help="also write each image with boxes drawn into DIR")
    p.set_defaults(func=_detect)


def _detect(args: argparse.Namespace) -> int:
    import cv2

    from cockpit_ai.vision.detector import (
        CAMERA_CLASSES,
        Detector,
        DetectorSettings,
        draw_detections,
    )

    if args.classes:
        classes = tuple(c.strip() for c in args.classes.split(",") if c.strip())
    else:
        classes = CAMERA_CLASSES.get(args.camera, ())
    try:
        detector = Detector(DetectorSettings(
            model=args.model, classes=classes, confidence=args.conf, iou=args.iou,
            imgsz=args.imgsz, resize=args.resize, threads=args.threads,
            horizontal_fov_deg=args.hfov, mount_yaw_deg=args.mount_yaw,
        ))
    except VisionError as exc:
        print(f"cockpit-ai detect: {exc}", file=sys.stderr)
        return 2
    out_dir = Path(args.annotate) if args.annotate else None
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
    status = 0
    for name in args.images:
        image = cv2.imread(name, cv2.IMREAD_COLOR)
        if image is None:
            print(f"cockpit-ai detect: cannot read image {name}", file=sys.stderr)
            status = 1
            continue
        try:
            result = detector.detect(image)
        except VisionError as exc:
            print(f"cockpit-ai detect: {name}: {exc}", file=sys.stderr)
            status = 1
            continue
        if args.json:
            print(json.dumps({"image": name, **result.to_dict()}))
        else:
            print(f"{name}: {len(result.detections)} objects, {result.inference_time_ms:.1f} ms")
            for d in result.detections:
                print(f"  {d.class_name:<14} {d.score:.2f}  centre ({d.center_x_px:.0f}, "
                      f"{d.center_y_px:.0f})  size {d.width_px:.0f}×{d.height_px:.0f}  "
                      f"bearing {d.bearing_deg:+.0f}°")
        if out_dir:
            cv2.imwrite(str(out_dir / Path(name).name), draw_detections(image, result))
    return status
