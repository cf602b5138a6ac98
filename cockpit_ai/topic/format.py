"""Messages to YAML-like text and plain dicts, as ``ros2 topic echo`` shows them."""

from __future__ import annotations

from typing import Any

import yaml


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


class _Dumper(yaml.SafeDumper):  # type: ignore[misc]  # PyYAML ships no stubs here
    """Block mappings, lists of scalars on one line (as ``ros2 topic echo`` shows arrays)."""


def _list(dumper: yaml.SafeDumper, items: list[Any]) -> yaml.SequenceNode:
    inline = not any(isinstance(i, (dict, list)) for i in items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=inline)


_Dumper.add_representer(list, _list)


def to_yaml(value: Any) -> str:
    """YAML for what ``to_dict`` returns (PyYAML, key order kept)."""
    text: str = yaml.dump(value, Dumper=_Dumper, sort_keys=False, default_flow_style=False,
                     width=1 << 16)  # fmt: skip
    return text.removesuffix("\n").removesuffix("\n...")
