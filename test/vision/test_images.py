"""numpy ↔ sensor_msgs/Image and CompressedImage: round trips and clear refusals."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from cockpit_ai.vision.images import (
    DEFAULT_MAX_PIXELS,
    ImageError,
    array_to_image,
    bgr_to_compressed,
    check_compressed,
    check_image,
    compressed_to_bgr,
    image_to_array,
    image_to_bgr,
    jpeg_size,
)


def plain_image() -> SimpleNamespace:
    """An object with the Image fields only (what a bag reader may hand over)."""
    return SimpleNamespace(header=None, height=0, width=0, encoding="", is_bigendian=0,
                           step=0, data=b"")


def real_image() -> object:
    from sensor_msgs.msg import Image

    return Image()


@pytest.fixture(params=["real", "plain"])
def new_msg(request: pytest.FixtureRequest):
    return real_image if request.param == "real" else plain_image


def crop(bus: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(bus[200:440, 100:420])  # 320×240 of a real photo


@pytest.mark.parametrize("encoding", ["bgr8", "rgb8", "mono8"])
def test_round_trip_each_encoding(encoding: str, bus: np.ndarray, new_msg) -> None:
    import cv2

    pixels = crop(bus)
    if encoding == "rgb8":
        pixels = np.ascontiguousarray(pixels[:, :, ::-1])
    elif encoding == "mono8":
        pixels = cv2.cvtColor(pixels, cv2.COLOR_BGR2GRAY)
    msg = array_to_image(pixels, encoding=encoding, message=new_msg())
    channels = 1 if encoding == "mono8" else 3
    assert (msg.height, msg.width, msg.step) == (240, 320, 320 * channels)
    assert msg.encoding == encoding and len(msg.data) == 240 * 320 * channels
    back = image_to_array(msg)
    assert back.shape == pixels.shape and np.array_equal(back, pixels)
    bgr = image_to_bgr(msg)
    assert bgr.shape == (240, 320, 3)
    if encoding != "mono8":
        assert np.array_equal(bgr, crop(bus))
    else:
        assert np.array_equal(bgr[:, :, 0], pixels) and np.array_equal(bgr[:, :, 2], pixels)


def test_header_is_kept() -> None:
    from std_msgs.msg import Header

    header = Header(frame_id="road_camera")
    header.stamp.sec, header.stamp.nanosec = 12, 345
    msg = array_to_image(np.zeros((4, 6, 3), np.uint8), header=header)
    assert msg.header.frame_id == "road_camera" and msg.header.stamp.nanosec == 345


def test_padded_rows_are_read(bus: np.ndarray) -> None:
    pixels = crop(bus)
    h, w, _ = pixels.shape
    step = w * 3 + 16  # rows padded to an alignment, as some drivers send
    padded = np.zeros((h, step), np.uint8)
    padded[:, : w * 3] = pixels.reshape(h, -1)
    msg = SimpleNamespace(height=h, width=w, encoding="bgr8", step=step, data=padded.tobytes())
    assert np.array_equal(image_to_array(msg), pixels)


def test_wrong_encoding_refused() -> None:
    msg = SimpleNamespace(height=2, width=2, encoding="16UC1", step=4, data=bytes(8))
    with pytest.raises(ImageError, match=r"encoding '16uc1' is not supported.*rgb8, bgr8, mono8"):
        image_to_array(msg)
    with pytest.raises(ImageError, match="not supported"):
        array_to_image(np.zeros((2, 2, 3), np.uint8), encoding="bayer_rggb8")


def test_wrong_step_refused() -> None:
    msg = SimpleNamespace(height=2, width=4, encoding="rgb8", step=8, data=bytes(16))
    with pytest.raises(ImageError, match="step 8 is less than width × channels = 4 × 3 = 12"):
        image_to_array(msg)


def test_wrong_data_size_refused() -> None:
    msg = SimpleNamespace(height=2, width=4, encoding="rgb8", step=12, data=bytes(23))
    with pytest.raises(ImageError, match="23 bytes, expected step × height = 12 × 2 = 24"):
        image_to_array(msg)


def test_empty_image_refused() -> None:
    msg = SimpleNamespace(height=0, width=0, encoding="bgr8", step=0, data=b"")
    with pytest.raises(ImageError, match="empty image"):
        image_to_array(msg)
    with pytest.raises(ImageError, match="empty image"):
        array_to_image(np.zeros((0, 5, 3), np.uint8))


def test_huge_image_refused_before_touching_data() -> None:
    # A 16k×16k header with no data: refused for its size, not for the missing bytes.
    msg = SimpleNamespace(height=16384, width=16384, encoding="bgr8", step=16384 * 3, data=b"")
    with pytest.raises(ImageError, match="16384×16384 has 268435456 pixels, more than the limit"):
        image_to_array(msg)
    view = np.broadcast_to(np.uint8(0), (16384, 16384, 3))  # no memory behind it
    with pytest.raises(ImageError, match="max_pixels"):
        array_to_image(view)
    # The limit is a parameter.
    small = SimpleNamespace(height=100, width=100, encoding="mono8", step=100, data=bytes(10000))
    assert image_to_array(small).shape == (100, 100)
    with pytest.raises(ImageError, match="more than the limit 9999"):
        image_to_array(small, max_pixels=9999)
    assert DEFAULT_MAX_PIXELS < 16384 * 16384


def test_check_image_reads_the_header_only() -> None:
    """What the nodes' callbacks run before handing a frame to their worker: the header
    against the data's length, never the pixels."""

    class Untouchable(bytes):
        def __getitem__(self, key: object) -> object:
            raise AssertionError("pixels touched")

    ok = SimpleNamespace(height=2, width=4, encoding="RGB8", step=12, data=Untouchable(24))
    assert check_image(ok) == 3
    for bad, why in ((dict(encoding="yuv422"), "not supported"), (dict(width=0), "empty"),
                     (dict(step=11), "step 11"), (dict(data=Untouchable(7)), "7 bytes")):
        with pytest.raises(ImageError, match=why):
            check_image(SimpleNamespace(**{**vars(ok), **bad}))


