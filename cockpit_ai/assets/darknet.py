"""Darknet yolov3-tiny → PyTorch → ONNX in the Ultralytics detect layout.

The only COCO detector that ships inside a registry package is the original darknet
yolov3-tiny (cfg + weights). Ultralytics cannot read darknet files, so this module builds
the network from the cfg as a small PyTorch module, reads the weights file whole (every
float accounted for), decodes both YOLO heads into the layout Ultralytics' detect
post-processing expects — ``(1, 4 + nc, N)``: box centre x, y, width, height in input
pixels, then one score per class (objectness × class probability) — and exports ONNX with
the metadata Ultralytics reads (``names``, ``imgsz``, ``stride``, ``task``). OpenCV's own
darknet reader is the reference the result is checked against.

Only the layer types yolov3-tiny uses are supported (convolutional with batch norm and
leaky/linear activation, maxpool incl. darknet's stride-1 padded one, route, upsample,
yolo); anything else is refused with a clear error.

Setup-time tooling (``vision/assets.py`` runs it once at install): no node imports it; the
detector only reads the ONNX file it writes.
"""

from __future__ import annotations

import builtins
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cockpit_ai.vision import VisionError
from cockpit_ai.vision.detector import COCO_RENAMES  # the converted model carries these names

# Darknet's batch-norm adds this to sqrt(variance) (normalize_cpu in darknet's blas.c).
DARKNET_BN_EPS = 1e-6
LEAKY_SLOPE = 0.1


class DarknetError(VisionError):
    """A darknet cfg/weights file that this converter cannot read exactly."""


@dataclass(frozen=True)
class Section:
    """One ``[type]`` block of a darknet cfg, with its ``key=value`` options as strings."""

    kind: str
    options: dict[str, str]

    def int(self, key: str, default: int | None = None) -> int:
        """An integer option; a missing one without default is an error naming the block."""
        if key not in self.options:
            if default is None:
                raise DarknetError(f"[{self.kind}] block has no '{key}' option")
            return default
        return int(self.options[key])

    def ints(self, key: str) -> list[builtins.int]:  # ``int`` here is the method above
        """A comma-separated list of integers."""
        return [int(v) for v in self.options[key].split(",") if v.strip()]


def parse_cfg(path: Path) -> list[Section]:
    """Read a darknet cfg into its blocks (``[net]`` first)."""
    if not Path(path).is_file():
        raise DarknetError(f"darknet cfg not found: {path}")
    sections: list[Section] = []
    for raw in Path(path).read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                raise DarknetError(f"{path}: malformed block header {raw!r}")
            sections.append(Section(line[1:-1].strip(), {}))
        elif "=" in line:
            if not sections:
                raise DarknetError(f"{path}: option before any block: {raw!r}")
            key, value = line.split("=", 1)
            sections[-1].options[key.strip()] = value.strip()
        else:
            raise DarknetError(f"{path}: cannot parse line {raw!r}")
    if not sections or sections[0].kind not in ("net", "network"):
        raise DarknetError(f"{path}: a darknet cfg starts with a [net] block")
    return sections


@dataclass
class WeightsInfo:
    """What the weights file held: header version, images seen in training, floats read."""

    major: int
    minor: int
    revision: int
    seen: int
    floats: int
    header_bytes: int


@dataclass
class YoloHead:
    """Anchors (input pixels) of one YOLO layer, after its mask is applied."""

    layer: int
    anchors: list[tuple[float, float]]
    classes: int


def _import_torch() -> Any:
    import torch

    return torch


