"""The landmark node's ``search_landmarks`` service as a real process: its answer equals the
landmark core's one policy (``landmark/policy.py``) for the same request, which is also what
``cockpit-ai ask`` gets in process; the answer is also published on ``landmarks``; the
``landmark_query`` topic gives the same answer; and a planner node asking through the
service says the same as ``cockpit-ai ask``."""

from __future__ import annotations

import json
import struct
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cockpit_ai.testing import cockpit_cmd, node_exec

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
CAR = (60.1700, 24.9400)
DRIVE_POIS = REPO / "test" / "data" / "drive_pois.geojson"  # places around CAR
HEADING = 90.0  # east: the right side is south
AT = datetime(2026, 11, 28, 16, 0, tzinfo=UTC)  # Saturday 18:00 in Helsinki
T0 = int(AT.timestamp())


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The shared drive map (``test/data/drive_pois.geojson``): a place for each step of the
    policy around CAR."""
    from cockpit_ai.landmark.osm_import import import_files

    out = tmp_path / "pois.sqlite"
    import_files([DRIVE_POIS], out, log=lambda _m: None)
    return out


def landmark_node(processes: Any, db: Path, ns: str) -> Any:
    return processes.start(
        [node_exec("landmark_node"), "--ros-args",
         "--params-file", str(REPO / "config" / "landmark.param.yaml"),
         "-p", f"db_path:={db}", "-p", "nearby_period_s:=0.0", "-r", f"__ns:={ns}"],
        name="landmark")


# Requests as the planner's tools make them (planner/tools.py landmark_request)
CASES: dict[str, dict[str, Any]] = {
    "landmark": {"limit": 3},  # "what is that": notable, 400 m
    "museum": {"limit": 3, "categories": ["museum"]},  # a named kind: 1 km
    "cafe_right": {"limit": 5, "categories": ["cafe"], "side": 2},
    "vegan_open": {"limit": 5, "categories": ["restaurant"], "diets": ["vegan"],
                   "open_now": True},
    "break": {"limit": 3, "categories": ["rest_area", "services"], "open_now": True},
    "tight": {"limit": 5, "categories": ["cafe"], "radius_m": 100.0},
    "defaults": {},  # radius and limit 0: the policy's
}


def request_msg(request_id: str, fields: dict[str, Any]) -> Any:
    from cockpit_ai.msg import LandmarkQuery
    from cockpit_ai.ros.stamps import s_to_stamp

    msg = LandmarkQuery(request_id=request_id, text="test", use_position=True,
                        latitude_deg=CAR[0], longitude_deg=CAR[1], heading_deg=HEADING,
                        **fields)
    msg.header.stamp = s_to_stamp(T0)
    return msg


def core_answer(db: Path, fields: dict[str, Any]) -> tuple[Any, list[Any]]:
    """The landmark core's answer (the one policy) as the node's messages."""
    from cockpit_ai.landmark import policy
    from cockpit_ai.landmark.landmark_node import to_landmark
    from cockpit_ai.landmark.query import LandmarkFinder
    from cockpit_ai.msg import Landmark

    with LandmarkFinder(db) as finder:
        query, results = policy.search(finder, policy.Search(
            lat=CAR[0], lon=CAR[1], heading_deg=HEADING, at=AT,
            side=policy.side_from_wire(fields.get("side", 0)),
            categories=tuple(fields.get("categories", ())),
            diets=tuple(fields.get("diets", ())), open_now=fields.get("open_now", False),
            radius_m=fields.get("radius_m", 0.0), limit=fields.get("limit", 0)))
    return query, [to_landmark(r, Landmark) for r in results]


def same_places(got: list[Any], want: list[Any]) -> bool:
    """Every field of every place (the float32 score as float32 has it)."""
    def fields(lm: Any) -> dict[str, Any]:
        d = {k: getattr(lm, k) for k in lm.get_fields_and_field_types()}
        d["score"] = struct.unpack("f", struct.pack("f", d["score"]))[0]
        return d

    return [fields(g) for g in got] == [fields(w) for w in want]


def test_service_answer_is_the_cores_answer(processes, probe, db) -> None:
    from cockpit_ai.enums import LandmarkStatus
    from cockpit_ai.msg import LandmarkArray
    from cockpit_ai.planner.landmarks import core_search
    from cockpit_ai.planner.tools import LandmarkRequest
    from cockpit_ai.srv import SearchLandmarks

    node = landmark_node(processes, db, "/srv")
    published = probe.subscribe(LandmarkArray, "/srv/landmarks")
    ask_search = core_search(db, at=AT)  # what `cockpit-ai ask` searches with
    assert ask_search is not None
    seen: dict[str, list[str]] = {}
    for name, fields in CASES.items():
        served = probe.call(SearchLandmarks, "/srv/search_landmarks",
                            SearchLandmarks.Request(query=request_msg(name, fields)),
                            timeout=60).result
        assert served.request_id == name and served.status == LandmarkStatus.OK, served
        query, expected = core_answer(db, fields)
        assert same_places(list(served.landmarks), expected), name
        assert (served.vehicle_latitude_deg, served.vehicle_longitude_deg,
                served.vehicle_heading_deg) == (query.lat, query.lon, query.heading_deg)
        assert served.header.stamp.sec == T0  # the question's moment, not the wall clock
        # the in-process path of `cockpit-ai ask` gives the same places
        req = LandmarkRequest(request_id=name, use_position=True, latitude_deg=CAR[0],
                              longitude_deg=CAR[1], heading_deg=HEADING, **fields)
        places = ask_search(req)
        assert [p.id for p in places] == [lm.id for lm in served.landmarks], name
        assert [(p.side, p.open_now) for p in places] == [
            (lm.side, lm.open_now) for lm in served.landmarks], name
        # and bags see the answer: it is published on `landmarks` too
        again = published.wait(1, timeout=20, where=lambda m, n=name: m.request_id == n)[0]
        assert list(again.landmarks) == list(served.landmarks)
        seen[name] = [lm.id for lm in served.landmarks]

    # The policy's steps, as the node answers them.
    assert seen["landmark"] == ["node/1"]  # notable and close; the bakery is not notable
    assert seen["museum"] == []
    assert seen["cafe_right"] == ["node/4"]  # south = right when heading east
    assert seen["vegan_open"] == ["node/3"]  # 1 km: a search looks 1.5 km far
    assert seen["break"] == ["node/4", "node/6"]  # no rest area: open cafes and fuel, 5 km
    assert seen["tight"] == []
    assert set(seen["defaults"]) >= {"node/1", "node/2", "node/4"}

    # A bad request is answered with the reason, as the core raises it.
    bad = probe.call(SearchLandmarks, "/srv/search_landmarks",
                     SearchLandmarks.Request(query=request_msg("bad", {"side": 9})),
                     timeout=30).result
    assert bad.status == LandmarkStatus.ERROR and "unknown side 9" in bad.message
    # Without use_position and before any fix: NO_FIX, through the service as well.
    nofix = request_msg("nofix", {})
    nofix.use_position = False
    got = probe.call(SearchLandmarks, "/srv/search_landmarks",
                     SearchLandmarks.Request(query=nofix), timeout=30).result
    assert got.status == LandmarkStatus.NO_FIX

    # The landmark_query topic still works and gives the same answer as the service.
    probe.publish("/srv/landmark_query", request_msg("topic-break", CASES["break"]),
                  wait_subscribers=1, timeout=30)
    by_topic = published.wait(1, timeout=20, where=lambda m: m.request_id == "topic-break")[0]
    assert [lm.id for lm in by_topic.landmarks] == seen["break"]
    assert processes.stop(node) == 0, processes.log(node)


def drive_here(probe: Any, ns: str, seconds: int = 20) -> None:
    """Odometry (east) and fixes at CAR, stamped T0..T0+seconds, as a bag replays them."""
    from nav_msgs.msg import Odometry
    from sensor_msgs.msg import NavSatFix, NavSatStatus

    from cockpit_ai.ros import qos
    from cockpit_ai.ros.stamps import s_to_stamp

    probe.wait_for_subscribers(NavSatFix, f"{ns}/fix", timeout=60, qos=qos.SENSOR)
    probe.wait_for_subscribers(Odometry, f"{ns}/odom", count=2, timeout=60, qos=qos.SENSOR)
    for t in range(seconds + 1):
        odom = Odometry()
        odom.header.stamp = s_to_stamp(T0 + t)
        odom.pose.pose.orientation.w = 1.0  # ENU yaw 0 = east
        probe.publish(f"{ns}/odom", odom, qos=qos.SENSOR)
        time.sleep(0.02)
        fix = NavSatFix(latitude=CAR[0], longitude=CAR[1], altitude=20.0)
        fix.header.stamp = s_to_stamp(T0 + t)
        fix.status = NavSatStatus(status=NavSatStatus.STATUS_FIX,
                                  service=NavSatStatus.SERVICE_GPS)
        probe.publish(f"{ns}/fix", fix, qos=qos.SENSOR)
        time.sleep(0.02)


def test_planner_through_the_service_says_what_ask_says(processes, probe, db) -> None:
    """The running stack (planner node → search_landmarks → landmark node, position from the
    fixes) answers a place question with the same words as `cockpit-ai ask` in process."""
    from cockpit_ai.enums import LandmarkStatus
    from cockpit_ai.msg import AssistantResponse, Transcript
    from cockpit_ai.srv import SearchLandmarks

    ns = "/same"
    landmark = landmark_node(processes, db, ns)
    planner = processes.start(
        [node_exec("planner_node"), "--ros-args",
         "--params-file", str(REPO / "config" / "planner.param.yaml"),
         "-p", "fast_only:=true", "-p", "landmark_timeout_s:=30.0", "-r", f"__ns:={ns}"],
        name="planner")
    responses = probe.subscribe(AssistantResponse, f"{ns}/response")
    drive_here(probe, ns)
    # the landmark node has the drive: position and odometry heading at the question's stamp
    check = request_msg("check", {})
    check.use_position = False
    check.header.stamp.sec = T0 + 10
    state = probe.call(SearchLandmarks, f"{ns}/search_landmarks",
                       SearchLandmarks.Request(query=check), timeout=60).result
    assert state.status == LandmarkStatus.OK
    assert state.vehicle_heading_deg == pytest.approx(HEADING, abs=1e-6)

    questions = ["find a cafe", "I need a break", "what is that"]
    for i, text in enumerate(questions):
        msg = Transcript(utterance_id=f"q{i}", text=text, raw_text=text, language="en",
                         confidence=0.9, is_final=True, backend="test")
        msg.header.stamp.sec = T0 + 10
        probe.publish(f"{ns}/transcript", msg, wait_subscribers=1, timeout=60)
        responses.wait(1, timeout=60, where=lambda m, u=f"q{i}": m.request_id == u)
    by_node = {m.request_id: m for m in responses.messages}

    out = subprocess.run(
        cockpit_cmd() + ["ask", "--fast-only", "--json", "--db", str(db),
                         "--lat", str(CAR[0]), "--lon", str(CAR[1]),
                         "--heading", str(HEADING),
                         "--at", datetime.fromtimestamp(T0 + 10, tz=UTC).isoformat(),
                         *questions],
        capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    turns = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    assert len(turns) == len(questions), out.stdout
    for i, turn in enumerate(turns):
        node_answer = by_node[f"q{i}"]
        assert node_answer.text == turn["answer"], (questions[i], node_answer.text, turn)
        assert list(node_answer.tool_calls) == turn["tool_calls"]
    assert "Side Cafe" in by_node["q0"].text
    assert processes.stop(planner) == 0, processes.log(planner)
    assert processes.stop(landmark) == 0, processes.log(landmark)
