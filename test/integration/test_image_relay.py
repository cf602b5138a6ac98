"""The compressed image transport as real processes: a camera frame goes through the
compressing relay and the decompressing one and comes out the same picture (JPEG-close),
with its stamp and frame id, at a fraction of the raw size; bad frames are refused and
counted, and the relays keep running."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from cockpit_ai.testing import node_exec

pytestmark = [pytest.mark.integration, pytest.mark.beside]

REPO = Path(__file__).resolve().parents[2]


def relay(processes, mode: str, ns: str):
    return processes.start(
        [node_exec("image_relay_node"), "--ros-args",
         "--params-file", str(REPO / "config" / "image_relay.param.yaml"),
         "-p", f"mode:={mode}", "-p", "diagnostic_updater.period:=0.2",
         "-r", f"__node:=road_{mode}", "-r", f"__ns:={ns}",
         "-r", "image:=road/image_raw" + ("/decompressed" if mode == "decompress" else ""),
         "-r", "compressed:=road/image_raw/compressed"], name=mode)


def street_frame() -> np.ndarray:
    import cv2
    import ultralytics

    img = cv2.imread(str(Path(ultralytics.__file__).parent / "assets" / "bus.jpg"))
    return np.ascontiguousarray(cv2.resize(img, (640, 480)))


def test_a_frame_crosses_compressed_and_comes_back(processes, probe) -> None:
    from diagnostic_msgs.msg import DiagnosticArray
    from sensor_msgs.msg import CompressedImage, Image

    from cockpit_ai.ros import qos
    from cockpit_ai.ros.stamps import s_to_stamp
    from cockpit_ai.vision.images import array_to_image, image_to_bgr

    ns = "/relay_test"
    compressor, decompressor = relay(processes, "compress", ns), relay(processes, "decompress", ns)
    jpegs = probe.subscribe(CompressedImage, f"{ns}/road/image_raw/compressed", qos=qos.SENSOR)
    decoded = probe.subscribe(Image, f"{ns}/road/image_raw/decompressed", qos=qos.SENSOR)
    diags = probe.subscribe(DiagnosticArray, "/diagnostics")
    probe.wait_for_subscribers(Image, f"{ns}/road/image_raw", timeout=180, qos=qos.SENSOR)
    probe.wait_for_subscribers(CompressedImage, f"{ns}/road/image_raw/compressed", timeout=180,
                               qos=qos.SENSOR)
    frame = street_frame()
    deadline = time.monotonic() + 90
    i = 0
    while not decoded.messages:  # best effort: resent until one made the whole trip
        assert time.monotonic() < deadline, (processes.log(compressor),
                                             processes.log(decompressor))
        msg = array_to_image(frame, encoding="bgr8")
        msg.header.stamp = s_to_stamp(1_800_000_000.0 + i)
        msg.header.frame_id = "road_camera"
        probe.publish(f"{ns}/road/image_raw", msg, qos=qos.SENSOR)
        i += 1
        time.sleep(0.2)
    jpeg, out = jpegs.messages[0], decoded.messages[0]
    assert "jpeg" in jpeg.format and bytes(jpeg.data[:2]) == b"\xff\xd8"
    assert len(jpeg.data) < frame.nbytes / 8, len(jpeg.data)  # 921,600 raw bytes
    assert out.header.frame_id == "road_camera" and out.header.stamp.sec >= 1_800_000_000
    assert (out.width, out.height, out.encoding) == (640, 480, "bgr8")
    back = image_to_bgr(out)
    err = np.abs(back.astype(np.int16) - frame.astype(np.int16)).mean()
    assert err < 6.0, err  # the same picture, JPEG-close

    # a frame in an encoding the relay cannot read, and a JPEG that is not one
    bad = array_to_image(frame[:, :, 0].copy(), encoding="mono8")
    bad.encoding = "32FC1"
    broken = CompressedImage(format="jpeg", data=b"\xff\xd8 not a jpeg at all")
    for _ in range(5):
        probe.publish(f"{ns}/road/image_raw", bad, qos=qos.SENSOR)
        probe.publish(f"{ns}/road/image_raw/compressed", broken, qos=qos.SENSOR)
        time.sleep(0.1)

    def refused(name: str) -> bool:
        for m in diags.messages:
            for st in m.status:
                values = {kv.key: kv.value for kv in st.values}
                if st.name == f"{ns}/{name}" and float(values.get("bad_images", 0)) >= 1:
                    return True
        return False

    deadline = time.monotonic() + 90
    while not (refused("road_compress") and refused("road_decompress")):
        assert time.monotonic() < deadline, "the bad frames were not counted"
        time.sleep(0.2)
    assert compressor.poll() is None and decompressor.poll() is None
    n = len(decoded.messages)
    deadline = time.monotonic() + 90
    while len(decoded.messages) == n:  # and a good frame still goes through
        assert time.monotonic() < deadline
        probe.publish(f"{ns}/road/image_raw", array_to_image(frame, encoding="bgr8"),
                      qos=qos.SENSOR)
        time.sleep(0.2)
