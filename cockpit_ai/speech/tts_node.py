"""tts: ``response`` (AssistantResponse) -> espeak-ng speech -> AudioChunk on ``tts/audio``.

Answers are spoken one after another by a worker thread at real-time pace (so a stop takes
effect within one chunk); an urgent answer interrupts the current one. Barge-in: when
``speech_active`` (std_msgs/Bool from speech_node) turns true the co-pilot stops talking
and drops what was queued, because the driver is saying something new. ``tts/active``
(Bool, latched) tells others whether the co-pilot is talking (e.g. to ignore its own echo).
Audio goes to the sound card too when one exists (``playback``).

Streamed answers: ``response/partial`` (the answer so far in whole sentences, from the
planner) is spoken as its sentences arrive; the final on ``response`` then adds only what
was not said (it starts with it), or, when it differs, replaces the rest of that answer.
Each answer is spoken sentence by sentence, so the first audio does not wait for the whole
text. A barge-in also drops the later partials and the rest of the final of every answer
begun: the driver spoke, so what the co-pilot was saying is no longer wanted.
"""

from __future__ import annotations

import collections
import threading
from typing import Any

from rclpy.node import Node
from std_msgs.msg import Bool

from cockpit_ai.brand import BrandError, voice_for
from cockpit_ai.msg import AssistantResponse, AudioChunk
from cockpit_ai.ros import qos
from cockpit_ai.ros.diagnostics import OK, WARN, Health
from cockpit_ai.ros.params import declare_from_schema
from cockpit_ai.ros.params import overrides as param_overrides
from cockpit_ai.ros.run import NodeStartupError, run_node
from cockpit_ai.speech import SpeechError
from cockpit_ai.speech.audio import AudioFrame
from cockpit_ai.speech.chunks import chunk_message
from cockpit_ai.speech.sentences import Plan, SpokenLedger, split_sentences
from cockpit_ai.speech.tts import (
    MAX_TEXT_CHARS,
    SoundDeviceSink,
    TtsConfig,
    TtsPlayback,
    espeak_path,
    output_device_available,
    synthesize,
)
from cockpit_ai.workers import Overflow, QueueWorker

NODE = "tts"

# An answer longer than speech.tts.MAX_TEXT_CHARS (minutes of speech) is refused and
# counted before any sentence of it is spoken: the planner's answers are a few sentences
# (max_tokens 160), so anything that long is a fault upstream.
PRIORITIES = (AssistantResponse.PRIORITY_NORMAL, AssistantResponse.PRIORITY_URGENT)


