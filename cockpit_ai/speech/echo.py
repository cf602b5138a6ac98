"""Echo cancellation: the co-pilot's own voice (``tts/audio``) taken out of the microphone.

With speakers and an open microphone the co-pilot hears itself: its voice starts an
utterance, ``speech_active`` goes true and the TTS node stops talking (it barges in on
itself). The echo canceller is Speex's (libspeexdsp, Debian ``libspeexdsp1``, called
through ctypes): an adaptive filter that learns the path from the speaker to the
microphone from the reference signal (what the TTS played) and subtracts the echo, then
Speex's preprocessor suppresses what the filter left (``residual_db``).

``ReferenceBuffer`` keeps the played audio by its stamps (stream time), so each microphone
block is cancelled against the reference of the same moment: the echo arrives a little
later (speaker and air), which the filter's tail (``tail_ms``) covers.
"""

from __future__ import annotations

import collections
import ctypes
import ctypes.util
import threading

import numpy as np

from cockpit_ai.speech import SpeechError
from cockpit_ai.speech.audio import TARGET_RATE

# speex_echo.h / speex_preprocess.h request codes
_SPEEX_ECHO_SET_SAMPLING_RATE = 24
_SPEEX_PREPROCESS_SET_DENOISE = 0
_SPEEX_PREPROCESS_SET_NOISE_SUPPRESS = 18
_SPEEX_PREPROCESS_SET_ECHO_STATE = 24
_SPEEX_PREPROCESS_SET_ECHO_SUPPRESS = 20
_SPEEX_PREPROCESS_SET_ECHO_SUPPRESS_ACTIVE = 22

_I16 = ctypes.POINTER(ctypes.c_int16)


def _load() -> ctypes.CDLL:
    name = ctypes.util.find_library("speexdsp") or "libspeexdsp.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError as exc:
        raise SpeechError(
            "libspeexdsp not found (echo cancellation): apt-get install libspeexdsp1 "
            "or run `make setup`"
        ) from exc
    lib.speex_echo_state_init.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.speex_echo_state_init.restype = ctypes.c_void_p
    lib.speex_echo_state_destroy.argtypes = [ctypes.c_void_p]
    lib.speex_echo_cancellation.argtypes = [ctypes.c_void_p, _I16, _I16, _I16]
    lib.speex_echo_ctl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    lib.speex_preprocess_state_init.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.speex_preprocess_state_init.restype = ctypes.c_void_p
    lib.speex_preprocess_state_destroy.argtypes = [ctypes.c_void_p]
    lib.speex_preprocess_ctl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    lib.speex_preprocess_run.argtypes = [ctypes.c_void_p, _I16]
    return lib


def _level_db(x: np.ndarray) -> float:
    return float(10.0 * np.log10(np.mean(x.astype(np.float64) ** 2) + 1.0))