def build_model(sections: list[Section]) -> Any:
    """The PyTorch module for a parsed cfg (weights still random: see :func:`load_weights`)."""
    torch = _import_torch()
    nn: Any = torch.nn
    functional = torch.nn.functional

    class MaxPoolDarknet(nn.Module):  # type: ignore[misc]  # torch is imported on use
        """Darknet maxpool: pads size-1 at right/bottom (edge values; same as -inf for max)."""

        def __init__(self, size: int, stride: int) -> None:
            super().__init__()
            self.size, self.stride = size, stride

        def forward(self, x: Any) -> Any:
            pad = self.size - 1
            if pad:
                lo, hi = pad // 2, pad - pad // 2
                x = functional.pad(x, (lo, hi, lo, hi), mode="replicate")
            return functional.max_pool2d(x, self.size, self.stride)

    class Darknet(nn.Module):  # type: ignore[misc]
        """yolov3-tiny-style network; ``forward`` returns ``(B, 4 + nc, N)`` decoded boxes."""

        def __init__(self) -> None:
            super().__init__()
            net = sections[0]
            self.width, self.height = net.int("width"), net.int("height")
            self.channels = net.int("channels", 3)
            self.layers = nn.ModuleList()
            self.kinds: list[str] = []
            self.routes: dict[int, list[int]] = {}
            self.heads: list[YoloHead] = []
            self.conv_shapes: list[tuple[int, int, int, bool]] = []  # out, in, k, bn
            out_channels: list[int] = []
            strides: list[int] = []  # input pixels per cell of each layer's output
            channels, stride = self.channels, 1
            for index, sec in enumerate(sections[1:]):
                kind = sec.kind
                if kind == "convolutional":
                    filters, size = sec.int("filters"), sec.int("size")
                    step = sec.int("stride", 1)
                    pad = size // 2 if sec.int("pad", 0) else sec.int("padding", 0)
                    bn = bool(sec.int("batch_normalize", 0))
                    act = sec.options.get("activation", "logistic")
                    if act not in ("leaky", "linear"):
                        raise DarknetError(f"layer {index}: activation {act!r} not supported")
                    conv = nn.Conv2d(channels, filters, size, step, pad, bias=True)
                    layer: Any = nn.Sequential(conv, nn.LeakyReLU(LEAKY_SLOPE))
                    if act == "linear":
                        layer = nn.Sequential(conv)
                    self.conv_shapes.append((filters, channels, size, bn))
                    channels, stride = filters, stride * step
                elif kind == "maxpool":
                    size, step = sec.int("size"), sec.int("stride", 1)
                    layer = MaxPoolDarknet(size, step)
                    stride *= step
                elif kind == "upsample":
                    step = sec.int("stride", 2)
                    layer = nn.Upsample(scale_factor=step, mode="nearest")
                    stride //= step
                elif kind == "route":
                    refs = [r if r >= 0 else index + r for r in sec.ints("layers")]
                    if any(r < 0 or r >= index for r in refs):
                        raise DarknetError(f"layer {index}: route to a layer that does not exist")
                    self.routes[index] = refs
                    channels = sum(out_channels[r] for r in refs)
                    stride = strides[refs[0]]
                    layer = nn.Identity()
                elif kind == "yolo":
                    mask = sec.ints("mask")
                    values = [float(v) for v in sec.options["anchors"].split(",") if v.strip()]
                    pairs = list(zip(values[0::2], values[1::2], strict=True))
                    classes = sec.int("classes")
                    if channels != len(mask) * (5 + classes):
                        raise DarknetError(
                            f"layer {index}: yolo head expects "
                            f"{len(mask) * (5 + classes)} channels, "
                            f"previous layer gives {channels}"
                        )
                    if float(sec.options.get("scale_x_y", "1")) != 1.0:
                        raise DarknetError(f"layer {index}: scale_x_y is not supported")
                    self.heads.append(YoloHead(index, [pairs[m] for m in mask], classes))
                    layer = nn.Identity()
                else:
                    raise DarknetError(f"layer {index}: darknet block [{kind}] is not supported")
                self.layers.append(layer)
                self.kinds.append(kind)
                out_channels.append(channels)
                strides.append(stride)
            if not self.heads:
                raise DarknetError("cfg has no [yolo] layer")
            if len({h.classes for h in self.heads}) != 1:
                raise DarknetError("yolo layers disagree on the number of classes")
            self.classes = self.heads[0].classes
            self.head_strides = [strides[h.layer] for h in self.heads]
            self.stride = max(self.head_strides)

        def raw(self, x: Any) -> list[Any]:
            """The undecoded outputs of the yolo layers, ``(B, A*(5+nc), H, W)`` each."""
            outputs: list[Any] = []
            heads: list[Any] = []
            for index, (kind, layer) in enumerate(zip(self.kinds, self.layers, strict=True)):
                if kind == "route":
                    refs = self.routes[index]
                    parts = [outputs[r] for r in refs]
                    x = parts[0] if len(parts) == 1 else torch.cat(parts, 1)
                elif kind == "yolo":
                    heads.append(x)
                else:
                    x = layer(x)
                outputs.append(x)
            return heads

        def forward(self, x: Any) -> Any:
            parts = []
            outs = self.raw(x)
            for head, stride, out in zip(self.heads, self.head_strides, outs, strict=True):
                b, _, h, w = out.shape
                a, nc = len(head.anchors), head.classes
                # (B, A, 5+nc, H, W) → (B, 5+nc, H, W, A): detections ordered by row, column,
                # anchor, the order OpenCV's darknet reader uses, so outputs compare 1:1.
                p = out.view(b, a, 5 + nc, h, w).permute(0, 2, 3, 4, 1)
                gy, gx = torch.meshgrid(
                    torch.arange(h, dtype=p.dtype), torch.arange(w, dtype=p.dtype), indexing="ij"
                )
                grid_x = gx.view(1, h, w, 1)
                grid_y = gy.view(1, h, w, 1)
                anchors = torch.tensor(head.anchors, dtype=p.dtype)
                cx = (torch.sigmoid(p[:, 0]) + grid_x) * stride
                cy = (torch.sigmoid(p[:, 1]) + grid_y) * stride
                bw = torch.exp(p[:, 2]) * anchors[:, 0].view(1, 1, 1, a)
                bh = torch.exp(p[:, 3]) * anchors[:, 1].view(1, 1, 1, a)
                obj = torch.sigmoid(p[:, 4:5])
                cls = torch.sigmoid(p[:, 5:]) * obj
                box = torch.stack((cx, cy, bw, bh), 1)
                parts.append(torch.cat((box, cls), 1).reshape(b, 4 + nc, h * w * a))
            return torch.cat(parts, 2)

    return Darknet()