class TtsNode(Node):
    """Speaks answers; stops on barge-in."""

    def __init__(self, *, overrides: dict[str, Any] | None = None) -> None:
        super().__init__(NODE, parameter_overrides=param_overrides(overrides))
        p = declare_from_schema(self, NODE)
        if p["frame_ms"] not in (10, 20, 30):
            raise NodeStartupError(f"tts: frame_ms must be 10, 20 or 30, got {p['frame_ms']}")
        try:
            self.config = TtsConfig(
                voice=voice_for(p["brand"], p["voice"]), rate_wpm=p["rate_wpm"],
                pitch=p["pitch"], volume=p["volume"], sample_rate=p["sample_rate"],
            )  # fmt: skip
        except BrandError as exc:
            raise NodeStartupError(f"tts: {exc}") from None
        try:
            espeak_path()
            synthesize("ready", self.config)  # fails now, with the reason, on a bad voice
        except SpeechError as exc:
            raise NodeStartupError(f"tts: {exc}") from None
        self._frame_ms = int(p["frame_ms"])
        self._frame_id = p["frame_id"]
        self._barge_in = bool(p["barge_in"])
        self.health = Health(self)
        self._speaker: SoundDeviceSink | None = None
        if p["playback"] == "always" or (p["playback"] == "auto" and output_device_available()):
            try:
                self._speaker = SoundDeviceSink(sample_rate=p["sample_rate"])
            except SpeechError as exc:
                if p["playback"] == "always":
                    raise NodeStartupError(f"tts: {exc}") from None
        self.health.set("speaker", "yes" if self._speaker else "no")
        # Reliable like the microphone audio (a recorder must get every chunk); best-effort
        # subscribers (the demo monitor) still match a reliable publisher.
        self.pub_audio = self.create_publisher(AudioChunk, "tts/audio", qos.AUDIO)
        self.pub_active = self.create_publisher(Bool, "tts/active", qos.LATCHED)
        self.sub_response = self.create_subscription(
            AssistantResponse, "response", self._on_response, qos.RELIABLE
        )
        self.sub_partial = self.create_subscription(
            AssistantResponse, "response/partial", self._on_partial, qos.RELIABLE
        )
        self.sub_barge = self.create_subscription(
            Bool, "speech_active", self._on_speech, qos.RELIABLE
        )
        # Answers wait in order (a full queue drops the oldest); a barge-in cancels what waits
        # and the answer being prepared, an urgent answer replaces what waits.
        self._worker: QueueWorker[Any, None] = QueueWorker(
            self._speak, maxsize=int(p["max_queue"]), overflow=Overflow.DROP_OLDEST,
            on_error=self._on_speak_error, name="tts")
        self._lock = threading.Lock()  # _current and _stop, against a barge-in or close
        self._current: TtsPlayback | None = None
        self._current_key = ""
        self._active = False  # tts/active as last published (true across sentences)
        # per answer (request_id), the sentences still to say; the ledger remembers what was
        # queued so a sentence is said once, whether it came in a partial or the final
        self._pending: dict[str, collections.deque[str]] = {}
        self._ledger = SpokenLedger()
        self._serial = 0
        self._restarts: dict[str, int] = {}  # per key: finals that replaced what was queued
        self._stop = False
        self._sequence = 0
        self.pub_active.publish(Bool(data=False))
        self._worker.start()
        self.health.status(OK, "ready")
        self.get_logger().info(
            f"speaking {self.sub_response.topic_name} with espeak-ng voice {self.config.voice} on "
            f"{self.pub_audio.topic_name} (speaker: {'yes' if self._speaker else 'no'})"
        )

    def _on_response(self, msg: Any) -> None:
        """A final answer: what its streamed partials did not already say (or all of it)."""
        self.health.count("responses")
        if self._refused(msg, "refused_responses"):
            return
        if not msg.text.strip():
            return
        urgent = msg.priority == AssistantResponse.PRIORITY_URGENT
        with self._lock:
            if msg.request_id and not urgent:
                plan = self._ledger.final(msg.request_id, msg.text)
                key = msg.request_id
            else:
                self._serial += 1
                key = f"{msg.request_id}#{self._serial}"
                plan = Plan(say=split_sentences(msg.text))
            if plan.deduplicated:
                self.health.count("finals_deduplicated")
            if plan.restart:
                self.health.count("finals_restarted")
                self._pending.pop(key, None)
                self._restarts[key] = self._restarts.pop(key, 0) + 1
                while len(self._restarts) > 64:  # bounded like the ledger: newest answers
                    self._restarts.pop(next(iter(self._restarts)))
                if self._current_key == key and self._current is not None:
                    self._current.stop()
            if urgent:
                dropped = sum(1 for k in self._pending if k != self._current_key)
                self._pending.clear()
                self._enqueue(key, plan.say, msg, replace=True)
                if self._current is not None:
                    self._current.stop()
                    self.health.count("interrupted")
                if dropped:
                    self.health.count("dropped_responses", dropped)
            else:
                self._enqueue(key, plan.say, msg)

    def _on_partial(self, msg: Any) -> None:
        """The answer so far (whole sentences): speak the new ones at once."""
        self.health.count("partials")
        if self._refused(msg, "refused_partials"):
            return
        if not msg.request_id or not msg.text.strip():
            return
        with self._lock:
            plan = self._ledger.partial(msg.request_id, msg.text)
            if plan.say:
                self.health.count("partials_spoken")
            self._enqueue(msg.request_id, plan.say, msg)

    def _refused(self, msg: Any, counter: str) -> bool:
        """An answer too long to speak or with an unknown priority: counted, warned, dropped."""
        if len(msg.text) > MAX_TEXT_CHARS:
            why = f"{len(msg.text)} characters (at most {MAX_TEXT_CHARS})"
        elif msg.priority not in PRIORITIES:
            why = f"unknown priority {msg.priority}"
        else:
            return False
        self.health.count(counter)
        self.get_logger().warning(f"answer {msg.request_id[:40]!r} refused: {why}",
                                  throttle_duration_sec=5.0)
        return True

    def _enqueue(self, key: str, sentences: list[str], msg: Any, *,
                 replace: bool = False) -> None:
        """Call with self._lock held: ``sentences`` after what ``key`` still has to say; the
        worker gets ``key`` once (an answer in the queue, however many pieces it comes in)."""
        if not sentences:
            return
        waiting = self._pending.get(key)
        if waiting is not None and not replace:
            waiting.extend(sentences)
            return
        self._pending[key] = collections.deque(sentences)
        if replace:
            self._worker.replace((key, msg))
        elif self._worker.submit((key, msg)):
            self.health.count("dropped_responses")

    def _on_speech(self, msg: Any) -> None:
        """Barge-in: stop, drop what waits, and say nothing more of the answers begun (their
        later partials and the rest of their final are dropped: the driver spoke)."""
        self.health.count("speech_active")
        if not (self._barge_in and msg.data):
            return
        with self._lock:
            dropped = self._worker.cancel()  # also the answer being synthesised
            self._pending.clear()
            self._ledger.cut_all()
            current = self._current
        if current is not None and current.playing:
            current.stop()
            self.health.count("barge_ins")
            self.get_logger().info("barge-in: the driver spoke, stopped talking")
        if dropped:
            self.health.count("dropped_responses", dropped)

    def _sink(self, frame: AudioFrame) -> None:
        frame = AudioFrame(frame.samples, frame.sample_rate, frame.start_time, self._sequence)
        self._sequence += 1
        self.pub_audio.publish(chunk_message(frame, frame_id=self._frame_id))
        if self._speaker is not None:
            try:
                self._speaker(frame)
            except Exception as exc:  # a lost sound card must not stop the published audio
                self._speaker = None
                self.health.status(WARN, f"speaker failed: {exc}")

    def _next(self, key: str) -> tuple[str, int] | None:
        with self._lock:
            waiting = self._pending.get(key)
            if not waiting or self._stop or self._worker.cancelled():
                return None
            return waiting.popleft(), self._restarts.get(key, 0)

    def _speak(self, item: tuple[str, Any]) -> None:
        """One answer, in the worker thread, sentence by sentence (the first one is heard
        while the next is synthesised; sentences a partial adds meanwhile are spoken too)."""
        key, _msg = item
        stopped = False
        try:
            while (nxt := self._next(key)) is not None:
                sentence, epoch = nxt
                audio = synthesize(sentence, self.config)
                playback = TtsPlayback(audio, self._sink, frame_ms=self._frame_ms,
                                       realtime=True)
                with self._lock:
                    if self._stop:
                        return
                    if self._worker.cancelled():  # the driver spoke while we synthesised
                        self.health.count("dropped_responses")
                        return
                    if self._restarts.get(key, 0) != epoch:
                        continue  # its final differs and came while we synthesised
                    self._current, self._current_key = playback, key
                if not self._active:
                    self._active = True
                    self.pub_active.publish(Bool(data=True))
                result = playback.run()
                with self._lock:
                    self._current = None
                    self._current_key = ""
                self.health.count("spoken_s", result.played_s)
                if result.stopped:
                    stopped = True
                    with self._lock:
                        if self._worker.cancelled() or key not in self._pending:
                            break
        finally:
            with self._lock:
                waiting = self._pending.get(key)
                if waiting is not None and not waiting:
                    del self._pending[key]
                idle = self._worker.pending == 0
            if self._active and (idle or stopped):
                self._active = False
                self.pub_active.publish(Bool(data=False))
        self.health.count("spoken" if not stopped else "stopped")

    def _on_speak_error(self, msg: Any, exc: BaseException) -> None:
        self.health.count("errors")
        self.get_logger().warning(f"cannot speak response {msg.request_id!r}: {exc}",
                                  throttle_duration_sec=2.0)

    def close(self) -> None:
        """Stop speaking and end the worker."""
        with self._lock:
            self._stop = True
            if self._current is not None:
                self._current.stop()
        self._worker.stop(timeout=3.0)
        if self._speaker is not None:
            self._speaker.close()


def main(args: list[str] | None = None) -> int:
    """Entry point of the ``tts_node`` executable."""
    return run_node(TtsNode, args=args)
