"""vision: ``sensor_msgs/Image`` on ``image`` → ``cockpit_ai/DetectionArray`` on ``detections``.

One executable, one instance per camera (``camera: road`` / ``camera: cabin``, set by the
launch file). It is a managed (lifecycle) node (:class:`~cockpit_ai.ros.managed.ManagedNode`):
``configure`` loads the model, only an active node subscribes and runs inference,
``deactivate`` frees the CPU (the model stays loaded), ``cleanup`` frees the model. With
``autostart`` (default true) it configures and activates itself at start, so launch files
start it like a plain node and a missing model file stops it with one clear line; with
``autostart:=false`` it waits for ``cockpit-ai lifecycle set /cockpit/cabin_vision
configure`` (then ``activate``), e.g. a parked car's cabin camera.
The image callback only drops the message into a one-slot mailbox
(:class:`~cockpit_ai.workers.LatestWorker`); a worker thread runs the detector on
the newest frame, so a 30 Hz camera against a slower model gives fresh results and counted
drops, never a queue. Bad images are refused with a throttled warning, counted, and the
node keeps running. Detections carry the source image's header (stamp, frame_id: the
camera's frame) and each its bearing from the car: the box centre through the camera's
``horizontal_fov_deg``, plus the ``mount_yaw_deg`` of that camera frame.

The load governor (:mod:`cockpit_ai.ros.governor`) gates the image callback: while a
dialogue turn is in progress (``speech_active``, ``turn_active``) or the CPU is under
pressure, the model runs at most ``governed_rate_hz``; the frames it skips are counted as
``throttled_frames`` (not as drops), and the status stays OK with "throttled: dialogue".
"""

from __future__ import annotations

import time
from typing import Any

from sensor_msgs.msg import Image

from cockpit_ai.msg import Detection as DetectionMsg
from cockpit_ai.msg import DetectionArray
from cockpit_ai.ros import qos
from cockpit_ai.ros.diagnostics import OK, WARN, Health
from cockpit_ai.ros.governor_link import GovernedStatus, GovernorLink, settings_from_params
from cockpit_ai.ros.managed import ManagedNode
from cockpit_ai.ros.run import NodeStartupError, run_node
from cockpit_ai.ros.stamps import stamp_to_ns
from cockpit_ai.vision import VisionError
from cockpit_ai.vision.detector import (
    CAMERA_CLASSES,
    DetectionResult,
    Detector,
    DetectorSettings,
    draw_detections,
)
from cockpit_ai.vision.images import ImageError, array_to_image, check_image, image_to_bgr
from cockpit_ai.workers import LatestWorker

NODE = "vision"


def to_message(result: DetectionResult, header: Any) -> DetectionArray:
    """A DetectionArray for ``result``, stamped with the source image's header."""
    msg = DetectionArray()
    msg.header = header
    msg.camera = result.camera
    msg.image_width_px = result.image_width_px
    msg.image_height_px = result.image_height_px
    msg.inference_time_ms = float(result.inference_time_ms)
    msg.latency_ms = float(result.latency_ms)
    msg.frames_dropped = int(result.frames_dropped)
    msg.model = result.model
    for d in result.detections:
        m = DetectionMsg()
        m.header = header
        m.class_name, m.class_id, m.score, m.track_id = (
            d.class_name, d.class_id, float(d.score), int(d.track_id))
        m.center_x_px, m.center_y_px = float(d.center_x_px), float(d.center_y_px)
        m.width_px, m.height_px = float(d.width_px), float(d.height_px)
        m.bearing_deg = float(d.bearing_deg)
        msg.detections.append(m)
    return msg


