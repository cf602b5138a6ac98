"""The usual destination from seeded histories: weekday mornings home → office, evenings
back, weekends elsewhere; too little evidence → no guess."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cockpit_ai.trips.predict import PredictSettings, predict
from cockpit_ai.trips.store import StoredTrip

HEL = ZoneInfo("Europe/Helsinki")
HOME = (60.1850, 24.9500)
OFFICE = (60.1699, 24.9384)
BEACH = (60.1540, 24.8780)


def history(weeks: int = 8, seed: int = 1) -> list[StoredTrip]:
    rng = random.Random(seed)
    trips: list[StoredTrip] = []
    monday = datetime(2026, 9, 7, tzinfo=HEL)
    for day in range(weeks * 7):
        date = monday + timedelta(days=day)
        legs = ([(8, HOME, OFFICE, "Office"), (17, OFFICE, HOME, "Home")] if date.weekday() < 5
                else [(11, HOME, BEACH, "Hietaniemi beach")])
        for hour, a, b, name in legs:
            start = date + timedelta(hours=hour, minutes=rng.randint(-25, 25))
            jitter = (rng.uniform(-3e-4, 3e-4), rng.uniform(-3e-4, 3e-4))
            trips.append(StoredTrip(start, start + timedelta(minutes=12),
                                    (a[0] + jitter[0], a[1] + jitter[1]), b, 2300.0,
                                    700.0 + rng.uniform(-60, 60), name, [1, 2],
                                    ["Mannerheimintie", "Runeberginkatu"]))
    return trips


def at(weekday: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 2 + weekday, hour, minute, tzinfo=HEL)  # 2 Nov 2026: Monday


def test_weekday_morning_is_the_office_and_the_evening_home() -> None:
    trips = history()
    morning = predict(trips, lat=HOME[0], lon=HOME[1], at=at(1, 8, 10))
    assert morning is not None and morning.destination_name == "Office"
    assert morning.probability > 0.9 and morning.trips >= 20
    assert abs(morning.lat - OFFICE[0]) < 1e-3 and morning.usual_streets[0] == "Mannerheimintie"
    assert 600 < morning.usual_duration_s < 800
    evening = predict(trips, lat=OFFICE[0], lon=OFFICE[1], at=at(3, 17, 20))
    assert evening is not None and evening.destination_name == "Home"


def test_weekend_is_different_and_unknown_places_or_times_give_nothing() -> None:
    trips = history()
    saturday = predict(trips, lat=HOME[0], lon=HOME[1], at=at(5, 11))
    assert saturday is not None and saturday.destination_name == "Hietaniemi beach"
    assert predict(trips, lat=HOME[0], lon=HOME[1], at=at(2, 3)) is None  # 3 am: no habit
    assert predict(trips, lat=60.30, lon=25.10, at=at(1, 8)) is None  # elsewhere
    assert predict(history(weeks=0), lat=HOME[0], lon=HOME[1], at=at(1, 8)) is None
    one = history(weeks=1)[:1]
    assert predict(one, lat=HOME[0], lon=HOME[1], at=at(0, 8)) is None  # one trip is no habit


def test_a_split_habit_is_a_weak_guess_or_none() -> None:
    trips = history()
    # every weekday morning also a trip to the beach: half and half is not a prediction
    extra = [StoredTrip(t.start_time + timedelta(minutes=1), t.end_time, t.start, BEACH,
                        t.distance_m, t.duration_s, "Hietaniemi beach")
             for t in trips if t.destination_name == "Office"]
    split = predict(trips + extra + extra, lat=HOME[0], lon=HOME[1], at=at(1, 8))
    assert split is not None and split.destination_name == "Hietaniemi beach"
    assert 0.6 < split.probability < 0.7
    tie = predict(trips + extra, lat=HOME[0], lon=HOME[1], at=at(1, 8))
    assert tie is not None and tie.probability <= 0.55
    sure = PredictSettings(min_probability=0.6)
    assert predict(trips + extra, lat=HOME[0], lon=HOME[1], at=at(1, 8), settings=sure) is None
