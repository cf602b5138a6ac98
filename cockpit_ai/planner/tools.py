"""Tools the model may call, as JSON schemas, and the typed requests they become.

The model never produces text that is executed: its output is constrained (llama.cpp grammar
from ``TOOL_SCHEMA``), validated here, and turned into dataclasses (``LandmarkRequest``,
``VehicleCommand``) that mirror msg/LandmarkQuery.msg and msg/VehicleCommand.msg. Every field
is required and every string is capped: llama.cpp's schema-to-grammar puts optional fields
last and small models close the object early (docs/models.md).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from cockpit_ai.enums import WireSide
from cockpit_ai.planner.errors import PlannerError

SIDES = ["any", "ahead", "right", "behind", "left"]
SIDE_CODES = {side.label: int(side) for side in WireSide}  # "right" → LandmarkQuery.SIDE_RIGHT
POI_CATEGORIES = [
    "any", "restaurant", "cafe", "fast_food", "bar", "pub", "ice_cream", "museum",
    "attraction", "place_of_worship", "monument", "park", "hotel", "fuel", "charging_station",
    "parking", "pharmacy", "hospital", "toilets", "rest_area", "supermarket",
]
DIETS = ["none", "vegan", "vegetarian", "gluten_free", "halal", "kosher"]
VEHICLE_FUNCTIONS = ["climate", "window", "seat", "media", "cabin_light", "navigation", "door"]
VEHICLE_ACTIONS = [
    "set", "increase", "decrease", "on", "off", "open", "close", "play", "pause", "next",
    "previous", "lock", "unlock",
]
UNITS = ["none", "celsius", "percent", "level"]
ZONES = ["all", "driver", "passenger", "rear"]
HOME_DEVICES = ["heating", "lights", "air_conditioning", "garage_door", "alarm", "coffee_machine"]
HOME_ACTIONS = ["on", "off", "open", "close", "set"]
RESULT_ITEMS = ["last", "1", "2", "3", "4", "5"]
RESULT_FIELDS = ["distance", "direction", "opening_hours", "cuisine", "details", "navigate"]
BREAK_KINDS = ["any", "rest_area", "coffee"]

TOOL_NAMES = [
    "landmark", "poi_search", "result_info", "vehicle", "smart_home", "rest_break",
    "route_suggest", "summarize", "chat",
]


def _s(max_len: int) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_len}


def _e(values: list[str]) -> dict[str, Any]:
    return {"type": "string", "enum": values}


def _tool(name: str, props: dict[str, Any]) -> dict[str, Any]:
    properties = {"tool": {"const": name}, **props}
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


TOOLS: dict[str, dict[str, Any]] = {
    "landmark": _tool("landmark", {"side": _e(SIDES), "name": _s(40)}),
    "poi_search": _tool("poi_search", {
        "category": _e(POI_CATEGORIES), "diet": _e(DIETS), "cuisine": _s(20),
        "open_now": {"type": "boolean"}, "side": _e(SIDES), "name": _s(40),
    }),
    "result_info": _tool("result_info", {"item": _e(RESULT_ITEMS), "field": _e(RESULT_FIELDS)}),
    "vehicle": _tool("vehicle", {
        "function": _e(VEHICLE_FUNCTIONS), "action": _e(VEHICLE_ACTIONS), "value": _s(40),
        "unit": _e(UNITS), "zone": _e(ZONES),
    }),
    "smart_home": _tool("smart_home", {
        "device": _e(HOME_DEVICES), "action": _e(HOME_ACTIONS), "value": _s(20),
    }),
    "rest_break": _tool("rest_break", {"kind": _e(BREAK_KINDS)}),
    "route_suggest": _tool("route_suggest", {}),
    "summarize": _tool("summarize", {"summary": _s(400)}),
    "chat": _tool("chat", {"reply": _s(300)}),
}

TOOL_SCHEMA: dict[str, Any] = {"anyOf": [TOOLS[name] for name in TOOL_NAMES]}

# One line per tool for the system prompt (fixed text, so it stays in the prompt cache).
TOOL_HELP = """\
landmark: what is a building/landmark/sight we can see (side: where it is; name: none).
poi_search: find places by type: restaurant, cafe, museum, fuel, parking... (diet, open_now).
result_info: follow-up on earlier results ("how far is it?", "the second one", "take me there").
vehicle: car functions. function: climate (temperature, heating, AC, fan), window, seat (seat
 heating), media (music, radio, volume, songs), cabin_light (interior and reading lights),
 navigation (value: the destination the user names), door. Switching on/off: action on/off.
smart_home: devices at the user's home (heating, lights, garage_door...), e.g. before arrival.
rest_break: the driver is tired or wants a break, coffee or a rest area.
route_suggest: the user asks where they usually drive or for their usual route.
summarize: the user shares a text to summarise (summary: at most 3 short sentences).
chat: anything else: small talk, general knowledge (reply: one or two short sentences)."""


@dataclass
class ToolCall:
    """One validated tool call: the tool name and its arguments (without "tool")."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "args": dict(self.args)}

    def to_json(self) -> str:
        """The JSON form the model itself produces (used as the assistant turn in history)."""
        return json.dumps({"tool": self.name, **self.args}, ensure_ascii=False)