def test_check_compressed_reads_the_jpeg_header_only(bus: np.ndarray) -> None:
    jpeg = bgr_to_compressed(crop(bus), quality=80)
    assert check_compressed(jpeg) == (320, 240)
    for bad, why in ((dict(format="png"), "only JPEG"), (dict(data=b""), "empty"),
                     (dict(data=b"\xff\xd8" + bytes(40)), "corrupt JPEG")):
        msg = SimpleNamespace(format=jpeg.format, data=bytes(jpeg.data))
        with pytest.raises(ImageError, match=why):
            check_compressed(SimpleNamespace(**{**vars(msg), **bad}))
    with pytest.raises(ImageError, match="more than the limit 1000"):
        check_compressed(jpeg, max_pixels=1000)


def test_wrong_array_shape_or_dtype_refused() -> None:
    with pytest.raises(ImageError, match="H×W×3"):
        array_to_image(np.zeros((4, 4), np.uint8), encoding="bgr8")
    with pytest.raises(ImageError, match="uint8"):
        array_to_image(np.zeros((4, 4, 3), np.float32))


def test_jpeg_round_trip(bus: np.ndarray) -> None:
    from sensor_msgs.msg import CompressedImage

    msg = bgr_to_compressed(bus, quality=95, message=CompressedImage())
    assert "jpeg" in msg.format and jpeg_size(bytes(msg.data)) == (bus.shape[1], bus.shape[0])
    back = compressed_to_bgr(msg)
    assert back.shape == bus.shape
    assert float(np.abs(back.astype(int) - bus.astype(int)).mean()) < 3.0  # lossy, but close


def test_compressed_refusals(bus: np.ndarray) -> None:
    with pytest.raises(ImageError, match="format 'png' is not supported; only JPEG"):
        compressed_to_bgr(SimpleNamespace(format="png", data=b"\x89PNG"))
    with pytest.raises(ImageError, match="empty compressed image"):
        compressed_to_bgr(SimpleNamespace(format="jpeg", data=b""))
    with pytest.raises(ImageError, match="not a JPEG"):
        compressed_to_bgr(SimpleNamespace(format="jpeg", data=b"hello world"))
    # A real JPEG whose frame header is patched to claim 16384×16384: refused undecoded.
    data = bytearray(bgr_to_compressed(bus[:64, :64], message=plain_image()).data)
    pos = next(i for i in range(len(data) - 1) if data[i] == 0xFF and data[i + 1] == 0xC0)
    data[pos + 5 : pos + 9] = (16384).to_bytes(2, "big") * 2
    with pytest.raises(ImageError, match="16384×16384"):
        compressed_to_bgr(SimpleNamespace(format="jpeg", data=bytes(data)))
    truncated = bytes(bgr_to_compressed(bus[:64, :64], message=plain_image()).data)[:300]
    with pytest.raises(ImageError, match=r"could not be decoded|corrupt"):
        compressed_to_bgr(SimpleNamespace(format="jpeg", data=truncated))
