"""Voice out: text -> 16 kHz int16 PCM through the espeak-ng program, framed for publishing,
and a playback object that can be stopped mid-utterance (barge-in).

espeak-ng is run as a program (``espeak-ng --stdout``, text on stdin so no text is ever
read as an option); its 22.05 kHz WAV is resampled to the pipeline rate.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from cockpit_ai.speech import SpeechError
from cockpit_ai.speech.audio import TARGET_RATE, AudioFrame, parse_wav_bytes, resample, to_mono

MAX_TEXT_CHARS = 4000


@dataclass(frozen=True)
class TtsConfig:
    """espeak-ng voice settings."""

    voice: str = "en-us"  # espeak-ng voice/language, e.g. "en-gb", "de", "en-us+f3"
    rate_wpm: int = 165  # words per minute (espeak-ng -s), 80..450
    pitch: int = 50  # 0..99 (espeak-ng -p)
    volume: int = 100  # amplitude 0..200 (espeak-ng -a)
    sample_rate: int = TARGET_RATE


@dataclass(frozen=True)
class TtsAudio:
    """Synthesised speech: mono int16 samples."""

    samples: np.ndarray
    sample_rate: int
    text: str

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return len(self.samples) / float(self.sample_rate)


def espeak_path() -> str:
    """The espeak-ng program, or SpeechError saying how to get it."""
    path = shutil.which("espeak-ng")
    if path is None:
        raise SpeechError(
            "espeak-ng not found: install it (apt-get install espeak-ng) or run `make setup`"
        )
    return path


@functools.lru_cache(maxsize=4)
def available_voices(program: str) -> frozenset[str]:
    """Names espeak-ng accepts for -v: languages, voice names and voice files (read-only cache)."""
    out = subprocess.run([program, "--voices"], capture_output=True, timeout=30, check=False)
    names: set[str] = set()
    for line in out.stdout.decode(errors="replace").splitlines()[1:]:
        cols = line.split()
        if len(cols) >= 5:
            names.update(
                {
                    cols[1].lower(),
                    cols[3].lower(),
                    cols[4].lower(),
                    cols[4].rsplit("/", 1)[-1].lower(),
                }
            )
    return frozenset(names)


def synthesize(text: str, config: TtsConfig | None = None) -> TtsAudio:
    """Speak ``text`` with espeak-ng into memory (no playback)."""
    cfg = config or TtsConfig()
    text = " ".join(str(text).split())
    if not text:
        raise SpeechError("nothing to say: the text is empty")
    if len(text) > MAX_TEXT_CHARS:
        raise SpeechError(
            f"text of {len(text)} characters is too long to speak (limit {MAX_TEXT_CHARS})"
        )
    if not 80 <= cfg.rate_wpm <= 450:
        raise SpeechError(f"tts rate_wpm must be 80..450, got {cfg.rate_wpm}")
    if not 0 <= cfg.pitch <= 99 or not 0 <= cfg.volume <= 200:
        raise SpeechError("tts pitch must be 0..99 and volume 0..200")
    if not cfg.voice or cfg.voice.startswith("-") or any(c.isspace() for c in cfg.voice):
        raise SpeechError(f"bad espeak-ng voice name {cfg.voice!r}")
    program = espeak_path()
    voices = available_voices(program)
    if voices and cfg.voice.split("+", 1)[0].lower() not in voices:
        raise SpeechError(
            f"espeak-ng has no voice {cfg.voice!r}; see `espeak-ng --voices` (e.g. en-us, en-gb)"
        )
    cmd = [
        program, "--stdout", "--stdin",
        "-v", cfg.voice, "-s", str(cfg.rate_wpm), "-p", str(cfg.pitch), "-a", str(cfg.volume),
    ]  # fmt: skip
    proc = subprocess.run(cmd, input=text.encode(), capture_output=True, timeout=60, check=False)
    if proc.returncode != 0 or not proc.stdout:
        err = proc.stderr.decode(errors="replace").strip()
        raise SpeechError(f"espeak-ng failed for voice {cfg.voice!r}: {err or 'no audio produced'}")
    x, rate, channels = parse_wav_bytes(_fix_stream_wav(proc.stdout), "espeak-ng output")
    samples = resample(to_mono(x, channels), rate, cfg.sample_rate)
    return TtsAudio(samples=samples, sample_rate=cfg.sample_rate, text=text)


def _fix_stream_wav(data: bytes) -> bytes:
    """espeak-ng writes a streaming WAV header with 0xFFFFFFFF sizes; patch in the real ones."""
    if data[:4] != b"RIFF" or len(data) < 44:
        return data
    fixed = bytearray(data)
    fixed[4:8] = (len(data) - 8).to_bytes(4, "little")
    pos = 12
    while pos + 8 <= len(fixed):
        cid = bytes(fixed[pos : pos + 4])
        size = int.from_bytes(fixed[pos + 4 : pos + 8], "little")
        if cid == b"data":
            fixed[pos + 4 : pos + 8] = (len(data) - pos - 8).to_bytes(4, "little")
            break
        pos += 8 + size + (size & 1)
    return bytes(fixed)


def frames(audio: TtsAudio, *, frame_ms: int = 20, start_time: float = 0.0) -> Iterator[AudioFrame]:
    """Cut speech into ``frame_ms`` blocks (the last one zero-padded) with running times."""
    n = audio.sample_rate * frame_ms // 1000
    if n <= 0:
        raise SpeechError(f"frame_ms must be positive, got {frame_ms}")
    for seq, i in enumerate(range(0, len(audio.samples), n)):
        block = audio.samples[i : i + n]
        if len(block) < n:
            block = np.concatenate([block, np.zeros(n - len(block), dtype=np.int16)])
        yield AudioFrame(block, audio.sample_rate, start_time + i / audio.sample_rate, seq)


@dataclass
class PlaybackResult:
    """How a playback ended."""

    frames_played: int
    frames_total: int
    stopped: bool  # True when stop() cut it short (barge-in)
    played_s: float


class TtsPlayback:
    """Plays one ``TtsAudio`` frame by frame into a sink; ``stop()`` from any thread ends it.

    The sink gets each ``AudioFrame`` (publish it, write it to a sound card...). With
    ``realtime`` the frames are paced at the audio rate, so a stop takes effect within one
    frame. ``run()`` blocks; ``start()`` runs it in a thread of its own.
    """

    def __init__(
        self,
        audio: TtsAudio,
        sink: Callable[[AudioFrame], None],
        *,
        frame_ms: int = 20,
        realtime: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.audio = audio
        self._sink = sink
        self._frame_ms = frame_ms
        self._realtime = realtime
        self._clock = clock
        self._stop = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self.result: PlaybackResult | None = None

    def stop(self) -> None:
        """Ask playback to end after the current frame (barge-in)."""
        self._stop.set()

    @property
    def playing(self) -> bool:
        """True until playback finished or was stopped."""
        return not self._done.is_set()

    def run(self) -> PlaybackResult:
        """Play all frames (or until stopped); returns what happened."""
        all_frames = list(frames(self.audio, frame_ms=self._frame_ms, start_time=self._clock()))
        played = 0
        t0 = time.monotonic()
        try:
            for i, frame in enumerate(all_frames):
                if self._stop.is_set():
                    break
                if self._realtime:
                    delay = t0 + i * self._frame_ms / 1000.0 - time.monotonic()
                    if delay > 0 and self._stop.wait(delay):
                        break
                self._sink(frame)
                played += 1
        finally:
            self.result = PlaybackResult(
                frames_played=played,
                frames_total=len(all_frames),
                stopped=played < len(all_frames),
                played_s=played * self._frame_ms / 1000.0,
            )
            self._done.set()
        return self.result

    def start(self) -> TtsPlayback:
        """Run playback in a daemon thread; returns self."""
        self._thread = threading.Thread(target=self.run, name="tts-playback", daemon=True)
        self._thread.start()
        return self

    def wait(self, timeout: float | None = None) -> PlaybackResult | None:
        """Wait for playback to end; the result, or None on timeout."""
        self._done.wait(timeout)
        return self.result


def output_device_available() -> bool:
    """True when sounddevice finds an output device (PortAudio installed, a card present)."""
    try:
        import sounddevice as sd

        sd.query_devices(kind="output")
        return True
    except Exception:  # OSError without PortAudio, PortAudioError/ValueError without device
        return False


class SoundDeviceSink:
    """A playback sink writing frames to the default (or given) sound card output."""

    def __init__(self, *, sample_rate: int = TARGET_RATE, device: int | str | None = None) -> None:
        try:
            import sounddevice as sd
        except OSError as exc:
            raise SpeechError(
                f"sound output unavailable: {exc} (apt-get install libportaudio2)"
            ) from exc
        try:
            self._stream = sd.OutputStream(
                samplerate=sample_rate, channels=1, dtype="int16", device=device
            )
            self._stream.start()
        except Exception as exc:  # PortAudio: one clear error
            raise SpeechError(
                f"no usable audio output device ({exc}); publish frames instead"
            ) from exc

    def __call__(self, frame: AudioFrame) -> None:
        """Write one frame (blocks for about its duration)."""
        self._stream.write(frame.samples.reshape(-1, 1))

    def close(self) -> None:
        """Stop and close the output stream."""
        self._stream.stop()
        self._stream.close()