@dataclass
class LandmarkRequest:
    """A LandmarkQuery-like request (fields as msg/LandmarkQuery.msg)."""

    request_id: str = ""
    text: str = ""
    side: int = 0
    categories: list[str] = field(default_factory=list)
    diets: list[str] = field(default_factory=list)
    cuisine: str = ""
    name_contains: str = ""
    open_now: bool = False
    radius_m: float = 0.0
    limit: int = 0
    use_position: bool = False
    latitude_deg: float = 0.0
    longitude_deg: float = 0.0
    heading_deg: float = 0.0
    stamp_ns: int = 0  # the question's time (audio stamp); 0 = now

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class VehicleCommand:
    """A typed cabin function request (fields as msg/VehicleCommand.msg)."""

    function: str
    action: str
    value: str = ""
    unit: str = ""
    zone: str = "all"
    request_id: str = ""
    vehicle_speed_mps: float = 0.0  # NaN: the speed was unknown when it was checked

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if not math.isfinite(self.vehicle_speed_mps):
            d["vehicle_speed_mps"] = None  # JSON has no NaN
        return d


@dataclass
class Place:
    """A landmark/POI answer (the subset of msg/Landmark.msg the planner talks about)."""

    name: str
    category: str = ""
    distance_m: float = 0.0
    bearing_deg: float = 0.0
    relative_bearing_deg: float = 0.0
    side: int = 0
    open_now: int = 0  # 0 unknown, 1 yes, 2 no
    opening_hours: str = ""
    cuisine: str = ""
    diets: list[str] = field(default_factory=list)
    latitude_deg: float = 0.0
    longitude_deg: float = 0.0
    id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ToolParseError(PlannerError):
    """The model's output is not a valid tool call; the message says why (for the log)."""


def parse_tool_call(text: str) -> ToolCall:
    """Parse and validate the model's JSON; raises ToolParseError on anything unexpected."""
    try:
        obj = json.loads(text)
    except (json.JSONDecodeError, TypeError) as exc:
        raise ToolParseError(f"not JSON: {exc}: {str(text)[:120]!r}") from exc
    if not isinstance(obj, dict):
        raise ToolParseError(f"not a JSON object: {str(text)[:120]!r}")
    name = obj.get("tool")
    if name not in TOOLS:
        raise ToolParseError(f"unknown tool {name!r}")
    return validate_call(ToolCall(name, {k: v for k, v in obj.items() if k != "tool"}))


def validate_call(call: ToolCall) -> ToolCall:
    """Check a ToolCall (from the model or the fast path) against its tool's schema."""
    if call.name not in TOOLS:
        raise ToolParseError(f"unknown tool {call.name!r}")
    import jsonschema

    obj = {"tool": call.name, **call.args}
    try:
        jsonschema.validate(obj, TOOLS[call.name])
    except jsonschema.ValidationError as exc:
        raise ToolParseError(f"{call.name}: {exc.message}") from exc
    return call


# Tools whose spoken answer is a string the model writes (the others answer from templates
# after acting): the field a partial answer is read from while the model streams.
ANSWER_FIELDS = {"chat": "reply", "summarize": "summary"}
_TOOL_NAME = re.compile(r'"tool"\s*:\s*"([a-z_]+)"')
_ESCAPE_LEN = {"u": 6}  # \uXXXX; every other JSON escape is two characters


def partial_answer(raw: str) -> str:
    """The answer text so far of a tool call the model is still writing ("" when its tool
    has no written answer, or the answer has not started): the value of ``reply``/``summary``
    up to its closing quote or the end of ``raw``, without a half-written escape."""
    tool = _TOOL_NAME.search(raw)
    if tool is None or tool.group(1) not in ANSWER_FIELDS:
        return ""
    field_ = re.escape(ANSWER_FIELDS[tool.group(1)])
    key = re.compile(rf'"{field_}"\s*:\s*"').search(raw, tool.end())
    if key is None:
        return ""
    start = i = key.end()
    while i < len(raw) and raw[i] != '"':
        if raw[i] == "\\":
            step = _ESCAPE_LEN.get(raw[i + 1: i + 2], 2)
            if i + step > len(raw):
                break  # the escape is not complete yet
            i += step
        else:
            i += 1
    try:
        return str(json.loads('"' + raw[start:i] + '"'))
    except json.JSONDecodeError:  # a malformed escape from a model without grammar
        return raw[start:i]


def none_to_empty(value: Any) -> str:
    """The schema's "none" placeholder (and empty/whitespace) as the empty string."""
    text = str(value or "").strip()
    return "" if text.lower() in ("none", "null", "n/a", "any") else text


