"""Navigation answers give distance and time on the bundled street graph ("Ateneum, 350 m,
about 1 minute"); an unknown position or place, or no route, gives the plain answer."""

from __future__ import annotations

import re

from cockpit_ai.planner.planner import Context, Planner, street_eta
from cockpit_ai.planner.tools import LandmarkRequest, Place

STATION_SQUARE = (60.1699, 24.9384)  # Kaivokatu, in front of the railway station
ATENEUM = Place(name="Ateneum", category="tourism=museum", latitude_deg=60.16998,
                longitude_deg=24.94418)
TAMPERE = Place(name="Tampere Hall", category="amenity=theatre", latitude_deg=61.4963,
                longitude_deg=23.7817)


def planner(places: list[Place], asked: list[LandmarkRequest]) -> Planner:
    def search(req: LandmarkRequest) -> list[Place]:
        asked.append(req)
        return [p for p in places if req.name_contains.lower() in p.name.lower()]

    return Planner(landmark_search=search, route_eta=street_eta,
                   config={"fast_only": True})


def test_destination_by_name_gets_distance_and_time() -> None:
    asked: list[LandmarkRequest] = []
    turn = planner([ATENEUM], asked).handle("take me to Ateneum",
                                            Context(here=STATION_SQUARE, speed_mps=0.0))
    m = re.fullmatch(r"Navigating to Ateneum, (\d+) m, about (\d+) minutes?\.", turn.text)
    assert m, turn.text
    assert 200 <= int(m.group(1)) <= 900 and 1 <= int(m.group(2)) <= 4
    assert [c.value for c in turn.commands] == ["Ateneum"]
    assert asked and asked[0].name_contains.lower() == "ateneum"


def test_follow_up_uses_the_found_place_without_a_new_search() -> None:
    asked: list[LandmarkRequest] = []
    p = planner([ATENEUM], asked)
    ctx = Context(here=STATION_SQUARE, speed_mps=0.0, session_id="s")
    p.handle("find the ateneum museum", ctx)
    searches = len(asked)
    turn = p.handle("take me there", ctx)
    assert turn.text.startswith("Navigating to Ateneum, ") and "minute" in turn.text
    assert len(asked) == searches


def test_unknown_position_place_or_route_gives_the_plain_answer() -> None:
    asked: list[LandmarkRequest] = []
    p = planner([ATENEUM, TAMPERE], asked)
    assert p.handle("take me to Ateneum", Context(speed_mps=0.0)).text == (
        "Navigating to Ateneum.")
    assert p.handle("take me to Narnia", Context(here=STATION_SQUARE, speed_mps=0.0)
                    ).text == "Navigating to Narnia."
    # far outside the bundled street graph: no route, the command still goes out
    far = p.handle("take me to Tampere Hall", Context(here=STATION_SQUARE, speed_mps=0.0))
    assert far.text == "Navigating to Tampere Hall." and far.commands
