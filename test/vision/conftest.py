"""Vision fixtures: the installed default model (made by the assets code if missing) and
real photographs from the Ultralytics wheel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

# Sets YOLO_OFFLINE / YOLO_AUTOINSTALL before anything imports ultralytics.
import cockpit_ai.vision.detector  # noqa: F401
from cockpit_ai.vision import assets


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """``data/models`` with the darknet files and the converted ONNX (setup normally did it)."""
    from cockpit_ai.paths import data_dir

    data = data_dir()
    assets.install_assets(data, log=lambda msg: None)
    return assets.models_dir(data)


@pytest.fixture(scope="session")
def model_path(model_dir: Path) -> Path:
    return model_dir / assets.ONNX_NAME


@pytest.fixture(scope="session")
def bus() -> np.ndarray:
    import cv2

    return cv2.imread(str(assets.sample_image("bus.jpg")))


@pytest.fixture(scope="session")
def zidane() -> np.ndarray:
    import cv2

    return cv2.imread(str(assets.sample_image("zidane.jpg")))
