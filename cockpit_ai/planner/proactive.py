"""Proactive remarks: a notable place named as it comes abeam ("On your left, Helsinki
Cathedral, 1852.").

The landmark node publishes the notable places near the car every few seconds
(``landmarks/nearby``); the planner turns one of them into a remark when all of these hold
(:meth:`Remarks.offer`):

- remarks are on (``proactive_remarks``, off by default: the driver's seat opts in);
- nobody is speaking, the co-pilot is not talking and no question is being answered
  (the caller says so: ``quiet``);
- the driver is at most MILDly tired: a tired driver gets break offers, not sightseeing;
- the last remark is at least ``interval_s`` ago (by the places' stamps, so a replayed
  drive remarks at the same moments);
- the place is abeam (``ABEAM_DEG``: between 45° and 135° off the heading) and close
  (``max_distance_m``), and was not remarked on in this trip (a new trip, from
  ``trips/event``, starts a fresh list; without trips the list is kept, bounded).

Plain Python: no ROS.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from cockpit_ai.enums import FatigueLevel
from cockpit_ai.planner.answers import kind_text
from cockpit_ai.planner.tools import Place

#: |relative bearing| of a place coming abeam, degrees (the landmark node's sides begin at 30°)
ABEAM_DEG = (45.0, 135.0)
#: places remembered per trip (a long drive past many sights stays bounded)
MAX_REMEMBERED = 512
_YEAR = re.compile(r"\b(1\d{3}|20\d{2})\b")


@dataclass(frozen=True)
class RemarkSettings:
    """When to remark (the planner node's parameters ``proactive_remarks``,
    ``remark_interval_s``, ``remark_max_distance_m``)."""

    enabled: bool = False
    interval_s: float = 120.0
    max_distance_m: float = 200.0


@dataclass(frozen=True)
class Sight:
    """A notable place near the car (the fields of ``cockpit_ai/Landmark`` a remark uses)."""

    id: str
    name: str
    relative_bearing_deg: float  # positive = right, NaN = no heading
    distance_m: float
    category: str = ""  # OSM key=value: "tourism=museum"
    start_date: str = ""  # OSM start_date ("1852", "1830-1852", "~1900")

    @property
    def kind(self) -> str:
        """"museum", "place of worship" ("" when the category is unknown)."""
        return kind_text(Place(name=self.name, category=self.category)) if self.category else ""

    @property
    def year(self) -> str:
        """The year it was built or opened (the last year in ``start_date``), or ""."""
        years = _YEAR.findall(self.start_date or "")
        return years[-1] if years else ""


def remark_text(sight: Sight) -> str:
    """"On your left, Helsinki Cathedral, 1852." (or the kind when no year is known)."""
    side = "right" if sight.relative_bearing_deg > 0 else "left"
    if sight.year:
        return f"On your {side}, {sight.name}, {sight.year}."
    if sight.kind:
        article = "an" if sight.kind[:1] in "aeiou" else "a"
        return f"On your {side}, {sight.name}, {article} {sight.kind}."
    return f"On your {side}, {sight.name}."


def abeam(sight: Sight, *, max_distance_m: float) -> bool:
    """Is the place beside the car now (45–135° off the heading) and close enough?"""
    rel = sight.relative_bearing_deg
    return (math.isfinite(rel) and ABEAM_DEG[0] <= abs(rel) <= ABEAM_DEG[1]
            and 0.0 <= sight.distance_m <= max_distance_m and bool(sight.name))


class Remarks:
    """Which nearby place to remark on, and when (the rules above). Not thread-safe: the
    planner node calls it from one lane."""

    def __init__(self, settings: RemarkSettings | None = None) -> None:
        self.settings = settings or RemarkSettings()
        self._said: OrderedDict[str, None] = OrderedDict()  # place ids remarked this trip
        self._last_s: float | None = None  # time of the last remark
        self._trip = ""

    def new_trip(self, trip_id: str = "") -> None:
        """A trip started or ended: every place may be remarked on once again."""
        if trip_id and trip_id == self._trip:
            return  # the same trip announced again (a replayed event)
        self._trip = trip_id
        self._said.clear()

    def offer(self, sights: Iterable[Sight], *, now_s: float, quiet: bool,
              fatigue_level: int) -> str | None:
        """The remark to make now, or None. ``now_s``: the places' stamp in seconds (the
        fix they were found from); ``quiet``: nobody speaking, the co-pilot silent, no
        question being answered."""
        s = self.settings
        if not s.enabled or not quiet or fatigue_level > FatigueLevel.MILD:
            return None
        if self._last_s is not None:
            if now_s < self._last_s:
                self._last_s = None  # time went back: a replay started over
            elif now_s - self._last_s < s.interval_s:
                return None
        for sight in sights:
            # by id and by name: the parts of one building (two OSM ids) are one place
            keys = [k for k in (sight.id, sight.name.lower()) if k]
            if (any(k in self._said for k in keys)
                    or not abeam(sight, max_distance_m=s.max_distance_m)):
                continue
            for k in keys:
                self._said[k] = None
            while len(self._said) > MAX_REMEMBERED:
                self._said.popitem(last=False)
            self._last_s = now_s
            return remark_text(sight)
        return None
