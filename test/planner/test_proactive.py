"""Proactive remarks on nearby landmarks: opt-in, at most one per interval, never while
someone talks, never above MILD fatigue, never the same place twice in a trip."""

from __future__ import annotations

import math

from cockpit_ai.enums import FatigueLevel as L
from cockpit_ai.planner.proactive import Remarks, RemarkSettings, Sight, remark_text

CATHEDRAL = Sight(id="way/419479428", name="Helsinki Cathedral", relative_bearing_deg=-88.0,
                  distance_m=120.0, category="amenity=place_of_worship", start_date="1852")
ATENEUM = Sight(id="way/8033120", name="Ateneum", relative_bearing_deg=75.0, distance_m=60.0,
                category="tourism=museum", start_date="1887")
AHEAD = Sight(id="node/1", name="Far Tower", relative_bearing_deg=10.0, distance_m=90.0)


def on(**kw: float) -> Remarks:
    return Remarks(RemarkSettings(enabled=True, **kw))


def test_the_remark_names_side_place_and_year() -> None:
    assert remark_text(CATHEDRAL) == "On your left, Helsinki Cathedral, 1852."
    assert remark_text(Sight("n/2", "Ateneum", 80.0, 50.0, category="tourism=museum")) == \
        "On your right, Ateneum, a museum."
    assert CATHEDRAL.kind == "place of worship"
    assert Sight("n/3", "x", 80, 50, start_date="1830-1852").year == "1852"
    assert Sight("n/4", "x", 80, 50, start_date="early").year == ""


def test_off_by_default() -> None:
    r = Remarks()
    assert r.offer([CATHEDRAL], now_s=0.0, quiet=True, fatigue_level=L.ALERT) is None


def test_only_places_abeam_and_close() -> None:
    r = on(max_distance_m=200.0)
    far = Sight("n/9", "Far", 90.0, 450.0)
    nan = Sight("n/8", "No heading", math.nan, 50.0)
    assert r.offer([AHEAD, far, nan], now_s=0.0, quiet=True, fatigue_level=L.ALERT) is None
    assert r.offer([AHEAD, ATENEUM], now_s=0.0, quiet=True,
                   fatigue_level=L.ALERT) == "On your right, Ateneum, 1887."


def test_at_most_one_per_interval() -> None:
    r = on(interval_s=120.0)
    assert r.offer([ATENEUM], now_s=1000.0, quiet=True, fatigue_level=L.ALERT)
    assert r.offer([CATHEDRAL], now_s=1060.0, quiet=True, fatigue_level=L.ALERT) is None
    assert r.offer([CATHEDRAL], now_s=1120.0, quiet=True,
                   fatigue_level=L.ALERT) == "On your left, Helsinki Cathedral, 1852."


def test_silent_while_talking_and_when_tired() -> None:
    r = on(interval_s=0.0)
    assert r.offer([ATENEUM], now_s=0.0, quiet=False, fatigue_level=L.ALERT) is None
    assert r.offer([ATENEUM], now_s=1.0, quiet=True, fatigue_level=L.MODERATE) is None
    assert r.offer([ATENEUM], now_s=2.0, quiet=True, fatigue_level=L.SEVERE) is None
    # the place was not used up by the silent moments: said once things are quiet
    assert r.offer([ATENEUM], now_s=3.0, quiet=True, fatigue_level=L.MILD)


def test_never_the_same_place_twice_in_a_trip() -> None:
    r = on(interval_s=0.0)
    r.new_trip("t1")
    assert r.offer([ATENEUM], now_s=0.0, quiet=True, fatigue_level=L.ALERT)
    again = Sight("way/other-part", "Ateneum", 100.0, 40.0)  # another part, the same name
    assert r.offer([ATENEUM, again], now_s=300.0, quiet=True, fatigue_level=L.ALERT) is None
    r.new_trip("t1")  # the same trip announced again changes nothing
    assert r.offer([ATENEUM], now_s=600.0, quiet=True, fatigue_level=L.ALERT) is None
    r.new_trip("t2")
    assert r.offer([ATENEUM], now_s=900.0, quiet=True, fatigue_level=L.ALERT)
