"""Opening hours at the place's own local time (opening-hours-py + timezonefinder)."""

from __future__ import annotations

from datetime import datetime

import pytest

from cockpit_ai.landmark import LandmarkError
from cockpit_ai.landmark.hours import local_time, open_at, parse_time, timezone_at

HELSINKI = (60.1699, 24.9384)
NEW_YORK = (40.7128, -74.0060)
BERLIN = (52.5200, 13.4050)


def t(text: str) -> datetime:
    return parse_time(text)


def test_time_zone_is_found_offline_from_the_position() -> None:
    assert timezone_at(*HELSINKI).key == "Europe/Helsinki"
    assert timezone_at(*NEW_YORK).key == "America/New_York"


def test_local_time_of_a_stamp_is_the_vehicle_s_own() -> None:
    stamp_ns = 1_764_838_800 * 10**9  # 2025-12-04 09:00 UTC
    helsinki = local_time(stamp_ns, HELSINKI)
    new_york = local_time(stamp_ns, NEW_YORK)
    assert helsinki is not None and new_york is not None
    assert (helsinki.hour, helsinki.minute) == (11, 0) and new_york.hour == 4
    assert helsinki == new_york  # the same instant
    unknown = local_time(stamp_ns, None)  # the machine's zone, still that instant
    assert unknown is not None and unknown.tzinfo is not None and unknown == helsinki
    assert local_time(0, HELSINKI) is None


def test_span_over_midnight() -> None:
    hours = "Fr-Sa 18:00-02:00"
    # 2026-11-27 is a Friday; Helsinki is UTC+2 in November.
    assert open_at(hours, *HELSINKI, t("2026-11-27T21:30:00+02:00")) is True
    assert open_at(hours, *HELSINKI, t("2026-11-28T01:30:00+02:00")) is True  # Sat night
    assert open_at(hours, *HELSINKI, t("2026-11-28T02:30:00+02:00")) is False
    assert open_at(hours, *HELSINKI, t("2026-11-29T01:30:00+02:00")) is True  # Sun, from Sat
    assert open_at(hours, *HELSINKI, t("2026-11-30T01:30:00+02:00")) is False  # Mon night


def test_public_holidays_of_the_place_s_country() -> None:
    hours = "Mo-Fr 09:00-17:00; PH off"
    # 2026-12-25 (Christmas Day) is a Friday, a public holiday in Finland.
    assert open_at(hours, *HELSINKI, t("2026-12-25T12:00:00+02:00")) is False
    assert open_at(hours, *HELSINKI, t("2026-12-23T12:00:00+02:00")) is True
    # 2026-12-06, Finnish Independence Day, is a Sunday; 2026-05-01 (Friday) is May Day in
    # both Finland and Germany, while 2026-10-03 is German Unity Day only.
    assert open_at(hours, *HELSINKI, t("2026-05-01T10:00:00+03:00")) is False
    assert open_at(hours, *BERLIN, t("2026-05-01T10:00:00+02:00")) is False
    only_holidays = "PH 10:00-14:00"
    assert open_at(only_holidays, *BERLIN, t("2026-12-25T11:00:00+01:00")) is True
    assert open_at(only_holidays, *BERLIN, t("2026-12-23T11:00:00+01:00")) is False


def test_same_instant_different_local_time() -> None:
    hours = "Mo-Su 09:00-17:00"
    instant = t("2026-11-28T15:30:00Z")  # 17:30 in Helsinki, 10:30 in New York
    assert open_at(hours, *HELSINKI, instant) is False
    assert open_at(hours, *NEW_YORK, instant) is True
    # the offset the caller writes the time in does not matter, only the instant
    assert open_at(hours, *NEW_YORK, t("2026-11-28T17:30:00+02:00")) is True


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        (None, None),
        ("", None),
        ("ask the barman", None),  # not parseable: unknown, never "open"
        ("Mo-Su 10:00-18:00 unknown", None),
        ("off", False),
        ("24/7", True),
    ],
)
def test_unknown_hours_are_unknown(hours: str | None, expected: bool | None) -> None:
    assert open_at(hours, *HELSINKI, t("2026-11-28T12:00:00Z")) is expected


def test_times_need_an_offset() -> None:
    assert t("2026-11-28T18:00:00Z").utcoffset().total_seconds() == 0
    with pytest.raises(LandmarkError, match="no UTC offset"):
        parse_time("2026-11-28T18:00:00")
    with pytest.raises(LandmarkError, match="not ISO 8601"):
        parse_time("tomorrow at six")
    with pytest.raises(LandmarkError, match="no UTC offset"):
        open_at("24/7", *HELSINKI, datetime(2026, 11, 28, 12, 0))
