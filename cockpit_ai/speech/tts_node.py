"""tts: ``response`` (AssistantResponse) -> espeak-ng speech -> AudioChunk on ``tts/audio``.

Answers are spoken one after another by a worker thread at real-time pace (so a stop takes
effect within one chunk); an urgent answer interrupts the current one. Barge-in: when
``speech_active`` (std_msgs/Bool from speech_node) turns true the co-pilot stops talking
and drops what was queued, because the driver is saying something new. ``tts/active``
(Bool, latched) tells others whether the co-pilot is talking (e.g. to ignore its own echo).
Audio goes to the sound card too when one exists (``playback``).
"""

from __future__ import annotations

import threading
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
from cockpit_ai.workers import Overflow, QueueWorker

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
        # Answers wait in order (a full queue drops the oldest); a barge-in cancels what waits
        # and the answer being prepared, an urgent answer replaces what waits.
        self._worker: QueueWorker[Any, None] = QueueWorker(
            self._speak, maxsize=int(p["max_queue"]), overflow=Overflow.DROP_OLDEST,
            on_error=self._on_speak_error, name="tts")
        self._lock = threading.Lock()  # _current and _stop, against a barge-in or close
        self._current: TtsPlayback | None = None
        self._stop = False
        self._sequence = 0
        self.pub_active.publish(Bool(data=False))
        self._worker.start()
        self.health.status(OK, "ready")
        self.get_logger().info(
            f"speaking {self.sub_response.topic_name} with espeak-ng voice {p['voice']} on "
            f"{self.pub_audio.topic_name} (speaker: {'yes' if self._speaker else 'no'})"
        )

    def _on_response(self, msg: Any) -> None:
        if not msg.text.strip():
            return
        with self._lock:
            if msg.priority == AssistantResponse.PRIORITY_URGENT:
                self._worker.replace(msg)
                if self._current is not None:
                    self._current.stop()
                    self.health.count("interrupted")
            elif self._worker.submit(msg):
                self.health.count("dropped_responses")

    def _on_speech(self, msg: Any) -> None:
        if not (self._barge_in and msg.data):
            return
        with self._lock:
            dropped = self._worker.cancel()  # also the answer being synthesised
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

    def _speak(self, msg: Any) -> None:
        """One answer, in the worker thread: synthesise, then play at real-time pace."""
        audio = synthesize(msg.text, self.config)
        playback = TtsPlayback(audio, self._sink, frame_ms=self._frame_ms, realtime=True)
        with self._lock:
            if self._stop:
                return
            if self._worker.cancelled():  # the driver spoke while we synthesised
                self.health.count("dropped_responses")
                return
            self._current = playback
        self.pub_active.publish(Bool(data=True))
        result = playback.run()
        with self._lock:
            self._current = None
        self.pub_active.publish(Bool(data=False))
        self.health.count("spoken" if not result.stopped else "stopped")
        self.health.count("spoken_s", result.played_s)

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
