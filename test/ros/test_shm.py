"""Stale Fast DDS shared-memory files are removed; files a live process holds are kept."""

from __future__ import annotations

import mmap
from pathlib import Path

from cockpit_ai.ros.shm import clean_stale_fastdds_files


def test_only_unused_fastdds_files_are_removed(tmp_path: Path) -> None:
    for name in ("fastdds_port7411", "fastdds_port7411_el", "fastdds_abc", "sem.fastdds_x",
                 "fastdds_held", "fastdds_held_el", "fastdds_mapped", "other_file"):
        (tmp_path / name).write_bytes(b"\0" * 4096)
    held = (tmp_path / "fastdds_held_el").open("rb")  # an open lock file: owner alive
    with (tmp_path / "fastdds_mapped").open("r+b") as f:
        mapped = mmap.mmap(f.fileno(), 4096)  # a mapped segment: owner alive
    try:
        removed = clean_stale_fastdds_files(tmp_path)
    finally:
        held.close()
        mapped.close()
    assert sorted(removed) == ["fastdds_abc", "fastdds_port7411", "fastdds_port7411_el",
                               "sem.fastdds_x"]
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["fastdds_held", "fastdds_held_el", "fastdds_mapped", "other_file"]
