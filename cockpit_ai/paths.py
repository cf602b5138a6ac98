"""Where the package finds its installed share files and the offline models and data.

One place decides, so a node, the CLI and the tests agree. Setup installs into the venv
prefix; on a colcon/ROS install the ament index prefix is used; ``COCKPIT_AI_DATA`` moves
the models and data elsewhere (e.g. a bigger disk on the vehicle computer).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PACKAGE = "cockpit_ai"


def prefixes() -> list[Path]:
    """Install prefixes to search, in order: AMENT_PREFIX_PATH, then this interpreter's."""
    found: list[Path] = []
    for entry in os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep):
        if entry:
            found.append(Path(entry))
    found.append(Path(sys.prefix))
    unique: list[Path] = []
    for p in found:
        if p not in unique:
            unique.append(p)
    return unique


def package_share(package: str = PACKAGE) -> Path:
    """The ``share/<package>`` folder, as ``$(find-pkg-share package)`` resolves it."""
    for prefix in prefixes():
        candidate = prefix / "share" / package
        if (candidate / "package.xml").exists() or (
            prefix / "share" / "ament_index" / "resource_index" / "packages" / package
        ).exists():
            return candidate
    raise FileNotFoundError(
        f"package '{package}' not found in any prefix ({', '.join(map(str, prefixes()))}); "
        "run `make setup` or source the ROS 2 workspace that installed it"
    )


def package_lib(package: str = PACKAGE) -> Path:
    """The ``lib/<package>`` folder holding a package's node executables."""
    for prefix in prefixes():
        candidate = prefix / "lib" / package
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"no lib/{package} folder in {', '.join(map(str, prefixes()))}")


def data_dir() -> Path:
    """Folder with the offline models and data that setup installs."""
    env = os.environ.get("COCKPIT_AI_DATA")
    if env:
        return Path(env)
    return Path(sys.prefix) / "share" / PACKAGE / "data"


def config_dir() -> Path:
    """The installed ``config/`` folder with the default parameter files."""
    return package_share() / "config"


def cockpit_command() -> list[str]:
    """The installed ``cockpit-ai`` command (beside this Python), for subprocesses."""
    exe = Path(sys.executable).parent / "cockpit-ai"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cockpit_ai.cli"]
