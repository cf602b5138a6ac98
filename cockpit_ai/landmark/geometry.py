"""Where a place is relative to the car: geodesic distance, azimuth, side of the road, course.

Every distance and azimuth that is reported or decides an answer comes from geographiclib's
geodesic solution on WGS84 (accurate to nanometres, valid near the poles and across the
antimeridian). Two cheap bounds only narrow down which candidates need it: the search box
(``search_boxes``) and ``spherical_estimate``; both are proven (or measured, with a 5x
margin) never to drop a place that the geodesic would keep.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from geographiclib.geodesic import Geodesic

from cockpit_ai.landmark import LandmarkError

_GEOD = Geodesic.WGS84
_OUTMASK = Geodesic.DISTANCE | Geodesic.AZIMUTH
# Smallest radius of curvature of the WGS84 ellipsoid (meridional, at the equator, a(1-e^2)).
# Every line element satisfies ds >= R_MIN * (unit-sphere line element with the same lat/lon),
# so an angular radius of s / R_MIN never misses a point that is within s metres.
_R_MIN = _GEOD.a * (1.0 - _GEOD.f) ** 2
_BOX_MARGIN = 1.001  # against float rounding; the bound above is already conservative
# Largest radius of curvature (at the poles, a^2/b): ds <= R_MAX * (unit-sphere element).
_R_MAX = _GEOD.a / (1.0 - _GEOD.f)
# Spherical azimuth (geodetic lat/lon used on a sphere) differs from the geodesic one by at
# most 0.19 degrees within 50 km (the ellipsoid's N/M anisotropy; measured worldwide in
# test_geometry); five times that is the margin for skipping a candidate on side grounds.
AZIMUTH_BOUND_DEG = 1.0

# sensor_msgs/NavSatStatus values below STATUS_FIX (0) mean "no usable position".
NAVSAT_STATUS_FIX = 0

Box = tuple[float, float, float, float]  # min_lat, max_lat, min_lon, max_lon


class Side(StrEnum):
    """Where a place is relative to the vehicle's heading."""

    AHEAD = "ahead"
    RIGHT = "right"
    BEHIND = "behind"
    LEFT = "left"

    @property
    def centre_deg(self) -> float:
        """Relative bearing at the middle of this side (right = +90)."""
        return {"ahead": 0.0, "right": 90.0, "behind": 180.0, "left": -90.0}[self.value]

    @classmethod
    def parse(cls, text: str) -> Side:
        """``"right"`` → ``Side.RIGHT``; a clear error for anything else."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise LandmarkError(f"unknown side {text!r}; use one of {choices}") from None


@dataclass(frozen=True)
class Sectors:
    """Half-widths of the ahead and behind sectors; right and left are what lies between.

    With the defaults, ``|relative bearing| <= 30`` is ahead, ``>= 150`` behind, and
    30..150 degrees to either side is right (positive) or left (negative).
    """

    ahead_deg: float = 30.0
    behind_deg: float = 30.0

    def __post_init__(self) -> None:
        for name in ("ahead_deg", "behind_deg"):
            value = getattr(self, name)
            if not (math.isfinite(value) and 0.0 < value < 180.0):
                raise LandmarkError(f"sector {name}={value} must be between 0 and 180 degrees")
        if self.ahead_deg + self.behind_deg >= 180.0:
            raise LandmarkError(
                f"sectors ahead_deg={self.ahead_deg} + behind_deg={self.behind_deg} leave no room "
                "for right and left; their sum must be below 180"
            )

    def side_of(self, relative_bearing_deg: float) -> Side:
        """The side a relative bearing (-180..180, positive = right) falls in."""
        rel = abs(relative_bearing_deg)
        if rel <= self.ahead_deg:
            return Side.AHEAD
        if rel >= 180.0 - self.behind_deg:
            return Side.BEHIND
        return Side.RIGHT if relative_bearing_deg > 0 else Side.LEFT

    def sector(self, side: Side) -> tuple[float, float]:
        """(centre, half-width) of a side in relative-bearing degrees."""
        a, b = self.ahead_deg, self.behind_deg
        if side is Side.AHEAD:
            return 0.0, a
        if side is Side.BEHIND:
            return 180.0, b
        half = (180.0 - a - b) / 2.0
        return (a + half, half) if side is Side.RIGHT else (-(a + half), half)

    def may_be(self, relative_bearing_deg: np.ndarray, side: Side, *,
               margin_deg: float) -> np.ndarray:
        """Whether any bearing within ``margin_deg`` of each given one falls on ``side``."""
        centre, half = self.sector(side)
        off = np.abs(np.remainder(np.asarray(relative_bearing_deg) - centre + 180.0, 360.0) - 180.0)
        return off <= half + margin_deg


def distance_azimuth(lat1: float, lon1: float, lat2: float, lon2: float) -> tuple[float, float]:
    """Geodesic distance (m) and initial azimuth (degrees 0..360, 0 = north) from 1 to 2."""
    g = _GEOD.Inverse(lat1, lon1, lat2, lon2, _OUTMASK)
    return g["s12"], g["azi1"] % 360.0


def spherical_estimates(
    lat: float, lon: float, lats: np.ndarray, lons: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cheap bounds from one point to many: (min distance m, max distance m, azimuth deg).

    Only for deciding that a candidate cannot be in an answer, never reported: the geodesic
    distance lies in [R_MIN, R_MAX] times the unit-sphere angle for the same coordinates,
    and the azimuth is within AZIMUTH_BOUND_DEG of the geodesic one (up to 50 km).
    """
    p1 = math.radians(lat)
    p2 = np.radians(lats)
    dl = np.radians(lons - lon)
    h = np.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    sigma = 2.0 * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    y = np.sin(dl) * np.cos(p2)
    x = math.cos(p1) * np.sin(p2) - math.sin(p1) * np.cos(p2) * np.cos(dl)
    low = _R_MIN * sigma * (1.0 - 1e-9)  # float rounding
    high = _R_MAX * sigma * (1.0 + 1e-9) + 1e-6
    return low, high, np.degrees(np.arctan2(y, x)) % 360.0


