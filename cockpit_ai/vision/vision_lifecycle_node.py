"""vision_lifecycle: the vision node as a managed (lifecycle) node, for power and CPU control.

Same parameters (``schema/vision.schema.json``), topics and output as ``vision_node``, but
nothing runs until a manager asks: ``configure`` loads the model, ``activate`` subscribes
to ``image`` and starts inference, ``deactivate`` unsubscribes and stops the worker (the
CPU is free again, the model stays loaded), ``cleanup`` releases the model. A parked car
can keep the cabin camera's model configured but inactive. Drive it with
``cockpit-ai lifecycle set /cockpit/cabin_vision activate`` (or ``ros2 lifecycle set``).
The load governor (as in ``vision_node``) is set up in ``configure`` (so the latched
``turn_active`` is known before ``activate``) and removed in ``cleanup``.
"""

from __future__ import annotations

import time
from typing import Any

from rclpy.lifecycle import LifecycleNode, LifecycleState, TransitionCallbackReturn
from sensor_msgs.msg import Image

from cockpit_ai.msg import DetectionArray
from cockpit_ai.ros import qos
from cockpit_ai.ros.diagnostics import OK, WARN, Health
from cockpit_ai.ros.governor_link import GovernorLink, settings_from_params
from cockpit_ai.ros.params import declare_from_schema
from cockpit_ai.ros.params import overrides as param_overrides
from cockpit_ai.ros.run import run_node
from cockpit_ai.ros.stamps import stamp_to_ns
from cockpit_ai.vision import VisionError
from cockpit_ai.vision.detector import CAMERA_CLASSES, Detector, DetectorSettings
from cockpit_ai.vision.images import image_to_bgr
from cockpit_ai.vision.latest import LatestWorker
from cockpit_ai.vision.vision_node import NODE, to_message


class VisionLifecycleNode(LifecycleNode):
    """Loads the detector in configure, runs it only while active."""

    def __init__(self, *, overrides: dict[str, Any] | None = None) -> None:
        super().__init__(NODE, parameter_overrides=param_overrides(overrides))
        self.p = declare_from_schema(self, NODE)
        self.camera = self.p["camera"]
        self.health = Health(self)
        self.governor_settings = settings_from_params(self.p)
        self.governor: GovernorLink | None = None
        self._status_base: tuple[int | bytes, str] = (OK, "unconfigured")
        self._status()
        self.detector: Detector | None = None
        self.pub: Any = None
        self.sub: Any = None
        self.worker: LatestWorker[Image, None] | None = None
        self.min_period_s = 1.0 / self.p["max_rate_hz"] if self.p["max_rate_hz"] > 0 else 0.0

    # -- transitions ----------------------------------------------------------------------
    def on_configure(self, state: LifecycleState) -> TransitionCallbackReturn:
        p = self.p
        classes = tuple(p["classes"]) or CAMERA_CLASSES.get(self.camera, ())
        settings = DetectorSettings(
            model=p["model"], classes=classes, confidence=p["confidence"], iou=p["iou"],
            imgsz=p["imgsz"], resize=p["resize"], device=p["device"], threads=p["threads"],
            track=p["track"], max_pixels=int(p["max_pixels"]))
        try:
            self.detector = Detector(settings)
        except VisionError as exc:
            self.get_logger().error(f"vision ({self.camera}): {exc}")
            self._status(WARN, f"configure failed: {exc}")
            return TransitionCallbackReturn.FAILURE
        self.pub = self.create_lifecycle_publisher(DetectionArray, "detections", qos.RELIABLE)
        self.governor = GovernorLink(self, self.health, self.governor_settings,
                                     on_change=lambda _state: self._status())
        self.health.set("model", str(self.detector.model_path))
        self._status(OK, "configured (inactive)")
        self.get_logger().info(f"vision ({self.camera}): {self.detector.model_path.name} "
                               "loaded; inactive until activated")
        return TransitionCallbackReturn.SUCCESS

    def on_activate(self, state: LifecycleState) -> TransitionCallbackReturn:
        self.worker = LatestWorker(self._process, on_error=self._on_error,
                                   name=f"vision-{self.camera}").start()
        self.sub = self.create_subscription(Image, "image", self._on_image, qos.SENSOR)
        self._status(OK, "active")
        self.get_logger().info(f"vision ({self.camera}): active")
        return super().on_activate(state)

    def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._stop_running()
        self._status(OK, "configured (inactive)")
        self.get_logger().info(f"vision ({self.camera}): inactive, inference stopped")
        return super().on_deactivate(state)

    def on_cleanup(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._stop_running()
        if self.pub is not None:
            self.destroy_lifecycle_publisher(self.pub)
            self.pub = None
        if self.governor is not None:
            self.governor.destroy()
            self.governor = None
        self.detector = None
        self._status(OK, "unconfigured")
        return TransitionCallbackReturn.SUCCESS

    def on_shutdown(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._stop_running()
        return TransitionCallbackReturn.SUCCESS

    def _stop_running(self) -> None:
        if self.sub is not None:
            self.destroy_subscription(self.sub)
            self.sub = None
        if self.worker is not None:
            self.worker.stop(timeout=5.0)
            self.worker = None

    # -- running --------------------------------------------------------------------------
    def _status(self, level: int | bytes | None = None, text: str | None = None) -> None:
        """Set (or re-show) the status, with the governor's state in front when throttled."""
        if level is not None and text is not None:
            self._status_base = (level, text)
        level, text = self._status_base
        governor = self.governor
        self.health.status(level, governor.status_text(text) if governor else text)

    def _on_image(self, msg: Image) -> None:
        self.health.count("frames_in")
        governor = self.governor
        if governor is not None and not governor.admit():
            return  # throttled_frames: dialogue or busy machine, not a fault
        if self.worker is not None and self.worker.submit(msg):
            self.health.count("frames_dropped")

    def _process(self, msg: Image) -> None:
        started = time.monotonic()
        detector = self.detector
        if detector is None:
            return
        image = image_to_bgr(msg, max_pixels=int(self.p["max_pixels"]))
        result = detector.detect(image)
        result.camera = self.camera
        result.frames_dropped = self.worker.stats.dropped if self.worker else 0
        result.latency_ms = (self.get_clock().now().nanoseconds
                             - stamp_to_ns(msg.header.stamp)) / 1e6
        self.pub.publish(to_message(result, msg.header))
        self.health.count("results")
        rest = self.min_period_s - (time.monotonic() - started)
        if rest > 0:
            time.sleep(rest)

    def _on_error(self, msg: Image, exc: BaseException) -> None:
        if not self.context.ok():
            return
        self.health.count("bad_images" if isinstance(exc, VisionError) else "errors")
        self.get_logger().warning(f"vision ({self.camera}): image refused: {exc}",
                                  throttle_duration_sec=5.0)

    def close(self) -> None:
        """Stop the worker before the node is destroyed."""
        self._stop_running()


def main(args: list[str] | None = None) -> int:
    """Entry point of the ``vision_lifecycle_node`` executable."""
    return run_node(VisionLifecycleNode, args=args)
