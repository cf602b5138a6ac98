"""The small chat model for the privacy tests that need a planner with a model."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def smol_path() -> Path:
    from cockpit_ai.paths import data_dir
    from cockpit_ai.planner.assets import install_smollm2, model_path

    path = model_path(data_dir(), "smollm2-135m")
    if not path.exists():
        install_smollm2(data_dir())
    return path
