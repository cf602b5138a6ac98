"""fatigue: cabin images (+ voice features) in, the driver's FatigueState out.

A thin ROS shell over the plain-Python core: the image callback only checks and stores the
newest frame; a worker thread runs the face model and the core on it, so a slow model drops
stale frames instead of queueing them. The state is published at a steady rate and at once
when the level changes; its stamp is that of the newest image used, so a replayed bag gives
the same states. Bad images are refused with a clear (throttled) warning and counted.

A managed (lifecycle) node (:class:`~cockpit_ai.ros.managed.ManagedNode`): ``configure``
loads the face model, only an active node subscribes, runs the model and publishes. With
``autostart`` (default true) it configures and activates itself, so launch files start it
like a plain node; with ``autostart:=false`` it waits for ``cockpit-ai lifecycle set
/cockpit/fatigue configure`` (then ``activate``).

The load governor (:mod:`cockpit_ai.ros.governor`) lets the face model run at most
``governed_rate_hz`` while a dialogue turn is in progress or the CPU is under pressure;
skipped frames count as ``throttled_frames``. Keep that rate ≥ 3 Hz: the indicators end an
eye-closure episode uncounted when frames are more than 0.5 s apart (``max_gap_s``).
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any

from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
from sensor_msgs.msg import Image

from cockpit_ai.fatigue.common import FatigueError
from cockpit_ai.fatigue.face import FaceAnalyzer
from cockpit_ai.fatigue.fusion import (
    LEVEL_UNKNOWN,
    FatigueEstimator,
    FatigueSnapshot,
    settings_from_dict,
)
from cockpit_ai.fatigue.voice import VoiceSample, from_driver
from cockpit_ai.msg import FatigueState, VoiceFeatures
from cockpit_ai.ros import qos
from cockpit_ai.ros.diagnostics import OK, WARN, Health
from cockpit_ai.ros.governor_link import GovernedStatus, GovernorLink, settings_from_params
from cockpit_ai.ros.managed import ManagedNode
from cockpit_ai.ros.run import NodeStartupError, run_node
from cockpit_ai.ros.stamps import stamp_to_ns
from cockpit_ai.vision.images import ImageError, image_to_bgr
from cockpit_ai.workers import LatestWorker

NODE = "fatigue"


def voice_sample(msg: Any) -> VoiceSample:
    """A VoiceFeatures message as the core's VoiceSample (time = header stamp)."""
    return VoiceSample(
        t=stamp_to_ns(msg.header.stamp) / 1e9,
        speech_rate_wps=float(msg.speech_rate_wps),
        pause_ratio=float(msg.pause_ratio),
        pitch_mean_hz=float(msg.pitch_mean_hz),
        pitch_std_hz=float(msg.pitch_std_hz),
        loudness_dbfs=float(msg.loudness_dbfs),
        duration_s=float(msg.duration_s),
    )


def state_message(snap: FatigueSnapshot | None, *, level: int, previous_level: int,
                  changed: bool, stamp: Any, frame_id: str, cues: tuple[str, ...]) -> Any:
    """A FatigueState from a core snapshot (None: nothing measured yet)."""
    msg = FatigueState()
    if stamp is not None:
        msg.header.stamp = stamp
    msg.header.frame_id = frame_id
    msg.level = level
    msg.previous_level = previous_level
    msg.level_changed = changed
    msg.cues = list(cues)
    nan = math.nan
    if snap is None:
        for name in ("ear_left", "ear_right", "mar", "pitch_deg", "yaw_deg", "perclos"):
            setattr(msg, name, nan)
        return msg
    msg.score = float(snap.score)
    msg.face_visible = bool(snap.face_visible)
    msg.calibrated = bool(snap.calibrated)
    for name in ("ear_left", "ear_right", "mar", "pitch_deg", "yaw_deg", "perclos",
                 "blink_rate_per_min", "mean_blink_duration_s", "eyes_off_road_s",
                 "voice_score"):
        setattr(msg, name, float(getattr(snap, name)))
    for name in ("blinks", "microsleeps", "yawns", "nods"):
        setattr(msg, name, int(getattr(snap, name)))
    return msg


