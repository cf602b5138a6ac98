"""Every .msg in msg/ round-trips between two processes with all fields intact."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import msgfill

pytestmark = [pytest.mark.integration, pytest.mark.beside]


def test_every_message_is_generated_and_has_a_header() -> None:
    classes = msgfill.message_classes()
    assert set(classes) == {
        "AudioChunk", "Transcript", "VoiceFeatures", "Detection", "DetectionArray",
        "FatigueState", "Landmark", "LandmarkQuery", "LandmarkArray", "AssistantResponse",
        "VehicleCommand", "HomeCommand", "HomeStatus", "TripEvent", "SharedText",
    }
    for name, cls in classes.items():
        assert cls.get_fields_and_field_types()["header"] == "std_msgs/Header", name


def test_constants_are_exposed() -> None:
    from cockpit_ai.msg import FatigueState, Landmark, LandmarkQuery

    assert [FatigueState.LEVEL_UNKNOWN, FatigueState.LEVEL_ALERT, FatigueState.LEVEL_MILD,
            FatigueState.LEVEL_MODERATE, FatigueState.LEVEL_SEVERE] == [0, 1, 2, 3, 4]
    assert Landmark.SIDE_RIGHT == LandmarkQuery.SIDE_RIGHT
    assert LandmarkQuery.SIDE_ANY == 0


def test_detection_carries_its_bearing() -> None:
    from cockpit_ai.msg import Detection

    # the box centre's direction from the car, as Landmark.relative_bearing_deg
    assert Detection.get_fields_and_field_types()["bearing_deg"] == "float"


def test_round_trip_between_processes(processes, probe) -> None:
    classes = msgfill.message_classes()
    collectors = {name: probe.subscribe(cls, f"/roundtrip/{name}") for name, cls in
                  classes.items()}
    processes.start([sys.executable, str(Path(msgfill.__file__))], name="publisher")
    for name, cls in classes.items():
        got = collectors[name].wait(1, timeout=30)[0]
        expected = msgfill.fill(cls, random.Random(name))
        assert got == expected, f"{name} changed on the way"
