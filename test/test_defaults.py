"""One source of defaults: each node's schema defaults give exactly the core's defaults.

A default written twice (schema and core dataclass/dict) drifts; these tests fail the
moment the two disagree, per area, and say which field.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def schema_defaults(node: str) -> dict[str, Any]:
    schema = json.loads((REPO / "schema" / f"{node}.schema.json").read_text())
    return {k: v["default"] for k, v in schema["definitions"][node]["properties"].items()}


def _differences(ours: Any, core: Any, path: str = "") -> list[str]:
    if dataclasses.is_dataclass(ours) and dataclasses.is_dataclass(core):
        return [d for f in dataclasses.fields(core)
                for d in _differences(getattr(ours, f.name), getattr(core, f.name),
                                      f"{path}.{f.name}")]
    if isinstance(ours, dict) and isinstance(core, dict):
        keys = set(ours) | set(core)
        return [d for k in sorted(keys, key=str)
                for d in _differences(ours.get(k), core.get(k), f"{path}.{k}")]
    if isinstance(ours, list | tuple) and isinstance(core, list | tuple):
        return [] if list(ours) == list(core) else [f"{path}: schema {ours!r} != core {core!r}"]
    return [] if ours == core else [f"{path}: schema {ours!r} != core {core!r}"]


def test_planner_schema_defaults_are_the_core_defaults() -> None:
    from cockpit_ai.planner.planner import DEFAULT_CONFIG, merge_config
    from cockpit_ai.planner.planner_node import config_from_params
    from cockpit_ai.planner.safety import DEFAULT_ALLOW

    ours = merge_config(config_from_params(schema_defaults("planner")))
    core = merge_config({})
    # The core's None means "DEFAULT_ALLOW"; the node spells the same table out.
    assert ours["safety"].pop("allow") == DEFAULT_ALLOW
    core["safety"].pop("allow")
    assert DEFAULT_CONFIG["safety"]["allow"] is None
    assert _differences(ours, core) == []


def test_speech_schema_defaults_are_the_core_defaults() -> None:
    from cockpit_ai.speech.pipeline import PipelineConfig
    from cockpit_ai.speech.speech_node import pipeline_config

    params = schema_defaults("speech")
    ours = pipeline_config(params)
    core = PipelineConfig()
    assert _differences(ours, core) == []


def test_fatigue_schema_defaults_are_the_core_defaults() -> None:
    from cockpit_ai.fatigue.fusion import FusionSettings, settings_from_dict
    from cockpit_ai.fatigue.settings import IndicatorSettings

    indicators, fusion = settings_from_dict(schema_defaults("fatigue"))
    assert _differences(indicators, IndicatorSettings()) == []
    assert _differences(fusion, FusionSettings()) == []


# The vision node runs two cameras on a 2-core computer: one thread each and tracking on
# (the planner names tracked objects), where `cockpit-ai detect` on files uses the core's.
VISION_NODE_CHOICES = {"threads": 1, "track": True}


def test_vision_schema_defaults_are_the_core_defaults() -> None:
    from cockpit_ai.vision.detector import DetectorSettings

    params = schema_defaults("vision")
    core = dataclasses.asdict(DetectorSettings())
    shared = sorted(set(params) & set(core))
    assert {"model", "confidence", "iou", "imgsz", "resize", "device", "max_pixels"} <= set(shared)
    differing = {k: params[k] for k in shared if params[k] != core[k]
                 and not (isinstance(core[k], tuple) and list(core[k]) == params[k])}
    assert differing == VISION_NODE_CHOICES


def test_detect_cli_defaults_are_the_core_defaults() -> None:
    import argparse

    from cockpit_ai.vision.cli import register
    from cockpit_ai.vision.detector import DetectorSettings

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["detect", "x.jpg"])
    d = DetectorSettings()
    assert (args.conf, args.iou, args.imgsz, args.resize, args.threads) == (
        d.confidence, d.iou, d.imgsz, d.resize, d.threads)
