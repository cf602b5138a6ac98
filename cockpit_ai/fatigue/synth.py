"""Paint a face's eyes shut: closed-eye test and demo frames without a data set of sleepers.

The eye opening (between the upper and lower lid landmarks of the face mesh) is filled
from the surrounding skin with ``cv2.inpaint`` and a dark lash line is drawn along the
lower lid, where a shut eye's lashes lie. On real photos this makes the mesh's EAR fall
from ~0.25 to ~0.1 (models.md). For tests and the demo drive only.
"""

from __future__ import annotations

import cv2
import numpy as np

from cockpit_ai.fatigue.face import (
    LEFT_EYE_LOWER,
    LEFT_EYE_UPPER,
    RIGHT_EYE_LOWER,
    RIGHT_EYE_UPPER,
    FaceError,
)


def close_eyes(image: np.ndarray, landmarks: np.ndarray, *, lash_color: tuple[int, int, int] = (
        25, 20, 20), lash_width: float | None = None, amount: float = 1.0) -> np.ndarray:
    """A copy of ``image`` (BGR) with both eyes of the face at ``landmarks`` painted shut.

    ``landmarks`` are the mesh's points in pixels, (>= 468, 2+). ``amount`` < 1 closes the
    eyes only partly (the upper lid comes down that share of the way).
    """
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3:
        raise FaceError("close_eyes needs a BGR uint8 image (HxWx3)")
    pts = np.asarray(landmarks, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[0] < 468 or pts.shape[1] < 2:
        raise FaceError(f"close_eyes needs the mesh's landmarks (>= 468 x 2), got {pts.shape}")
    if not 0.0 < amount <= 1.0:
        raise FaceError(f"amount must be in (0, 1], got {amount}")
    out = image.copy()
    for upper_idx, lower_idx in ((LEFT_EYE_UPPER, LEFT_EYE_LOWER),
                                 (RIGHT_EYE_UPPER, RIGHT_EYE_LOWER)):
        upper = pts[list(upper_idx), :2]
        lower = pts[list(lower_idx), :2]
        width = float(np.linalg.norm(upper[0] - upper[-1]))
        if width < 2.0:
            continue
        # Where the new lid edge lies: from the upper lid `amount` of the way down.
        edge = upper + (lower - upper) * amount
        mask = np.zeros(out.shape[:2], dtype=np.uint8)
        outline = np.vstack([upper, edge[::-1]]).round().astype(np.int32)
        cv2.fillPoly(mask, [outline], 255)
        grow = max(1, round(width * 0.08))
        mask = cv2.dilate(mask, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8))
        out = cv2.inpaint(out, mask, max(3.0, width * 0.15), cv2.INPAINT_TELEA)
        thickness = max(1, round(lash_width if lash_width is not None else width / 14.0))
        lash = edge.round().astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(out, [lash], False, lash_color, thickness, cv2.LINE_AA)
    return out
