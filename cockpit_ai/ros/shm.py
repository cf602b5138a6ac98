"""Removes Fast DDS shared-memory files that no running process uses any more.

A process killed with SIGKILL (a crash, an OOM kill, a CI time-out) leaves its segments and
port files in /dev/shm. A new process that gets the same port number can then lose every
message sent to it over shared memory: seen here as a planner that never received the
landmark node's replies for a whole run, while the other direction worked. Fast DDS's own
`fastdds shm clean` is not in the pip wheels, so the launcher, the demo and the tests call
this before they start nodes.
"""

from __future__ import annotations

import os
from pathlib import Path

import psutil

SHM = Path("/dev/shm")
#: Set to "1" where another process of this machine may be starting participants right now
#: (the demo's launcher, after the demo cleaned; parallel test workers): a file created but
#: not yet mapped would look unused and be deleted under it.
NO_CLEAN_ENV = "COCKPIT_NO_SHM_CLEAN"


def _in_use(shm: Path = SHM) -> set[str]:
    """Names of files in ``shm`` that some live process has open or mapped."""
    prefix = f"{shm}/"
    used: set[str] = set()
    for proc in psutil.process_iter():
        try:
            paths = [m.path for m in proc.memory_maps(grouped=False)]
            paths += [f.path for f in proc.open_files()]
        except (psutil.Error, OSError):
            continue  # the process ended meanwhile, or is not ours to read
        used.update(p[len(prefix) :].split(" ")[0] for p in paths if p.startswith(prefix))
    return used


def clean_stale_fastdds_files(shm: Path = SHM) -> list[str]:
    """Delete fastdds_* and sem.fastdds_* files that no process holds; returns their names.
    Nothing in /dev/shm is touched when ``COCKPIT_NO_SHM_CLEAN=1`` (``NO_CLEAN_ENV``)."""
    if shm == SHM and os.environ.get(NO_CLEAN_ENV) == "1":
        return []
    if not shm.is_dir():
        return []
    candidates = [p for p in shm.iterdir()
                  if p.name.startswith(("fastdds_", "sem.fastdds_"))]
    if not candidates:
        return []
    used = _in_use(shm)
    removed = []
    for path in candidates:
        base = path.name.removesuffix("_el")
        if path.name in used or base in used or f"{base}_el" in used:
            continue
        try:
            path.unlink()
            removed.append(path.name)
        except OSError:
            continue  # another user's file, or already gone
    return removed
