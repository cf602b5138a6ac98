"""Message types for rosbags: the standard Kilted set plus any package's own .msg files.

Custom types (cockpit_ai/msg/...) are registered from the installed ``.msg`` text, which
gives the same RIHS01 type hashes rosidl computes, so bags open in any ROS 2 tool.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cockpit_ai.errors import CockpitError
from cockpit_ai.paths import prefixes


class BagError(CockpitError, RuntimeError):
    """A bag cannot be read, written or played; the message says which file and why."""


def make_typestore(extra_types: list[str] | tuple[str, ...] = ()) -> Any:
    """A Kilted typestore that also knows every package's types named in ``extra_types``.

    All ``.msg`` files of such a package are registered together, so nested types of the
    same package (DetectionArray → Detection) resolve in one step.
    """
    from rosbags.typesys import Stores, get_types_from_msg, get_typestore

    store = get_typestore(Stores.ROS2_KILTED)
    packages = sorted({t.split("/")[0] for t in extra_types if t not in store.fielddefs})
    for pkg in packages:
        folder = _msg_dir(pkg)
        if folder is None:
            raise BagError(f"message package '{pkg}' is unknown: no share/{pkg}/msg in "
                           f"{', '.join(str(p) for p in prefixes())}")
        types: dict[str, Any] = {}
        for path in sorted(folder.glob("*.msg")):
            types.update(get_types_from_msg(path.read_text(), f"{pkg}/msg/{path.stem}"))
        store.register(types)
    missing = [t for t in extra_types if t not in store.fielddefs]
    if missing:
        raise BagError(f"message type(s) unknown: {', '.join(missing)}")
    return store


def _msg_dir(pkg: str) -> Path | None:
    for prefix in prefixes():
        candidate = prefix / "share" / pkg / "msg"
        if candidate.is_dir():
            return candidate
    return None


def message_class(msgtype: str) -> Any:
    """The rosidl Python class for ``pkg/msg/Type`` (imported from the installed package)."""
    import importlib

    try:
        pkg, kind, name = msgtype.split("/")
    except ValueError:
        raise BagError(f"'{msgtype}' is not a message type name (expected pkg/msg/Type)") from None
    try:
        module = importlib.import_module(f"{pkg}.{kind}")
        return getattr(module, name)
    except (ImportError, AttributeError):
        raise BagError(f"message type '{msgtype}' is not installed "
                       f"(no Python module {pkg}.{kind}.{name})") from None
