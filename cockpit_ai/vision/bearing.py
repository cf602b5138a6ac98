"""Where a detected object is, seen from the car: the bearing of its box centre.

A pinhole camera maps a horizontal angle ``a`` off its optical axis to the image column
``x = W/2 + f·tan(a)`` with the focal length ``f = (W/2) / tan(hfov/2)`` (in pixels), so the
box centre gives ``a = atan((x − W/2) / f)``. The camera's mounting yaw (its optical axis
against the car's forward axis, positive = turned right) is added, so the bearing is
relative to the car like ``Landmark.relative_bearing_deg``: 0 ahead, positive to the
right, in (−180, 180]. Lens distortion is not modelled (a few degrees at the edge of a
wide lens; the sides the planner asks about are far coarser).
"""

from __future__ import annotations

import math

from cockpit_ai.vision import VisionError


def check_fov(horizontal_fov_deg: float) -> None:
    """A pinhole camera sees less than 180° across; raise ``VisionError`` otherwise."""
    if not (math.isfinite(horizontal_fov_deg) and 0.0 < horizontal_fov_deg < 180.0):
        raise VisionError(f"horizontal_fov_deg {horizontal_fov_deg} must be in (0, 180)")


def wrap_deg(angle: float) -> float:
    """An angle in (−180, 180]."""
    a = math.fmod(angle, 360.0)
    if a <= -180.0:
        a += 360.0
    elif a > 180.0:
        a -= 360.0
    return a


def bearing_deg(center_x_px: float, image_width_px: float, *, horizontal_fov_deg: float,
                mount_yaw_deg: float = 0.0) -> float:
    """The bearing of image column ``center_x_px`` from the car's forward axis (degrees,
    positive = right) for a camera with this horizontal field of view and mounting yaw."""
    check_fov(horizontal_fov_deg)
    if not (math.isfinite(image_width_px) and image_width_px > 0):
        raise VisionError(f"image width {image_width_px} must be positive")
    if not math.isfinite(center_x_px):
        raise VisionError(f"box centre {center_x_px} is not a number")
    half = image_width_px / 2.0
    focal = half / math.tan(math.radians(horizontal_fov_deg) / 2.0)
    return wrap_deg(math.degrees(math.atan2(center_x_px - half, focal)) + mount_yaw_deg)
