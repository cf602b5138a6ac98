"""Camera/file sources: folders, lists and video files at a set rate, looping."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from cockpit_ai.vision.sources import SourceError, open_source


@pytest.fixture
def folder(tmp_path: Path, bus: np.ndarray) -> Path:
    import cv2

    for i in range(3):  # three different crops of a real photo
        cv2.imwrite(str(tmp_path / f"frame_{i:02d}.png"), bus[100 * i : 100 * i + 240, :320])
    return tmp_path


def test_folder_in_name_order(folder: Path, bus: np.ndarray) -> None:
    with open_source(str(folder)) as src:
        frames = list(src)
    assert [f.index for f in frames] == [0, 1, 2]
    assert np.array_equal(frames[2].image, bus[200:440, :320])


def test_loop_and_rate(folder: Path) -> None:
    paths = sorted(folder.glob("*.png"))
    with open_source(paths, rate_hz=50, loop=True) as src:
        start = time.monotonic()
        frames = []
        for frame in src:
            frames.append(frame)
            if len(frames) == 11:
                break
        elapsed = time.monotonic() - start
    assert np.array_equal(frames[0].image, frames[3].image)  # looped
    assert 0.18 <= elapsed < 1.0  # 10 intervals at 50 Hz


def test_video_file(tmp_path: Path, bus: np.ndarray) -> None:
    import cv2

    path = tmp_path / "drive.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (320, 240))
    for i in range(5):
        writer.write(np.ascontiguousarray(bus[10 * i : 10 * i + 240, :320]))
    writer.release()
    with open_source(str(path)) as src:
        frames = list(src)
    assert len(frames) == 5 and frames[0].image.shape == (240, 320, 3)
    with open_source(str(path), loop=True) as src:
        count = sum(1 for _, _ in zip(range(12), src, strict=False))
    assert count == 12


def test_bad_sources_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="source not found"):
        open_source(str(tmp_path / "nope.mp4"))
    with pytest.raises(SourceError, match="holds no images"):
        open_source(str(tmp_path))
    with pytest.raises(SourceError, match="rate -1"):
        open_source([], rate_hz=-1)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image")
    with pytest.raises(SourceError, match="cannot read image"):
        list(open_source(str(bad)))
    with pytest.raises(SourceError, match="cannot open camera device"):
        open_source("/dev/video99")
