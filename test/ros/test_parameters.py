"""Every config/<node>.param.yaml is valid against schema/<node>.schema.json, and back."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from cockpit_ai.ros.params import ParameterSchemaError, load_specs

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = sorted((REPO / "schema").glob("*.schema.json"))
CONFIGS = sorted((REPO / "config").glob("*.param.yaml"))


def test_every_config_has_a_schema_and_back() -> None:
    assert SCHEMAS, "no schemas found"
    schema_nodes = {p.name.removesuffix(".schema.json") for p in SCHEMAS}
    config_nodes = {p.name.removesuffix(".param.yaml") for p in CONFIGS}
    assert config_nodes <= schema_nodes, f"configs without schema: {config_nodes - schema_nodes}"
    assert schema_nodes <= config_nodes, f"schemas without config: {schema_nodes - config_nodes}"


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.name)
def test_config_validates_against_schema(config: Path) -> None:
    node = config.name.removesuffix(".param.yaml")
    schema = json.loads((REPO / "schema" / f"{node}.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.validate(yaml.safe_load(config.read_text()), schema)


@pytest.mark.parametrize("schema_file", SCHEMAS, ids=lambda p: p.name)
def test_schema_defaults_are_valid_and_described(schema_file: Path) -> None:
    node = schema_file.name.removesuffix(".schema.json")
    schema = json.loads(schema_file.read_text())
    specs = load_specs(schema_file, node)
    defaults = {s.name: s.default for s in specs}
    jsonschema.validate({"/**": {"ros__parameters": defaults}}, schema)
    assert all(len(s.description) > 10 for s in specs)


def test_a_broken_config_is_rejected() -> None:
    schema = json.loads((REPO / "schema" / "bag_player.schema.json").read_text())
    config = yaml.safe_load((REPO / "config" / "bag_player.param.yaml").read_text())
    jsonschema.validate(config, schema)
    config["/**"]["ros__parameters"]["rate"] = -1.0
    with pytest.raises(jsonschema.ValidationError, match=r"rate|-1"):
        jsonschema.validate(config, schema)
    config["/**"]["ros__parameters"]["rate"] = 1.0
    config["/**"]["ros__parameters"]["typo_rate"] = 2.0
    with pytest.raises(jsonschema.ValidationError, match="typo_rate"):
        jsonschema.validate(config, schema)


def test_schema_without_description_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "n.schema.json"
    f.write_text(json.dumps({"definitions": {"n": {"properties": {"x": {"default": 1}}}}}))
    with pytest.raises(ParameterSchemaError, match="description"):
        load_specs(f, "n")


def _enum_schema(tmp_path: Path) -> Path:
    path = tmp_path / "enum_test.schema.json"
    path.write_text(json.dumps({"definitions": {"enum_test": {"properties": {
        "mode": {"type": "string", "default": "vad", "enum": ["vad", "push_to_talk"],
                 "description": "how an utterance starts"},
        "labels": {"type": "array", "items": {"type": "string", "enum": ["car", "person"]},
                   "default": ["car"], "description": "classes to keep"},
    }}}}))
    return path


def test_enum_is_enforced_at_declare_time_and_on_set(tmp_path: Path) -> None:
    import rclpy
    from rclpy.parameter import Parameter

    from cockpit_ai.ros.params import declare_from_schema
    from cockpit_ai.ros.run import NodeStartupError

    schema = _enum_schema(tmp_path)
    rclpy.init()
    try:
        good = rclpy.create_node("enum_good", parameter_overrides=[
            Parameter("mode", value="push_to_talk")])
        values = declare_from_schema(good, "enum_test", path=schema)
        assert values == {"mode": "push_to_talk", "labels": ["car"]}
        desc = good.describe_parameter("mode")
        assert desc.additional_constraints == "one of: vad, push_to_talk"
        refused = good.set_parameters([Parameter("mode", value="always_on")])[0]
        assert not refused.successful and "'always_on' is not one of" in refused.reason
        assert good.get_parameter("mode").value == "push_to_talk"
        assert good.set_parameters([Parameter("labels", value=["person"])])[0].successful
        good.destroy_node()

        bad = rclpy.create_node("enum_bad", parameter_overrides=[
            Parameter("labels", value=["car", "tree"])])
        with pytest.raises(NodeStartupError, match="'tree' is not one of 'car', 'person'"):
            declare_from_schema(bad, "enum_test", path=schema)
        bad.destroy_node()
    finally:
        rclpy.shutdown()


def test_an_override_out_of_range_or_type_is_one_clear_line(tmp_path: Path) -> None:
    """`cockpit-ai bag play --rate 1000` (schema range 0.01..100) ended in an rclpy
    traceback; now every node and CLI says which parameter and why, exit 1."""
    import subprocess

    import rclpy
    from rclpy.parameter import Parameter

    from cockpit_ai.bag.core import BagWriter
    from cockpit_ai.ros.params import declare_from_schema
    from cockpit_ai.ros.run import NodeStartupError
    from cockpit_ai.testing import cockpit_cmd

    rclpy.init()
    try:
        for value, why in ((1000.0, "out of range"), ("fast", "type")):
            node = rclpy.create_node("range_bad", parameter_overrides=[
                Parameter("rate", value=value)])
            with pytest.raises(NodeStartupError, match=f"parameter rate: .*{why}"):
                declare_from_schema(node, "bag_player")
            node.destroy_node()
    finally:
        rclpy.shutdown()
    bag = tmp_path / "bag"
    writer = BagWriter(bag)
    writer.add_topic("/x", "std_msgs/msg/String")
    writer.write("/x", b"\x00\x01\x00\x00\x02\x00\x00\x00a\x00", 1)
    writer.close()
    res = subprocess.run(cockpit_cmd() + ["bag", "play", str(bag), "--rate", "1000"],
                         capture_output=True, text=True, timeout=120)
    out = res.stdout + res.stderr
    assert res.returncode == 1 and "Traceback" not in out, out
    assert "parameter rate" in out and "out of range" in out, out