def read_weights(path: Path) -> tuple[WeightsInfo, np.ndarray]:
    """The header and every float of a darknet weights file (little-endian)."""
    path = Path(path)
    if not path.is_file():
        raise DarknetError(f"darknet weights not found: {path}")
    blob = path.read_bytes()
    if len(blob) < 16:
        raise DarknetError(f"{path}: too short for a darknet weights file ({len(blob)} bytes)")
    major, minor, revision = (int(v) for v in np.frombuffer(blob, "<i4", 3))
    # Darknet writes `seen` as size_t (64-bit) from version 0.2 on, as int before.
    wide = (major * 10 + minor) >= 2 and major < 1000 and minor < 1000
    header = 20 if wide else 16
    seen = int(np.frombuffer(blob, "<u8" if wide else "<u4", 1, 12)[0])
    rest = len(blob) - header
    if rest % 4:
        raise DarknetError(f"{path}: {rest} bytes after the header is not a whole number of floats")
    floats = np.frombuffer(blob, "<f4", rest // 4, header).astype(np.float32)
    return WeightsInfo(major, minor, revision, seen, floats.size, header), floats


def load_weights(model: Any, path: Path) -> WeightsInfo:
    """Fill ``model`` from a darknet weights file; every float must be consumed exactly.

    Batch norm is folded into the convolution with darknet's own formula
    (``gamma * (x - mean) / (sqrt(var) + 1e-6) + beta``), which is what inference computes.
    """
    torch = _import_torch()
    info, floats = read_weights(path)
    pos = 0

    def take(n: int) -> np.ndarray:
        nonlocal pos
        if pos + n > floats.size:
            raise DarknetError(
                f"{path}: weights end early ({floats.size} floats; the cfg needs more than "
                f"{pos + n})"
            )
        part = floats[pos : pos + n]
        pos += n
        return part

    convs = [layer[0] for layer, kind in zip(model.layers, model.kinds, strict=True)
             if kind == "convolutional"]
    for conv, (filters, channels, size, bn) in zip(convs, model.conv_shapes, strict=True):
        bias = take(filters)
        if bn:
            gamma, mean, var = take(filters), take(filters), take(filters)
        weight = take(filters * channels * size * size).reshape(filters, channels, size, size)
        if bn:
            scale = gamma / (np.sqrt(var) + DARKNET_BN_EPS)
            weight = weight * scale[:, None, None, None]
            bias = bias - mean * scale
        with torch.no_grad():
            conv.weight.copy_(torch.from_numpy(np.ascontiguousarray(weight, np.float32)))
            conv.bias.copy_(torch.from_numpy(np.ascontiguousarray(bias, np.float32)))
    if pos != floats.size:
        raise DarknetError(
            f"{path}: {floats.size - pos} of {floats.size} floats left unread: weights do not "
            "belong to this cfg"
        )
    model.eval()
    return info


def read_names(path: Path) -> list[str]:
    """Class names, one per line (darknet's coco.names)."""
    if not Path(path).is_file():
        raise DarknetError(f"class names file not found: {path}")
    return [n.strip() for n in Path(path).read_text().splitlines() if n.strip()]


@dataclass
class ConversionReport:
    """What :func:`convert` did, for logs and docs."""

    onnx: Path
    weights: WeightsInfo
    imgsz: int
    classes: int
    outputs: int
    max_abs_diff_px: float | None = None
    max_score_diff: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def export_onnx(model: Any, path: Path, *, imgsz: int, names: list[str], opset: int = 17) -> None:
    """Export to ONNX (fixed size) and write the metadata Ultralytics' loader reads."""
    torch = _import_torch()
    import onnx

    path = Path(path)
    tmp = path.with_suffix(".tmp.onnx")
    dummy = torch.zeros(1, model.channels, imgsz, imgsz)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes on constant anchors/grids: intended
        torch.onnx.export(
            model,
            (dummy,),
            str(tmp),
            opset_version=opset,
            input_names=["images"],
            output_names=["output0"],
            dynamo=False,  # the TorchScript exporter: no onnxscript needed
        )
    proto = onnx.load(str(tmp))
    meta = {
        "description": "yolov3-tiny (darknet, COCO) converted by cockpit_ai.assets.darknet",
        "author": "Joseph Redmon (darknet); conversion: cockpit_ai",
        "task": "detect",
        "stride": str(int(model.stride)),
        "batch": "1",
        "channels": str(int(model.channels)),
        "imgsz": str([imgsz, imgsz]),
        "names": str(dict(enumerate(names))),
    }
    del proto.metadata_props[:]
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, str(tmp))
    tmp.replace(path)