def course_between(lat1: float, lon1: float, lat2: float, lon2: float) -> tuple[float, float]:
    """Distance (m) and the direction of travel on arrival at 2 (degrees 0..360)."""
    g = _GEOD.Inverse(lat1, lon1, lat2, lon2, _OUTMASK)
    return g["s12"], g["azi2"] % 360.0


def relative_bearing(azimuth_deg: float, heading_deg: float) -> float:
    """Azimuth minus heading, wrapped to (-180, 180]; positive means to the right."""
    rel = math.remainder(azimuth_deg - heading_deg, 360.0)
    return 180.0 if rel == -180.0 else rel


def side_alignment(relative_bearing_deg: float, side: Side) -> float:
    """1 when the place is at the middle of ``side`` (e.g. abeam for right), 0 opposite."""
    return 0.5 * (1.0 + math.cos(math.radians(relative_bearing_deg - side.centre_deg)))


def side_alignments(relative_bearing_deg: np.ndarray, side: Side) -> np.ndarray:
    """``side_alignment`` for many bearings at once."""
    return 0.5 * (1.0 + np.cos(np.radians(relative_bearing_deg - side.centre_deg)))


def search_boxes(lat: float, lon: float, radius_m: float) -> list[Box]:
    """Latitude/longitude boxes that together cover every point within ``radius_m``.

    One box normally, two when the circle crosses the antimeridian, and a full band of
    longitudes when it reaches a pole. Used only to ask the R*Tree for candidates; exact
    distances are geodesic.
    """
    rho = radius_m / _R_MIN * _BOX_MARGIN  # angular radius on the unit sphere, radians
    dlat = math.degrees(rho) + 1e-7
    lat_lo, lat_hi = lat - dlat, lat + dlat
    if lat_hi >= 90.0 or lat_lo <= -90.0 or rho >= math.pi / 2:
        return [(max(lat_lo, -90.0), min(lat_hi, 90.0), -180.0, 180.0)]
    # Widest longitude of a spherical cap of radius rho centred at lat.
    s = math.sin(rho) / math.cos(math.radians(lat))
    if s >= 1.0:
        return [(lat_lo, lat_hi, -180.0, 180.0)]
    dlon = math.degrees(math.asin(s)) + 1e-7
    lon_lo, lon_hi = lon - dlon, lon + dlon
    if lon_lo < -180.0:
        return [(lat_lo, lat_hi, lon_lo + 360.0, 180.0), (lat_lo, lat_hi, -180.0, lon_hi)]
    if lon_hi > 180.0:
        return [(lat_lo, lat_hi, lon_lo, 180.0), (lat_lo, lat_hi, -180.0, lon_hi - 360.0)]
    return [(lat_lo, lat_hi, lon_lo, lon_hi)]


def centre(points: Iterable[tuple[float, float]]) -> tuple[float, float] | None:
    """Mean of (lat, lon) vertices, longitudes unwrapped so a shape on the antimeridian works."""
    n = 0
    sum_lat = sum_lon = 0.0
    first_lon: float | None = None
    for lat, lon in points:
        if first_lon is None:
            first_lon = lon
        elif lon - first_lon > 180.0:
            lon -= 360.0
        elif lon - first_lon < -180.0:
            lon += 360.0
        sum_lat += lat
        sum_lon += lon
        n += 1
    if n == 0:
        return None
    lon = math.remainder(sum_lon / n, 360.0)
    return sum_lat / n, 180.0 if lon == -180.0 else lon