# Words in a "what is that ...?" question that narrow the landmark search (OSM values).
_LANDMARK_HINTS = {
    "church": "place_of_worship", "cathedral": "place_of_worship", "chapel": "place_of_worship",
    "mosque": "place_of_worship", "temple": "place_of_worship", "museum": "museum",
    "hotel": "hotel", "tower": "tower", "statue": "artwork", "sculpture": "artwork",
    "monument": "memorial", "memorial": "memorial", "theatre": "theatre", "theater": "theatre",
}


def landmark_request(call: ToolCall, *, text: str = "") -> LandmarkRequest:
    """Map a landmark/poi_search/rest_break call onto a LandmarkQuery-like request."""
    a = call.args
    req = LandmarkRequest(text=text)
    if call.name == "landmark":
        req.side = SIDE_CODES.get(a.get("side", "any"), WireSide.ANY)
        req.name_contains = none_to_empty(a.get("name"))
        words = set(text.lower().replace("?", " ").split())
        req.categories = sorted({v for k, v in _LANDMARK_HINTS.items() if k in words})
        req.limit = 3
    elif call.name == "poi_search":
        req.side = SIDE_CODES.get(a.get("side", "any"), WireSide.ANY)
        cat = a.get("category", "any")
        req.categories = [] if cat == "any" else [cat]
        diet = a.get("diet", "none")
        req.diets = [] if diet == "none" else [diet]
        req.cuisine = none_to_empty(a.get("cuisine")).lower()
        req.open_now = bool(a.get("open_now", False))
        req.name_contains = none_to_empty(a.get("name"))
        req.limit = 5
    elif call.name == "rest_break":
        kind = a.get("kind", "any")
        req.categories = {"coffee": ["cafe"], "rest_area": ["rest_area", "services"]}.get(
            kind, ["rest_area", "services", "cafe", "fuel"])
        req.open_now = True
        req.limit = 3
    else:
        raise ToolParseError(f"{call.name} is not a landmark tool")
    return req


def vehicle_command(call: ToolCall) -> VehicleCommand:
    """Map a vehicle/smart_home call onto a VehicleCommand (not yet safety-checked)."""
    a = call.args
    if call.name == "vehicle":
        unit = a.get("unit", "none")
        return VehicleCommand(
            function=a["function"], action=a["action"], value=none_to_empty(a.get("value")),
            unit="" if unit == "none" else unit, zone=a.get("zone", "all"),
        )
    if call.name == "smart_home":
        value = none_to_empty(a.get("value"))
        return VehicleCommand(
            function="smart_home", action=a["action"],
            value=f"{a['device']}:{value}" if value else a["device"], unit="", zone="all",
        )
    raise ToolParseError(f"{call.name} is not a command tool")


_GBNF_CHAR = r'[^"\\\x7F\x00-\x1F]'


def schema_to_gbnf(schema: dict[str, Any]) -> str:
    """A compact llama.cpp grammar for the JSON-schema subset the tools use.

    Why not llama.cpp's own converter: it allows free whitespace everywhere and keeps every
    anyOf branch alive over the shared ``{"tool": `` prefix; this grammar fixes the layout to
    the prompt's examples (``{"tool": "name", "key": value}``), so the tool name is chosen
    first and the rest of the object follows one branch (about 3x faster sampling measured on
    SmolLM2). Supports: anyOf of objects, const, string enum, string maxLength, boolean.
    """
    rules: dict[str, str] = {}

    def lit(text: str) -> str:
        return json.dumps(text)

    def value_rule(prop: dict[str, Any]) -> str:
        if "const" in prop:
            return lit(json.dumps(prop["const"]))
        if prop.get("type") == "boolean":
            return '("true" | "false")'
        if "enum" in prop:
            return "(" + " | ".join(lit(json.dumps(v)) for v in prop["enum"]) + ")"
        if prop.get("type") == "string":
            n = int(prop.get("maxLength", 200))
            name = f"str{n}"
            rules[name] = f'"\\"" char{{0,{n}}} "\\""'
            return name
        raise ValueError(f"schema_to_gbnf: unsupported property {prop}")

    objects = schema.get("anyOf", [schema])
    first = {next(iter(o["properties"])) for o in objects}
    # Shared first key with a const per branch (the tool name): emit `{"tool": ` once, so
    # the branches differ from their first character on.
    shared = first.pop() if len(first) == 1 and all(
        "const" in next(iter(o["properties"].values())) for o in objects) else None
    branches = []
    for i, obj in enumerate(objects):
        keys = list(obj["properties"])
        parts = []
        for j, key in enumerate(keys):
            if not (j == 0 and shared):
                parts.append(lit(f'{"{" if j == 0 else ", "}"{key}": '))
            parts.append(value_rule(obj["properties"][key]))
        parts.append(lit("}"))
        rules[f"t{i}"] = " ".join(parts)
        branches.append(f"t{i}")
    head = lit(f'{{"{shared}": ') + " " if shared else ""
    lines = [f"root ::= {head}({' | '.join(branches)})"]
    lines += [f"{k} ::= {v}" for k, v in rules.items()]
    lines.append(f"char ::= {_GBNF_CHAR}")
    return "\n".join(lines) + "\n"
