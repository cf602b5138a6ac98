"""trips: trips recorded from the car's own ``fix`` and ``odom``, and the usual destination.

A thin managed shell over ``cockpit_ai.trips``: ``configure`` opens the trip history
(``history_db``) and loads the street graph (way ids of the route) and the POI database
(the destination's name); ``activate`` subscribes ``fix`` and ``odom``. At a trip's start it
publishes ``trips/event`` STARTED with the prediction for that place, weekday and time (the
planner offers it); at its end ENDED, and the trip is kept (once: a replayed bag adds
nothing). Times are the messages' stamps; a timer ends a trip whose inputs went quiet for
``park_timeout_s`` (ignition off, the end of a bag).
"""

from __future__ import annotations

import math
import time
from typing import Any

from rclpy.callback_groups import MutuallyExclusiveCallbackGroup

from cockpit_ai.ros import qos
from cockpit_ai.ros.diagnostics import OK, WARN, Health
from cockpit_ai.ros.managed import ManagedNode
from cockpit_ai.ros.run import NodeStartupError, run_node
from cockpit_ai.ros.stamps import ns_to_stamp, stamp_to_ns
from cockpit_ai.trips import TripsError
from cockpit_ai.trips.detector import DetectorSettings, Trip, TripDetector, stamp_time
from cockpit_ai.trips.predict import Prediction, PredictSettings, predict
from cockpit_ai.trips.store import TripStore, stored
from cockpit_ai.trips.watch import RouteWatch

NODE = "trips"


def detector_settings(p: dict[str, Any]) -> DetectorSettings:
    return DetectorSettings(
        start_speed_mps=float(p["start_speed_mps"]), start_hold_s=float(p["start_hold_s"]),
        start_distance_m=float(p["start_distance_m"]),
        park_speed_mps=float(p["park_speed_mps"]), park_timeout_s=float(p["park_timeout_s"]),
        min_trip_m=float(p["min_trip_m"]), max_jump_mps=float(p["max_jump_mps"]))


def predict_settings(p: dict[str, Any]) -> PredictSettings:
    return PredictSettings(hours=float(p["predict_hours"]),
                           radius_m=float(p["predict_radius_m"]),
                           min_trips=int(p["predict_min_trips"]),
                           min_probability=float(p["predict_min_probability"]))


def to_event(msg_type: Any, kind: str, trip: Trip, prediction: Prediction | None, *,
             stamp_ns: int = 0, route_duration_s: float = math.nan) -> Any:
    """A detected start/end (or the usual route left: kind "left") as
    ``cockpit_ai/TripEvent``."""
    msg = msg_type()
    msg.header.stamp = ns_to_stamp(stamp_ns or (trip.end_ns if kind == "ended"
                                                else trip.start_ns))
    msg.header.frame_id = "map"
    msg.event = {"ended": msg.ENDED, "left": msg.LEFT_USUAL_ROUTE}.get(kind, msg.STARTED)
    msg.route_duration_s = float(route_duration_s)
    msg.trip_id = trip.key
    msg.start_lat, msg.start_lon = trip.start
    msg.end_lat, msg.end_lon = trip.end if trip.end is not None else (math.nan, math.nan)
    msg.distance_m = float(trip.distance_m)
    msg.destination_name = trip.destination_name
    msg.predicted_lat = msg.predicted_lon = msg.probability = math.nan
    msg.usual_duration_s = math.nan
    if prediction is not None:
        msg.predicted_destination = prediction.destination_name
        msg.predicted_lat, msg.predicted_lon = prediction.lat, prediction.lon
        msg.probability = float(prediction.probability)
        msg.usual_streets = list(prediction.usual_streets)
        msg.usual_duration_s = float(prediction.usual_duration_s)
    return msg


def stamp_ok(stamp: Any) -> bool:
    """A builtin_interfaces/Time whose nanosec is below one second (anything else is
    malformed: a stamp 4.3 s ahead would make the next good inputs look older than it)."""
    return 0 <= int(stamp.nanosec) < 1_000_000_000


