"""Messages to YAML-like text and plain dicts, as ``ros2 topic echo`` shows them."""

from __future__ import annotations

from typing import Any


def to_dict(msg: Any, *, max_array: int = 16) -> Any:
    """A rosidl message as nested dicts/lists; long arrays are shortened unless max_array=0."""
    if hasattr(msg, "get_fields_and_field_types"):
        return {name: to_dict(getattr(msg, name), max_array=max_array)
                for name in msg.get_fields_and_field_types()}
    if isinstance(msg, (bytes, bytearray)):
        msg = list(msg)
    if hasattr(msg, "tolist"):  # numpy / array.array
        msg = msg.tolist()
    if isinstance(msg, (list, tuple)):
        items = [to_dict(v, max_array=max_array) for v in msg]
        if max_array and len(items) > max_array:
            return items[:max_array] + [f"... ({len(items)} items)"]
        return items
    return msg


def to_yaml(value: Any, indent: int = 0) -> str:
    """Minimal YAML for what ``to_dict`` returns (no dependency, stable key order)."""
    pad = "  " * indent
    if isinstance(value, dict):
        lines = []
        for k, v in value.items():
            if isinstance(v, dict) and v:
                lines.append(f"{pad}{k}:")
                lines.append(to_yaml(v, indent + 1))
            elif isinstance(v, list) and v and any(isinstance(i, dict) for i in v):
                lines.append(f"{pad}{k}:")
                for item in v:
                    body = to_yaml(item, indent + 2).lstrip()
                    lines.append(f"{pad}- {body}")
            else:
                lines.append(f"{pad}{k}: {_scalar(v)}")
        return "\n".join(lines)
    return pad + _scalar(value)


def _scalar(v: Any) -> str:
    if isinstance(v, str):
        return repr(v) if (v == "" or v.strip() != v or ":" in v) else v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(_scalar(i) for i in v) + "]"
    if isinstance(v, dict):
        return "{}"
    return str(v)
