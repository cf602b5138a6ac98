"""Leaving the usual route: said once, when the last streets are none of the usual ones,
with the trip's time on its new way (so far + the street graph from here)."""

from __future__ import annotations

from cockpit_ai.route.graph import eta_s
from cockpit_ai.trips.detector import Trip
from cockpit_ai.trips.predict import Prediction
from cockpit_ai.trips.watch import RouteWatch

S = 1_000_000_000
HOME = (60.172519, 24.950596)  # Unioninkatu


def test_said_once_when_two_streets_in_a_row_are_off_the_usual_route() -> None:
    pred = Prediction("Home", HOME[0], HOME[1], 0.9, 4, ["Kaivokatu"], 120.0, [10, 11, 12])
    trip = Trip(start_ns=1000 * S, start=(60.17005, 24.9430))
    watch = RouteWatch(trip.key, pred, eta_s=lambda a, b: eta_s(a, b))
    here = (60.1700, 24.9470)
    for way in (10, 11):
        trip.add_way((way, ""))
        assert watch.check(trip, here, 1030 * S) is None  # on the usual route
    trip.add_way((99, "Mikonkatu"))
    assert watch.check(trip, here, 1040 * S) is None  # one street off: maybe a junction
    trip.add_way((11, ""))
    trip.distance_m += 200.0
    assert watch.check(trip, here, 1041 * S) is None  # back on the usual route
    trip.add_way((99, "Mikonkatu"))
    assert watch.check(trip, here, 1042 * S) is None
    trip.add_way((98, "Yliopistonkatu"))
    assert watch.check(trip, here, 1045 * S) is None  # two streets off, but only just
    trip.distance_m += 150.0
    took = watch.check(trip, here, 1050 * S)
    assert took is not None and 50 + 10 < took < 50 + 300  # 50 s so far + the way from here
    trip.add_way((97, "Unioninkatu"))
    assert watch.check(trip, here, 1060 * S) is None  # once
    other = Trip(start_ns=2000 * S, start=trip.start, ways=[1, 2, 3])
    assert watch.check(other, here, 2050 * S) is None  # another trip is not this watch's
