"""The cores' enums equal the message constants they mirror (one source: msg/)."""

from __future__ import annotations

import pytest

from cockpit_ai import enums


def _constants(msg_type: type, prefix: str) -> dict[str, int]:
    return {name[len(prefix):]: getattr(msg_type, name)
            for name in dir(msg_type) if name.startswith(prefix) and name.isupper()}


@pytest.mark.parametrize(("msg_name", "prefix", "enum"), [
    ("LandmarkQuery", "SIDE_", enums.WireSide),
    ("Landmark", "SIDE_", enums.WireSide),
    ("Landmark", "OPEN_", enums.OpenState),
    ("LandmarkArray", "STATUS_", enums.LandmarkStatus),
    ("FatigueState", "LEVEL_", enums.FatigueLevel),
    ("AssistantResponse", "PRIORITY_", enums.Priority),
])
def test_enum_equals_message_constants(msg_name: str, prefix: str, enum: type) -> None:
    from cockpit_ai import msg

    wire = _constants(getattr(msg, msg_name), prefix)
    ours = {m.name: int(m.value) for m in enum}  # type: ignore[attr-defined]
    # Landmark has no SIDE_ANY (a place is always on some side); every wire code is ours.
    assert wire and all(ours[k] == v for k, v in wire.items()), (wire, ours)
    if msg_name != "Landmark" or prefix != "SIDE_":
        assert wire == ours


def test_no_track_matches_detection() -> None:
    from cockpit_ai.msg import Detection

    assert Detection.NO_TRACK == enums.NO_TRACK


def test_side_from_name() -> None:
    assert enums.WireSide.from_name("Right ") is enums.WireSide.RIGHT
    assert enums.WireSide.from_name(None) is enums.WireSide.ANY
    assert enums.WireSide.from_name("any") is enums.WireSide.ANY
    with pytest.raises(ValueError, match="unknown side 'up'"):
        enums.WireSide.from_name("up")


def test_open_state_round_trip() -> None:
    for value in (True, False, None):
        assert enums.OpenState.from_bool(value).as_bool() is value


def test_fatigue_levels_ordered() -> None:
    assert enums.FatigueLevel.SEVERE > enums.FatigueLevel.MODERATE > enums.FatigueLevel.ALERT
