"""numpy ↔ ``sensor_msgs/Image`` and ``sensor_msgs/CompressedImage`` without cv_bridge.

The pip ROS 2 has no cv_bridge, so the package converts the few encodings it needs itself:
``rgb8``, ``bgr8`` and ``mono8`` raw images, and JPEG compressed images. Anything else is
refused with an :class:`ImageError` that says what was wrong. Reading works on any object
with the message's fields (``height``, ``width``, ``encoding``, ``step``, ``data``), so it
serves the real message classes, recorded bag messages and plain test objects alike.
Size limits are checked from the header fields *before* any pixel memory is touched, so a
hostile 16k×16k header cannot make a node allocate gigabytes.
"""

from __future__ import annotations

import array
from typing import Any

import numpy as np

from cockpit_ai.vision import VisionError

# Channels per supported raw encoding.
ENCODINGS: dict[str, int] = {"rgb8": 3, "bgr8": 3, "mono8": 1}
# 4096 × 4096: more than any car camera sends, far less than a memory-exhausting image.
DEFAULT_MAX_PIXELS = 4096 * 4096


class ImageError(VisionError):
    """An image that cannot be converted (encoding, size, step or data length wrong)."""


def _check_size(height: int, width: int, max_pixels: int) -> None:
    if height <= 0 or width <= 0:
        raise ImageError(f"empty image ({width}×{height}): nothing to process")
    if height * width > max_pixels:
        raise ImageError(
            f"image {width}×{height} has {height * width} pixels, more than the limit "
            f"{max_pixels} (max_pixels); send a smaller image or raise the limit"
        )


