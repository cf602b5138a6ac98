"""Streaming voice activity detection with webrtcvad: frames in, utterances (with times) out.

The classic padded ring-buffer scheme: speech starts when most frames of the last
``padding_ms`` are voiced and ends when most are unvoiced. The utterance audio keeps that
padding (the recogniser likes a little context); its ``start_time``/``end_time`` are the
first and last voiced frame, i.e. the speech span. Blocks of any length are re-cut into
10/20/30 ms VAD frames internally; gaps in the block times reset the segmenter.

Lost audio: ``fill()`` inserts silence for chunks known to be lost (times stay right) that
neither ends nor starts an utterance, and ``mark_missing()`` notes lost chunks without time;
each utterance counts the lost chunks that fell inside it (``missing_chunks``).
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field

import numpy as np

from cockpit_ai.speech import SpeechError
from cockpit_ai.speech.audio import AudioFrame

VAD_RATES = (8000, 16000, 32000, 48000)


@dataclass(frozen=True)
class VadConfig:
    """Segmentation settings; times in milliseconds unless named _s."""

    aggressiveness: int = 2  # 0 (keeps most) .. 3 (drops most non-speech)
    frame_ms: int = 30  # 10, 20 or 30: webrtcvad's frame lengths
    padding_ms: int = 300  # ring buffer for start/end decisions, kept around the speech
    start_ratio: float = 0.6  # share of voiced frames in the ring that starts an utterance
    end_ratio: float = 0.85  # share of unvoiced frames in the ring that ends it
    min_speech_ms: int = 250  # shorter voiced spans are dropped (clicks, bumps)
    max_utterance_s: float = 15.0  # longer speech is cut and continued as a new utterance
    max_gap_ms: int = 120  # a jump in block times larger than this resets the segmenter
    # The VAD hears x[n] - k*x[n-1]: road rumble (brown noise) lives below a few hundred Hz
    # and otherwise reads as "speech" to webrtcvad; 0 turns the filter off.
    preemphasis: float = 0.95

    def validate(self) -> None:
        """Raise SpeechError for values webrtcvad or the segmenter cannot use."""
        if self.aggressiveness not in (0, 1, 2, 3):
            raise SpeechError(f"vad aggressiveness must be 0..3, got {self.aggressiveness}")
        if self.frame_ms not in (10, 20, 30):
            raise SpeechError(f"vad frame_ms must be 10, 20 or 30, got {self.frame_ms}")
        if not self.frame_ms <= self.padding_ms <= 2000:
            raise SpeechError(
                f"vad padding_ms must be {self.frame_ms}..2000, got {self.padding_ms}"
            )
        if not (0.0 < self.start_ratio <= 1.0 and 0.0 < self.end_ratio <= 1.0):
            raise SpeechError("vad start_ratio and end_ratio must be in (0, 1]")
        if not 0.5 <= self.max_utterance_s <= 120.0:
            raise SpeechError(f"max_utterance_s must be 0.5..120, got {self.max_utterance_s}")
        if not 0.0 <= self.preemphasis < 1.0:
            raise SpeechError(f"vad preemphasis must be 0..<1, got {self.preemphasis}")
        if self.min_speech_ms < 0:
            raise SpeechError("min_speech_ms must be >= 0")


@dataclass
class Utterance:
    """One stretch of speech: padded audio plus the speech span's times."""

    samples: np.ndarray  # mono int16, padding included
    sample_rate: int
    audio_start_time: float  # time of samples[0]
    start_time: float  # first voiced frame
    end_time: float  # end of the last voiced frame
    voiced: list[bool] = field(default_factory=list)  # per VAD frame over ``samples``
    frame_ms: int = 30
    truncated: bool = False  # cut at max_utterance_s; speech continues in the next one
    missing_chunks: int = 0  # source chunks lost inside this utterance (filled with silence)

    @property
    def audio_duration_s(self) -> float:
        """Length of the audio handed to the recogniser."""
        return len(self.samples) / float(self.sample_rate)

    @property
    def speech_duration_s(self) -> float:
        """Length of the speech span."""
        return self.end_time - self.start_time