def opencv_reference(cfg: Path, weights: Path, blob: np.ndarray) -> np.ndarray:
    """OpenCV's darknet reader on a ``(1, 3, H, W)`` RGB 0..1 blob, in the same layout.

    OpenCV gives normalised boxes per yolo layer and zeroes class scores under its
    threshold; this scales boxes to input pixels and returns ``(1, 4 + nc, N)``.
    """
    import cv2

    if not hasattr(cv2.dnn, "readNetFromDarknet"):
        raise DarknetError(f"OpenCV {cv2.__version__} has no darknet reader (OpenCV 4.x has)")
    net = cv2.dnn.readNetFromDarknet(str(cfg), str(weights))
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setInput(np.ascontiguousarray(blob, np.float32))
    outs = net.forward(net.getUnconnectedOutLayersNames())
    rows = np.concatenate([o.reshape(-1, o.shape[-1]) for o in outs], 0)
    h, w = blob.shape[2], blob.shape[3]
    box = rows[:, :4] * np.array([w, h, w, h], np.float32)
    return np.concatenate((box, rows[:, 5:]), 1).T[None].astype(np.float32)


def reference_blob(image_bgr: np.ndarray, imgsz: int) -> np.ndarray:
    """Plain resize to ``imgsz`` square, RGB, 0..1, NCHW (what darknet and OpenCV feed)."""
    import cv2

    resized = cv2.resize(image_bgr, (imgsz, imgsz), interpolation=cv2.INTER_LINEAR)
    rgb = resized[:, :, ::-1].astype(np.float32) / 255.0
    return np.ascontiguousarray(rgb.transpose(2, 0, 1)[None])


