"""Parameters declared from the node's JSON schema: one source of defaults and descriptions.

``schema/<node>.schema.json`` (JSON schema draft-07, Autoware style) names every parameter
with its type, default, description and range. The node declares exactly those, with
descriptors, so ``ros2 param describe`` shows the same text the schema does, the YAML in
``config/<node>.param.yaml`` is validated against the same file in the tests, and launch
files, config and code cannot disagree on a default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cockpit_ai.errors import CockpitError
from cockpit_ai.paths import package_share


class ParameterSchemaError(CockpitError, ValueError):
    """A parameter schema file is missing or malformed."""


@dataclass(frozen=True)
class ParamSpec:
    """One parameter as the schema describes it."""

    name: str
    type: str  # "boolean", "integer", "number", "string", "array"
    default: Any
    description: str
    minimum: float | None = None
    maximum: float | None = None
    item_type: str | None = None  # for arrays
    read_only: bool = False
    enum: tuple[Any, ...] | None = None  # allowed values (of each item, for arrays)

    def check(self, value: Any) -> str | None:
        """Why ``value`` is not allowed by the schema's ``enum``; None when it is."""
        if self.enum is None:
            return None
        bad = [v for v in (value if isinstance(value, list | tuple) else [value])
               if v not in self.enum]
        if not bad:
            return None
        choices = ", ".join(repr(v) for v in self.enum)
        return f"parameter '{self.name}': {bad[0]!r} is not one of {choices}"


def overrides(values: dict[str, Any] | None) -> list[Any]:
    """``rclpy.parameter.Parameter`` overrides from a dict (CLI → node in-process).

    Empty lists are left out: rclpy cannot type them, and the schema default applies.
    """
    from rclpy.parameter import Parameter

    return [Parameter(k, value=v) for k, v in (values or {}).items()
            if not (isinstance(v, list) and not v)]


def schema_path(node_name: str, *, share: Path | None = None) -> Path:
    """Where the installed schema of ``node_name`` lives."""
    return (share or package_share()) / "schema" / f"{node_name}.schema.json"


def load_specs(path: Path, node_name: str) -> list[ParamSpec]:
    """Read the parameter specs of ``node_name`` from a schema file."""
    try:
        schema = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise ParameterSchemaError(f"parameter schema not found: {path}") from exc
    except json.JSONDecodeError as exc:
        raise ParameterSchemaError(f"{path}: invalid JSON: {exc}") from exc
    try:
        props = schema["definitions"][node_name]["properties"]
    except (KeyError, TypeError) as exc:
        raise ParameterSchemaError(
            f"{path}: expected definitions.{node_name}.properties"
        ) from exc
    specs = []
    for name, prop in props.items():
        if "default" not in prop or "description" not in prop:
            raise ParameterSchemaError(
                f"{path}: parameter '{name}' needs a default and a description")
        specs.append(
            ParamSpec(
                name=name,
                type=prop.get("type", "string"),
                default=prop["default"],
                description=prop["description"],
                minimum=prop.get("minimum"),
                maximum=prop.get("maximum"),
                item_type=(prop.get("items") or {}).get("type"),
                read_only=bool(prop.get("readOnly", False)),
                enum=_enum_of(prop),
            )
        )
    return specs


def _enum_of(prop: dict[str, Any]) -> tuple[Any, ...] | None:
    values = prop.get("enum", (prop.get("items") or {}).get("enum"))
    return None if values is None else tuple(values)


def declare_from_schema(node: Any, node_name: str, *, path: Path | None = None) -> dict[str, Any]:
    """Declare every parameter of the schema on ``node`` and return their current values.

    ``node`` is an ``rclpy.node.Node``; rclpy is imported here, not at module level, so the
    spec reader stays usable without ROS. A value outside the schema's ``enum`` fails here
    (:class:`~cockpit_ai.ros.run.NodeStartupError`: one clear line, exit 1) and is refused
    when set later (``ros2 param set``), so no node re-checks its choices by hand.
    """
    from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor
    from rclpy.parameter import Parameter

    from cockpit_ai.ros.run import NodeStartupError

    specs = load_specs(path or schema_path(node_name), node_name)
    types = {
        "boolean": Parameter.Type.BOOL,
        "integer": Parameter.Type.INTEGER,
        "number": Parameter.Type.DOUBLE,
        "string": Parameter.Type.STRING,
    }
    array_types = {
        "string": Parameter.Type.STRING_ARRAY,
        "number": Parameter.Type.DOUBLE_ARRAY,
        "integer": Parameter.Type.INTEGER_ARRAY,
        "boolean": Parameter.Type.BOOL_ARRAY,
    }
    values: dict[str, Any] = {}
    for spec in specs:
        if spec.type == "array":
            ptype = array_types[spec.item_type or "string"]
        else:
            ptype = types[spec.type]
        descriptor = ParameterDescriptor(
            name=spec.name,
            type=ptype.value,
            description=spec.description,
            read_only=spec.read_only,
        )
        if spec.enum is not None:
            descriptor.additional_constraints = "one of: " + ", ".join(str(v) for v in spec.enum)
        if spec.type == "integer" and (spec.minimum is not None or spec.maximum is not None):
            descriptor.integer_range = [
                IntegerRange(
                    from_value=int(spec.minimum if spec.minimum is not None else -(2**62)),
                    to_value=int(spec.maximum if spec.maximum is not None else 2**62),
                    step=0,
                )
            ]
        elif spec.type == "number" and (spec.minimum is not None or spec.maximum is not None):
            descriptor.floating_point_range = [
                FloatingPointRange(
                    from_value=float(spec.minimum if spec.minimum is not None else -1e300),
                    to_value=float(spec.maximum if spec.maximum is not None else 1e300),
                    step=0.0,
                )
            ]
        default = spec.default
        if spec.type == "number":
            default = float(default)
        elif spec.type == "array" and spec.item_type == "number":
            default = [float(v) for v in default]
        from rclpy.exceptions import (
            InvalidParameterTypeException,
            InvalidParameterValueException,
            ParameterUninitializedException,
        )

        try:
            if spec.type == "array" and not default:
                # rclpy cannot infer the type of an empty list: declare by type, then set it.
                node.declare_parameter(spec.name, ptype, descriptor)
                try:
                    node.get_parameter(spec.name)
                except ParameterUninitializedException:
                    node.set_parameters([Parameter(spec.name, ptype, [])])
            else:
                node.declare_parameter(spec.name, default, descriptor)
        except (InvalidParameterValueException, InvalidParameterTypeException) as exc:
            # an override outside the schema's range or of the wrong type: one clear line
            raise NodeStartupError(f"parameter {spec.name}: {exc} "
                                   f"(schema/{node_name}.schema.json)") from None
        values[spec.name] = node.get_parameter(spec.name).value
        problem = spec.check(values[spec.name])
        if problem is not None:
            raise NodeStartupError(f"{problem} (schema/{node_name}.schema.json)")
    checked = {spec.name: spec for spec in specs if spec.enum is not None}
    if checked:
        node.add_on_set_parameters_callback(lambda params: _refuse_outside_enum(params, checked))
    return values


def _refuse_outside_enum(params: list[Any], specs: dict[str, ParamSpec]) -> Any:
    from rcl_interfaces.msg import SetParametersResult

    for param in params:
        spec = specs.get(param.name)
        problem = spec.check(param.value) if spec is not None else None
        if problem is not None:
            return SetParametersResult(successful=False, reason=problem)
    return SetParametersResult(successful=True)
