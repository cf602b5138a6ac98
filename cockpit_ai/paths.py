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
    """Install prefixes to search, in order: the ament index's (AMENT_PREFIX_PATH), then this
    interpreter's (``make setup`` installs into the venv prefix without sourcing a workspace)."""
    from ament_index_python.search_paths import get_search_paths

    try:
        found = [Path(p) for p in get_search_paths()]
    except OSError:  # AMENT_PREFIX_PATH unset: no sourced workspace
        found = []
    found.append(Path(sys.prefix))
    return list(dict.fromkeys(found))


def package_prefix(package: str = PACKAGE) -> Path:
    """The install prefix of ``package``, as ``$(find-pkg-prefix package)`` resolves it: the
    ament index (ament_index_python) first, then this interpreter's prefix."""
    from ament_index_python.packages import PackageNotFoundError, get_package_prefix

    try:
        return Path(get_package_prefix(package))
    except (PackageNotFoundError, OSError, ValueError):
        pass
    for prefix in prefixes():
        marker = prefix / "share" / "ament_index" / "resource_index" / "packages" / package
        if marker.exists() or (prefix / "share" / package / "package.xml").exists():
            return prefix
    raise FileNotFoundError(
        f"package '{package}' not found in any prefix ({', '.join(map(str, prefixes()))}); "
        "run `make setup` or source the ROS 2 workspace that installed it"
    )


def package_share(package: str = PACKAGE) -> Path:
    """The ``share/<package>`` folder, as ``$(find-pkg-share package)`` resolves it."""
    return package_prefix(package) / "share" / package


def package_lib(package: str = PACKAGE) -> Path:
    """The ``lib/<package>`` folder holding a package's node executables."""
    candidate = package_prefix(package) / "lib" / package
    if not candidate.is_dir():
        raise FileNotFoundError(f"no lib/{package} folder in {candidate.parent.parent}")
    return candidate


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