class EchoCanceller:
    """Speex AEC + residual echo suppression on 16 kHz mono int16, any block length.

    ``process(mic, reference)`` takes equally long blocks (the reference = what the speakers
    played at the same stream time, zeros when silent) and returns the cleaned microphone
    samples that are ready (whole frames; the rest waits for the next block).

    The gate: while the co-pilot talks, a frame the filter reduced by ``gate_db`` or more was
    (nearly) all echo and is muted, so the VAD does not start an utterance on the residue of
    the co-pilot's voice (webrtcvad hears speech at any level). A driver talking over it is
    reduced by a few dB only and passes. The filter needs about a second of the co-pilot's
    voice to learn the cabin (before that it takes away only ~5 dB): during the first
    ``learn_s`` of it after start every frame with the co-pilot talking is muted (a driver
    cannot barge in then, once per start). When nothing was played for the filter's tail the
    microphone passes untouched (and the filter keeps what it learned).
    """

    def __init__(self, *, sample_rate: int = TARGET_RATE, frame_ms: int = 10,
                 tail_ms: int = 200, residual_db: int = -40, noise_db: int = -6,
                 gate_db: float = 12.0, learn_s: float = 2.0) -> None:
        if not 50 <= tail_ms <= 2000:
            raise SpeechError(f"echo tail must be 50..2000 ms, got {tail_ms}")
        self._lib = lib = _load()
        self.frame = sample_rate * frame_ms // 1000
        self._echo = lib.speex_echo_state_init(self.frame, sample_rate * tail_ms // 1000)
        self._pre = lib.speex_preprocess_state_init(self.frame, sample_rate)
        if not self._echo or not self._pre:
            raise SpeechError("libspeexdsp could not create the echo canceller")
        rate = ctypes.c_int(sample_rate)
        lib.speex_echo_ctl(self._echo, _SPEEX_ECHO_SET_SAMPLING_RATE, ctypes.byref(rate))
        # Speex applies its residual echo suppression through the denoiser's gains, so the
        # denoiser is on, but gentle (noise is the noise suppressor's job).
        on, noise = ctypes.c_int(1), ctypes.c_int(int(noise_db))
        lib.speex_preprocess_ctl(self._pre, _SPEEX_PREPROCESS_SET_DENOISE, ctypes.byref(on))
        lib.speex_preprocess_ctl(self._pre, _SPEEX_PREPROCESS_SET_NOISE_SUPPRESS,
                                 ctypes.byref(noise))
        lib.speex_preprocess_ctl(self._pre, _SPEEX_PREPROCESS_SET_ECHO_STATE, self._echo)
        suppress = (_SPEEX_PREPROCESS_SET_ECHO_SUPPRESS, _SPEEX_PREPROCESS_SET_ECHO_SUPPRESS_ACTIVE)
        for req in suppress:
            db = ctypes.c_int(int(residual_db))
            lib.speex_preprocess_ctl(self._pre, req, ctypes.byref(db))
        self.gate_db = float(gate_db)
        self._learn_frames = int(learn_s * 1000) // frame_ms
        self._heard = 0  # frames with the co-pilot's voice seen so far (the filter learns)
        self._idle_limit = max(1, tail_ms // frame_ms)  # silent reference frames = no echo left
        self._idle = self._idle_limit
        self._mic = np.zeros(0, dtype=np.int16)
        self._ref = np.zeros(0, dtype=np.int16)
        self._out = np.zeros(self.frame, dtype=np.int16)
        self.frames_cancelled = 0
        self.frames_muted = 0

    def process(self, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
        """Cancel the echo of ``reference`` in ``mic`` (same length); returns what is ready."""
        if len(mic) != len(reference):
            raise SpeechError(f"mic and reference blocks differ: {len(mic)} vs {len(reference)}")
        self._mic = np.concatenate([self._mic, mic.astype(np.int16, copy=False)])
        self._ref = np.concatenate([self._ref, reference.astype(np.int16, copy=False)])
        n = len(self._mic) // self.frame
        out = np.empty(n * self.frame, dtype=np.int16)
        for i in range(n):
            a, b = i * self.frame, (i + 1) * self.frame
            m = np.ascontiguousarray(self._mic[a:b])
            r = np.ascontiguousarray(self._ref[a:b])
            self._idle = 0 if r.any() else self._idle + 1
            if self._idle > self._idle_limit:  # nothing played lately: the mic as it is
                out[a:b] = m
                continue
            self._lib.speex_echo_cancellation(
                self._echo, m.ctypes.data_as(_I16), r.ctypes.data_as(_I16),
                self._out.ctypes.data_as(_I16))  # fmt: skip
            self._lib.speex_preprocess_run(self._pre, self._out.ctypes.data_as(_I16))
            self.frames_cancelled += 1
            learning = self._heard < self._learn_frames and r.any()
            self._heard += bool(r.any())
            if learning or (self.gate_db > 0
                            and _level_db(m) - _level_db(self._out) >= self.gate_db):
                out[a:b] = 0  # the filter took most of it away: the co-pilot's own voice
                self.frames_muted += 1
            else:
                out[a:b] = self._out
        self._mic = self._mic[n * self.frame :]
        self._ref = self._ref[n * self.frame :]
        return out

    def close(self) -> None:
        """Free the Speex states (also done when the object is collected)."""
        echo, pre = getattr(self, "_echo", None), getattr(self, "_pre", None)
        self._echo = self._pre = None
        if pre:
            self._lib.speex_preprocess_state_destroy(pre)
        if echo:
            self._lib.speex_echo_state_destroy(echo)

    def __del__(self) -> None:
        self.close()


class ReferenceBuffer:
    """What the speakers played, by stream time: written by the TTS audio callback, read
    for each microphone block. Keeps the last ``keep_s`` seconds; thread-safe."""

    def __init__(self, *, sample_rate: int = TARGET_RATE, keep_s: float = 10.0) -> None:
        self.sample_rate = sample_rate
        self.keep_s = float(keep_s)
        self._chunks: collections.deque[tuple[float, np.ndarray]] = collections.deque()
        self._lock = threading.Lock()
        self.last_end: float | None = None  # stream time where the latest reference ends

    def write(self, samples: np.ndarray, start_time: float) -> None:
        """One block of played audio (16 kHz mono int16) that started at ``start_time``."""
        if not len(samples):
            return
        end = start_time + len(samples) / self.sample_rate
        with self._lock:
            self._chunks.append((float(start_time), samples.astype(np.int16, copy=True)))
            self.last_end = end if self.last_end is None else max(self.last_end, end)
            while self._chunks and self._chunks[0][0] < self.last_end - self.keep_s:
                self._chunks.popleft()

    def read(self, start_time: float, n: int) -> np.ndarray:
        """``n`` samples of the reference from ``start_time`` (zeros where nothing played)."""
        out = np.zeros(n, dtype=np.int16)
        with self._lock:
            chunks = list(self._chunks)
        for t, x in chunks:
            offset = round((t - start_time) * self.sample_rate)  # where x starts in out
            a, b = max(0, offset), min(n, offset + len(x))
            if a < b:
                out[a:b] = x[a - offset : b - offset]
        return out

    def active(self, start_time: float, end_time: float) -> bool:
        """Any reference audio between the two stream times."""
        with self._lock:
            return any(t < end_time and t + len(x) / self.sample_rate > start_time
                       for t, x in self._chunks)  # fmt: skip
