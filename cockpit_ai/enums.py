"""Wire codes of the package's messages, in one place for the cores.

The constants are defined in ``msg/*.msg``; cores do not import the generated message
modules (they run without ROS), so the codes are mirrored here once as ``IntEnum`` and
``test/test_enums.py`` checks every member against the message constants. Nothing else in
the package writes these numbers.
"""

from __future__ import annotations

from enum import IntEnum


class WireSide(IntEnum):
    """``LandmarkQuery.SIDE_*`` and ``Landmark.SIDE_*``: a place relative to the heading."""

    ANY = 0
    AHEAD = 1
    RIGHT = 2
    BEHIND = 3
    LEFT = 4

    @classmethod
    def from_name(cls, name: str | None) -> WireSide:
        """``"right"`` → ``RIGHT``; ``None``/``""``/``"any"`` → ``ANY``; else ``ValueError``."""
        if not name:
            return cls.ANY
        try:
            return cls[name.strip().upper()]
        except KeyError:
            choices = ", ".join(s.name.lower() for s in cls)
            raise ValueError(f"unknown side {name!r}; use one of {choices}") from None

    @property
    def label(self) -> str:
        """Lower-case name as the cores and the CLI spell it (``"right"``, ``"any"``)."""
        return self.name.lower()


class OpenState(IntEnum):
    """``Landmark.OPEN_*``: opening hours say open, closed, or nothing known."""

    UNKNOWN = 0
    YES = 1
    NO = 2

    @classmethod
    def from_bool(cls, value: bool | None) -> OpenState:
        """``True``/``False``/``None`` (the cores' tri-state) → wire code."""
        return cls.UNKNOWN if value is None else (cls.YES if value else cls.NO)

    def as_bool(self) -> bool | None:
        """Wire code → ``True``/``False``/``None``."""
        return None if self is OpenState.UNKNOWN else self is OpenState.YES


class LandmarkStatus(IntEnum):
    """``LandmarkArray.STATUS_*``."""

    OK = 0
    NO_FIX = 1
    ERROR = 2
    UNAVAILABLE = 3


class FatigueLevel(IntEnum):
    """``FatigueState.LEVEL_*``: ordered, so ``level >= FatigueLevel.MODERATE`` reads as meant."""

    UNKNOWN = 0
    ALERT = 1
    MILD = 2
    MODERATE = 3
    SEVERE = 4

    @property
    def label(self) -> str:
        """Lower-case name (``"moderate"``)."""
        return self.name.lower()


class Priority(IntEnum):
    """``AssistantResponse.PRIORITY_*``."""

    NORMAL = 0
    URGENT = 1  # interrupts whatever is being spoken


NO_TRACK = -1
"""``Detection.NO_TRACK``: the detection is not part of a track."""
