"""Decisions about the audio stream that the speech node makes, kept here without ROS.

- ``StreamEndWatch``: has the audio really stopped (end of a file, a dead microphone), or
  is the node merely starved of CPU with chunks still waiting in the DDS queue?
- ``LossMonitor``: were chunks lost recently (diagnostics WARN until a gap-free stretch)?
- ``OwnVoiceGate``: did an utterance's audio arrive while the co-pilot was talking, and are
  its words the co-pilot's own (an echo) or a driver barging in?

Times: ``now`` is a monotonic wall clock (when things arrived); ``start``/``end`` are audio
(stream) times from the chunk stamps.
"""

from __future__ import annotations

import collections
import threading
from dataclasses import dataclass

from cockpit_ai.speech.text import normalise_for_scoring


class StreamEndWatch:
    """End of stream = no chunk for ``timeout_s`` AND over ``ticks`` consecutive timer ticks.

    The tick condition matters on a starved machine: when the executor has not run for a
    while, the timer and the queued audio become ready together. A tick that follows a
    chunk resets the count, so audio waiting in the queue is always processed before an
    utterance is cut short. Utterance ends are otherwise the VAD's (audio time).
    """

    def __init__(self, timeout_s: float = 2.0, *, ticks: int = 2) -> None:
        if timeout_s <= 0:
            raise ValueError(f"stream timeout must be > 0 s, got {timeout_s}")
        self.timeout_s = float(timeout_s)
        self.ticks = max(1, int(ticks))
        self._last_chunk: float | None = None
        self._chunk_since_tick = False
        self._idle_ticks = 0

    @property
    def tick_period_s(self) -> float:
        """A timer period that lets ``ticks`` ticks fit in the timeout."""
        return self.timeout_s / self.ticks

    def chunk(self, now: float) -> None:
        """A chunk was received (call from the audio callback)."""
        self._last_chunk = now
        self._chunk_since_tick = True
        self._idle_ticks = 0

    def tick(self, now: float, *, utterance_open: bool) -> bool:
        """Timer tick; True when the utterance in progress should be flushed now."""
        if self._chunk_since_tick:
            self._chunk_since_tick = False
            self._idle_ticks = 0
            return False
        self._idle_ticks += 1
        if not utterance_open or self._last_chunk is None:
            return False
        if self._idle_ticks >= self.ticks and now - self._last_chunk >= self.timeout_s:
            self._idle_ticks = 0
            return True
        return False


@dataclass(frozen=True)
class LossStatus:
    """What the diagnostics show about lost audio."""

    warn: bool
    lost: int  # chunks lost since the first recent loss
    message: str


class LossMonitor:
    """WARN from the first lost chunk until ``clear_after_s`` of audio arrived without one."""

    def __init__(self, clear_after_s: float = 30.0) -> None:
        self.clear_after_s = float(clear_after_s)
        self.total_lost = 0
        self._lost = 0  # in the current warning period
        self._received = 0  # chunks received in the current warning period
        self._clean_s = 0.0  # audio since the last loss

    def chunk(self, duration_s: float, lost: int = 0) -> LossStatus:
        """One chunk of ``duration_s`` arrived, ``lost`` chunks before it went missing."""
        if lost > 0:
            self.total_lost += lost
            self._lost += lost
            self._clean_s = 0.0
        elif self._lost:
            self._clean_s += duration_s
            if self._clean_s >= self.clear_after_s - 1e-6:  # summed 20 ms steps
                self._lost = 0
                self._received = 0
        if self._lost:
            self._received += 1
        return self.status

    @property
    def status(self) -> LossStatus:
        """The current state (warn while chunks were lost recently)."""
        if not self._lost:
            return LossStatus(False, 0, "listening")
        share = 100.0 * self._lost / (self._lost + self._received)
        return LossStatus(
            True,
            self._lost,
            f"lost {self._lost} audio chunks recently ({share:.1f} % of the audio); "
            "transcripts with lost audio carry doubt 'audio gap'",
        )


class OwnVoiceGate:
    """Remembers the audio (stream time) that arrived while the co-pilot talked.

    The node tells it when ``tts/active`` changes and about each chunk as it arrives; an
    utterance whose speech mostly lies in that audio is the co-pilot's own voice from the
    speakers, not a request. A driver who barges in keeps talking after the co-pilot stops,
    so most of their utterance is outside and it still counts.
    """

    def __init__(self, tail_s: float = 0.5, *, share: float = 0.5, keep: int = 64,
                 echo_share: float = 0.6, said_keep_s: float = 60.0) -> None:
        self.tail_s = float(tail_s)
        self.share = float(share)
        self.echo_share = float(echo_share)
        self.said_keep_s = float(said_keep_s)
        self._said: collections.deque[tuple[float, set[str]]] = collections.deque()
        self._lock = threading.Lock()
        self._talking = False
        self._stopped_at: float | None = None  # monotonic time the co-pilot stopped
        self._spans: collections.deque[list[float]] = collections.deque(maxlen=keep)
        self._extend = False  # the next chunk continues the last span

    def set_talking(self, talking: bool, now: float) -> None:
        """``tts/active`` changed."""
        with self._lock:
            if self._talking and not talking:
                self._stopped_at = now
            self._talking = bool(talking)

    def talking(self, now: float) -> bool:
        """The co-pilot is talking, or stopped less than ``tail_s`` ago (its echo)."""
        with self._lock:
            return self._talking_locked(now)

    def _talking_locked(self, now: float) -> bool:
        if self._talking:
            return True
        return self._stopped_at is not None and now - self._stopped_at <= self.tail_s

    def chunk(self, start: float, end: float, now: float) -> None:
        """A chunk covering ``start``..``end`` (audio time) arrived at ``now``."""
        with self._lock:
            if not self._talking_locked(now):
                self._extend = False
                return
            if self._extend and self._spans and start - self._spans[-1][1] < 0.25:
                self._spans[-1][1] = max(self._spans[-1][1], end)
            else:
                self._spans.append([start, end])
            self._extend = True

    def overlap(self, start: float, end: float) -> float:
        """Share (0..1) of ``start``..``end`` that arrived while the co-pilot talked."""
        if end <= start:
            return 0.0
        with self._lock:
            covered = sum(
                max(0.0, min(end, b) - max(start, a)) for a, b in self._spans
            )
        return min(1.0, covered / (end - start))

    def is_own_voice(self, start: float, end: float) -> bool:
        """The speech span ``start``..``end`` arrived mostly while the co-pilot talked."""
        return self.overlap(start, end) >= self.share

    def said(self, text: str, now: float) -> None:
        """What the co-pilot is about to say (the ``response`` the TTS speaks)."""
        words = set(normalise_for_scoring(text))
        with self._lock:
            self._said.append((now, words))
            while self._said and now - self._said[0][0] > self.said_keep_s:
                self._said.popleft()

    def is_echo(self, heard: str, now: float) -> bool:
        """``heard`` is mostly words the co-pilot said lately: its own voice from the
        speakers. A driver barging in while it talks says other words, and is heard."""
        words = normalise_for_scoring(heard)
        if not words:
            return False
        with self._lock:
            spoken: set[str] = set()
            for at, w in self._said:
                if now - at <= self.said_keep_s:
                    spoken |= w
        return sum(w in spoken for w in words) >= self.echo_share * len(words)