def compare_with_opencv(
    onnx_path: Path, cfg: Path, weights: Path, image_bgr: np.ndarray, *, imgsz: int
) -> tuple[float, float]:
    """Max |box diff| in pixels and max |score diff| (where OpenCV keeps the score)."""
    import onnxruntime as ort

    blob = reference_blob(image_bgr, imgsz)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
    ours = session.run(None, {session.get_inputs()[0].name: blob})[0]
    ref = opencv_reference(cfg, weights, blob)
    if ours.shape != ref.shape:
        raise DarknetError(f"ONNX output {ours.shape} and OpenCV's {ref.shape} differ in shape")
    box_diff = float(np.abs(ours[:, :4] - ref[:, :4]).max())
    kept = ref[:, 4:] > 0  # OpenCV zeroes scores below its threshold
    score_diff = float(np.abs(ours[:, 4:][kept] - ref[:, 4:][kept]).max()) if kept.any() else 0.0
    return box_diff, score_diff


def convert(
    cfg: Path,
    weights: Path,
    names: Path,
    out: Path,
    *,
    imgsz: int | None = None,
    check_image: np.ndarray | None = None,
    log: Callable[[str], None] = print,
) -> ConversionReport:
    """cfg + weights + names → ONNX at ``out``; optionally checked against OpenCV."""
    torch = _import_torch()
    sections = parse_cfg(cfg)
    labels = read_names(names)
    log(f"darknet: building network from {Path(cfg).name} ({len(sections) - 1} layers)")
    with torch.no_grad():
        model = build_model(sections)
    if model.classes != len(labels):
        raise DarknetError(f"cfg has {model.classes} classes, {names} lists {len(labels)}")
    log(f"darknet: reading {Path(weights).name}")
    info = load_weights(model, weights)
    log(
        f"darknet: weights v{info.major}.{info.minor}.{info.revision}, seen {info.seen}, "
        f"{info.floats} floats, all consumed"
    )
    size = int(imgsz or model.width)
    if size % model.stride:
        raise DarknetError(f"image size {size} is not a multiple of the stride {model.stride}")
    log(f"darknet: exporting ONNX (opset 17, {size}×{size}) to {out}")
    export_onnx(model, Path(out), imgsz=size, names=[COCO_RENAMES.get(n, n) for n in labels])
    pairs = zip(model.heads, model.head_strides, strict=True)
    n = sum(len(h.anchors) * (size // s) ** 2 for h, s in pairs)
    report = ConversionReport(Path(out), info, size, len(labels), n)
    if check_image is not None:
        log("darknet: checking ONNX output against OpenCV's darknet reader")
        report.max_abs_diff_px, report.max_score_diff = compare_with_opencv(
            Path(out), cfg, weights, check_image, imgsz=size
        )
        log(
            f"darknet: max box difference {report.max_abs_diff_px:.5f} px, "
            f"max score difference {report.max_score_diff:.2e}"
        )
    return report


def report_json(report: ConversionReport) -> str:
    """A small JSON record of the conversion, kept beside the ONNX file."""
    return json.dumps(
        {
            "onnx": report.onnx.name,
            "imgsz": report.imgsz,
            "classes": report.classes,
            "outputs": report.outputs,
            "weights_version": [
                report.weights.major, report.weights.minor, report.weights.revision
            ],
            "weights_seen": report.weights.seen,
            "weights_floats": report.weights.floats,
            "max_abs_diff_px": report.max_abs_diff_px,
            "max_score_diff": report.max_score_diff,
            **report.extra,
        },
        indent=2,
    )
