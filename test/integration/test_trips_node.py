"""The trips node as a real process, fed by a generated rosbag2 file played with
``cockpit-ai bag play``: two trips with a park between become two rows in a real SQLite
history and STARTED/ENDED events; the same bag again adds nothing; a seeded history makes
the STARTED event carry the usual destination."""

from __future__ import annotations

import math
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cockpit_ai.testing import cockpit_cmd, node_exec

pytestmark = [pytest.mark.integration, pytest.mark.beside]

REPO = Path(__file__).resolve().parents[2]
NS = "/trips_it"
HOME = (60.17005, 24.9430)  # Kaivokatu, outside the railway station
T0 = datetime(2026, 6, 10, 5, 30, tzinfo=UTC)  # a Wednesday, 08:30 Helsinki time


def east(p: tuple[float, float], metres: float) -> tuple[float, float]:
    return (p[0], p[1] + metres / (111_320 * math.cos(math.radians(p[0]))))


def make_bag(path: Path) -> tuple[float, float]:
    """Drive 60 s east at 10 m/s, park 50 s, drive 40 s at 8 m/s, park 50 s; 1 Hz fixes,
    10 Hz odometry. Returns where the first trip ends."""
    from nav_msgs.msg import Odometry
    from rclpy.serialization import serialize_message
    from sensor_msgs.msg import NavSatFix, NavSatStatus

    from cockpit_ai.bag.core import BagWriter
    from cockpit_ai.ros.stamps import ns_to_stamp

    writer = BagWriter(path)
    writer.add_topic(f"{NS}/fix", "sensor_msgs/msg/NavSatFix")
    writer.add_topic(f"{NS}/odom", "nav_msgs/msg/Odometry")
    t0 = int(T0.timestamp() * 1e9)
    here, t, first_end = HOME, 0.0, HOME
    for seconds, speed in ((60, 10.0), (50, 0.0), (40, 8.0), (50, 0.0)):
        for _ in range(seconds):
            for k in range(10):
                odom = Odometry()
                odom.header.stamp = ns_to_stamp(t0 + int((t + k / 10) * 1e9))
                odom.twist.twist.linear.x = speed
                writer.write(f"{NS}/odom", serialize_message(odom), t0 + int((t + k / 10) * 1e9))
            here, t = east(here, speed), t + 1.0
            fix = NavSatFix(latitude=here[0], longitude=here[1], altitude=20.0)
            fix.status.status = NavSatStatus.STATUS_FIX
            fix.header.stamp = ns_to_stamp(t0 + int(t * 1e9))
            writer.write(f"{NS}/fix", serialize_message(fix), t0 + int(t * 1e9))
        if seconds == 50 and first_end == HOME:
            first_end = here
    writer.close()
    return first_end


def play(bag: Path) -> None:
    r = subprocess.run(cockpit_cmd() + ["bag", "play", str(bag), "--rate", "10",
                                        "--wait-for-subscribers", "30"],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr


def test_trips_from_a_bag_once_and_the_usual_destination(processes, probe, tmp_path) -> None:
    from cockpit_ai.msg import TripEvent
    from cockpit_ai.trips.detector import distance_m
    from cockpit_ai.trips.store import StoredTrip, TripStore

    bag = tmp_path / "drive"
    first_end = make_bag(bag)
    db = tmp_path / "trips.sqlite"
    seeded = TripStore(db, retention_days=36500)
    for weeks in (1, 2, 3):  # Wednesdays at 08:2x: the station to "Office"
        start = T0 - timedelta(weeks=weeks, minutes=3 * weeks)
        seeded.add(StoredTrip(start, start + timedelta(minutes=9), HOME, (60.1725, 24.9506),
                              1500.0, 540.0, "Office", [1, 2], ["Kaivokatu", "Unioninkatu"]))
    seeded.close()
    node = processes.start(
        [node_exec("trips_node"), "--ros-args",
         "--params-file", str(REPO / "config" / "trips.param.yaml"),
         "-p", f"history_db:={db}", "-p", "retention_days:=36500.0",
         "-p", "park_timeout_s:=30.0", "-r", f"__ns:={NS}"], name="trips")
    events = probe.subscribe(TripEvent, f"{NS}/trips/event")
    play(bag)
    kinds = (TripEvent.STARTED, TripEvent.ENDED)
    got = events.wait(4, timeout=60, where=lambda e: e.event in kinds)
    assert [e.event for e in got[:4]] == [TripEvent.STARTED, TripEvent.ENDED,
                                           TripEvent.STARTED, TripEvent.ENDED]
    # the drive east is not the usual route (the seeded ways 1, 2): said once, with its time
    left = [e for e in events.messages if e.event == TripEvent.LEFT_USUAL_ROUTE]
    first = [e for e in left if e.trip_id == got[0].trip_id]
    assert len(first) == 1 and len({e.trip_id for e in left}) == len(left), left
    assert first[0].route_duration_s > 0 and first[0].predicted_destination == "Office"
    started = got[0]
    assert started.predicted_destination == "Office" and started.probability > 0.9
    assert list(started.usual_streets) == ["Kaivokatu", "Unioninkatu"]
    assert started.usual_duration_s == pytest.approx(540.0)
    ended = got[1]
    assert ended.trip_id == started.trip_id and 500 < ended.distance_m < 650
    assert abs(ended.end_lon - first_end[1]) < 1e-4

    def recorded() -> list[StoredTrip]:
        return [t for t in TripStore(db, retention_days=36500).list()
                if t.destination_name != "Office"]

    trips = recorded()
    assert len(trips) == 2, trips
    # best-effort sensor topics may lose the very first fixes of a fast replay
    assert trips[0].route_ways and distance_m(trips[0].start, HOME) < 100
    assert 50 <= trips[0].duration_s <= 65

    play(bag)  # the same drive again: the same trips, nothing new
    events.wait(8, timeout=60, where=lambda e: e.event in kinds)
    assert len(recorded()) == 2
    assert processes.stop(node) == 0, processes.log(node)
