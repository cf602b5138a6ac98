"""The road camera beside the map (planner/scene.py): fresh objects by side, kind questions,
answers that say what each source knows."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from cockpit_ai.enums import WireSide
from cockpit_ai.planner import scene
from cockpit_ai.planner.scene import SeenObject, kind_question
from cockpit_ai.planner.tools import Place

S = 1_000_000_000  # ns


def obj(name: str, bearing: float, *, h: float = 0.3, t: int = 100 * S) -> SeenObject:
    return SeenObject(class_name=name, bearing_deg=bearing, height_frac=h, score=0.8,
                      stamp_ns=t)


BUS_RIGHT = obj("bus", 25.0, h=0.4)
CAR_LEFT = obj("car", -20.0, h=0.2)
PERSON_AHEAD = obj("person", 3.0, h=0.5)
ATENEUM = Place(name="Ateneum", category="tourism=museum", distance_m=44.0,
                relative_bearing_deg=43.0, side=int(WireSide.RIGHT))
STOP = Place(name="Rautatientori", category="highway=bus_stop", distance_m=35.0,
             relative_bearing_deg=12.0, side=int(WireSide.AHEAD))
FAR_STOP = Place(name="Kaisaniemi", category="highway=bus_stop", distance_m=420.0,
                 relative_bearing_deg=60.0, side=int(WireSide.RIGHT))


def test_seen_objects_from_detection_messages() -> None:
    d = SimpleNamespace(class_name="bus", bearing_deg=25.2, height_px=540.0, score=0.39,
                        track_id=4)
    (o,) = scene.seen_objects([d], image_height_px=1080, stamp_ns=5 * S)
    assert (o.class_name, o.bearing_deg, o.height_frac, o.track_id, o.stamp_ns) == (
        "bus", 25.2, 0.5, 4, 5 * S)


def test_stale_detections_are_not_used() -> None:
    old, now, later = obj("car", 10, t=96 * S), obj("bus", 10, t=99 * S), obj("x", 1, t=101 * S)
    assert scene.fresh([old, now, later], at_ns=100 * S, max_age_s=3.0) == [now]
    assert scene.fresh([old], at_ns=100 * S, max_age_s=5.0) == [old]
    assert scene.fresh([old, now], at_ns=0) == [old, now]  # no stamp: all of them


def test_sides_of_camera_objects() -> None:
    assert [scene.camera_side(b) for b in (25.0, -20.0, 3.0, math.nan, 170.0)] == [
        "right", "left", "ahead", "", ""]
    near_bus = obj("bus", 30.0, h=0.6)
    assert scene.on_side([BUS_RIGHT, CAR_LEFT, near_bus], "right") == [near_bus, BUS_RIGHT]
    assert scene.on_side([BUS_RIGHT, CAR_LEFT], "any", classes=("car",)) == [CAR_LEFT]
    assert scene.describe_objects([BUS_RIGHT, obj("car", 20), obj("car", 22)]) == \
        "a bus and two cars"
    assert scene.describe_objects([obj("person", 9), obj("person", 12)]) == "two people"


@pytest.mark.parametrize(("text", "noun", "side"), [
    ("Is that a bus stop?", "bus stop", "any"),
    ("is this a bus stop on my right", "bus stop", "right"),
    ("Was that a bus on the left?", "bus", "left"),
    ("hey qwen is that a church ahead", "church", "ahead"),
    ("is it a traffic light over there", "traffic light", "any"),
])
def test_kind_questions(text: str, noun: str, side: str) -> None:
    q = kind_question(text)
    assert q is not None and (q.noun, q.side) == (noun, side)
    assert scene.route(text) is not None


@pytest.mark.parametrize("text", [
    "is that restaurant open", "is it a good restaurant", "is that a tram",
    "what is that on my right", "is that a bus stop or a tram stop", "that is a bus stop",
])
def test_not_kind_questions(text: str) -> None:
    assert kind_question(text) is None


def test_what_is_that_on_my_right_fuses_camera_and_map() -> None:
    seen = [BUS_RIGHT, CAR_LEFT, PERSON_AHEAD]
    assert scene.fuse_landmark_answer("right", seen, [ATENEUM]) == (
        "On your right I can see a bus, and behind it Ateneum (museum), 40 metres away.")
    assert scene.fuse_landmark_answer("left", seen, []) == "On your left I can see a car."
    # nothing on that side (or no side asked): the map's answer stands
    assert scene.fuse_landmark_answer("right", [CAR_LEFT], [ATENEUM]) == ""
    assert scene.fuse_landmark_answer("any", seen, [ATENEUM]) == ""


def test_is_that_a_bus_stop_uses_both() -> None:
    q = kind_question("is that a bus stop on my right?")
    assert q is not None and "bus_stop" in q.categories and q.classes == ("bus",)
    req = scene.kind_request(q, text="is that a bus stop on my right?")
    assert req.categories == ["bus_stop", "bus_station"] and req.side == 0
    # the map has one right there (12° to the right: "ahead" for the landmark sectors) and
    # the camera sees a bus on the right
    both = scene.kind_answer(q, [BUS_RIGHT], [STOP])
    assert both == ("Yes: the map has a bus stop there, Rautatientori, 40 metres ahead. "
                    "I can see a bus on your right too.")
    # only the map
    assert scene.kind_answer(q, [CAR_LEFT], [STOP]).startswith("Yes: the map has a bus stop")
    # only the camera: a bus, but no stop on the map close by
    assert scene.kind_answer(q, [BUS_RIGHT], [FAR_STOP]) == (
        "I can see a bus on your right, but the map has no bus stop there. The nearest "
        "bus stop I know is Kaisaniemi, 420 metres on your right.")
    # neither
    assert scene.kind_answer(q, [], []) == "I don't think so: the map has no bus stop there."
    # a stop on the other side does not count for "on my right"
    left_stop = Place(name="Vilhonkatu", category="highway=bus_stop", distance_m=30.0,
                      relative_bearing_deg=-70.0, side=int(WireSide.LEFT))
    assert scene.kind_answer(q, [], [left_stop]).startswith("I don't think so")
    # the map could not be asked
    assert scene.kind_answer(q, [BUS_RIGHT], None) == (
        "I can see a bus on your right, but I can't check the map right now.")


def test_camera_only_kinds() -> None:
    q = kind_question("is that a bus on my right")
    assert q is not None and q.categories == ()
    assert scene.kind_answer(q, [BUS_RIGHT], []) == "Yes, I can see a bus on your right."
    q = kind_question("is that a cyclist on the left")
    assert q is not None
    assert scene.kind_answer(q, [BUS_RIGHT, CAR_LEFT], []) == (
        "I don't see a cyclist on your left, only a car.")
    assert scene.kind_answer(q, [], []) == "I don't see a cyclist on your left right now."
