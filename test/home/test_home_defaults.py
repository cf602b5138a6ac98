"""One source of defaults: the schema's defaults give exactly the core's, and the messages'
codes are the core's enums."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from cockpit_ai.home import State, When
from cockpit_ai.home.core import HomeSettings, settings_from_params

REPO = Path(__file__).resolve().parents[2]


def test_home_schema_defaults_are_the_core_defaults() -> None:
    schema = json.loads((REPO / "schema" / "home.schema.json").read_text())
    params = {k: v["default"] for k, v in schema["definitions"]["home"]["properties"].items()}
    assert settings_from_params(params) == HomeSettings()
    config = yaml.safe_load((REPO / "config" / "home.param.yaml").read_text())
    assert config["/**"]["ros__parameters"] == params


def test_message_codes_are_the_enums() -> None:
    from cockpit_ai.msg import HomeCommand, HomeStatus

    for member in When:
        assert getattr(HomeCommand, member.name) == member.value
    for member in State:
        assert getattr(HomeStatus, member.name) == member.value
    assert [f for f in HomeCommand.get_fields_and_field_types()] == [
        "header", "request_id", "device", "action", "value", "unit", "when", "lead_time_s",
        "confirmed"]
    assert [f for f in HomeStatus.get_fields_and_field_types()] == [
        "header", "request_id", "device", "action", "state", "text", "attempts", "eta_s"]
