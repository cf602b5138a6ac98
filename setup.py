"""``pip install .`` for cockpit_ai: the build step runs the same CMake build as colcon.

The package is an ament_cmake package (rosidl messages + a Python package), so colcon and
``make setup`` use CMakeLists.txt directly. This file lets pip build a wheel from it too:
CMake configures, builds and installs into a staging prefix, and the wheel carries the
Python package (with the generated ``cockpit_ai.msg``), the message libraries (``lib/``), the
node executables (``lib/cockpit_ai``) and the share files, laid out relative to the
environment prefix exactly as a ROS 2 install expects. Build it with the ROS 2 wheels
already installed in the environment: ``pip install --no-build-isolation .``
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
STAGING = ROOT / "build" / "pip-staging"
SITE_REL = Path(sysconfig.get_paths()["purelib"]).relative_to(sys.prefix)


def cmake_install() -> None:
    """Configure, build and install the CMake project into STAGING."""
    env = dict(os.environ)
    env["AMENT_PREFIX_PATH"] = os.pathsep.join(
        p for p in (sys.prefix, env.get("AMENT_PREFIX_PATH", "")) if p)
    build = ROOT / "build" / "pip-cmake"
    subprocess.check_call([
        "cmake", "-S", str(ROOT), "-B", str(build), "-Wno-dev",
        f"-DCMAKE_INSTALL_PREFIX={STAGING}", f"-DCMAKE_PREFIX_PATH={sys.prefix}",
        f"-DPython3_EXECUTABLE={sys.executable}", f"-DCOCKPIT_PYTHON={sys.executable}",
        "-DBUILD_TESTING=OFF"], env=env)
    subprocess.check_call(["cmake", "--build", str(build), "-j2"], env=env)
    subprocess.check_call(["cmake", "--install", str(build)], env=env)


def staged_data_files() -> list[tuple[str, list[str]]]:
    """Everything CMake installed outside site-packages, relative to the prefix."""
    groups: dict[str, list[str]] = {}
    for path in sorted(STAGING.rglob("*")):
        if not path.is_file() or path.is_relative_to(STAGING / SITE_REL):
            continue
        rel = path.relative_to(STAGING)
        groups.setdefault(str(rel.parent), []).append(str(path))
    return sorted(groups.items())


class BuildWithCMake(build_py):
    """Copies the CMake-installed Python package (with generated messages) into the wheel."""

    def run(self) -> None:
        import shutil

        target = Path(self.build_lib) / "cockpit_ai"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(STAGING / SITE_REL / "cockpit_ai", target,
                        ignore=shutil.ignore_patterns("__pycache__"))


BUILDING = any(cmd in sys.argv for cmd in ("bdist_wheel", "build", "install", "build_py",
                                           "editable_wheel", "develop"))
if BUILDING:
    cmake_install()

setup(
    name="cockpit_ai",
    version="0.1.0",
    description="In-car AI co-pilot as ROS 2 nodes: speech, vision, landmarks, fatigue, LLM.",
    license="Apache-2.0",
    python_requires=">=3.10",
    packages=["cockpit_ai"],
    cmdclass={"build_py": BuildWithCMake},
    data_files=staged_data_files() if BUILDING else [],
    zip_safe=False,
)
