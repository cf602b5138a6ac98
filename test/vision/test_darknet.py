"""Darknet yolov3-tiny conversion: weights read exactly, ONNX equal to OpenCV's reader."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from cockpit_ai.assets import darknet
from cockpit_ai.assets.darknet import DarknetError

WEIGHT_FLOATS = 8_858_734


def test_weights_header_and_every_float(model_dir: Path) -> None:
    info, floats = darknet.read_weights(model_dir / "yolov3-tiny.weights")
    assert (info.major, info.minor, info.revision) == (0, 2, 0)
    assert info.header_bytes == 20  # 64-bit `seen` from version 0.2 on
    assert info.floats == floats.size == WEIGHT_FLOATS
    assert (model_dir / "yolov3-tiny.weights").stat().st_size == 20 + 4 * WEIGHT_FLOATS
    sections = darknet.parse_cfg(model_dir / "yolov3-tiny.cfg")
    model = darknet.build_model(sections)
    assert darknet.load_weights(model, model_dir / "yolov3-tiny.weights").floats == WEIGHT_FLOATS
    convs = sum(1 for k in model.kinds if k == "convolutional")
    assert (convs, len(model.heads), model.stride, model.head_strides) == (13, 2, 32, [32, 16])


def test_weights_that_do_not_fit_the_cfg_are_refused(model_dir: Path, tmp_path: Path) -> None:
    blob = (model_dir / "yolov3-tiny.weights").read_bytes()
    model = darknet.build_model(darknet.parse_cfg(model_dir / "yolov3-tiny.cfg"))
    short = tmp_path / "short.weights"
    short.write_bytes(blob[:-4])
    with pytest.raises(DarknetError, match="weights end early"):
        darknet.load_weights(model, short)
    long = tmp_path / "long.weights"
    long.write_bytes(blob + bytes(8))
    with pytest.raises(DarknetError, match="2 of 8858736 floats left unread"):
        darknet.load_weights(model, long)


def test_unsupported_cfg_is_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "x.cfg"
    cfg.write_text("[net]\nwidth=64\nheight=64\n[shortcut]\nfrom=-3\n")
    with pytest.raises(DarknetError, match=r"\[shortcut\] is not supported"):
        darknet.build_model(darknet.parse_cfg(cfg))


def test_onnx_metadata_for_ultralytics(model_path: Path) -> None:
    import onnx

    proto = onnx.load(str(model_path), load_external_data=False)
    meta = {p.key: p.value for p in proto.metadata_props}
    assert meta["task"] == "detect" and meta["stride"] == "32" and meta["imgsz"] == "[416, 416]"
    names = ast.literal_eval(meta["names"])  # as Ultralytics reads it
    assert len(names) == 80 and names[0] == "person" and names[67] == "cell phone"
    assert names[3] == "motorcycle" and names[62] == "tv"  # darknet said motorbike, tvmonitor
    assert proto.opset_import[0].version == 17
    import onnxruntime as ort

    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].shape == [1, 3, 416, 416]  # fixed size
    out = session.run(None, {"images": np.zeros((1, 3, 416, 416), np.float32)})[0]
    assert out.shape == (1, 84, 2535)


@pytest.mark.parametrize("image_name", ["bus", "zidane"])
def test_onnx_equals_opencv_darknet_reader(
    image_name: str, model_dir: Path, model_path: Path, request: pytest.FixtureRequest
) -> None:
    image = request.getfixturevalue(image_name)
    box_px, score = darknet.compare_with_opencv(
        model_path, model_dir / "yolov3-tiny.cfg", model_dir / "yolov3-tiny.weights", image,
        imgsz=416,
    )
    # OpenCV disagrees with itself by 0.0028 px (layer fusion on/off): float32 noise level.
    assert box_px < 0.005
    assert score < 1e-4


def test_reference_finds_people_on_bus(model_dir: Path, bus: np.ndarray) -> None:
    # The reference itself is meaningful: OpenCV's reader sees the people in the street.
    ref = darknet.opencv_reference(
        model_dir / "yolov3-tiny.cfg", model_dir / "yolov3-tiny.weights",
        darknet.reference_blob(bus, 416),
    )
    assert ref.shape == (1, 84, 2535)
    assert ref[0, 4].max() > 0.9  # class 0 = person


def test_no_runtime_module_imports_the_converter() -> None:
    """The converter is setup-time tooling: only the asset installer imports it."""
    import cockpit_ai

    package = Path(cockpit_ai.__file__).parent
    importers = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names] if isinstance(node, ast.Import)
                else [f"{node.module}.{a.name}" for a in node.names]
                if isinstance(node, ast.ImportFrom) and node.module else []
            )  # fmt: skip
            if any(n.startswith("cockpit_ai.assets.darknet") for n in names):
                importers.add(path.relative_to(package).as_posix())
    assert importers == {"vision/assets.py"}
