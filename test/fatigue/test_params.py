"""The node's parameter files agree with the core's defaults (one source of defaults)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import yaml

from cockpit_ai.fatigue import FatigueError, FusionSettings, IndicatorSettings
from cockpit_ai.fatigue.fusion import settings_from_dict

REPO = Path(__file__).resolve().parents[2]


def schema_properties() -> dict[str, dict]:
    schema = json.loads((REPO / "schema" / "fatigue.schema.json").read_text())
    return schema["definitions"]["fatigue"]["properties"]


def test_schema_defaults_equal_the_core_defaults() -> None:
    props = schema_properties()
    core = {f.name: f.default for cls in (IndicatorSettings, FusionSettings)
            for f in dataclasses.fields(cls)}
    shared = [name for name in props if name in core]
    assert len(shared) >= 20
    for name in shared:
        assert props[name]["default"] == core[name], name


def test_config_lists_every_key_with_the_schema_default() -> None:
    config = yaml.safe_load((REPO / "config" / "fatigue.param.yaml").read_text())
    values = config["/**"]["ros__parameters"]
    props = schema_properties()
    assert set(values) == set(props)
    for name, prop in props.items():
        assert values[name] == prop["default"], name


def test_settings_from_parameters() -> None:
    indicator, fusion = settings_from_dict({"calibration_s": 5.0, "perclos_moderate": 0.2,
                                           "voice_baseline_utterances": 3.0,
                                           "driver_side": "left"})
    assert indicator.calibration_s == 5.0 and indicator.voice_baseline_utterances == 3
    assert fusion.perclos_moderate == 0.2 and fusion.perclos_mild == 0.08
    with pytest.raises(FatigueError, match="perclos_mild < perclos_moderate"):
        settings_from_dict({"perclos_moderate": 0.5})