@dataclass
class _Frame:
    samples: np.ndarray
    time: float
    voiced: bool
    missing: int = 0  # lost source chunks noted at this frame
    filled: bool = False  # mostly silence standing in for lost audio: no say in start/end


class VoiceActivityDetector:
    """Feed ``AudioFrame``s (mono int16, a webrtcvad rate), get finished ``Utterance``s.

    Not thread-safe by itself: one instance per stream, used by one thread at a time.
    """

    def __init__(self, config: VadConfig | None = None, *, sample_rate: int = 16000) -> None:
        import webrtcvad

        self.config = config or VadConfig()
        self.config.validate()
        if sample_rate not in VAD_RATES:
            raise SpeechError(f"webrtcvad needs {VAD_RATES} Hz audio, got {sample_rate}")
        self.sample_rate = sample_rate
        self._vad = webrtcvad.Vad(self.config.aggressiveness)
        self._frame_len = sample_rate * self.config.frame_ms // 1000
        self._ring_len = max(1, self.config.padding_ms // self.config.frame_ms)
        self.frames_processed = 0
        self.gaps = 0
        self.reset()

    def reset(self) -> None:
        """Forget any partial frame and utterance (e.g. after a gap or push-to-talk release)."""
        self._pending = np.zeros(0, dtype=np.int16)
        self._pending_fill = np.zeros(0, dtype=bool)
        self._pending_missing: list[tuple[int, int]] = []  # (sample offset, lost chunks)
        self._pending_time: float | None = None
        self._ring: collections.deque[_Frame] = collections.deque(maxlen=self._ring_len)
        self._triggered = False
        self._frames: list[_Frame] = []
        self._last_sample = 0.0

    @property
    def speech_active(self) -> bool:
        """True between the start of an utterance and its end (for barge-in)."""
        return self._triggered

    @property
    def next_time(self) -> float | None:
        """Stream time of the next sample the VAD expects (None before any audio)."""
        if self._pending_time is None:
            return None
        return self._pending_time + len(self._pending) / self.sample_rate

    def fill(self, duration_s: float, *, missing: int = 0) -> list[Utterance]:
        """Stand in silence for ``duration_s`` of lost audio (``missing`` chunks).

        The filled frames keep the times right but neither start nor end an utterance, so
        speech with a hole stays one utterance; it counts ``missing`` in ``missing_chunks``.
        """
        n = max(0, round(duration_s * self.sample_rate))
        if self._pending_time is None:  # nothing heard yet: no time to fill from
            self.mark_missing(missing)
            return []
        if missing:
            self._pending_missing.append((len(self._pending), int(missing)))
        self._pending = np.concatenate([self._pending, np.zeros(n, dtype=np.int16)])
        self._pending_fill = np.concatenate([self._pending_fill, np.ones(n, dtype=bool)])
        return self._cut()

    def mark_missing(self, missing: int) -> None:
        """Lost chunks whose time is unknown: counted in the utterance in progress, if any,
        else in the audio that follows."""
        if missing <= 0:
            return
        if self._triggered and self._frames:
            self._frames[-1].missing += int(missing)
        else:
            self._pending_missing.append((len(self._pending), int(missing)))

    def feed(self, frame: AudioFrame) -> list[Utterance]:
        """Add one block; returns the utterances it completed (usually none)."""
        if frame.sample_rate != self.sample_rate:
            raise SpeechError(
                f"VAD expects {self.sample_rate} Hz blocks, got {frame.sample_rate} Hz; "
                "resample first"
            )
        done: list[Utterance] = []
        if self._pending_time is not None:
            expected = self._pending_time + len(self._pending) / self.sample_rate
            if abs(frame.start_time - expected) * 1000.0 > self.config.max_gap_ms:
                self.gaps += 1
                done.extend(self.flush())
        if self._pending_time is None or len(self._pending) == 0:
            self._pending_time = frame.start_time - len(self._pending) / self.sample_rate
        samples = frame.samples.astype(np.int16, copy=False)
        self._pending = np.concatenate([self._pending, samples])
        self._pending_fill = np.concatenate([self._pending_fill, np.zeros(len(samples), bool)])
        done.extend(self._cut())
        return done

    def _cut(self) -> list[Utterance]:
        done: list[Utterance] = []
        n = self._frame_len
        while len(self._pending) >= n:
            chunk, self._pending = self._pending[:n], self._pending[n:]
            fill, self._pending_fill = self._pending_fill[:n], self._pending_fill[n:]
            missing = sum(k for off, k in self._pending_missing if off < n)
            self._pending_missing = [(off - n, k) for off, k in self._pending_missing if off >= n]
            t = float(self._pending_time)  # type: ignore[arg-type]
            self._pending_time = t + n / self.sample_rate
            utt = self._step(chunk, t, missing=missing, filled=bool(fill.mean() >= 0.5))
            if utt is not None:
                done.append(utt)
        return done

    def flush(self) -> list[Utterance]:
        """End of stream: return the utterance in progress (if long enough) and reset."""
        out: list[Utterance] = []
        if self._triggered and self._frames:
            utt = self._make(self._frames, truncated=False)
            if utt is not None:
                out.append(utt)
        self.reset()
        return out

    def _step(
        self, chunk: np.ndarray, t: float, *, missing: int = 0, filled: bool = False
    ) -> Utterance | None:
        heard = chunk
        if self.config.preemphasis > 0.0:
            x = chunk.astype(np.float64)
            prev = np.concatenate([[self._last_sample], x[:-1]])
            self._last_sample = float(x[-1])
            heard = np.clip(x - self.config.preemphasis * prev, -32768, 32767).astype(np.int16)
        voiced = not filled and self._vad.is_speech(heard.tobytes(), self.sample_rate)
        self.frames_processed += 1
        item = _Frame(chunk, t, voiced, missing, filled)
        if not self._triggered:
            self._ring.append(item)  # filled silence before speech is just silence
            if sum(f.voiced for f in self._ring) >= self.config.start_ratio * self._ring_len:
                self._triggered = True
                self._frames = list(self._ring)
                self._ring.clear()
            return None
        self._frames.append(item)
        if not filled:  # a hole in the audio is not a pause: it must not end the utterance
            self._ring.append(item)
        ended = (
            not filled
            and len(self._ring) == self._ring_len
            and sum(not f.voiced for f in self._ring) >= self.config.end_ratio * self._ring_len
        )
        too_long = len(self._frames) * self.config.frame_ms >= self.config.max_utterance_s * 1000
        if ended or too_long:
            utt = self._make(self._frames, truncated=too_long and not ended)
            self._triggered = False
            self._frames = []
            self._ring.clear()
            return utt
        return None

    def _make(self, frames: list[_Frame], *, truncated: bool) -> Utterance | None:
        flags = [f.voiced for f in frames]
        if not any(flags):
            return None
        first = flags.index(True)
        last = len(flags) - 1 - flags[::-1].index(True)
        dur = self.config.frame_ms / 1000.0
        start, end = frames[first].time, frames[last].time + dur
        if (end - start) * 1000.0 < self.config.min_speech_ms:
            return None
        return Utterance(
            samples=np.concatenate([f.samples for f in frames]),
            sample_rate=self.sample_rate,
            audio_start_time=frames[0].time,
            start_time=start,
            end_time=end,
            voiced=flags,
            frame_ms=self.config.frame_ms,
            truncated=truncated,
            missing_chunks=sum(f.missing for f in frames),
        )
