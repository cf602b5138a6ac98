"""camera: a camera device, video file or image files → ``sensor_msgs/Image`` on ``image_raw``.

The source (:mod:`cockpit_ai.vision.sources`) is read and paced in its own thread, so a slow
device never blocks the executor; each frame is stamped when read, with the camera's
``frame_id``. A replayed drive loops when ``loop`` is set.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from rclpy.node import Node
from rclpy.parameter import Parameter
from sensor_msgs.msg import Image

from cockpit_ai.ros import qos
from cockpit_ai.ros.diagnostics import ERROR, OK, Health
from cockpit_ai.ros.params import declare_from_schema
from cockpit_ai.ros.run import NodeStartupError, run_node
from cockpit_ai.vision import VisionError
from cockpit_ai.vision.images import array_to_image
from cockpit_ai.vision.sources import FrameSource, open_source

NODE = "camera"


class CameraNode(Node):
    """Publishes frames of ``source`` at ``rate_hz`` on ``image_raw``."""

    def __init__(self, *, overrides: dict[str, Any] | None = None) -> None:
        super().__init__(NODE, parameter_overrides=[
            Parameter(k, value=v) for k, v in (overrides or {}).items()])
        p = declare_from_schema(self, NODE)
        if not p["source"]:
            raise NodeStartupError(
                "camera: parameter 'source' is empty; give a camera index (0), a device "
                "(/dev/video0), a video file, an image file or a folder of images"
            )
        self.frame_id = p["frame_id"]
        self.encoding = p["encoding"]
        try:
            self.source: FrameSource = open_source(
                p["source"], rate_hz=p["rate_hz"] or None, loop=p["loop"],
                max_pixels=p["max_pixels"],
            )
        except VisionError as exc:
            raise NodeStartupError(f"camera: {exc}") from None
        self.health = Health(self)
        self.health.set("source", p["source"])
        self.pub = self.create_publisher(Image, "image_raw", qos.SENSOR)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="camera-source", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for frame in self.source:
                if self._stop.is_set():
                    return
                image = frame.image  # BGR from OpenCV
                if self.encoding == "rgb8":
                    image = np.ascontiguousarray(image[:, :, ::-1])
                msg = array_to_image(image, encoding=self.encoding)
                msg.header.stamp = self.get_clock().now().to_msg()
                msg.header.frame_id = self.frame_id
                self.pub.publish(msg)
                self.health.count("frames_published")
            self.health.status(OK, "source finished (loop is off)")
            self.get_logger().info("camera: source finished; set loop: true to repeat it")
        except VisionError as exc:
            self.health.status(ERROR, str(exc))
            self.get_logger().error(f"camera: {exc}")
        except Exception as exc:  # the context is shut down first on SIGINT: not an error
            if not self._stop.is_set() and self.context.ok():
                self.get_logger().error(f"camera: source stopped: {exc}")

    def close(self) -> None:
        """Stop reading and release the device."""
        self._stop.set()
        self._thread.join(timeout=2.0)
        self.source.close()


def main(args: list[str] | None = None) -> int:
    """Entry point of the ``camera_node`` executable."""
    return run_node(CameraNode, args=args)