def check_image(msg: Any, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> int:
    """Refuse a raw image whose header does not describe its data (encoding, size, step,
    data length), without touching the pixels: cheap enough for a subscription callback.
    Returns the channels of its encoding."""
    encoding = str(getattr(msg, "encoding", "")).lower()
    if encoding not in ENCODINGS:
        raise ImageError(
            f"image encoding {encoding!r} is not supported; use one of "
            f"{', '.join(ENCODINGS)} (or a JPEG sensor_msgs/CompressedImage)"
        )
    height, width, step = int(msg.height), int(msg.width), int(msg.step)
    _check_size(height, width, max_pixels)
    channels = ENCODINGS[encoding]
    row = width * channels
    if step < row:
        raise ImageError(
            f"step {step} is less than width × channels = {width} × {channels} = {row} "
            f"for {encoding}"
        )
    size = len(msg.data)
    if size != step * height:
        raise ImageError(
            f"image data has {size} bytes, expected step × height = {step} × {height} = "
            f"{step * height}"
        )
    return channels


def image_to_array(msg: Any, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Pixels of a raw image message in its own encoding: ``H×W×3`` or ``H×W`` uint8.

    The result is a read-only view of the message data when rows are unpadded (no copy).
    """
    channels = check_image(msg, max_pixels=max_pixels)
    height, width, step = int(msg.height), int(msg.width), int(msg.step)
    row = width * channels
    data = msg.data
    flat = np.frombuffer(data, dtype=np.uint8) if not isinstance(data, list) else np.asarray(
        data, dtype=np.uint8
    )
    rows = flat.reshape(height, step)[:, :row]
    return rows.reshape(height, width, channels) if channels == 3 else rows.reshape(height, width)


def to_bgr(pixels: np.ndarray, encoding: str) -> np.ndarray:
    """Any supported encoding's pixels as ``H×W×3`` BGR (what OpenCV and Ultralytics take)."""
    encoding = encoding.lower()
    if encoding == "bgr8":
        return pixels
    if encoding == "rgb8":
        return np.ascontiguousarray(pixels[:, :, ::-1])
    if encoding == "mono8":
        return np.repeat(pixels[:, :, None], 3, axis=2)
    raise ImageError(f"image encoding {encoding!r} is not supported")


def image_to_bgr(msg: Any, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """A raw image message as ``H×W×3`` BGR uint8."""
    return to_bgr(image_to_array(msg, max_pixels=max_pixels), str(msg.encoding))


def _as_data(msg: Any, raw: bytes) -> Any:
    """Bytes in the type the message's ``data`` field holds.

    rosidl keeps ``uint8[]`` as ``array.array('B')`` and checks every element of anything
    else in Python (slow for megapixels); an array of that type is taken as it is.
    """
    if isinstance(getattr(msg, "data", None), array.array):
        return array.array("B", raw)
    return raw


def _new_image() -> Any:
    from sensor_msgs.msg import Image

    return Image()


def _new_compressed() -> Any:
    from sensor_msgs.msg import CompressedImage

    return CompressedImage()


def array_to_image(
    pixels: np.ndarray,
    *,
    encoding: str = "bgr8",
    header: Any = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    message: Any = None,
) -> Any:
    """An ``H×W×3`` (rgb8/bgr8) or ``H×W`` (mono8) uint8 array as a ``sensor_msgs/Image``.

    ``message`` is an empty message object to fill (default: a new ``sensor_msgs/Image``).
    """
    encoding = encoding.lower()
    if encoding not in ENCODINGS:
        raise ImageError(
            f"image encoding {encoding!r} is not supported; use one of {', '.join(ENCODINGS)}"
        )
    arr = np.asarray(pixels)
    if arr.dtype != np.uint8:
        raise ImageError(f"pixels must be uint8 for {encoding}, got {arr.dtype}")
    channels = ENCODINGS[encoding]
    if arr.ndim == 3 and arr.shape[2] == 1 and channels == 1:
        arr = arr[:, :, 0]
    expected = 3 if channels == 3 else 2
    if arr.ndim != expected or (channels == 3 and arr.shape[2] != 3):
        want = "H×W×3" if channels == 3 else "H×W"
        raise ImageError(f"{encoding} needs an {want} array, got shape {arr.shape}")
    height, width = int(arr.shape[0]), int(arr.shape[1])
    _check_size(height, width, max_pixels)
    msg = message if message is not None else _new_image()
    if header is not None:
        msg.header = header
    msg.height, msg.width = height, width
    msg.encoding = encoding
    msg.is_bigendian = 0
    msg.step = width * channels
    msg.data = _as_data(msg, np.ascontiguousarray(arr).tobytes())
    return msg


# JPEG start-of-frame markers carry the size; C4 (DHT), C8 (JPG), CC (DAC) are not frames.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a JPEG's frame header, without decoding any pixels."""
    if len(data) < 4 or data[0] != 0xFF or data[1] != 0xD8:
        raise ImageError("compressed image is not a JPEG (no FFD8 start marker)")
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise ImageError(f"corrupt JPEG: expected a marker at byte {pos}")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker in _SOF:
            if pos + 9 > len(data):
                break
            height = int.from_bytes(data[pos + 5 : pos + 7], "big")
            width = int.from_bytes(data[pos + 7 : pos + 9], "big")
            return width, height
        if marker == 0xD9 or length < 2:
            break
        pos += 2 + length
    raise ImageError("corrupt JPEG: no frame header (SOF) found")


def check_compressed(msg: Any, *, max_pixels: int = DEFAULT_MAX_PIXELS,
                     data: bytes | None = None) -> tuple[int, int]:
    """Refuse a compressed image that is not a JPEG of an allowed size, from its format
    and frame header only (no decoding): cheap enough for a subscription callback.
    Returns (width, height)."""
    fmt = str(getattr(msg, "format", "")).lower()
    if "jpeg" not in fmt and "jpg" not in fmt:
        raise ImageError(f"compressed format {fmt!r} is not supported; only JPEG is")
    data = bytes(msg.data) if data is None else data
    if not data:
        raise ImageError("empty compressed image: no data")
    width, height = jpeg_size(data)
    _check_size(height, width, max_pixels)
    return width, height


def compressed_to_bgr(msg: Any, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """A JPEG ``sensor_msgs/CompressedImage`` as ``H×W×3`` BGR uint8."""
    import cv2

    data = bytes(msg.data)
    width, height = check_compressed(msg, max_pixels=max_pixels, data=data)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ImageError(f"JPEG of {width}×{height} could not be decoded (corrupt data)")
    return image


def bgr_to_compressed(
    image: np.ndarray,
    *,
    quality: int = 90,
    header: Any = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    message: Any = None,
) -> Any:
    """An ``H×W×3`` BGR (or ``H×W`` mono) uint8 array as a JPEG ``sensor_msgs/CompressedImage``."""
    import cv2

    arr = np.asarray(image)
    if arr.dtype != np.uint8 or arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] != 3):
        raise ImageError(f"JPEG needs an H×W×3 or H×W uint8 array, got {arr.dtype} {arr.shape}")
    _check_size(int(arr.shape[0]), int(arr.shape[1]), max_pixels)
    if not 1 <= quality <= 100:
        raise ImageError(f"JPEG quality {quality} is outside 1..100")
    ok, encoded = cv2.imencode(".jpg", arr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ImageError("OpenCV could not encode the image as JPEG")
    msg = message if message is not None else _new_compressed()
    if header is not None:
        msg.header = header
    msg.format = "bgr8; jpeg compressed bgr8" if arr.ndim == 3 else "mono8; jpeg compressed mono8"
    msg.data = _as_data(msg, encoded.tobytes())
    return msg
