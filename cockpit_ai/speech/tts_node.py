"""tts: ``response`` (AssistantResponse) -> espeak-ng speech -> AudioChunk on ``tts/audio``.

Answers are spoken one after another by a worker thread at real-time pace (so a stop takes
effect within one chunk); an urgent answer interrupts the current one. Barge-in: when
``speech_active`` (std_msgs/Bool from speech_node) turns true the co-pilot stops talking
and drops what was queued, because the driver is saying something new. ``tts/active``
(Bool, latched) tells others whether the co-pilot is talking (e.g. to ignore its own echo).
Audio goes to the sound card too when one exists (``playback``).
"""

from __future__ import annotations

import collections
import threading
import time
from typing import Any

from rclpy.node import Node
from std_msgs.msg import Bool

from cockpit_ai.msg import AssistantResponse, AudioChunk
from cockpit_ai.ros import qos
from cockpit_ai.ros.diagnostics import OK, WARN, Health
from cockpit_ai.ros.params import declare_from_schema
from cockpit_ai.ros.params import overrides as param_overrides
from cockpit_ai.ros.run import NodeStartupError, run_node
from cockpit_ai.speech import SpeechError
from cockpit_ai.speech.audio import AudioFrame
from cockpit_ai.speech.chunks import chunk_message
from cockpit_ai.speech.tts import (
    SoundDeviceSink,
    TtsConfig,
    TtsPlayback,
    espeak_path,
    output_device_available,
    synthesize,
)

NODE = "tts"


class TtsNode(Node):
    """Speaks answers; stops on barge-in."""

    def __init__(self, *, overrides: dict[str, Any] | None = None) -> None:
        super().__init__(NODE, parameter_overrides=param_overrides(overrides))
        p = declare_from_schema(self, NODE)
        if p["frame_ms"] not in (10, 20, 30):
            raise NodeStartupError(f"tts: frame_ms must be 10, 20 or 30, got {p['frame_ms']}")
        self.config = TtsConfig(
            voice=p["voice"], rate_wpm=p["rate_wpm"], pitch=p["pitch"], volume=p["volume"],
            sample_rate=p["sample_rate"],
        )  # fmt: skip
        try:
            espeak_path()
            synthesize("ready", self.config)  # fails now, with the reason, on a bad voice
        except SpeechError as exc:
            raise NodeStartupError(f"tts: {exc}") from None
        self._frame_ms = int(p["frame_ms"])
        self._frame_id = p["frame_id"]
        self._barge_in = bool(p["barge_in"])
        self._max_queue = int(p["max_queue"])
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
        self.sub_barge = self.create_subscription(
            Bool, "speech_active", self._on_speech, qos.RELIABLE
        )
        self._queue: collections.deque[Any] = collections.deque()
        self._cond = threading.Condition()
        self._current: TtsPlayback | None = None
        self._stop = False
        self._sequence = 0
        self._barge_epoch = 0  # bumped by each barge-in, so an answer being prepared is dropped
        self._last_warn = 0.0
        self.pub_active.publish(Bool(data=False))
        self._worker = threading.Thread(target=self._work, name="tts", daemon=True)
        self._worker.start()
        self.health.status(OK, "ready")
        self.get_logger().info(
            f"speaking {self.sub_response.topic_name} with espeak-ng voice {p['voice']} on "
            f"{self.pub_audio.topic_name} (speaker: {'yes' if self._speaker else 'no'})"
        )

    def _on_response(self, msg: Any) -> None:
        if not msg.text.strip():
            return
        with self._cond:
            if msg.priority == AssistantResponse.PRIORITY_URGENT:
                self._queue.clear()
                self._queue.append(msg)
                if self._current is not None:
                    self._current.stop()
                    self.health.count("interrupted")
            else:
                if len(self._queue) >= self._max_queue:
                    self._queue.popleft()
                    self.health.count("dropped_responses")
                self._queue.append(msg)
            self._cond.notify()

    def _on_speech(self, msg: Any) -> None:
        if not (self._barge_in and msg.data):
            return
        with self._cond:
            dropped = len(self._queue)
            self._queue.clear()
            current = self._current
            self._barge_epoch += 1
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

    def _work(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stop or bool(self._queue))
                if self._stop:
                    return
                msg = self._queue.popleft()
                epoch = self._barge_epoch
            try:
                audio = synthesize(msg.text, self.config)
            except SpeechError as exc:
                self.health.count("errors")
                now = time.monotonic()
                if now - self._last_warn > 2.0:
                    self._last_warn = now
                    self.get_logger().warning(f"cannot speak response {msg.request_id!r}: {exc}")
                continue
            playback = TtsPlayback(audio, self._sink, frame_ms=self._frame_ms, realtime=True)
            with self._cond:
                if self._stop:
                    return
                if epoch != self._barge_epoch:  # the driver spoke while we synthesised
                    self.health.count("dropped_responses")
                    continue
                self._current = playback
            self.pub_active.publish(Bool(data=True))
            result = playback.run()
            with self._cond:
                self._current = None
            self.pub_active.publish(Bool(data=False))
            self.health.count("spoken" if not result.stopped else "stopped")
            self.health.count("spoken_s", result.played_s)

    def close(self) -> None:
        """Stop speaking and end the worker."""
        with self._cond:
            self._stop = True
            if self._current is not None:
                self._current.stop()
            self._cond.notify_all()
        self._worker.join(timeout=3.0)
        if self._speaker is not None:
            self._speaker.close()


def main(args: list[str] | None = None) -> int:
    """Entry point of the ``tts_node`` executable."""
    return run_node(TtsNode, args=args)
