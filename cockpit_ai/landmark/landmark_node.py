"""landmark: answers LandmarkQuery with LandmarkArray from the POI database, and announces
the most notable places nearby.

A thin shell over ``cockpit_ai.landmark.query.LandmarkFinder``. Position from
``sensor_msgs/NavSatFix`` (``fix``; bad fixes rejected with a throttled warning, the last
good one kept); heading from ``nav_msgs/Odometry`` (``odom``, orientation in an ENU-aligned
frame) when it is fresh, else the course between fixes. Opening hours are judged at the
query's stamp (else the last fix's), so a replayed bag gets the answers of its moment.

Faults: a POI database that is missing or unreadable (at start or found corrupt by a query)
does not stop the node: /diagnostics says ERROR with the reason, every query is answered
``STATUS_UNAVAILABLE`` at once (the planner says it cannot look places up), and the file is
tried again every ``db_retry_s``. A position older than ``fix_timeout_s`` (GNSS lost, only
rejected fixes since) is not used: queries get ``STATUS_NO_FIX`` ("position unknown"),
never the last good fix as if the car were still there.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from typing import Any

from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
from rclpy.node import Node

from cockpit_ai.enums import LandmarkStatus, OpenState
from cockpit_ai.landmark import ATTRIBUTION, LandmarkError, policy
from cockpit_ai.landmark.geometry import (
    CourseEstimator,
    Sectors,
    check_fix,
    heading_from_quaternion,
)
from cockpit_ai.landmark.query import LandmarkFinder, PoiQuery, PoiResult, default_db
from cockpit_ai.ros import qos
from cockpit_ai.ros.diagnostics import ERROR, OK, WARN, Health
from cockpit_ai.ros.history import StampedHistory
from cockpit_ai.ros.params import declare_from_schema
from cockpit_ai.ros.params import overrides as param_overrides
from cockpit_ai.ros.run import NodeStartupError, run_node
from cockpit_ai.ros.stamps import ns_to_stamp, stamp_to_ns

NODE = "landmark"

# Fields of Landmark that already carry these tags; the rest go to tag_keys/tag_values.
_FIELD_TAGS = {"name", "name:en", "opening_hours", "cuisine", "wikidata"}


def to_landmark(result: PoiResult, msg_type: Any) -> Any:
    """``PoiResult`` → ``cockpit_ai/Landmark``."""
    msg = msg_type()
    msg.id = result.id
    msg.name = result.name
    msg.name_en = result.name_en
    msg.category = result.category_tag
    msg.latitude_deg = result.lat
    msg.longitude_deg = result.lon
    msg.distance_m = result.distance_m
    msg.bearing_deg = result.bearing_deg
    rel = result.relative_bearing_deg
    msg.relative_bearing_deg = math.nan if rel is None else rel
    msg.side = int(policy.wire_side(result.side))
    msg.open_now = int(OpenState.from_bool(result.open))
    msg.opening_hours = result.opening_hours
    msg.cuisine = result.cuisine
    msg.diets = list(result.diets)
    msg.wikidata = result.wikidata
    msg.score = float(result.score)
    extra = sorted(
        (k, v) for k, v in result.tags.items() if k not in _FIELD_TAGS and not k.startswith("diet:")
    )
    msg.tag_keys = [k for k, _ in extra]
    msg.tag_values = [v for _, v in extra]
    return msg


class LandmarkNode(Node):
    """Subscribes ``fix``, ``odom`` and ``landmark_query``; serves ``search_landmarks``;
    publishes ``landmarks`` (every answer, to either) and ``landmarks/nearby`` (notable
    places, periodically)."""

    def __init__(self, *, overrides: dict[str, Any] | None = None) -> None:
        super().__init__(NODE, parameter_overrides=param_overrides(overrides))
        from nav_msgs.msg import Odometry
        from sensor_msgs.msg import NavSatFix

        from cockpit_ai.msg import Landmark, LandmarkArray, LandmarkQuery
        from cockpit_ai.srv import SearchLandmarks

        self._landmark_type = Landmark
        self._array_type = LandmarkArray
        p = declare_from_schema(self, NODE)
        self.p = p
        self.db = p["db_path"] or str(default_db())
        self.sectors = Sectors(ahead_deg=p["ahead_deg"], behind_deg=p["behind_deg"])
        try:
            self.course = CourseEstimator(
                min_distance_m=p["course_min_distance_m"],
                min_speed_mps=p["course_min_speed_mps"],
                max_gap_s=p["course_max_gap_s"],
            )
        except LandmarkError as exc:
            raise NodeStartupError(f"landmark: {exc}") from None
        self._lock = threading.Lock()
        self._fix: tuple[float, float, int] | None = None  # lat, lon, stamp ns
        self._fix_received_ns = 0
        self._frame_id = ""
        self._odom: tuple[float, int] | None = None  # heading deg, stamp ns
        # Where the car was and where it pointed, by fix stamp: a query is answered for the
        # moment of its stamp (the question's audio time), however late a busy planner sends
        # it, so a replayed drive gets the same places on every run.
        self._states: StampedHistory[tuple[float, float, float | None]] = StampedHistory(120.0)
        self.health = Health(self)
        self.health.set("database", self.db)
        self.health.set("attribution", ATTRIBUTION)
        self.finder: LandmarkFinder | None = None
        self._db_error = ""
        self._status: tuple[int, str] = (int.from_bytes(WARN, "little"), "no fix yet")
        self._open_database()
        if p["db_retry_s"] > 0.0:
            self.create_timer(p["db_retry_s"], self._retry_database)

        self.pub = self.create_publisher(LandmarkArray, "landmarks", qos.RELIABLE)
        self.nearby_pub = self.create_publisher(LandmarkArray, "landmarks/nearby", qos.RELIABLE)
        sensors = MutuallyExclusiveCallbackGroup()
        queries = MutuallyExclusiveCallbackGroup()
        self.create_subscription(NavSatFix, "fix", self._on_fix, qos.MOTION,
                                 callback_group=sensors)  # fmt: skip
        if p["use_odometry"]:
            self.create_subscription(Odometry, "odom", self._on_odom, qos.MOTION,
                                     callback_group=sensors)  # fmt: skip
        self.create_subscription(LandmarkQuery, "landmark_query", self._on_query, qos.RELIABLE,
                                 callback_group=queries)  # fmt: skip
        self.create_service(SearchLandmarks, "search_landmarks", self._on_search,
                            callback_group=queries)
        if p["nearby_period_s"] > 0.0:
            self.create_timer(p["nearby_period_s"], self._publish_nearby, callback_group=queries)
        self.get_logger().info(
            f"answering {self.resolve_topic_name('landmark_query')} on {self.pub.topic_name} "
            f"and the {self.resolve_service_name('search_landmarks')} service"
        )

    def close(self) -> None:
        """Release the database."""
        with self._lock:
            finder, self.finder = self.finder, None
        if finder is not None:
            finder.close()

    # ------------------------------------------------------------------ the database

    def _open_database(self) -> None:
        """Open the POI database; when it cannot be read the node runs on without it."""
        try:
            finder = LandmarkFinder(self.db, sectors=self.sectors)
            pois = finder.store.count()  # reads the table: a damaged file fails here
        except (LandmarkError, sqlite3.DatabaseError) as exc:
            self._database_failed(str(exc))
            return
        with self._lock:
            self.finder, self._db_error = finder, ""
        self.health.set("pois", pois)
        self.health.set("database_error", "")
        level, message = self._status
        self._show(level, message)
        self.get_logger().info(f"{pois:,} POIs from {self.db} ({ATTRIBUTION})")

    def _database_failed(self, reason: str) -> None:
        """The database cannot be used: ERROR on /diagnostics, queries answered UNAVAILABLE."""
        with self._lock:
            finder, self.finder = self.finder, None
            first = self._db_error != reason
            self._db_error = reason
        if finder is not None:
            finder.close()
        self.health.count("database_errors")
        self.health.set("pois", 0)
        self.health.set("database_error", reason)
        self.health.status(ERROR, f"POI database unavailable: {reason}")
        if first:
            retry = (f"; trying again every {self.p['db_retry_s']:g} s"
                     if self.p["db_retry_s"] > 0 else "")
            self.get_logger().error(f"POI database unavailable: {reason}; places cannot be "
                                    f"looked up{retry}")

    def _retry_database(self) -> None:
        if self.finder is None:
            self._open_database()

    def _show(self, level: bytes | int, message: str) -> None:
        """Set the node's status, unless the database is down (that ERROR stays shown)."""
        lv = int.from_bytes(level, "little") if isinstance(level, bytes) else int(level)
        self._status = (lv, message)
        if self.finder is not None:
            self.health.status(lv, message)

    # ------------------------------------------------------------------ inputs

    def _warn(self, message: str) -> None:
        self.get_logger().warning(message, throttle_duration_sec=self.p["warn_throttle_s"])

    def _on_fix(self, msg: Any) -> None:
        try:
            cov_known = msg.position_covariance_type != msg.COVARIANCE_TYPE_UNKNOWN
            std = (
                math.sqrt(max(msg.position_covariance[0], msg.position_covariance[4]))
                if cov_known and min(msg.position_covariance[0], msg.position_covariance[4]) >= 0
                else None
            )
            check = check_fix(
                msg.latitude,
                msg.longitude,
                status=int(msg.status.status),
                horizontal_std_m=std,
                max_horizontal_std_m=self.p["max_horizontal_std_m"],
            )
            if not check.ok:
                self.health.count("rejected_fixes")
                self.health.set("last_rejected_fix", check.reason)
                self._show(WARN, f"fix rejected: {check.reason}")
                self._warn(f"fix rejected ({check.reason}); keeping the last good fix")
                return
            stamp = stamp_to_ns(msg.header.stamp) or self.get_clock().now().nanoseconds
            with self._lock:
                self._fix = (msg.latitude, msg.longitude, stamp)
                self._fix_received_ns = self.get_clock().now().nanoseconds
                self._frame_id = msg.header.frame_id
                self.course.update(msg.latitude, msg.longitude, stamp / 1e9)
            self.health.count("fixes")
            heading, source = self._heading()
            self._states.add(stamp, (msg.latitude, msg.longitude, heading))
            self._show(
                OK,
                f"fix {msg.latitude:.6f},{msg.longitude:.6f}, heading "
                + (f"{heading:.0f}° ({source})" if heading is not None else "unknown"),
            )
        except Exception as exc:  # never raise out of a callback
            self.health.count("errors")
            self._warn(f"fix not usable: {exc}")

    def _on_odom(self, msg: Any) -> None:
        o = msg.pose.pose.orientation
        values = (o.x, o.y, o.z, o.w)
        norm = math.sqrt(sum(v * v for v in values)) if all(map(math.isfinite, values)) else 0
        if norm < 1e-6:
            self.health.count("rejected_odometry")
            self._warn("odometry orientation is not a valid quaternion; using the course")
            return
        heading = (heading_from_quaternion(*(v / norm for v in values))
                   + self.p["odom_heading_offset_deg"]) % 360.0  # fmt: skip
        stamp = stamp_to_ns(msg.header.stamp) or self.get_clock().now().nanoseconds
        with self._lock:
            self._odom = (heading, stamp)
        self.health.count("odometry")

    def _heading(self) -> tuple[float | None, str]:
        """Odometry heading when it is fresh relative to the fix, else the course."""
        with self._lock:
            odom, fix = self._odom, self._fix
            course = self.course.heading
        if (
            odom is not None
            and fix is not None
            and abs(fix[2] - odom[1]) <= self.p["odom_timeout_s"] * 1e9
        ):
            return odom[0], "odometry"
        return course, "course"

    # ------------------------------------------------------------------ answers

    def _reply(self, *, request_id: str, status: LandmarkStatus, message: str = "") -> Any:
        out = self._array_type()
        out.header.stamp = self.get_clock().now().to_msg()
        out.request_id = request_id
        out.status = int(status)
        out.message = message
        out.vehicle_latitude_deg = math.nan
        out.vehicle_longitude_deg = math.nan
        out.vehicle_heading_deg = math.nan
        return out

    def _on_search(self, request: Any, response: Any) -> Any:
        """The ``search_landmarks`` service: the same answer as a ``landmark_query``, also
        published on ``landmarks`` so recorded bags show every answer."""
        response.result = self._answer_or_error(request.query)
        self.pub.publish(response.result)
        return response

    def _on_query(self, msg: Any) -> None:
        self.pub.publish(self._answer_or_error(msg))

    def _answer_or_error(self, msg: Any) -> Any:
        self.health.count("queries")
        try:
            out = self._answer(msg)
        except sqlite3.DatabaseError as exc:  # the file went bad under a running node
            self._database_failed(str(exc))
            out = self._unavailable(msg.request_id)
        except Exception as exc:  # a bad query is answered with the reason, never raised
            self.health.count("errors")
            self._warn(f"query {msg.request_id!r} failed: {exc}")
            out = self._reply(request_id=msg.request_id, status=LandmarkStatus.ERROR,
                              message=str(exc))  # fmt: skip
        return out

    def _unavailable(self, request_id: str) -> Any:
        self.health.count("answers_without_database")
        return self._reply(request_id=request_id, status=LandmarkStatus.UNAVAILABLE,
                           message=f"POI database unavailable: {self._db_error}")

    def _no_fix(self, request_id: str, message: str) -> Any:
        self.health.count("answers_without_fix")
        return self._reply(request_id=request_id, status=LandmarkStatus.NO_FIX,
                           message=message)

    def _answer(self, msg: Any) -> Any:
        finder = self.finder
        if finder is None:
            return self._unavailable(msg.request_id)
        if msg.use_position:
            lat, lon = msg.latitude_deg, msg.longitude_deg
            heading = msg.heading_deg if math.isfinite(msg.heading_deg) else None
            stamp = stamp_to_ns(msg.header.stamp)
        else:
            with self._lock:
                fix, received = self._fix, self._fix_received_ns
            if fix is None:
                return self._no_fix(msg.request_id, "position unknown: no usable GNSS fix yet")
            # GNSS lost: the last good fix is not where the car is now; never guess from it
            limit_ns = self.p["fix_timeout_s"] * 1e9
            lost_ns = self.get_clock().now().nanoseconds - received
            if lost_ns > limit_ns:
                return self._no_fix(msg.request_id, "position unknown: no usable GNSS fix "
                                    f"for {lost_ns / 1e9:.0f} s")
            stamp = stamp_to_ns(msg.header.stamp)
            then = self._states.at(stamp) if stamp else None
            if then is not None and stamp - then[0] > limit_ns:
                return self._no_fix(msg.request_id, "position unknown: no usable GNSS fix "
                                    f"for {(stamp - then[0]) / 1e9:.0f} s before the question")
            if then is not None:
                lat, lon, heading = then[1]
            else:  # no stamp, or one from another clock: the car as it is now
                if stamp:
                    self.health.count("queries_outside_fix_history")
                lat, lon, fix_stamp = fix
                heading, _ = self._heading()
                stamp = stamp or fix_stamp
        side = policy.side_from_wire(msg.side)  # LandmarkError for an unknown code
        if side is not None and heading is None:
            return self._reply(
                request_id=msg.request_id,
                status=LandmarkStatus.ERROR,
                message=f"'{side.value}' needs a heading; none yet (no odometry, not moving)",
            )
        # The one policy (landmark/policy.py): radius, prominence and the break fallback by
        # kind of request, as `cockpit-ai ask` gets in process. radius_m/limit parameters
        # above 0 replace the policy's for requests that leave them at 0.
        query, results = policy.search(finder, policy.Search(
            lat=lat, lon=lon, heading_deg=heading, at=self._moment(stamp), side=side,
            categories=tuple(msg.categories), diets=tuple(msg.diets), cuisine=msg.cuisine,
            name_contains=msg.name_contains, open_now=msg.open_now,
            radius_m=float(msg.radius_m), limit=int(msg.limit)),
            default_radius_m=self.p["radius_m"], default_limit=self.p["limit"])
        return self._array(msg.request_id, query, results, stamp)

    def _moment(self, stamp_ns: int) -> Any:
        from datetime import UTC, datetime

        ns = stamp_ns or self.get_clock().now().nanoseconds
        return datetime.fromtimestamp(ns / 1e9, tz=UTC)

    def _array(self, request_id: str, q: PoiQuery, results: list[PoiResult], stamp: int) -> Any:
        out = self._array_type()
        out.header.stamp = ns_to_stamp(stamp) if stamp else self.get_clock().now().to_msg()
        out.header.frame_id = self._frame_id
        out.request_id = request_id
        out.status = int(LandmarkStatus.OK)
        out.vehicle_latitude_deg = q.lat
        out.vehicle_longitude_deg = q.lon
        out.vehicle_heading_deg = math.nan if q.heading_deg is None else q.heading_deg
        out.landmarks = [to_landmark(r, self._landmark_type) for r in results]
        return out

    def _publish_nearby(self) -> None:
        with self._lock:
            fix, received, finder = self._fix, self._fix_received_ns, self.finder
        if finder is None:
            return
        now = self.get_clock().now().nanoseconds
        if fix is None or now - received > self.p["fix_timeout_s"] * 1e9:
            if fix is not None:
                self._show(WARN, f"no good fix for {self.p['fix_timeout_s']:g} s")
            return
        try:
            heading, _ = self._heading()
            query = PoiQuery(
                lat=fix[0],
                lon=fix[1],
                heading_deg=heading,
                at=self._moment(fix[2]),
                radius_m=self.p["nearby_radius_m"],
                min_prominence=self.p["nearby_min_prominence"],
                limit=self.p["nearby_limit"],
            )
            self.nearby_pub.publish(self._array("", query, finder.query(query), fix[2]))
            self.health.count("nearby_published")
        except sqlite3.DatabaseError as exc:
            self._database_failed(str(exc))
        except Exception as exc:  # a timer callback must never raise
            self.health.count("errors")
            self._warn(f"nearby landmarks failed: {exc}")


def main(args: list[str] | None = None) -> int:
    """Entry point of the ``landmark_node`` executable."""
    return run_node(LandmarkNode, args=args)
