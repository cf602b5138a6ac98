"""Frames from a camera device, a video file, or image files, at a set rate.

One interface for the camera node and for tests: iterate a :class:`FrameSource` and get
:class:`Frame` objects holding BGR numpy images. Files can loop (a replayed drive), and a
rate paces them like a real camera. OpenCV (``opencv-python-headless``) does the reading.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cockpit_ai.vision import VisionError
from cockpit_ai.vision.images import DEFAULT_MAX_PIXELS, ImageError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm"}
VIDEO_SUFFIXES = {".mp4", ".avi", ".mkv", ".mov", ".webm", ".m4v", ".mpg", ".mpeg"}


class SourceError(VisionError):
    """A camera or file source that cannot be opened or read."""


@dataclass
class Frame:
    """One BGR image from a source; ``index`` counts frames delivered since open."""

    image: np.ndarray
    index: int
    source: str
    time_s: float  # time.time() when the frame was read


def _paced(rate_hz: float | None) -> Iterator[None]:
    """Yields once per tick of ``rate_hz`` (monotonic clock, no drift); at once when None."""
    if not rate_hz:
        while True:
            yield
    period = 1.0 / rate_hz
    next_tick = time.monotonic()
    while True:
        delay = next_tick - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            next_tick = time.monotonic()  # behind: restart the schedule, do not burst
        yield
        next_tick += period


class FrameSource:
    """Base: iterate for frames; ``close`` releases the device. A context manager."""

    name = "source"

    def __init__(self, *, rate_hz: float | None = None, loop: bool = False,
                 max_pixels: int = DEFAULT_MAX_PIXELS) -> None:
        if rate_hz is not None and rate_hz <= 0:
            raise SourceError(f"rate {rate_hz} Hz must be positive (or unset for as fast as read)")
        self.rate_hz = rate_hz
        self.loop = loop
        self.max_pixels = max_pixels

    def _frames(self) -> Iterator[np.ndarray]:
        raise NotImplementedError

    def _check(self, image: np.ndarray, what: str) -> np.ndarray:
        h, w = image.shape[:2]
        if h * w > self.max_pixels:
            raise ImageError(f"{what}: {w}×{h} is over the max_pixels limit {self.max_pixels}")
        if image.ndim == 2:
            image = np.repeat(image[:, :, None], 3, axis=2)
        return image

    def __iter__(self) -> Iterator[Frame]:
        ticks = _paced(self.rate_hz)
        for index, image in enumerate(self._frames()):
            next(ticks)
            yield Frame(image, index, self.name, time.time())

    def close(self) -> None:
        """Release what the source holds."""

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ImageFilesSource(FrameSource):
    """Image files (a folder's images in name order, or an explicit list) as frames."""

    def __init__(self, paths: Sequence[Path], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.paths = [Path(p) for p in paths]
        if not self.paths:
            raise SourceError("no image files given")
        for p in self.paths:
            if not p.is_file():
                raise SourceError(f"image file not found: {p}")
        self.name = str(self.paths[0].parent if len(self.paths) > 1 else self.paths[0])

    def _frames(self) -> Iterator[np.ndarray]:
        import cv2

        cache: dict[Path, np.ndarray] = {}
        while True:
            for p in self.paths:
                image = cache.get(p)
                if image is None:
                    image = cv2.imread(str(p), cv2.IMREAD_COLOR)
                    if image is None:
                        raise SourceError(f"cannot read image {p} (not an image or corrupt)")
                    image = self._check(image, str(p))
                    if self.loop and len(cache) < 64:
                        cache[p] = image
                yield image
            if not self.loop:
                return


class CaptureSource(FrameSource):
    """A camera device or a video file through ``cv2.VideoCapture``."""

    def __init__(self, target: int | str, *, is_file: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        import cv2

        self.target = target
        self.is_file = is_file
        self.name = str(target)
        if is_file and not Path(str(target)).is_file():
            raise SourceError(f"video file not found: {target}")
        self._cap = cv2.VideoCapture(target)
        if not self._cap.isOpened():
            what = "video file" if is_file else "camera device"
            raise SourceError(
                f"cannot open {what} {target!r}; check that it exists and is not in use"
            )
        fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 0.0)
        # Reported, not applied: files play as fast as read unless a rate is asked for.
        self.native_fps = fps if 0 < fps < 1000 else None

    def _frames(self) -> Iterator[np.ndarray]:
        import cv2

        delivered = 0
        while True:
            ok, image = self._cap.read()
            if ok and image is not None:
                delivered += 1
                yield self._check(image, self.name)
                continue
            if not self.is_file:
                raise SourceError(f"camera {self.target!r} stopped delivering frames")
            if not self.loop or delivered == 0:
                if delivered == 0:
                    raise SourceError(f"video file {self.target} has no readable frames")
                return
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            delivered = 0

    def close(self) -> None:
        self._cap.release()


def open_source(
    spec: str | int | Path | Sequence[str | Path],
    *,
    rate_hz: float | None = None,
    loop: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> FrameSource:
    """Open a source from a setting value.

    ``spec``: a camera index (``0`` or ``"0"``), a device path (``/dev/video0``), a video
    file, an image file, a folder of images, or a list of image files.
    """
    kwargs: dict[str, Any] = {"rate_hz": rate_hz, "loop": loop, "max_pixels": max_pixels}
    if isinstance(spec, (list, tuple)):
        return ImageFilesSource([Path(p) for p in spec], **kwargs)
    if isinstance(spec, int) or (isinstance(spec, str) and spec.strip().isdigit()):
        return CaptureSource(int(spec), is_file=False, **kwargs)
    text = str(spec).strip()
    if not text:
        raise SourceError("empty source: give a camera index, device, video, image or folder")
    if text.startswith("/dev/"):
        return CaptureSource(text, is_file=False, **kwargs)
    path = Path(text).expanduser()
    if path.is_dir():
        images = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not images:
            kinds = ", ".join(sorted(IMAGE_SUFFIXES))
            raise SourceError(f"folder {path} holds no images ({kinds})")
        return ImageFilesSource(images, **kwargs)
    if not path.exists():
        raise SourceError(f"source not found: {path}")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageFilesSource([path], **kwargs)
    return CaptureSource(str(path), is_file=True, **kwargs)
