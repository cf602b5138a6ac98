"""Audio plumbing shared by sources, pipeline and TTS: frames, checks, down-mix, resampling, files.

Everything is numpy int16 mono at 16 kHz inside the speech core; this module is where other
rates, channel counts and file formats are turned into that (or refused with a clear
``SpeechError``). Resampling is a streaming windowed-sinc low-pass plus linear interpolation
in numpy.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cockpit_ai.speech import SpeechError

TARGET_RATE = 16000
MIN_RATE = 8000
MAX_RATE = 192000
MAX_CHANNELS = 8
# A chunk longer than this is refused: streams come in 10-100 ms blocks, never minutes.
MAX_CHUNK_S = 10.0


@dataclass(frozen=True)
class AudioFrame:
    """A block of mono int16 PCM with the time of its first sample (seconds, any epoch)."""

    samples: np.ndarray
    sample_rate: int
    start_time: float
    sequence: int = 0

    @property
    def duration_s(self) -> float:
        """Length of the block in seconds."""
        return len(self.samples) / float(self.sample_rate)


def check_chunk(
    samples: np.ndarray | list[int] | bytes,
    sample_rate: int,
    channels: int = 1,
    *,
    max_chunk_s: float = MAX_CHUNK_S,
) -> np.ndarray:
    """Validate one incoming PCM block and return it as a 1-D int16 array (still interleaved).

    Raises SpeechError for empty blocks, impossible rates or channel counts, a sample count
    that does not divide by the channels, or a block longer than ``max_chunk_s``.
    """
    if isinstance(samples, (bytes, bytearray, memoryview)):
        if len(samples) % 2:
            raise SpeechError(f"audio chunk has an odd byte count ({len(samples)}); expected S16LE")
        arr = np.frombuffer(bytes(samples), dtype="<i2")
    else:
        arr = np.asarray(samples)
    if arr.ndim != 1:
        arr = arr.reshape(-1)
    if arr.size == 0:
        raise SpeechError("empty audio chunk: nothing to process (the source sent no samples)")
    if (
        not isinstance(sample_rate, (int, np.integer))
        or not MIN_RATE <= int(sample_rate) <= MAX_RATE
    ):
        raise SpeechError(
            f"unsupported sample rate {sample_rate!r} Hz: use {MIN_RATE}..{MAX_RATE} Hz "
            f"(16000 preferred)"
        )
    if not 1 <= int(channels) <= MAX_CHANNELS:
        raise SpeechError(f"unsupported channel count {channels!r}: use 1..{MAX_CHANNELS}")
    if arr.size % int(channels):
        raise SpeechError(
            f"audio chunk of {arr.size} samples does not divide into {channels} channels"
        )
    seconds = arr.size / int(channels) / float(sample_rate)
    if seconds > max_chunk_s:
        raise SpeechError(
            f"audio chunk of {seconds:.1f} s is too large (limit {max_chunk_s:g} s); "
            "send 10-100 ms blocks"
        )
    if arr.dtype != np.int16:
        if np.issubdtype(arr.dtype, np.floating):
            arr = float_to_int16(arr)
        elif np.issubdtype(arr.dtype, np.integer):
            if arr.min() < -32768 or arr.max() > 32767:
                raise SpeechError("integer audio samples outside the int16 range; expected S16")
            arr = arr.astype(np.int16)
        else:
            raise SpeechError(f"audio samples of type {arr.dtype} are not PCM; expected int16")
    return arr


def float_to_int16(x: np.ndarray) -> np.ndarray:
    """Float audio in [-1, 1] to int16, clipping what lies outside."""
    return np.clip(np.round(np.asarray(x, dtype=np.float64) * 32767.0), -32768, 32767).astype(
        np.int16
    )


def to_mono(samples: np.ndarray, channels: int) -> np.ndarray:
    """Down-mix interleaved int16 samples to mono int16 (mean of the channels)."""
    if channels == 1:
        return samples.astype(np.int16, copy=False)
    frames = samples.reshape(-1, channels).astype(np.int32)
    return (frames.sum(axis=1) // channels).astype(np.int16)


def _lowpass_taps(cutoff_ratio: float, taps: int) -> np.ndarray:
    """Hamming-windowed sinc low-pass; cutoff as a fraction of the input Nyquist frequency."""
    n = np.arange(taps) - (taps - 1) / 2.0
    h = cutoff_ratio * np.sinc(cutoff_ratio * n) * np.hamming(taps)
    return h / h.sum()


class Resampler:
    """Streaming resampler: keeps filter history and phase between blocks, so no seams.

    Anti-alias low-pass (windowed sinc at 90 % of the lower Nyquist frequency) at the input
    rate, then linear interpolation. Adequate for speech recognition; one instance per stream.
    """

    def __init__(self, src_rate: int, dst_rate: int = TARGET_RATE, *, taps: int = 63) -> None:
        if not (MIN_RATE <= src_rate <= MAX_RATE and MIN_RATE <= dst_rate <= MAX_RATE):
            raise SpeechError(f"cannot resample {src_rate} Hz -> {dst_rate} Hz")
        self.src_rate = int(src_rate)
        self.dst_rate = int(dst_rate)
        self._step = self.src_rate / self.dst_rate
        cutoff = 0.9 * min(self.src_rate, self.dst_rate) / self.src_rate
        self._taps = _lowpass_taps(min(cutoff, 1.0), taps)
        self._history = np.zeros(taps - 1, dtype=np.float64)
        self._prev: float | None = None
        self._pos = 0.0

    def process(self, samples: np.ndarray) -> np.ndarray:
        """Resample one block of mono int16; returns int16 (length varies by a sample)."""
        if self.src_rate == self.dst_rate:
            return samples.astype(np.int16, copy=False)
        x = np.concatenate([self._history, samples.astype(np.float64)])
        y = np.convolve(x, self._taps, mode="valid")
        self._history = x[-(len(self._taps) - 1) :]
        buf = y if self._prev is None else np.concatenate([[self._prev], y])
        last = len(buf) - 1
        if last < self._pos:
            self._pos -= last
            self._prev = float(buf[-1])
            return np.zeros(0, dtype=np.int16)
        positions = np.arange(self._pos, last + 1e-9, self._step)
        out = np.interp(positions, np.arange(len(buf)), buf)
        self._pos = positions[-1] + self._step - last
        self._prev = float(buf[-1])
        return np.clip(np.round(out), -32768, 32767).astype(np.int16)


def resample(samples: np.ndarray, src_rate: int, dst_rate: int = TARGET_RATE) -> np.ndarray:
    """Resample a whole mono int16 signal (zero-phase low-pass, then linear interpolation)."""
    if src_rate == dst_rate:
        return samples.astype(np.int16, copy=False)
    cutoff = 0.9 * min(src_rate, dst_rate) / src_rate
    x = np.convolve(samples.astype(np.float64), _lowpass_taps(min(cutoff, 1.0), 63), "same")
    n_out = round(len(x) * dst_rate / src_rate)
    y = np.interp(np.arange(n_out) * (src_rate / dst_rate), np.arange(len(x)), x)
    return np.clip(np.round(y), -32768, 32767).astype(np.int16)


def parse_wav_bytes(data: bytes, name: str) -> tuple[np.ndarray, int, int]:
    """Parse PCM WAV bytes with the stdlib: (interleaved int16, rate, channels)."""
    try:
        with wave.open(io.BytesIO(data)) as w:
            rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise SpeechError(f"{name}: not a PCM WAV file ({exc})") from exc
    if width == 2:
        x = np.frombuffer(raw, dtype="<i2")
    elif width == 1:
        x = ((np.frombuffer(raw, dtype=np.uint8).astype(np.int16) - 128) << 8).astype(np.int16)
    elif width == 3:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3)
        x = (b[:, 1].astype(np.int16) | (b[:, 2].astype(np.int16) << 8)).astype(np.int16)
    elif width == 4:
        x = (np.frombuffer(raw, dtype="<i4") >> 16).astype(np.int16)
    else:
        raise SpeechError(f"{name}: {8 * width}-bit WAV samples are not supported")
    return x, rate, channels


def read_audio_file(path: str | Path, *, sample_rate: int = TARGET_RATE) -> np.ndarray:
    """Load a WAV/FLAC/other audio file as mono int16 at ``sample_rate``.

    WAV goes through the stdlib ``wave``; other formats through the ``sox`` program.
    Stereo is down-mixed, other rates resampled.
    """
    p = Path(path)
    if not p.is_file():
        raise SpeechError(f"audio file not found: {p}")
    head = p.read_bytes()[:12]
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        x, rate, channels = parse_wav_bytes(p.read_bytes(), str(p))
    else:
        x, rate, channels = _read_other(p)
    if x.size == 0:
        raise SpeechError(f"{p}: the file holds no audio samples")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise SpeechError(f"{p}: sample rate {rate} Hz is outside {MIN_RATE}..{MAX_RATE} Hz")
    mono = to_mono(x[: x.size - x.size % channels], channels)
    return resample(mono, rate, sample_rate)


def _read_other(p: Path) -> tuple[np.ndarray, int, int]:
    """Non-WAV files: sox converts them to 16-bit WAV on stdout."""
    sox = shutil.which("sox")
    if sox is None:
        raise SpeechError(
            f"{p}: only WAV can be read without the `sox` program; "
            "convert it to WAV or install sox (apt-get install sox)"
        )
    proc = subprocess.run(
        [sox, str(p), "-t", "wav", "-e", "signed-integer", "-b", "16", "-"],
        capture_output=True,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0:
        msg = proc.stderr.decode(errors="replace").strip().splitlines()
        raise SpeechError(f"{p}: not a readable audio file ({msg[-1] if msg else 'sox failed'})")
    return parse_wav_bytes(proc.stdout, str(p))


def write_wav(path: str | Path, samples: np.ndarray, sample_rate: int = TARGET_RATE) -> Path:
    """Write mono int16 samples as a 16-bit PCM WAV file."""
    p = Path(path)
    with wave.open(str(p), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(sample_rate))
        w.writeframes(np.asarray(samples, dtype="<i2").tobytes())
    return p


def dbfs(samples: np.ndarray) -> float:
    """RMS level in dBFS (0 = full-scale square wave); -120 for digital silence."""
    if len(samples) == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(samples.astype(np.float64))))) / 32768.0
    return max(-120.0, 20.0 * np.log10(rms)) if rms > 0 else -120.0
