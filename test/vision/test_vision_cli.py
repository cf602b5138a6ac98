"""``cockpit-ai detect``: the same core on image files, as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cockpit_ai.cli import main
from cockpit_ai.vision import assets


def test_detect_json(model_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bus = str(assets.sample_image("bus.jpg"))
    zidane = str(assets.sample_image("zidane.jpg"))
    assert main(["detect", bus, zidane, "--model", str(model_path), "--json"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["image"] for r in records] == [bus, zidane]
    assert {"person", "bus"} <= {d["class_name"] for d in records[0]["detections"]}
    assert records[1]["image_width_px"] == 1280
    first = records[0]["detections"][0]
    assert set(first) == {"class_name", "class_id", "score", "track_id", "center_x_px",
                          "center_y_px", "width_px", "height_px", "bearing_deg"}
    bus_box = next(d for d in records[0]["detections"] if d["class_name"] == "bus")
    assert abs(bus_box["bearing_deg"]) < 5  # the bus fills the middle of the photo


def test_detect_text_camera_and_annotate(
    model_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bus = str(assets.sample_image("bus.jpg"))
    code = main(["detect", bus, "--model", str(model_path), "--camera", "cabin",
                 "--annotate", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0 and "person" in out and "bus " not in out
    assert (tmp_path / "bus.jpg").stat().st_size > 10_000


def test_detect_errors(
    model_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["detect", "x.jpg", "--model", str(tmp_path / "none.onnx")]) == 2
    err = capsys.readouterr().err
    assert "model file not found" in err and "make setup" in err and "Traceback" not in err
    assert main(["detect", str(tmp_path / "missing.jpg"), "--model", str(model_path)]) == 1
    assert "cannot read image" in capsys.readouterr().err


def test_detect_and_track_offline_download_nothing(model_path: Path, tmp_path: Path) -> None:
    """With the network cut (a new network namespace), detect and track still work, and
    Ultralytics' config folder gets no downloaded font or weights."""
    import os
    import shutil
    import subprocess
    import sys

    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-n", "true"], check=False).returncode:
        pytest.skip("cannot make a network namespace here (unshare -n needs root)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOLO_")}
    env["YOLO_CONFIG_DIR"] = str(tmp_path / "ultralytics")
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    script = (
        "import sys, cv2\n"
        "from cockpit_ai.cli import main\n"
        "from cockpit_ai.vision.detector import Detector, DetectorSettings\n"
        "from cockpit_ai.vision.assets import sample_image\n"
        f"assert main(['detect', str(sample_image('bus.jpg')), '--model', {str(model_path)!r},"
        " '--json']) == 0\n"
        f"d = Detector(DetectorSettings(model={str(model_path)!r}, track=True))\n"
        "r = d.detect(cv2.imread(str(sample_image('zidane.jpg'))))\n"
        "print('tracked', sorted(x.track_id for x in r.detections))\n"
    )
    done = subprocess.run([unshare, "-n", sys.executable, "-c", script], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert '"class_name": "bus"' in done.stdout and "tracked [1, 2" in done.stdout
    fetched = [p.name for p in (tmp_path / "ultralytics").rglob("*")
               if p.suffix in (".ttf", ".pt", ".onnx", ".zip")]
    assert fetched == []
