"""Audio sources: a sounddevice microphone and a file player, both yielding ``AudioFrame``s.

Frames are mono int16 at the requested rate (16 kHz by default), ``frame_ms`` long, stamped
with the capture time of their first sample. The microphone callback never blocks: when the
consumer falls behind, frames are dropped and counted (``dropped_frames``).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from cockpit_ai.speech import SpeechError
from cockpit_ai.speech.audio import TARGET_RATE, AudioFrame, Resampler, read_audio_file, to_mono

FRAME_MS_CHOICES = (10, 20, 30)


def _check_frame_ms(frame_ms: int) -> None:
    if frame_ms not in FRAME_MS_CHOICES:
        raise SpeechError(f"frame_ms must be one of {FRAME_MS_CHOICES}, got {frame_ms}")


def list_input_devices() -> list[dict[str, object]]:
    """Input-capable sound devices as sounddevice reports them ([] when none or no PortAudio)."""
    try:
        import sounddevice as sd

        return [
            {
                "index": i,
                "name": d["name"],
                "channels": d["max_input_channels"],
                "rate": d["default_samplerate"],
            }
            for i, d in enumerate(sd.query_devices())
            if d["max_input_channels"] > 0
        ]
    except Exception:  # OSError: PortAudio missing; PortAudioError: no host API
        return []


class MicrophoneSource:
    """Captures from a sound card via sounddevice; ``start()`` fails clearly without a mic.

    The card is opened at its own rate/channels when the requested ones are not supported,
    and frames are down-mixed and resampled to ``sample_rate`` in the callback.
    """

    def __init__(
        self,
        *,
        device: int | str | None = None,
        sample_rate: int = TARGET_RATE,
        frame_ms: int = 20,
        queue_frames: int = 100,
        clock: Callable[[], float] = time.time,
    ) -> None:
        _check_frame_ms(frame_ms)
        self.device = device
        self.sample_rate = sample_rate
        self.frame_ms = frame_ms
        self.dropped_frames = 0
        self.overflows = 0
        self._queue: queue.Queue[AudioFrame] = queue.Queue(maxsize=queue_frames)
        self._clock = clock
        self._stream: object | None = None
        self._sequence = 0
        self._lock = threading.Lock()

    def start(self) -> None:
        """Open the input stream; SpeechError when PortAudio or an input device is missing."""
        try:
            import sounddevice as sd
        except OSError as exc:
            raise SpeechError(
                f"cannot use the microphone: {exc} (apt-get install libportaudio2)"
            ) from exc
        try:
            info = sd.query_devices(self.device, kind="input")
        except Exception as exc:  # PortAudio raises its own and OSError
            raise SpeechError(
                f"no microphone found (device={self.device!r}): {exc}; "
                "use a file source (`source: file`) or plug in a microphone"
            ) from exc
        rate = self.sample_rate
        channels = 1
        try:
            sd.check_input_settings(device=self.device, samplerate=rate, channels=1, dtype="int16")
        except Exception:  # any refusal: use the device's own rate
            rate = int(info["default_samplerate"])
            channels = max(1, min(2, int(info["max_input_channels"])))
        self._device_rate, self._channels = rate, channels
        self._resampler = Resampler(rate, self.sample_rate) if rate != self.sample_rate else None
        blocksize = rate * self.frame_ms // 1000
        try:
            stream = sd.InputStream(
                device=self.device,
                samplerate=rate,
                channels=channels,
                dtype="int16",
                blocksize=blocksize,
                callback=self._callback,
            )
            stream.start()
        except Exception as exc:  # PortAudio: one clear error
            raise SpeechError(f"cannot open microphone {info['name']!r}: {exc}") from exc
        self._stream = stream

    def _callback(self, indata: np.ndarray, frames: int, time_info: object, status: object) -> None:
        if status and getattr(status, "input_overflow", False):
            self.overflows += 1
        now = self._clock()
        try:  # capture time of the first sample, from PortAudio's clock when it offers one
            latency = float(time_info.currentTime - time_info.inputBufferAdcTime)  # type: ignore[attr-defined]
            if not 0.0 <= latency < 1.0:
                latency = frames / self._device_rate
        except (AttributeError, TypeError):
            latency = frames / self._device_rate
        mono = to_mono(indata.reshape(-1).astype(np.int16), self._channels)
        if self._resampler is not None:
            mono = self._resampler.process(mono)
        frame = AudioFrame(mono, self.sample_rate, now - latency, self._sequence)
        self._sequence += 1
        try:
            self._queue.put_nowait(frame)
        except queue.Full:
            with self._lock:
                self.dropped_frames += 1

    def read(self, timeout: float | None = 1.0) -> AudioFrame | None:
        """Next frame, or None when none arrived within ``timeout``."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def frames(self) -> Iterator[AudioFrame]:
        """Frames until ``stop()``."""
        while self._stream is not None:
            frame = self.read(timeout=0.5)
            if frame is not None:
                yield frame

    def stop(self) -> None:
        """Close the input stream (idempotent)."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()  # type: ignore[attr-defined]
            stream.close()  # type: ignore[attr-defined]


class FileSource:
    """Plays an audio file as frames, at real-time pace or as fast as possible.

    ``start_time`` stamps the first sample (default: the wall clock when iteration starts;
    pass 0.0 to get times relative to the file start). ``loop`` repeats the file.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        sample_rate: int = TARGET_RATE,
        frame_ms: int = 20,
        realtime: bool = False,
        start_time: float | None = None,
        loop: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        _check_frame_ms(frame_ms)
        self.path = Path(path)
        self.sample_rate = sample_rate
        self.frame_ms = frame_ms
        self.realtime = realtime
        self.loop = loop
        self._start_time = start_time
        self._clock = clock
        self.samples = read_audio_file(self.path, sample_rate=sample_rate)
        self.dropped_frames = 0
        self._stop = threading.Event()

    @property
    def duration_s(self) -> float:
        """Length of the file in seconds."""
        return len(self.samples) / float(self.sample_rate)

    def stop(self) -> None:
        """End iteration early (from any thread)."""
        self._stop.set()

    def frames(self) -> Iterator[AudioFrame]:
        """The file as ``frame_ms`` frames (last one zero-padded), times from ``start_time``."""
        n = self.sample_rate * self.frame_ms // 1000
        base = self._clock() if self._start_time is None else self._start_time
        t0 = time.monotonic()
        seq = 0
        while not self._stop.is_set():
            for i in range(0, len(self.samples), n):
                if self._stop.is_set():
                    return
                block = self.samples[i : i + n]
                if len(block) < n:
                    block = np.concatenate([block, np.zeros(n - len(block), dtype=np.int16)])
                offset = seq * n / self.sample_rate
                if self.realtime:
                    delay = t0 + offset - time.monotonic()
                    if delay > 0:
                        self._stop.wait(delay)
                yield AudioFrame(block, self.sample_rate, base + offset, seq)
                seq += 1
            if not self.loop:
                return
