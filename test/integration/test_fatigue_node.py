"""The fatigue node as a real process: real face photos in as images, FatigueState out.

The node is managed: with ``autostart`` (default) it is active by itself; with
``autostart:=false`` nothing is measured or published until ``cockpit-ai lifecycle set``
configures and activates it, and nothing after deactivate.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.integration

pytest.importorskip("mediapipe", reason="mediapipe==0.10.14 is installed by `make setup`")

REPO = Path(__file__).resolve().parents[2]


def face_frames() -> tuple[np.ndarray, np.ndarray]:
    """A real face (zidane.jpg crop) and the same face with the eyes painted shut, 320x240.

    320x240 bgr8 (230 KB) because larger best-effort images do not reliably cross between
    processes with Fast DDS's default transports here (see docs/fatigue.md).
    """
    import importlib.util

    import cv2

    from cockpit_ai.fatigue.face import FaceAnalyzer
    from cockpit_ai.fatigue.synth import close_eyes

    spec = importlib.util.find_spec("ultralytics")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("ultralytics (with its sample photos) is installed by `make setup`")
    path = Path(next(iter(spec.submodule_search_locations))) / "assets" / "zidane.jpg"
    image = np.ascontiguousarray(cv2.imread(str(path))[0:480, 640:1280])
    with FaceAnalyzer(static=True) as analyzer:
        landmarks = analyzer.measure(image, t=0.0).landmarks
    assert landmarks is not None
    shut = close_eyes(image, landmarks)
    return cv2.resize(image, (320, 240)), cv2.resize(shut, (320, 240))


def start_node(processes, tmp_path: Path, *extra: str):
    from cockpit_ai.testing import node_exec

    return processes.start(
        [node_exec("fatigue_node"), "--ros-args",
         "--params-file", str(REPO / "config" / "fatigue.param.yaml"),
         "-p", "calibration_s:=1.0", "-p", "calibration_min_frames:=5",
         "-p", "publish_rate_hz:=5.0",
         # every frame counts here (a busy test machine must not throttle the timing)
         "-p", "governor_enabled:=false",
         "-r", "image:=cabin/image_raw", *extra],
        name="fatigue")


def image_message(pixels: np.ndarray, t: float, *, encoding: str = "bgr8"):
    from cockpit_ai.ros.stamps import s_to_stamp
    from cockpit_ai.vision.images import array_to_image

    msg = array_to_image(pixels, encoding=encoding)
    msg.header.stamp = s_to_stamp(t)
    msg.header.frame_id = "cabin_camera"
    return msg


def send(probe, frames: list[np.ndarray], *, t0: float, fps: float = 10.0) -> None:
    from cockpit_ai.ros import qos

    for i, frame in enumerate(frames):
        probe.publish("cabin/image_raw", image_message(frame, t0 + i / fps), qos=qos.SENSOR)
        time.sleep(1.0 / fps)


def test_image_sequence_yields_fatigue_state(processes, probe, tmp_path) -> None:
    from sensor_msgs.msg import Image

    from cockpit_ai.msg import FatigueState
    from cockpit_ai.ros import qos
    from cockpit_ai.ros.stamps import stamp_to_s

    open_eyes, shut_eyes = face_frames()
    states = probe.subscribe(FatigueState, "fatigue_state")
    node = start_node(processes, tmp_path)
    # Before any image: published at a steady rate, UNKNOWN, and it says why.
    first = states.wait(3, timeout=60)
    assert all(m.level == FatigueState.LEVEL_UNKNOWN and list(m.cues) == ["no_image"]
               for m in first)
    gaps = np.diff(states.times[:3])
    assert 0.1 < float(np.median(gaps)) < 0.5        # publish_rate_hz 5

    probe.wait_for_subscribers(Image, "cabin/image_raw", qos=qos.SENSOR, timeout=30)
    # 10 FPS: 2 s open (1 s calibrates), 1.5 s shut (a microsleep), 1 s open.
    send(probe, [open_eyes] * 20 + [shut_eyes] * 15 + [open_eyes] * 10, t0=100.0)

    seen = states.wait(1, timeout=20, where=lambda m: m.calibrated and m.face_visible)
    m = seen[0]
    assert 100.0 <= stamp_to_s(m.header.stamp) < 104.6
    assert m.header.frame_id == "cabin_camera"
    assert 0.2 < m.ear_left < 0.33 and 0.2 < m.ear_right < 0.33
    severe = states.wait(1, timeout=20, where=lambda m: m.level == FatigueState.LEVEL_SEVERE
                         and m.level_changed)[0]
    assert 102.4 <= stamp_to_s(severe.header.stamp) <= 102.7   # 1 s into the closure
    assert severe.previous_level in (FatigueState.LEVEL_ALERT, FatigueState.LEVEL_MILD,
                                     FatigueState.LEVEL_MODERATE)
    last = states.wait(1, timeout=20, where=lambda m: m.microsleeps >= 1)[-1]
    assert last.microsleeps == 1 and last.perclos > 0.1
    # Images stop: after stale_after_s (2 s) the state turns UNKNOWN ("no_image") at once.
    stale = states.wait(1, timeout=20, where=lambda m: m.level_changed
                        and m.level == FatigueState.LEVEL_UNKNOWN)[0]
    assert list(stale.cues) == ["no_image"] and stale.previous_level == FatigueState.LEVEL_SEVERE
    assert node.poll() is None


def test_bad_images_are_refused_and_the_node_keeps_running(processes, probe, tmp_path) -> None:
    from sensor_msgs.msg import Image

    from cockpit_ai.msg import FatigueState
    from cockpit_ai.ros import qos

    open_eyes, _ = face_frames()
    states = probe.subscribe(FatigueState, "fatigue_state")
    # zone microphones: only the driver's voice counts
    node = start_node(processes, tmp_path, "-p", "driver_voice_frames:=['mic_driver']")
    probe.wait_for_subscribers(Image, "cabin/image_raw", qos=qos.SENSOR, timeout=60)
    bad = []
    wrong_encoding = image_message(open_eyes, 10.0)
    wrong_encoding.encoding = "32FC1"
    bad.append(wrong_encoding)
    short = image_message(open_eyes, 10.1)
    short.data = bytes(100)                              # data shorter than step x height
    bad.append(short)
    bad.append(image_message(np.zeros((8, 8, 3), np.uint8), 10.2))   # too small for the model
    for _ in range(3):                                   # best effort: the first may be lost
        for msg in bad:
            probe.publish("cabin/image_raw", msg, qos=qos.SENSOR)
            time.sleep(0.2)
    send(probe, [open_eyes] * 15, t0=20.0)
    good = states.wait(1, timeout=30, where=lambda m: m.face_visible and m.calibrated)
    assert good and node.poll() is None
    # Voice features: a good one is taken, a NaN one refused with a log line, a
    # passenger's (another microphone) ignored and counted.
    from diagnostic_msgs.msg import DiagnosticArray

    from cockpit_ai.msg import VoiceFeatures

    diagnostics = probe.subscribe(DiagnosticArray, "/diagnostics")
    probe.wait_for_subscribers(VoiceFeatures, "voice_features", timeout=30)
    voice = VoiceFeatures(utterance_id="u1", duration_s=2.0, speech_rate_wps=2.5,
                          pause_ratio=0.2, pitch_mean_hz=120.0, pitch_std_hz=25.0,
                          loudness_dbfs=-20.0)
    voice.header.stamp.sec = 21
    voice.header.frame_id = "mic_driver"
    probe.publish("voice_features", voice)
    broken = VoiceFeatures(utterance_id="u2", pitch_std_hz=float("nan"))
    broken.header.frame_id = "mic_driver"
    probe.publish("voice_features", broken)
    passenger = VoiceFeatures(utterance_id="u3", duration_s=2.0, speech_rate_wps=1.0,
                              pitch_std_hz=5.0)
    passenger.header.frame_id = "mic_passenger"
    probe.publish("voice_features", passenger)

    def counter(msg, key: str) -> float:
        for status in msg.status:
            if status.name.endswith("fatigue"):
                for kv in status.values:
                    if kv.key == key:
                        return float(kv.value)
        return 0.0

    got = diagnostics.wait(1, timeout=20, where=lambda m: counter(m, "voice_features") >= 1
                           and counter(m, "bad_voice_features") >= 1
                           and counter(m, "voice_not_driver") >= 1)[-1]
    assert counter(got, "voice_features") == 1  # the passenger's is not among them
    last = diagnostics.wait(1, timeout=20, where=lambda m: counter(m, "bad_images") >= 3)[-1]
    assert counter(last, "frames") >= 1
    log = processes.log(node)
    assert "refused voice features" in log
    assert "refused image" in log and "32fc1" in log.lower() and "expected step" in log
    assert "at least 32 pixels" in log
    assert "Traceback" not in log


def test_governor_throttles_the_face_model_while_the_driver_speaks(processes, probe,
                                                                   tmp_path) -> None:
    """speech_active true → the face model runs at most governed_rate_hz (skipped frames
    are throttled_frames, not dropped_frames; status not WARN for it); false → every frame."""
    import threading

    from diagnostic_msgs.msg import DiagnosticArray
    from sensor_msgs.msg import Image
    from std_msgs.msg import Bool

    from cockpit_ai.ros import qos
    from cockpit_ai.ros.stamps import stamp_to_ns

    open_eyes, _ = face_frames()
    diagnostics = probe.subscribe(DiagnosticArray, "/diagnostics")
    from cockpit_ai.testing import node_exec

    node = processes.start(
        [node_exec("fatigue_node"), "--ros-args",
         "--params-file", str(REPO / "config" / "fatigue.param.yaml"),
         "-p", "governed_rate_hz:=1.0", "-p", "cpu_pressure_high:=100.0",
         "-r", "image:=cabin/image_raw"], name="fatigue")
    probe.wait_for_subscribers(Image, "cabin/image_raw", qos=qos.SENSOR, timeout=60)
    stop = threading.Event()

    def camera() -> None:  # 10 FPS with rising stamps until the test ends
        i = 0
        while not stop.is_set():
            probe.publish("cabin/image_raw", image_message(open_eyes, 50.0 + i / 10.0),
                          qos=qos.SENSOR)
            i += 1
            time.sleep(0.1)

    feeder = threading.Thread(target=camera, daemon=True)
    feeder.start()

    def status(d):
        return next((s for s in d.status if s.name.endswith("fatigue")), None)

    def value(d, key: str) -> str:
        s = status(d)
        return next((kv.value for kv in s.values if kv.key == key), "") if s else ""

    def count(d, key: str) -> float:
        return float(value(d, key) or 0)

    def latest(where, timeout: float = 60):
        try:
            return diagnostics.wait(1, timeout=timeout,
                                    where=lambda d: status(d) is not None and where(d))[-1]
        except TimeoutError:
            pytest.fail(f"no such diagnostics; log:\n{processes.log(node)[-3000:]}")

    try:
        normal = latest(lambda d: count(d, "frames") >= 10)
        assert value(normal, "governor") == "normal" and count(normal, "throttled_frames") == 0
        probe.publish("speech_active", Bool(data=True), wait_subscribers=1)
        start = latest(lambda d: value(d, "governor") == "throttled (dialogue)"
                       and count(d, "throttled_frames") >= 1)
        end = latest(lambda d: count(d, "throttled_frames")
                     >= count(start, "throttled_frames") + 30)
        ran = count(end, "frames") - count(start, "frames")
        skipped = count(end, "throttled_frames") - count(start, "throttled_frames")
        window_s = (stamp_to_ns(end.header.stamp) - stamp_to_ns(start.header.stamp)) / 1e9
        print(f"throttled for {window_s:.1f} s: {ran:g} frames measured, {skipped:g} skipped")
        assert ran <= window_s * 1.0 + 2, (ran, window_s)   # governed_rate_hz 1
        assert skipped >= 3 * ran
        assert "throttled: dialogue" in status(end).message
        probe.publish("speech_active", Bool(data=False))
        back = latest(lambda d: value(d, "governor") == "normal"
                      and stamp_to_ns(d.header.stamp) > stamp_to_ns(end.header.stamp))
        later = latest(lambda d: count(d, "frames") >= count(back, "frames") + 10)
        assert count(later, "throttled_frames") == count(back, "throttled_frames")
        assert "throttled" not in status(later).message
    finally:
        stop.set()
        feeder.join(timeout=5)
    assert node.poll() is None


def test_missing_face_model_stops_with_a_clear_line(processes, tmp_path) -> None:
    """No MediaPipe (shadowed here by a package that cannot be imported): configure fails,
    and under autostart the node stops with exit code 1 and what to do, no traceback."""
    from cockpit_ai.testing import node_exec

    shadow = tmp_path / "no_mediapipe" / "mediapipe"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text('raise ImportError("no mediapipe here")\n')
    proc = processes.start(
        [node_exec("fatigue_node"), "--ros-args",
         "--params-file", str(REPO / "config" / "fatigue.param.yaml")],
        name="fatigue", env={"PYTHONPATH": os.pathsep.join(
            p for p in (str(shadow.parent), os.environ.get("PYTHONPATH")) if p)})
    assert proc.wait(timeout=120) == 1
    log = processes.log(proc)
    assert "[ERROR] fatigue: mediapipe's face mesh is not installed" in log
    assert "make setup" in log and "Traceback" not in log


LC_NS = "/lc_fatigue"
LC_NODE = f"{LC_NS}/fatigue"


def _lifecycle(*args: str) -> subprocess.CompletedProcess[str]:
    from cockpit_ai.testing import cockpit_cmd

    return subprocess.run(cockpit_cmd() + ["lifecycle", *args], capture_output=True,
                          text=True, timeout=120)


def test_managed_autostart_false_waits_for_configure_and_activate(processes, probe) -> None:
    """autostart:=false: unconfigured, then inactive: images sent meanwhile give no state
    and are not measured later; once active the same images give the driver's state."""
    from sensor_msgs.msg import Image

    from cockpit_ai.msg import FatigueState
    from cockpit_ai.ros import qos
    from cockpit_ai.ros.stamps import stamp_to_s
    from cockpit_ai.testing import node_exec

    open_eyes, _ = face_frames()
    node = processes.start(
        [node_exec("fatigue_node"), "--ros-args",
         "--params-file", str(REPO / "config" / "fatigue.param.yaml"),
         "-r", f"__ns:={LC_NS}", "-p", "autostart:=false",
         "-p", "calibration_s:=1.0", "-p", "calibration_min_frames:=5",
         "-p", "governor_enabled:=false"], name="lifecycle")
    states = probe.subscribe(FatigueState, f"{LC_NS}/fatigue_state")

    def feed(t0: float, count: int = 15) -> None:
        for i in range(count):
            probe.publish(f"{LC_NS}/image", image_message(open_eyes, t0 + i / 10.0),
                          qos=qos.SENSOR)
            time.sleep(0.1)

    got = _lifecycle("get", LC_NODE)
    assert got.stdout.startswith("unconfigured"), (got.stdout, got.stderr,
                                                   processes.log(node)[-2000:])
    feed(100.0)
    assert not states.messages, "published before configure"
    assert _lifecycle("set", LC_NODE, "configure").returncode == 0, processes.log(node)
    assert _lifecycle("get", LC_NODE).stdout.startswith("inactive")
    probe.wait_for_publishers(f"{LC_NS}/fatigue_state", timeout=30)  # would hear a state
    feed(110.0)
    time.sleep(1.0)                 # five publish periods at 5 Hz: none may come
    assert not states.messages, "published while inactive"

    assert _lifecycle("set", LC_NODE, "activate").returncode == 0, processes.log(node)
    assert _lifecycle("get", LC_NODE).stdout.startswith("active")
    first = states.wait(1, timeout=30)[0]
    # What came while inactive was not kept for later: no image yet.
    assert first.level == FatigueState.LEVEL_UNKNOWN and list(first.cues) == ["no_image"]
    probe.wait_for_subscribers(Image, f"{LC_NS}/image", qos=qos.SENSOR, timeout=30)
    feed(200.0, 25)
    seen = states.wait(1, timeout=30, where=lambda m: m.calibrated and m.face_visible)
    assert all(stamp_to_s(m.header.stamp) >= 200.0 for m in states.messages
               if m.face_visible), "an image sent while inactive was measured"
    assert 0.2 < seen[0].ear_left < 0.33 and seen[0].header.frame_id == "cabin_camera"

    assert _lifecycle("set", LC_NODE, "deactivate").returncode == 0
    time.sleep(1.0)                 # a state in flight may still arrive
    count = len(states.messages)
    feed(300.0)
    assert len(states.messages) == count, "published after deactivate"
    assert _lifecycle("set", LC_NODE, "cleanup").returncode == 0
    assert _lifecycle("get", LC_NODE).stdout.startswith("unconfigured")
    assert node.poll() is None, processes.log(node)
    assert "Traceback" not in processes.log(node)
