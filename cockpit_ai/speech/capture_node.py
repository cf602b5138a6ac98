"""capture: a microphone (sounddevice) or an audio file -> cockpit_ai/AudioChunk on ``audio``.

A thread reads frames from the core's source and publishes them with ``qos.AUDIO``
(reliable, 10 s history: a subscriber starved of CPU catches up instead of losing chunks;
a best-effort subscriber still matches), stamped with the capture time of their first
sample and a running sequence number (gaps = lost chunks). No microphone is one clear
error at start (exit 1), not a crash loop.
"""

from __future__ import annotations

import threading
from typing import Any

from rclpy.node import Node

from cockpit_ai.msg import AudioChunk
from cockpit_ai.ros import qos
from cockpit_ai.ros.diagnostics import OK, WARN, Health
from cockpit_ai.ros.params import declare_from_schema
from cockpit_ai.ros.params import overrides as param_overrides
from cockpit_ai.ros.run import NodeStartupError, run_node
from cockpit_ai.speech import SpeechError
from cockpit_ai.speech.chunks import chunk_message
from cockpit_ai.speech.sources import FileSource, MicrophoneSource

NODE = "capture"


class CaptureNode(Node):
    """Publishes audio from the configured source until shutdown."""

    def __init__(self, *, overrides: dict[str, Any] | None = None) -> None:
        super().__init__(NODE, parameter_overrides=param_overrides(overrides))
        p = declare_from_schema(self, NODE)
        self._p = p
        if p["frame_ms"] not in (10, 20, 30):
            raise NodeStartupError(f"capture: frame_ms must be 10, 20 or 30, got {p['frame_ms']}")
        self.health = Health(self)
        self.pub = self.create_publisher(AudioChunk, "audio", qos.AUDIO)
        self._stop = threading.Event()
        try:
            if p["source"] == "file":
                if not p["file"]:
                    raise NodeStartupError(
                        "capture: source is 'file' but parameter 'file' is empty"
                    )
                self.source: FileSource | MicrophoneSource = FileSource(
                    p["file"], sample_rate=p["sample_rate"], frame_ms=p["frame_ms"],
                    realtime=p["realtime"], loop=p["loop"],
                )  # fmt: skip
                self.health.set("file", p["file"])
            elif p["source"] == "microphone":
                device: int | str | None = p["device"] or None
                if isinstance(device, str) and device.isdigit():
                    device = int(device)
                self.source = MicrophoneSource(
                    device=device, sample_rate=p["sample_rate"], frame_ms=p["frame_ms"]
                )
                self.source.start()
                self.health.set("device", p["device"] or "default")
            else:
                raise NodeStartupError(
                    f"capture: unknown source {p['source']!r}; use microphone or file"
                )
        except SpeechError as exc:
            raise NodeStartupError(f"capture: {exc}") from None
        self.health.status(OK, f"capturing from {p['source']}")
        self._thread = threading.Thread(target=self._run, name="capture", daemon=True)
        self._thread.start()
        self.get_logger().info(
            f"publishing {p['source']} audio on {self.pub.topic_name} "
            f"({p['sample_rate']} Hz, {p['frame_ms']} ms chunks)"
        )

    def _run(self) -> None:
        if isinstance(self.source, FileSource):
            if self._p["wait_for_subscriber"]:
                self.get_logger().info(f"waiting for a subscriber on {self.pub.topic_name}")
                while self.pub.get_subscription_count() < 1:
                    if self._stop.wait(0.05):
                        return
            delay = self._p["start_delay_s"]
            if delay > 0 and self._stop.wait(delay):
                return
        frame_id = self._p["frame_id"]
        try:
            for frame in self.source.frames():
                if self._stop.is_set():
                    return
                self.pub.publish(chunk_message(frame, frame_id=frame_id))
                self.health.count("chunks")
                dropped = getattr(self.source, "dropped_frames", 0)
                seen = self.health.counter("dropped_frames")
                if dropped > seen:
                    self.health.count("dropped_frames", dropped - seen)
        except Exception as exc:  # the source thread must not die silently
            self.get_logger().error(f"audio source failed: {exc}")
            self.health.status(WARN, f"audio source failed: {exc}")
            return
        if not self._stop.is_set():
            self.get_logger().info("end of audio file")
            self.health.status(OK, "end of audio file")

    def close(self) -> None:
        """Stop the source and its thread."""
        self._stop.set()
        self.source.stop()
        self._thread.join(timeout=2.0)


def main(args: list[str] | None = None) -> int:
    """Entry point of the ``capture_node`` executable."""
    return run_node(CaptureNode, args=args)
