"""Model fixtures: the GGUFs come from data_dir()/models, installed by the assets code when
absent (the same code `make setup` runs)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit_ai.paths import data_dir


@pytest.fixture(scope="session")
def qwen_path() -> Path:
    from cockpit_ai.planner.assets import install_qwen, model_path

    path = model_path(data_dir(), "qwen2.5-coder-1.5b")
    if not path.exists():
        install_qwen(data_dir())
    return path


@pytest.fixture(scope="session")
def smol_path() -> Path:
    from cockpit_ai.planner.assets import install_smollm2, model_path

    path = model_path(data_dir(), "smollm2-135m")
    if not path.exists():
        install_smollm2(data_dir())
    return path


@pytest.fixture(scope="session")
def edge(qwen_path: Path) -> Iterator[object]:
    """One Qwen2.5-Coder-1.5B edge back end shared by the model tests (loads once)."""
    from cockpit_ai.planner.assets import models_dir
    from cockpit_ai.planner.backends import EdgeBackend, EdgeSettings

    # the prompt states `make setup` kept: each module's warm-up loads them (seconds each)
    yield EdgeBackend(EdgeSettings(model_path=qwen_path, n_threads=2,
                                   state_dir=models_dir(data_dir())))
