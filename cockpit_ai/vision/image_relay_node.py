"""image_relay: camera frames between computers as JPEG (the compressed image transport).

A raw 640×480 frame is 0.9 MB: on one computer it crosses processes through shared memory,
but to another computer it is 15 UDP fragments, and a best-effort frame is lost when one
of them is. ``mode: compress`` (on the computer with the cameras) republishes ``image``
(sensor_msgs/Image) as ``compressed`` (sensor_msgs/CompressedImage, JPEG, the format ROS
image_transport's compressed plugin uses); ``mode: decompress`` (on the computer with the
vision and fatigue nodes) turns ``compressed`` back into an Image for its local readers.
The launch file names them ``<camera>/image_raw/compressed`` and
``<camera>/image_raw/decompressed`` (a name of its own, so the decoded frames never cross
back). Stamps and frame ids are kept; conversion runs on a worker (newest frame wins,
replaced ones counted); bad frames are refused, counted and logged, the node runs on.
"""

from __future__ import annotations

from typing import Any

from rclpy.node import Node
from sensor_msgs.msg import CompressedImage, Image

from cockpit_ai.ros import qos
from cockpit_ai.ros.diagnostics import OK, WARN, Health
from cockpit_ai.ros.params import declare_from_schema
from cockpit_ai.ros.params import overrides as param_overrides
from cockpit_ai.ros.run import run_node
from cockpit_ai.vision import VisionError
from cockpit_ai.vision.images import (
    array_to_image,
    bgr_to_compressed,
    check_compressed,
    check_image,
    compressed_to_bgr,
    image_to_bgr,
)
from cockpit_ai.workers import LatestWorker

NODE = "image_relay"


class ImageRelayNode(Node):
    """``compress``: ``image`` → ``compressed``; ``decompress``: ``compressed`` → ``image``."""

    def __init__(self, *, overrides: dict[str, Any] | None = None) -> None:
        super().__init__(NODE, parameter_overrides=param_overrides(overrides))
        p = declare_from_schema(self, NODE)
        self.mode = p["mode"]
        self.quality = int(p["jpeg_quality"])
        self.max_pixels = int(p["max_pixels"])
        self.health = Health(self)
        self.health.set("mode", self.mode)
        self.status = (OK, "waiting for frames")
        self.health.status(*self.status)
        compress = self.mode == "compress"
        in_type, out_type = (Image, CompressedImage) if compress else (CompressedImage, Image)
        in_topic, out_topic = ("image", "compressed") if compress else ("compressed", "image")
        self.pub = self.create_publisher(out_type, out_topic, qos.SENSOR)
        self.worker: LatestWorker[Any, None] = LatestWorker(
            self._convert, on_error=self._on_error, name=f"image-{self.mode}").start()
        self.sub = self.create_subscription(in_type, in_topic, self._on_frame, qos.SENSOR)
        self.get_logger().info(f"image_relay ({self.mode}): {self.sub.topic_name} -> "
                               f"{self.pub.topic_name}")

    def close(self) -> None:
        """Stop the worker."""
        self.worker.stop(timeout=2.0)

    def _on_frame(self, msg: Any) -> None:
        """Hand the frame to the worker (newest wins). One whose header does not describe
        an image it can convert is refused here, so it is counted even when a newer frame
        would have replaced it before the worker looked."""
        self.health.count("frames_in")
        try:
            if self.mode == "compress":
                check_image(msg, max_pixels=self.max_pixels)
            else:
                check_compressed(msg, max_pixels=self.max_pixels)
        except VisionError as exc:
            self._on_error(msg, exc)
            return
        if self.worker.submit(msg):
            self.health.count("frames_dropped")  # the waiting frame was replaced

    def _convert(self, msg: Any) -> None:
        if self.mode == "compress":
            image = image_to_bgr(msg, max_pixels=self.max_pixels)
            out = bgr_to_compressed(image, quality=self.quality, header=msg.header,
                                    max_pixels=self.max_pixels)
            self.health.count("bytes_in", len(msg.data))
        else:
            image = compressed_to_bgr(msg, max_pixels=self.max_pixels)
            out = array_to_image(image, encoding="bgr8", header=msg.header,
                                 max_pixels=self.max_pixels)
            self.health.count("bytes_in", len(msg.data))
        self.pub.publish(out)
        self.health.count("frames_out")
        self.health.count("bytes_out", len(out.data))
        if self.status[0] != OK:
            self.status = (OK, "relaying")
            self.health.status(*self.status)

    def _on_error(self, msg: Any, exc: BaseException) -> None:
        if not self.context.ok():
            return  # shutting down
        bad = isinstance(exc, VisionError)
        self.health.count("bad_images" if bad else "errors")
        self.status = (WARN, f"last frame refused: {exc}")
        self.health.status(*self.status)
        self.get_logger().warning(f"image_relay ({self.mode}): frame refused: {exc}",
                                  throttle_duration_sec=5.0)


def main(args: list[str] | None = None) -> int:
    """Entry point of the ``image_relay_node`` executable."""
    return run_node(ImageRelayNode, args=args)
