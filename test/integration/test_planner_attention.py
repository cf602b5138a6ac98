"""The planner node as a real process, issue 14: fatigue_state rising MILD → MODERATE →
SEVERE gets three responses (the last repeated, with a driver_alert VehicleCommand), and
landmarks/nearby gets a remark as a place comes abeam — never while the co-pilot talks
(tts/active), never the same place twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fake_landmark import start_fake

from cockpit_ai.testing import node_exec

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SEC = 1_781_256_600  # the drive's clock (stamps of the inputs)


def transcript(uid: str, text: str) -> Any:
    from cockpit_ai.msg import Transcript

    msg = Transcript(utterance_id=uid, text=text, raw_text=text, language="en",
                     confidence=0.9, is_final=True, backend="test")
    msg.header.stamp.sec = SEC
    return msg


def fatigue(level: int, t: float, previous: int) -> Any:
    from cockpit_ai.msg import FatigueState

    msg = FatigueState(level=level, previous_level=previous, level_changed=level != previous,
                       face_visible=True, calibrated=True)
    msg.header.stamp.sec, msg.header.stamp.nanosec = SEC + int(t), int((t % 1) * 1e9)
    return msg


def landmark(name: str, rel: float, dist: float, *, osm_id: str, category: str,
             year: str = "") -> Any:
    from cockpit_ai.enums import WireSide
    from cockpit_ai.msg import Landmark

    side = WireSide.RIGHT if rel > 0 else WireSide.LEFT
    return Landmark(id=osm_id, name=name, name_en=name, category=category, distance_m=dist,
                    relative_bearing_deg=rel, side=int(side), latitude_deg=60.17,
                    longitude_deg=24.95, tag_keys=["start_date"] if year else [],
                    tag_values=[year] if year else [])


def nearby(t: float, *places: Any) -> Any:
    from cockpit_ai.msg import LandmarkArray

    msg = LandmarkArray(landmarks=list(places), vehicle_latitude_deg=60.17,
                        vehicle_longitude_deg=24.95, vehicle_heading_deg=0.0)
    msg.header.stamp.sec = SEC + int(t)
    return msg


def cafe(query: Any) -> Any:
    """The break search: one café 650 m away on the right."""
    from cockpit_ai.enums import LandmarkStatus
    from cockpit_ai.msg import LandmarkArray

    return LandmarkArray(request_id=query.request_id, status=int(LandmarkStatus.OK),
                         landmarks=[landmark("Cafe Regatta", 60.0, 650.0, osm_id="node/7",
                                             category="amenity=cafe")])


def test_fatigue_escalates_and_places_are_remarked_on(processes, probe, request) -> None:
    from std_msgs.msg import Bool

    from cockpit_ai.enums import FatigueLevel as L
    from cockpit_ai.enums import Priority
    from cockpit_ai.msg import AssistantResponse, VehicleCommand
    from cockpit_ai.ros import qos

    start_fake(request, "search_landmarks", answer=cafe)
    processes.start(  # no model: every answer here comes without one
        [node_exec("planner_node"), "--ros-args",
         "--params-file", str(REPO / "config" / "planner.param.yaml"),
         "-p", "fast_only:=true", "-p", "landmark_timeout_s:=30.0",
         "-p", "proactive_remarks:=true", "-p", "remark_interval_s:=60.0",
         "-p", "severe_repeat_s:=5.0"],
        name="planner")
    responses = probe.subscribe(AssistantResponse, "response")
    commands = probe.subscribe(VehicleCommand, "vehicle_command")

    def said(n: int) -> list[Any]:
        return [m for m in responses.wait(n, timeout=60, where=lambda m: m.proactive)
                if m.proactive]

    # -- fatigue: one state a second, rising within the break offer's cooldown ----------
    levels = [(0, L.ALERT), (10, L.MILD), (20, L.MODERATE), (30, L.SEVERE), (32, L.SEVERE),
              (36, L.SEVERE)]
    previous = int(L.UNKNOWN)
    probe.wait_for_subscribers(type(fatigue(1, 0, 0)), "fatigue_state", timeout=60)
    for t, level in levels:
        probe.publish("fatigue_state", fatigue(int(level), t, previous))
        previous = int(level)
    got = said(4)
    assert got[0].text.startswith("You seem a little tired.")
    assert got[1].text.startswith("You seem tired. How about a break? Cafe Regatta")
    assert got[2].text.startswith("Warning: you are very drowsy.")
    assert got[3].text.startswith("You are still very drowsy.")  # 6 s later (repeat 5 s)
    assert [m.priority for m in got] == [Priority.NORMAL, Priority.NORMAL, Priority.URGENT,
                                         Priority.URGENT]
    alerts = commands.wait(2, timeout=30)
    assert [(c.function, c.action, c.zone) for c in alerts] == [
        ("driver_alert", "warn", "driver")] * 2
    probe.publish("fatigue_state", fatigue(int(L.ALERT), 40, previous))  # awake again

    # -- remarks: the cathedral abeam on the left -----------------------------------------
    cathedral = landmark("Helsinki Cathedral", -88.0, 120.0, osm_id="way/419479428",
                         category="amenity=place_of_worship", year="1852")
    ateneum = landmark("Ateneum", 80.0, 60.0, osm_id="way/8033120",
                       category="tourism=museum", year="1887")
    ahead = landmark("Far Tower", 5.0, 90.0, osm_id="node/9", category="man_made=tower")
    probe.publish("landmarks/nearby", nearby(100, ahead, cathedral), wait_subscribers=1,
                  timeout=60)
    remark = said(5)[4]
    assert remark.text == "On your left, Helsinki Cathedral, 1852."
    assert remark.priority == Priority.NORMAL

    # while the co-pilot talks, nothing; the next one after the interval, once quiet
    probe.publish("tts/active", Bool(data=True), qos=qos.LATCHED, wait_subscribers=1,
                  timeout=60)
    probe.publish("transcript", transcript("q1", "set the temperature to 21 degrees"),
                  wait_subscribers=1, timeout=60)  # a barrier: tts/active is taken by now
    responses.wait(1, timeout=60, where=lambda m: m.request_id == "q1")
    probe.publish("landmarks/nearby", nearby(200, ateneum, cathedral))
    probe.publish("tts/active", Bool(data=False), qos=qos.LATCHED)
    probe.publish("transcript", transcript("q2", "set the temperature to 22 degrees"))
    responses.wait(1, timeout=60, where=lambda m: m.request_id == "q2")
    probe.publish("landmarks/nearby", nearby(300, cathedral, ateneum))  # the cathedral: said
    got = said(6)
    assert [m.text for m in got[4:]] == ["On your left, Helsinki Cathedral, 1852.",
                                         "On your right, Ateneum, 1887."]


def detections(t: float, *objects: tuple[str, float]) -> Any:
    """A road-camera frame: (class, bearing) per object, 640×480."""
    from cockpit_ai.msg import Detection, DetectionArray

    msg = DetectionArray(camera="road", image_width_px=640, image_height_px=480, model="test")
    msg.header.stamp.sec, msg.header.frame_id = SEC + int(t), "road_camera"
    msg.detections = [Detection(header=msg.header, class_name=name, score=0.8, track_id=-1,
                                center_x_px=320.0, center_y_px=240.0, width_px=200.0,
                                height_px=180.0, bearing_deg=bearing)
                      for name, bearing in objects]
    return msg


def ateneum(query: Any) -> Any:
    """The landmark search: Ateneum 40 m on the right."""
    from cockpit_ai.enums import LandmarkStatus
    from cockpit_ai.msg import LandmarkArray

    return LandmarkArray(request_id=query.request_id, status=int(LandmarkStatus.OK),
                         landmarks=[landmark("Ateneum", 60.0, 44.0, osm_id="way/8033120",
                                             category="tourism=museum")])


def test_what_is_that_on_my_right_with_the_road_camera(processes, probe, request) -> None:
    """road/detections with bearings into the answer; a frame older than
    detection_max_age_s is not used."""
    from diagnostic_msgs.msg import DiagnosticArray

    from cockpit_ai.msg import AssistantResponse

    start_fake(request, "search_landmarks", answer=ateneum)
    processes.start(
        [node_exec("planner_node"), "--ros-args",
         "--params-file", str(REPO / "config" / "planner.param.yaml"),
         "-p", "fast_only:=true", "-p", "landmark_timeout_s:=30.0",
         "-p", "detection_max_age_s:=3.0"],
        name="planner")
    responses = probe.subscribe(AssistantResponse, "response")
    diagnostics = probe.subscribe(DiagnosticArray, "/diagnostics")
    probe.publish("road/detections", detections(100, ("bus", 25.0), ("car", -20.0)),
                  wait_subscribers=1, timeout=60)

    def frames(msg: Any) -> float:
        return max((float(kv.value) for st in msg.status if st.name.endswith("planner")
                    for kv in st.values if kv.key == "road_frames"), default=0.0)

    diagnostics.wait(1, timeout=30, where=lambda m: frames(m) >= 1)  # the frame is in

    def ask(uid: str, t: float) -> str:
        msg = transcript(uid, "What is that on my right?")
        msg.header.stamp.sec = SEC + int(t)
        probe.publish("transcript", msg, wait_subscribers=1, timeout=60)
        return str(responses.wait(1, timeout=60, where=lambda m: m.request_id == uid)[0].text)

    assert ask("r1", 101) == ("On your right I can see a bus, and behind it Ateneum "
                              "(museum), 40 metres away.")
    # ten seconds later the camera has said nothing new: the map alone answers
    assert ask("r2", 110).startswith("On your right is Ateneum (museum)")
