"""Helpers shared by the areas' asset installers: file SHA-256 and one ``pip download``."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file (``hashlib.file_digest``, read in blocks)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def pip_download(
    spec: str, dest: Path | str, *, sdist: bool = False
) -> subprocess.CompletedProcess[str]:
    """``pip download`` one distribution without dependencies into ``dest``: the wheel
    (``--only-binary``), or with ``sdist=True`` the source archive (``--no-binary``).
    Nothing is installed or run; the caller checks the return code and the file."""
    kind = "--no-binary" if sdist else "--only-binary"
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", kind, ":all:",
           "--disable-pip-version-check", "-q", "-d", str(dest), spec]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, check=False)