class FatigueNode(ManagedNode):
    """Subscribes ``image`` and ``voice_features``; publishes ``fatigue_state`` (managed).

    ``configure`` loads the face model and sets up the publisher and the load governor;
    ``activate`` starts the worker, the subscriptions and the steady publishing;
    ``deactivate`` stops them (the model and the driver's calibration stay); ``cleanup``
    frees the model and starts the core over. With ``autostart`` (default) the node does
    configure and activate itself; a model that cannot load then stops it with one line.
    """

    def __init__(self, *, overrides: dict[str, Any] | None = None) -> None:
        super().__init__(NODE, overrides=overrides)
        p = self.p
        try:
            self._settings = settings_from_dict(p)
        except FatigueError as exc:
            raise NodeStartupError(f"fatigue: {exc}") from None
        self._analyzer: FaceAnalyzer | None = None
        self._estimator = self._new_estimator()
        self._lock = threading.Lock()
        self._voice: list[VoiceSample] = []
        self._snap: FatigueSnapshot | None = None
        self._stamp: Any = None
        self._frame_id = ""
        self._last_frame_clock_ns: int | None = None
        self._published_level: int = LEVEL_UNKNOWN
        self._previous_level: int = LEVEL_UNKNOWN
        self._stale_ns = int(float(p["stale_after_s"]) * 1e9)
        self._max_pixels = int(p["max_image_pixels"])
        self._logged: dict[str, float] = {}

        self.health = Health(self)
        self.health.set("driver_side", p["driver_side"])
        self.governor: GovernorLink | None = None
        self.pub: Any = None
        self.sub_image: Any = None
        self.sub_voice: Any = None
        self.timer: Any = None
        self._worker: LatestWorker[tuple[Any, Any], FatigueSnapshot] | None = None
        self.status = GovernedStatus(self.health, OK, "unconfigured")

    # -- lifecycle (ManagedNode) ----------------------------------------------------------

    def load(self) -> None:
        p = self.p
        try:
            self._analyzer = FaceAnalyzer(
                driver_side=p["driver_side"], max_faces=int(p["max_faces"]),
                min_detection_confidence=float(p["min_detection_confidence"]),
                min_tracking_confidence=float(p["min_tracking_confidence"]))
        except FatigueError as exc:
            raise NodeStartupError(f"fatigue: {exc}") from None
        self.governor = GovernorLink(self, self.health, settings_from_params(p),
                                     on_change=lambda _state: self.status.show())
        self.status.governor = self.governor
        self.pub = self.create_lifecycle_publisher(FatigueState, "fatigue_state",
                                                   qos.RELIABLE)
        self.status.set(OK, "configured (inactive)")
        self.get_logger().info("fatigue: face model loaded")

    def start(self) -> None:
        # Worker before subscriptions: the first image after activate has a worker to take it.
        self._worker = LatestWorker(
            self._process, on_result=self._on_result, on_error=self._on_error,
            name="fatigue-face").start()
        inputs = MutuallyExclusiveCallbackGroup()
        self.sub_image = self.create_subscription(
            Image, "image", self._on_image, qos.SENSOR, callback_group=inputs)
        self.sub_voice = self.create_subscription(
            VoiceFeatures, "voice_features", self._on_voice, qos.RELIABLE,
            callback_group=inputs)
        self.timer = self.create_timer(1.0 / float(self.p["publish_rate_hz"]), self._on_timer,
                                       callback_group=MutuallyExclusiveCallbackGroup())
        self.status.set(WARN, "waiting for images")
        self.get_logger().info("fatigue: active")

    def stop(self) -> None:
        timer, self.timer = self.timer, None
        if timer is not None:
            timer.cancel()
            self.destroy_timer(timer)
        for sub in (self.sub_image, self.sub_voice):
            if sub is not None:
                self.destroy_subscription(sub)
        self.sub_image = self.sub_voice = None
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop(timeout=5.0)
            with self._lock:   # the next state says "no_image" until a new frame is in
                self._snap, self._last_frame_clock_ns = None, None
            if self._analyzer is not None:
                self.status.set(OK, "configured (inactive)")
                self.get_logger().info("fatigue: inactive, face model stopped")

    def unload(self) -> None:
        if self.pub is not None:
            self.destroy_lifecycle_publisher(self.pub)
            self.pub = None
        if self.governor is not None:
            self.governor.destroy()
            self.governor = self.status.governor = None
        analyzer, self._analyzer = self._analyzer, None
        if analyzer is not None:
            analyzer.close()
        self._estimator = self._new_estimator()   # a new configure calibrates anew
        self.status.set(OK, "unconfigured")

    def _new_estimator(self) -> FatigueEstimator:
        return FatigueEstimator(indicator_settings=self._settings[0],
                                fusion_settings=self._settings[1])

    # -- callbacks (store only) -----------------------------------------------------------

    def _on_image(self, msg: Any) -> None:
        try:
            image = image_to_bgr(msg, max_pixels=self._max_pixels)
        except ImageError as exc:
            self._refuse(f"refused image: {exc}")
            return
        self.health.count("images")
        governor, worker = self.governor, self._worker
        if governor is not None and not governor.admit():
            return  # counted as throttled_frames: dialogue or busy machine, not a fault
        if worker is not None and worker.submit((msg.header, image)):
            self.health.count("dropped_frames")

    def _on_voice(self, msg: Any) -> None:
        if not from_driver(msg.header.frame_id, self.p["driver_voice_frames"]):
            self.health.count("voice_not_driver")  # a passenger's zone microphone
            return
        try:
            sample = voice_sample(msg)
        except FatigueError as exc:
            self.health.count("bad_voice_features")
            self.get_logger().warning(f"refused voice features: {exc}",
                                      throttle_duration_sec=5.0)
            return
        with self._lock:
            self._voice.append(sample)
            del self._voice[:-1000]          # no images for a long time: keep the newest
        self.health.count("voice_features")

    # -- worker thread --------------------------------------------------------------------

    def _process(self, item: tuple[Any, Any]) -> FatigueSnapshot:
        header, image = item
        t = stamp_to_ns(header.stamp) / 1e9
        with self._lock:
            voice, self._voice = sorted(self._voice, key=lambda v: v.t), []
        for sample in voice:
            self._estimator.add_voice(sample)
        analyzer = self._analyzer
        if analyzer is None:
            raise FatigueError("the face model is not loaded")  # cleaned up meanwhile
        result = analyzer.measure(image, t=t)
        try:
            return self._estimator.update(result.measures)
        except FatigueError:
            # Time went backwards (a bag started again): start over with a new calibration.
            self.get_logger().warning(
                f"image stamp {t:.3f} s is older than the last one: restarting calibration")
            self.health.count("restarts")
            self._estimator = self._new_estimator()
            return self._estimator.update(result.measures)

    def _on_result(self, item: tuple[Any, Any], snap: FatigueSnapshot) -> None:
        header = item[0]
        with self._lock:
            self._snap = snap
            self._stamp = header.stamp
            self._frame_id = header.frame_id
            self._last_frame_clock_ns = self.get_clock().now().nanoseconds
        self.health.count("frames")
        if snap.face_visible:
            self.status.set(OK, f"level {snap.level_name}")
        else:
            self.status.set(WARN, "no driver face in the image")
        if snap.level != self._published_level:
            self._publish()

    def _on_error(self, item: tuple[Any, Any], exc: BaseException) -> None:
        self._refuse(f"refused image: {exc}")

    def _refuse(self, text: str) -> None:
        """Count a bad image and log why; the same reason at most every 5 s."""
        self.health.count("bad_images")
        now = time.monotonic()
        with self._lock:
            last = self._logged.get(text)
            if last is not None and now - last < 5.0:
                return
            if len(self._logged) > 100:
                self._logged.clear()
            self._logged[text] = now
        self.get_logger().warning(text)

    # -- publishing -----------------------------------------------------------------------

    def _on_timer(self) -> None:
        self._publish()

    def _publish(self) -> None:
        pub = self.pub
        if pub is None:
            return  # cleaned up while a result was on its way
        with self._lock:
            snap, stamp, frame_id = self._snap, self._stamp, self._frame_id
            last = self._last_frame_clock_ns
            now = self.get_clock().now().nanoseconds
            stale = last is None or now - last > self._stale_ns
            if snap is None or stale:
                level: int = LEVEL_UNKNOWN
                cues: tuple[str, ...] = ("no_image",)
            else:
                level, cues = snap.level, snap.cues
            changed = level != self._published_level
            if changed:
                self._previous_level = self._published_level
                self._published_level = level
            msg = state_message(None if stale else snap, level=level,
                                previous_level=self._previous_level, changed=changed,
                                stamp=stamp, frame_id=frame_id, cues=cues)
            if stale and last is not None and changed:
                self.status.set(WARN, f"no image processed for {(now - last) / 1e9:.1f} s")
            pub.publish(msg)
        self.health.count("published")

    def close(self) -> None:
        """Stop the worker and release the face model (run_node, before destroying)."""
        super().close()
        analyzer, self._analyzer = self._analyzer, None
        if analyzer is not None:
            analyzer.close()


def main(args: list[str] | None = None) -> int:
    """Entry point of the ``fatigue_node`` executable."""
    return run_node(FatigueNode, args=args)