def heading_from_quaternion(x: float, y: float, z: float, w: float) -> float:
    """Compass heading (0 = north, clockwise) from an ENU orientation (REP 103: yaw 0 = east)."""
    yaw = math.atan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z))
    return (90.0 - math.degrees(yaw)) % 360.0


@dataclass(frozen=True)
class FixCheck:
    """Whether a GNSS fix is usable, and why not."""

    ok: bool
    reason: str = ""


def check_fix(
    lat: float,
    lon: float,
    *,
    status: int,
    horizontal_std_m: float | None = None,
    max_horizontal_std_m: float = 0.0,
) -> FixCheck:
    """Reject fixes a landmark answer must not be based on.

    ``status`` is ``sensor_msgs/NavSatStatus.status`` (-1 no fix, -2 unknown, 0.. a fix);
    ``max_horizontal_std_m`` of 0 disables the accuracy check.
    """
    if status < NAVSAT_STATUS_FIX:
        return FixCheck(False, f"no fix (NavSatStatus.status={status})")
    for name, value, limit in (("latitude", lat, 90.0), ("longitude", lon, 180.0)):
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            return FixCheck(False, f"{name} is {value!r}, not a finite number")
        if abs(value) > limit:
            return FixCheck(False, f"{name} {value} is outside -{limit:g}..{limit:g}")
    if lat == 0.0 and lon == 0.0:
        return FixCheck(False, "position 0,0 is a receiver default, not a fix")
    if (
        max_horizontal_std_m > 0.0
        and horizontal_std_m is not None
        and (not math.isfinite(horizontal_std_m) or horizontal_std_m > max_horizontal_std_m)
    ):
        return FixCheck(
            False,
            f"horizontal accuracy {horizontal_std_m:.1f} m is worse than "
            f"{max_horizontal_std_m:g} m",
        )
    return FixCheck(True)


class CourseEstimator:
    """Heading from the course between successive fixes, for when no odometry is available.

    A course is taken only when the car has moved at least ``min_distance_m`` at no less
    than ``min_speed_mps``: when stopped, GNSS jitter would give random directions, so the
    last good course is held. Time going backwards (a bag loop) or a gap longer than
    ``max_gap_s`` restarts from the new fix.
    """

    def __init__(
        self,
        *,
        min_distance_m: float = 5.0,
        min_speed_mps: float = 1.0,
        max_gap_s: float = 10.0,
    ) -> None:
        if min_distance_m <= 0 or min_speed_mps < 0 or max_gap_s <= 0:
            raise LandmarkError(
                "CourseEstimator needs min_distance_m > 0, min_speed_mps >= 0, max_gap_s > 0"
            )
        self.min_distance_m = min_distance_m
        self.min_speed_mps = min_speed_mps
        self.max_gap_s = max_gap_s
        self._anchor: tuple[float, float, float] | None = None
        self._heading: float | None = None
        self._moving = False

    @property
    def heading(self) -> float | None:
        """Last course in degrees (0 = north, clockwise), or None before the car has moved."""
        return self._heading

    @property
    def moving(self) -> bool:
        """True when the latest fix gave a fresh course."""
        return self._moving

    def reset(self) -> None:
        """Forget every fix and the course."""
        self._anchor = None
        self._heading = None
        self._moving = False

    def update(self, lat: float, lon: float, stamp_s: float) -> float | None:
        """Add a validated fix taken at ``stamp_s`` seconds; returns the current heading."""
        anchor = self._anchor
        if anchor is not None and stamp_s < anchor[2]:
            self.reset()  # time went backwards: a replay restarted
            anchor = None
        if anchor is None or stamp_s - anchor[2] > self.max_gap_s:
            self._anchor = (lat, lon, stamp_s)
            self._moving = False
            return self._heading
        distance, course = course_between(anchor[0], anchor[1], lat, lon)
        dt = stamp_s - anchor[2]
        if distance < self.min_distance_m:
            self._moving = False  # too close to tell a direction: wait for more movement
            return self._heading
        if dt <= 0.0 or distance / dt < self.min_speed_mps:
            self._anchor = (lat, lon, stamp_s)  # slow drift while stopped: no course
            self._moving = False
            return self._heading
        self._anchor = (lat, lon, stamp_s)
        self._heading = course
        self._moving = True
        return course
