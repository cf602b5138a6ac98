"""Vision benchmark: the detector core against a plain Ultralytics ``predict`` loop.

Same frames (crops of the photos shipped in the Ultralytics wheel), same model, same run,
rounds interleaved so a busy machine hurts both alike. Prints frames per second, latency
p50/p95, the ratio core / plain (goal ≥ 0.9), CPU threads and memory; then tracking, and
the newest-frame worker fed by a 30 Hz source (results per second, drops, latency).

    python bench/vision_bench.py [--model PATH] [--frames 12] [--rounds 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import threading
import time
from pathlib import Path

import numpy as np

from cockpit_ai.vision.detector import Detector, DetectorSettings  # sets offline env first


def frames_from_photos(count: int) -> list[np.ndarray]:
    """Distinct 640×480 crops of bus.jpg and zidane.jpg (a camera-sized frame each)."""
    import cv2

    from cockpit_ai.vision.assets import sample_image

    photos = [cv2.imread(str(sample_image(n))) for n in ("bus.jpg", "zidane.jpg")]
    out = []
    for i in range(count):
        photo = photos[i % 2]
        h, w = photo.shape[:2]
        x = (37 * i) % max(w - 640, 1)
        y = (23 * i) % max(h - 480, 1)
        out.append(np.ascontiguousarray(photo[y : y + 480, x : x + 640]))
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def rss_mb() -> float:
    """Current resident memory of this process (MB)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="", help="model file (default: installed yolov3-tiny)")
    parser.add_argument("--frames", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--worker-seconds", type=float, default=4.0)
    args = parser.parse_args()

    import torch
    from ultralytics import YOLO

    frames = frames_from_photos(args.frames)
    rss0 = rss_mb()
    settings = DetectorSettings(model=args.model, threads=args.threads)
    core = Detector(settings)
    path = str(core.model_path)
    rss_core = rss_mb()
    torch_threads = torch.get_num_threads()  # Ultralytics' next set-up resets it to cores - 1
    plain = YOLO(path, task="detect")
    kwargs = dict(conf=settings.confidence, iou=settings.iou, imgsz=settings.imgsz,
                  device="cpu", verbose=False)
    plain.predict(frames[0], **kwargs)  # warm-up, as the core did at construction

    lat_core: list[float] = []
    lat_plain: list[float] = []
    wall_core = wall_plain = 0.0
    for _ in range(args.rounds):
        start = time.perf_counter()
        for f in frames:
            t = time.perf_counter()
            core.detect(f)
            lat_core.append((time.perf_counter() - t) * 1000)
        wall_core += time.perf_counter() - start
        start = time.perf_counter()
        for f in frames:
            t = time.perf_counter()
            plain.predict(f, **kwargs)
            lat_plain.append((time.perf_counter() - t) * 1000)
        wall_plain += time.perf_counter() - start
    n = len(frames) * args.rounds
    fps_core, fps_plain = n / wall_core, n / wall_plain
    session = core._yolo.predictor.model.backend.session
    import os

    print(f"model {Path(path).name}, {n} frames 640×480 per side, {args.rounds} interleaved "
          f"rounds; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"  core detector : {fps_core:6.2f} FPS  p50 {pct(lat_core, 50):6.1f} ms  "
          f"p95 {pct(lat_core, 95):6.1f} ms")
    print(f"  plain predict : {fps_plain:6.2f} FPS  p50 {pct(lat_plain, 50):6.1f} ms  "
          f"p95 {pct(lat_plain, 95):6.1f} ms")
    print(f"  ratio core/plain: {fps_core / fps_plain:.2f} (goal ≥ 0.9)")
    print(f"  threads: torch {torch_threads}, onnxruntime intra-op "
          f"{session.get_session_options().intra_op_num_threads}, process "
          f"{threading.active_count()} Python threads")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  memory: RSS {rss0:.0f} MB before, {rss_core:.0f} MB with the core loaded, "
          f"{rss_mb():.0f} MB now, peak {peak:.0f} MB")

    tracker = Detector(DetectorSettings(model=args.model, threads=args.threads, track=True))
    lat_track = []
    for f in frames:
        t = time.perf_counter()
        tracker.detect(f)
        lat_track.append((time.perf_counter() - t) * 1000)
    print(f"  tracking (ByteTrack): p50 {pct(lat_track, 50):.1f} ms per frame")

    # What the resize mode changes: detections on the two full photographs.
    import cv2

    from cockpit_ai.vision.assets import sample_image

    for mode in ("letterbox", "stretch"):
        det = Detector(DetectorSettings(model=args.model, threads=args.threads, resize=mode))
        parts = []
        for name in ("bus.jpg", "zidane.jpg"):
            found = det.detect(cv2.imread(str(sample_image(name)))).detections
            kinds = sorted({d.class_name for d in found})
            summary = ", ".join(
                f"{k}×{sum(d.class_name == k for d in found)} "
                f"(max {max(d.score for d in found if d.class_name == k):.2f})" for k in kinds
            )
            parts.append(f"{name}: {summary or 'nothing'}")
        print(f"  resize={mode}: " + "; ".join(parts))

    # A 30 Hz source into the newest-frame worker: fresh results, no backlog.
    from cockpit_ai.workers import LatestWorker

    ages: list[float] = []

    def process(item: tuple[np.ndarray, float]) -> float:
        core.detect(item[0])
        return time.monotonic()

    def on_result(item: tuple[np.ndarray, float], finished: float) -> None:
        ages.append((finished - item[1]) * 1000)

    worker: LatestWorker[tuple[np.ndarray, float], float] = LatestWorker(
        process, on_result=on_result
    )
    with worker:
        start = time.monotonic()
        i = 0
        while time.monotonic() - start < args.worker_seconds:
            worker.submit((frames[i % len(frames)], time.monotonic()))
            i += 1
            time.sleep(max(0.0, start + i / 30 - time.monotonic()))
        elapsed = time.monotonic() - start
        time.sleep(0.5)
    s = worker.stats
    print(f"  30 Hz source for {elapsed:.1f} s: {s.submitted} frames, {s.processed} results "
          f"({s.processed / elapsed:.1f}/s), {s.dropped} dropped; frame age at result "
          f"p50 {statistics.median(ages):.0f} ms, p95 {pct(ages, 95):.0f} ms, "
          f"max {max(ages):.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
