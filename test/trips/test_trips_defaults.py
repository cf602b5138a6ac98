"""One source of defaults: the schema's defaults are the core's settings; the message's
codes and fields are what the node fills."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from cockpit_ai.trips.detector import DetectorSettings
from cockpit_ai.trips.predict import PredictSettings
from cockpit_ai.trips.trips_node import detector_settings, predict_settings

REPO = Path(__file__).resolve().parents[2]


def test_trips_schema_defaults_are_the_core_defaults() -> None:
    schema = json.loads((REPO / "schema" / "trips.schema.json").read_text())
    params = {k: v["default"] for k, v in schema["definitions"]["trips"]["properties"].items()}
    assert detector_settings(params) == DetectorSettings()
    assert predict_settings(params) == PredictSettings()
    config = yaml.safe_load((REPO / "config" / "trips.param.yaml").read_text())
    assert config["/**"]["ros__parameters"] == params


def test_trip_event_fields() -> None:
    from cockpit_ai.msg import TripEvent

    assert (TripEvent.STARTED, TripEvent.ENDED, TripEvent.LEFT_USUAL_ROUTE) == (0, 1, 2)
    assert list(TripEvent.get_fields_and_field_types()) == [
        "header", "event", "trip_id", "start_lat", "start_lon", "end_lat", "end_lon",
        "distance_m", "destination_name", "predicted_destination", "predicted_lat",
        "predicted_lon", "probability", "usual_streets", "usual_duration_s", "route_duration_s"]
