"""The cabin camera stops mid-drive (issue 15): the fatigue node says it does not know —
FatigueState UNKNOWN with the cue ``no_image`` at its steady rate, WARN "no image
processed" on /diagnostics — instead of repeating the last level; when frames come back,
so do measured states and the WARN goes. The node keeps running throughout."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from cockpit_ai.testing import node_exec

pytestmark = pytest.mark.integration

pytest.importorskip("mediapipe", reason="mediapipe==0.10.14 is installed by `make setup`")

REPO = Path(__file__).resolve().parents[2]


def face_frame() -> np.ndarray:
    """A real face (ultralytics' zidane.jpg, the right-hand face), 320x240 bgr8."""
    import cv2
    import ultralytics

    path = Path(ultralytics.__file__).parent / "assets" / "zidane.jpg"
    return cv2.resize(np.ascontiguousarray(cv2.imread(str(path))[0:480, 640:1280]),
                      (320, 240))


def level(status) -> int:
    return int.from_bytes(status.level, "little") if isinstance(status.level, bytes) \
        else int(status.level)


def test_the_cabin_camera_stops_and_comes_back(processes, probe) -> None:
    from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
    from sensor_msgs.msg import Image

    from cockpit_ai.msg import FatigueState
    from cockpit_ai.ros import qos
    from cockpit_ai.ros.stamps import s_to_stamp
    from cockpit_ai.vision.images import array_to_image

    ns = "/fatigue_fault"
    states = probe.subscribe(FatigueState, f"{ns}/fatigue_state")
    diags = probe.subscribe(DiagnosticArray, "/diagnostics")
    node = processes.start(
        [node_exec("fatigue_node"), "--ros-args",
         "--params-file", str(REPO / "config" / "fatigue.param.yaml"),
         "-p", "calibration_s:=1.0", "-p", "calibration_min_frames:=5",
         "-p", "publish_rate_hz:=5.0", "-p", "stale_after_s:=2.0",
         "-p", "governor_enabled:=false", "-p", "diagnostic_updater.period:=0.2",
         "-r", "image:=cabin/image_raw", "-r", f"__ns:={ns}"], name="fatigue")
    probe.wait_for_subscribers(Image, f"{ns}/cabin/image_raw", timeout=180, qos=qos.SENSOR)
    frame = face_frame()
    camera_on = threading.Event()
    stop = threading.Event()
    t = [1_800_000_000.0]

    def camera() -> None:  # 10 FPS with rising stamps while the camera is on
        while not stop.is_set():
            if camera_on.is_set():
                msg = array_to_image(frame, encoding="bgr8")
                msg.header.stamp = s_to_stamp(t[0])
                msg.header.frame_id = "cabin_camera"
                probe.publish(f"{ns}/cabin/image_raw", msg, qos=qos.SENSOR)
                t[0] += 0.1
            time.sleep(0.1)

    feeder = threading.Thread(target=camera, daemon=True)
    feeder.start()
    try:
        camera_on.set()
        measured = states.wait(1, timeout=120, where=lambda m: m.face_visible
                               and m.level != FatigueState.LEVEL_UNKNOWN)[0]
        assert measured.calibrated

        def fatigue_status(where) -> bool:
            return any(st.name == f"{ns}/fatigue" and where(st)
                       for m in diags.messages for st in m.status)

        # the camera stops
        camera_on.clear()
        stopped_at = time.monotonic()
        unknown = states.wait(1, timeout=60, where=lambda m: m.level_changed
                              and m.level == FatigueState.LEVEL_UNKNOWN)[0]
        assert list(unknown.cues) == ["no_image"] and not unknown.face_visible
        assert unknown.previous_level == measured.level or unknown.previous_level > 0
        deadline = time.monotonic() + 60
        while not fatigue_status(lambda st: level(st) == DiagnosticStatus.WARN[0]
                                 and "no image processed" in st.message):
            assert time.monotonic() < deadline, [st.message for m in diags.messages[-5:]
                                                 for st in m.status]
            time.sleep(0.2)
        # it keeps saying so at its steady rate (no stale level repeated), and runs on
        k = len(states.messages)
        time.sleep(2.0)
        after = states.messages[k:]
        assert after and all(m.level == FatigueState.LEVEL_UNKNOWN
                             and list(m.cues) == ["no_image"] for m in after), after
        assert time.monotonic() - stopped_at > 2.0 and node.poll() is None
        # the camera comes back: measured states again, the WARN goes
        diags.messages.clear()
        camera_on.set()
        states.wait(1, timeout=60, where=lambda m: m.level_changed
                    and m.level != FatigueState.LEVEL_UNKNOWN)
        deadline = time.monotonic() + 60
        while not fatigue_status(lambda st: level(st) == DiagnosticStatus.OK[0]):
            assert time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        stop.set()
        feeder.join(timeout=2.0)