class TripsNode(ManagedNode):
    """Subscribes ``fix`` (NavSatFix) and ``odom`` (Odometry); publishes ``trips/event``."""

    def __init__(self, *, overrides: dict[str, Any] | None = None) -> None:
        super().__init__(NODE, overrides=overrides)
        from cockpit_ai.msg import TripEvent

        self._event_type = TripEvent
        self.health = Health(self)
        self.health.status(WARN, "unconfigured")
        self.store: TripStore | None = None
        self.detector: TripDetector | None = None
        self.names: Any = None
        self.pub: Any = None
        self.subs: list[Any] = []
        self.timer: Any = None
        self._last_input = time.monotonic()
        self._watch: RouteWatch | None = None

    # -- lifecycle ------------------------------------------------------------------------
    def load(self) -> None:
        from cockpit_ai.trips.cli import default_history_db

        p = self.p
        path = p["history_db"] or str(default_history_db())
        try:
            self.store = TripStore(path, retention_days=float(p["retention_days"]))
        except TripsError as exc:
            raise NodeStartupError(f"trips: {exc}") from None
        self.health.set("history_db", path)
        way_of = None
        try:
            from cockpit_ai.trips.places import StreetLookup

            way_of = StreetLookup(max_m=float(p["way_max_m"]))
        except Exception as exc:  # trips are kept without their streets
            self.get_logger().warning(f"trips: no street graph ({exc}); trips without streets")
        try:
            from cockpit_ai.trips.places import PlaceNames

            self.names = PlaceNames(radius_m=float(p["destination_radius_m"]))
        except Exception as exc:
            self.get_logger().warning(f"trips: no POI database ({exc}); destinations unnamed")
        self.detector = TripDetector(detector_settings(p), way_of=way_of)
        self.pub = self.create_lifecycle_publisher(self._event_type, "trips/event",
                                                   qos.RELIABLE)
        self.health.status(OK, f"configured (inactive); {len(self.store.list())} trips kept")

    def start(self) -> None:
        from nav_msgs.msg import Odometry
        from sensor_msgs.msg import NavSatFix

        group = MutuallyExclusiveCallbackGroup()  # one detector: inputs in order
        self.subs = [
            self.create_subscription(NavSatFix, "fix", self._on_fix, qos.MOTION,
                                     callback_group=group),
            self.create_subscription(Odometry, "odom", self._on_odom, qos.MOTION,
                                     callback_group=group),
        ]
        self._last_input = time.monotonic()
        period = max(1.0, min(10.0, float(self.p["park_timeout_s"]) / 4))
        self.timer = self.create_timer(period, self._on_timer, callback_group=group)
        self.health.status(OK, "recording trips")

    def stop(self) -> None:
        timer, self.timer = self.timer, None
        if timer is not None:
            timer.cancel()
            self.destroy_timer(timer)
        for sub in self.subs:
            self.destroy_subscription(sub)
        self.subs = []

    def unload(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None
        if self.names is not None:
            self.names.close()
            self.names = None
        if self.pub is not None:
            self.destroy_lifecycle_publisher(self.pub)
            self.pub = None

    def close(self) -> None:
        super().close()
        self.unload()

    # -- inputs ---------------------------------------------------------------------------
    def _warn(self, message: str) -> None:
        self.get_logger().warning(message, throttle_duration_sec=self.p["warn_throttle_s"])

    def _on_fix(self, msg: Any) -> None:
        """Every fix is counted once: ``fixes`` (used) or ``rejected_fixes`` (no fix, not a
        position, a jump, older than the last one) or ``errors``."""
        try:
            if self.detector is None:
                return
            if int(msg.status.status) < 0:  # STATUS_NO_FIX: the position means nothing
                self.health.count("rejected_fixes")
                return
            if not stamp_ok(msg.header.stamp):
                self.health.count("rejected_fixes")
                self._warn(f"trips: fix stamp nanosec {msg.header.stamp.nanosec} is not a time")
                return
            self._last_input = time.monotonic()
            before = self.detector.counts["fixes"]
            stamp_ns = stamp_to_ns(msg.header.stamp)
            events = self.detector.on_fix(stamp_ns, float(msg.latitude), float(msg.longitude))
            if self.detector.counts["fixes"] > before:
                self.health.count("fixes")
            else:
                self.health.count("rejected_fixes")
                self._warn(f"trips: fix {msg.latitude},{msg.longitude} skipped")
            self._handle(events)
            self._check_route(stamp_ns, (float(msg.latitude), float(msg.longitude)))
        except Exception as exc:  # never raise out of a callback
            self.health.count("errors")
            self._warn(f"trips: fix not usable: {exc}")

    def _check_route(self, stamp_ns: int, here: tuple[float, float]) -> None:
        det, watch = self.detector, self._watch
        if det is None or watch is None or det.trip is None:
            return
        duration = watch.check(det.trip, here, stamp_ns)
        if duration is None or self.pub is None:
            return
        self.pub.publish(to_event(self._event_type, "left", det.trip, watch.prediction,
                                  stamp_ns=stamp_ns, route_duration_s=duration))
        self.health.count("events_left_usual_route")

    def _on_odom(self, msg: Any) -> None:
        """Counted once: ``odometry`` (used), ``rejected_odometry`` (not a finite speed,
        older than the last one) or ``errors``."""
        try:
            if self.detector is None:
                return
            if not stamp_ok(msg.header.stamp):
                self.health.count("rejected_odometry")
                self._warn(f"trips: odometry stamp nanosec {msg.header.stamp.nanosec} is not "
                           "a time")
                return
            self._last_input = time.monotonic()
            v = msg.twist.twist.linear
            speed = math.sqrt(v.x * v.x + v.y * v.y + v.z * v.z)
            before = self.detector.counts["speeds"]
            self._handle(self.detector.on_speed(stamp_to_ns(msg.header.stamp), speed))
            if self.detector.counts["speeds"] > before:
                self.health.count("odometry")
            else:
                self.health.count("rejected_odometry")
                self._warn(f"trips: odometry speed {speed} skipped")
        except Exception as exc:
            self.health.count("errors")
            self._warn(f"trips: odometry not usable: {exc}")

    def _on_timer(self) -> None:
        try:
            det = self.detector
            if det is None:
                return
            quiet = time.monotonic() - self._last_input
            if det.trip is not None and quiet >= float(self.p["park_timeout_s"]):
                self._handle(det.end_now())  # the car went quiet: the trip ended when it stopped
            for key, value in det.counts.items():
                self.health.set(key, value)
            self.health.set("driving", det.trip is not None)
        except Exception as exc:
            self.health.count("errors")
            self._warn(f"trips: {exc}")

    def _handle(self, events: list[Any]) -> None:
        for event in events:
            trip = event.trip
            prediction = None
            if event.kind == "started":
                prediction = self._predict(trip)
                self._watch = (RouteWatch(trip.key, prediction, eta_s=_street_eta)
                               if prediction is not None and prediction.usual_ways else None)
            else:
                if self.names is not None:
                    try:
                        trip.destination_name = self.names(*trip.end)
                    except Exception as exc:
                        self._warn(f"trips: destination name unknown: {exc}")
                self._keep(trip)
            if self.pub is not None:
                self.pub.publish(to_event(self._event_type, event.kind, trip, prediction))
                self.health.count(f"events_{event.kind}")

    def _predict(self, trip: Trip) -> Prediction | None:
        if self.store is None:
            return None
        at = stamp_time(trip.start_ns).astimezone()  # the car's local time of day
        try:
            p = predict(self.store.list(), lat=trip.start[0], lon=trip.start[1], at=at,
                        settings=predict_settings(self.p))
        except TripsError as exc:
            self._warn(f"trips: no prediction: {exc}")
            return None
        self.health.set("last_prediction", p.destination_name if p else "none")
        return p

    def _keep(self, trip: Trip) -> None:
        if self.store is None:
            return
        try:
            new = self.store.add(stored(trip))
        except TripsError as exc:
            self.health.count("errors")
            self.health.status(WARN, str(exc))
            self._warn(f"trips: not recorded: {exc}")
            return
        self.health.count("trips_recorded" if new else "trips_already_recorded")
        self.get_logger().info(
            f"trips: {'recorded' if new else 'already recorded'} {trip.key} → "
            f"{trip.destination_name or 'unnamed place'}, {trip.distance_m:.0f} m, "
            f"{trip.duration_s:.0f} s, started {stamp_time(trip.start_ns):%Y-%m-%d %H:%M} UTC")


def _street_eta(here: tuple[float, float], goal: tuple[float, float]) -> float:
    from cockpit_ai.route.graph import eta_s

    return float(eta_s(here, goal))


def main(args: list[str] | None = None) -> int:
    return run_node(TripsNode, args=args)


if __name__ == "__main__":
    raise SystemExit(main())