class VisionNode(ManagedNode):
    """Runs the detector on the newest image of one camera (a managed node).

    ``configure`` loads the model and sets up the publishers and the load governor (so a
    latched ``turn_active`` is known before ``activate``); ``activate`` subscribes to
    ``image`` and starts the worker; ``deactivate`` stops both (the CPU is free, the model
    stays loaded); ``cleanup`` frees the model. With ``autostart`` (default) the node does
    configure and activate itself; a missing model then stops it with one clear line.
    """

    def __init__(self, *, overrides: dict[str, Any] | None = None) -> None:
        super().__init__(NODE, overrides=overrides)
        p = self.p
        self.camera = p["camera"]
        self.classes = tuple(p["classes"]) or CAMERA_CLASSES.get(self.camera, ())
        self.max_pixels = int(p["max_pixels"])
        # On a 2-core computer a camera needs not run the model flat out: the cabin camera's
        # objects change slowly, and the LLM and ASR need CPU too.
        self.min_period_s = 1.0 / p["max_rate_hz"] if p["max_rate_hz"] > 0 else 0.0
        self.settings = DetectorSettings(
            model=p["model"], classes=self.classes, confidence=p["confidence"], iou=p["iou"],
            imgsz=p["imgsz"], resize=p["resize"], device=p["device"], threads=p["threads"],
            track=p["track"], max_pixels=self.max_pixels,
            horizontal_fov_deg=p["horizontal_fov_deg"], mount_yaw_deg=p["mount_yaw_deg"],
        )
        self.health = Health(self)
        self.health.set("camera", self.camera)
        self.health.set("classes", ",".join(self.classes) or "all")
        self.health.set("threads", self.settings.threads)
        self.detector: Detector | None = None
        self.governor: GovernorLink | None = None
        self.pub: Any = None
        self.debug_pub: Any = None
        self.sub: Any = None
        self.worker: LatestWorker[Image, None] | None = None
        self.status = GovernedStatus(self.health, OK, "unconfigured")

    # -- lifecycle (ManagedNode) ----------------------------------------------------------
    def load(self) -> None:
        try:
            self.detector = Detector(self.settings)
        except VisionError as exc:
            raise NodeStartupError(f"vision ({self.camera}): {exc}") from None
        self.health.set("model", str(self.detector.model_path))
        self.governor = GovernorLink(self, self.health, settings_from_params(self.p),
                                     on_change=lambda _state: self.status.show())
        self.status.governor = self.governor
        self.pub = self.create_lifecycle_publisher(DetectionArray, "detections", qos.RELIABLE)
        self.debug_pub = (self.create_lifecycle_publisher(Image, "debug_image", qos.SENSOR)
                          if self.p["publish_debug_image"] else None)
        self.status.set(OK, "configured (inactive)")
        self.get_logger().info(
            f"vision ({self.camera}): {self.detector.model_path.name} loaded, classes "
            f"{', '.join(self.classes) or 'all'}, tracking "
            f"{'on' if self.settings.track else 'off'}"
        )

    def start(self) -> None:
        self.worker = LatestWorker(self._process, on_error=self._on_error,
                                   name=f"vision-{self.camera}").start()
        self.sub = self.create_subscription(Image, "image", self._on_image, qos.SENSOR)
        self.status.set(OK, "waiting for images")
        self.get_logger().info(f"vision ({self.camera}): active")

    def stop(self) -> None:
        sub, self.sub = self.sub, None
        if sub is not None:
            self.destroy_subscription(sub)
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.stop(timeout=5.0)
            if self.detector is not None:
                self.status.set(OK, "configured (inactive)")
                self.get_logger().info(f"vision ({self.camera}): inactive, inference stopped")

    def unload(self) -> None:
        for pub in (self.pub, self.debug_pub):
            if pub is not None:
                self.destroy_lifecycle_publisher(pub)
        self.pub = self.debug_pub = None
        if self.governor is not None:
            self.governor.destroy()
            self.governor = self.status.governor = None
        self.detector = None
        self.status.set(OK, "unconfigured")

    # -- running --------------------------------------------------------------------------
    def _on_image(self, msg: Image) -> None:
        """Callback thread: only hand the message over (newest wins), if the governor lets.
        A header that does not describe its data is refused here, so it is counted even
        when a newer frame would have replaced it before the worker looked."""
        self.health.count("frames_in")
        try:
            check_image(msg, max_pixels=self.max_pixels)
        except ImageError as exc:
            self._on_error(msg, exc)
            return
        governor, worker = self.governor, self.worker
        if governor is not None and not governor.admit():
            return  # counted as throttled_frames: dialogue or busy machine, not a fault
        if worker is not None and worker.submit(msg):
            self.health.count("frames_dropped")  # the waiting frame was replaced

    def _process(self, msg: Image) -> None:
        """Worker thread: convert, detect, publish; then rest to keep ``max_rate_hz``."""
        started = time.monotonic()
        try:
            self._detect_and_publish(msg)
        finally:
            rest = self.min_period_s - (time.monotonic() - started)
            if rest > 0:
                time.sleep(rest)  # newer frames replace the waiting one meanwhile (dropped)

    def _detect_and_publish(self, msg: Image) -> None:
        detector, pub, worker = self.detector, self.pub, self.worker
        if detector is None or pub is None or not self.running:
            return  # deactivated or cleaned up while this frame waited
        image = image_to_bgr(msg, max_pixels=self.max_pixels)
        result = detector.detect(image)
        result.camera = self.camera
        result.frames_dropped = worker.stats.dropped if worker is not None else 0
        now_ns = self.get_clock().now().nanoseconds
        result.latency_ms = (now_ns - stamp_to_ns(msg.header.stamp)) / 1e6
        pub.publish(to_message(result, msg.header))
        self.health.count("results")
        self.health.set("inference_ms", f"{result.inference_time_ms:.1f}")
        self.status.set(OK, f"{len(result.detections)} objects in the last frame")
        debug_pub = self.debug_pub
        if debug_pub is not None:
            drawn = draw_detections(image, result)
            debug_pub.publish(array_to_image(drawn, encoding="bgr8", header=msg.header))

    def _on_error(self, msg: Image, exc: BaseException) -> None:
        """A bad image (or a failed frame): warn (throttled), count, keep running."""
        if not self.context.ok():
            return  # shutting down: the publisher is gone, nothing to report
        bad = isinstance(exc, VisionError)
        what = "image refused" if bad else "frame failed"
        self.health.count("bad_images" if bad else "errors")
        self.status.set(WARN, f"last {what}: {exc}")
        self.get_logger().warning(f"vision ({self.camera}): {what}: {exc}",
                                  throttle_duration_sec=5.0)


def main(args: list[str] | None = None) -> int:
    """Entry point of the ``vision_node`` executable."""
    return run_node(VisionNode, args=args)
