"""Per-frame cost of the fatigue pipeline at 640x480 beside MediaPipe's raw FaceMesh.process.

Frames: real face photos shipped in packages (ultralytics' zidane.jpg cropped to 640x480
around a face; matplotlib's grace_hopper.jpg padded to 640x480), with a little camera
shake and some frames with the eyes painted shut, as a video would show them. Both runs
use the mesh in tracking mode (video) on the same frames. The process is pinned to one
CPU core (``--cores``) to answer: does it keep up with 15 FPS on one core?

    python bench/fatigue_bench.py [--frames 300] [--cores 1]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("GLOG_minloglevel", "2")
warnings.filterwarnings("ignore", category=UserWarning, module="google.protobuf")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from cockpit_ai.fatigue import FatigueEstimator, IndicatorSettings  # noqa: E402
from cockpit_ai.fatigue.face import FaceAnalyzer  # noqa: E402
from cockpit_ai.fatigue.synth import close_eyes  # noqa: E402


def photos() -> dict[str, np.ndarray]:
    """Two real faces at 640x480."""
    from matplotlib import cbook

    spec = importlib.util.find_spec("ultralytics")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("ultralytics (sample photos) is not installed: run `make setup`")
    zidane = cv2.imread(str(Path(next(iter(spec.submodule_search_locations)))
                            / "assets" / "zidane.jpg"))
    grace = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    padded = np.full((480, 640, 3), 90, np.uint8)
    padded[:, 114:526] = cv2.resize(grace, (412, 480))
    return {"zidane": np.ascontiguousarray(zidane[0:480, 640:1280]), "grace": padded}


def make_frames(image: np.ndarray, count: int) -> list[np.ndarray]:
    """A 'video': small shifts, a blink (3 shut frames) every 40 frames."""
    with FaceAnalyzer(static=True) as analyzer:
        landmarks = analyzer.measure(image, t=0.0).landmarks
    if landmarks is None:
        raise SystemExit("the face mesh found no face in a benchmark photo")
    shut = close_eyes(image, landmarks)
    frames = []
    for i in range(count):
        base = shut if i % 40 in (20, 21, 22) else image
        frames.append(np.ascontiguousarray(np.roll(base, (i % 5) - 2, axis=1)))
    return frames


def time_raw(frames: list[np.ndarray]) -> tuple[list[float], float]:
    """Raw FaceMesh.process on RGB frames (colour conversion not counted)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from mediapipe.python.solutions import face_mesh

        mesh = face_mesh.FaceMesh(static_image_mode=False, max_num_faces=3,
                                  refine_landmarks=True)
    rgbs = [cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for f in frames]
    mesh.process(rgbs[0])                               # warm-up
    wall = []
    cpu0 = time.process_time()
    for rgb in rgbs:
        t0 = time.perf_counter()
        mesh.process(rgb)
        wall.append((time.perf_counter() - t0) * 1000.0)
    cpu = (time.process_time() - cpu0) * 1000.0 / len(rgbs)
    mesh.close()
    return wall, cpu


def time_pipeline(frames: list[np.ndarray]) -> tuple[list[float], float, int]:
    """FaceAnalyzer.measure (BGR in: checks, conversion, mesh, EAR/MAR/pose) + fusion."""
    settings = IndicatorSettings(calibration_s=2.0, calibration_min_frames=10)
    estimator = FatigueEstimator(indicator_settings=settings)
    with FaceAnalyzer() as analyzer:
        analyzer.measure(frames[0], t=0.0)                # warm-up
        wall = []
        cpu0 = time.process_time()
        for i, frame in enumerate(frames):
            t0 = time.perf_counter()
            result = analyzer.measure(frame, t=i / 15.0)
            estimator.update(result.measures)
            wall.append((time.perf_counter() - t0) * 1000.0)
        cpu = (time.process_time() - cpu0) * 1000.0 / len(frames)
    return wall, cpu, estimator.tracker.blinks


def describe(wall: list[float]) -> str:
    ordered = sorted(wall)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (f"mean {statistics.fmean(wall):6.2f} ms  median {statistics.median(wall):6.2f} ms  "
            f"p95 {p95:6.2f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300, help="frames per photo")
    parser.add_argument("--cores", type=int, default=1, help="CPU cores to pin to (0 = all)")
    args = parser.parse_args()
    if args.cores > 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[:args.cores]))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"fatigue bench: 640x480, tracking mode, {args.frames} frames per photo, "
          f"{cores} core(s)")
    for name, image in photos().items():
        frames = make_frames(image, args.frames)
        raw, raw_cpu = time_raw(frames)
        ours, our_cpu, blinks = time_pipeline(frames)
        ratio = statistics.fmean(ours) / statistics.fmean(raw)
        fps = 1000.0 / statistics.fmean(ours)
        print(f"  {name}:")
        print(f"    raw FaceMesh.process      {describe(raw)}  cpu {raw_cpu:6.2f} ms/frame")
        print(f"    landmarks + indicators    {describe(ours)}  cpu {our_cpu:6.2f} ms/frame")
        print(f"    ratio {ratio:.2f}x raw; {fps:.0f} FPS possible "
              f"({'keeps up with' if fps >= 15 else 'too slow for'} 15 FPS); "
              f"blinks seen {blinks} of {len(range(20, args.frames, 40))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
