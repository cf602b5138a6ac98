"""Deterministic, fully filled instances of every cockpit_ai message (test helper).

Run as a script, it publishes one filled message of each type on ``/roundtrip/<Type>``
until killed, so the test can compare what arrives in another process field by field.
"""

from __future__ import annotations

import importlib
import random
import sys
import time
from pathlib import Path
from typing import Any

MSG_DIR_NAMES = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "msg").glob("*.msg"))

_INT_RANGES = {
    "int8": (-128, 127), "uint8": (0, 255), "byte": (0, 255), "char": (0, 255),
    "int16": (-32768, 32767), "uint16": (0, 65535), "int32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1), "int64": (-(2**63), 2**63 - 1), "uint64": (0, 2**64 - 1),
}


def _scalar(kind: str, rng: random.Random) -> Any:
    if kind in _INT_RANGES:
        lo, hi = _INT_RANGES[kind]
        v = rng.randint(lo, hi)
        return bytes([v]) if kind == "byte" else v
    if kind in ("float", "double"):
        return float(rng.randint(-10**6, 10**6)) / 64.0  # exact in float32 too
    if kind == "boolean":
        return rng.random() < 0.5
    if kind.startswith("string") or kind.startswith("wstring"):
        return "".join(rng.choice("abcxyz ÅÄÖ-_/0123") for _ in range(rng.randint(1, 12)))
    raise KeyError(kind)


def fill(cls: Any, rng: random.Random) -> Any:
    """A message of ``cls`` with every field set to a non-default value."""
    msg = cls()
    for name, kind in cls.get_fields_and_field_types().items():
        setattr(msg, name, _value(kind, rng))
    return msg


def _value(kind: str, rng: random.Random) -> Any:
    if kind.startswith("sequence<"):
        inner = kind[len("sequence<"):-1].split(",")[0]
        return [_value(inner, rng) for _ in range(rng.randint(1, 4))]
    if kind.endswith("]"):
        inner, n = kind[:-1].split("[")
        return [_value(inner, rng) for _ in range(int(n))]
    try:
        return _scalar(kind, rng)
    except KeyError:
        pkg, name = kind.split("/")
        cls = getattr(importlib.import_module(f"{pkg}.msg"), name)
        return fill(cls, rng)


def message_classes() -> dict[str, Any]:
    module = importlib.import_module("cockpit_ai.msg")
    return {name: getattr(module, name) for name in MSG_DIR_NAMES}


def main() -> None:
    import rclpy

    from cockpit_ai.ros import qos

    rclpy.init()
    node = rclpy.create_node("roundtrip_publisher")
    pubs = {}
    msgs = {}
    for name, cls in message_classes().items():
        pubs[name] = node.create_publisher(cls, f"/roundtrip/{name}", qos.RELIABLE)
        msgs[name] = fill(cls, random.Random(name))
    try:
        while rclpy.ok():
            for name, pub in pubs.items():
                pub.publish(msgs[name])
            rclpy.spin_once(node, timeout_sec=0.1)
            time.sleep(0.1)
    except (KeyboardInterrupt, Exception):
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
