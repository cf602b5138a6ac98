"""Filters, sides and ranking of LandmarkFinder, on small made-up data and on real Helsinki."""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from geographiclib.geodesic import Geodesic
from landmark_helpers import feature

from cockpit_ai.cli import main
from cockpit_ai.landmark import LandmarkError
from cockpit_ai.landmark.geometry import Side
from cockpit_ai.landmark.hours import parse_time
from cockpit_ai.landmark.query import LandmarkFinder, PoiQuery

G = Geodesic.WGS84
CAR = (60.1700, 24.9400)
AT = parse_time("2026-11-28T16:00:00Z")  # Saturday 18:00 in Helsinki


def at(azimuth: float, distance: float, origin: tuple[float, float] = CAR) -> tuple[float, float]:
    g = G.Direct(origin[0], origin[1], azimuth, distance)
    return g["lat2"], g["lon2"]


def q(**kw: object) -> PoiQuery:
    base: dict[str, object] = {"lat": CAR[0], "lon": CAR[1], "heading_deg": 0.0, "at": AT}
    base.update(kw)
    return PoiQuery(**base)  # type: ignore[arg-type]


@pytest.fixture
def diet_db(make_db: Callable[..., Path]) -> Path:
    r = "restaurant"
    return make_db([
        feature(*at(10, 100), "node/1", amenity=r, name="Vegan Only", **{"diet:vegan": "only"}),
        feature(*at(20, 120), "node/2", amenity=r, name="Veg Yes", **{"diet:vegan": "yes",
                "diet:vegetarian": "yes", "diet:gluten_free": "yes", "cuisine": "pizza;italian"}),
        feature(*at(30, 140), "node/3", amenity=r, name="No Vegan", **{"diet:vegan": "no",
                "cuisine": "pizza"}),
        feature(*at(40, 160), "node/4", amenity=r, name="Untagged"),
        feature(*at(50, 180), "node/5", amenity="cafe", name="Cafe Vegan",
                **{"diet:vegan": "yes", "opening_hours": "Mo-Su 08:00-16:00"}),
        feature(*at(60, 200), "node/6", amenity="fuel", name="Fuel",
                **{"opening_hours": "24/7"}),
        feature(*at(70, 220), "node/7", historic="memorial", name="Memorial"),
    ])  # fmt: skip


def names(results: list) -> list[str]:
    return [r.name for r in results]


def test_diet_filter_counts_yes_and_only_and_excludes_no(diet_db: Path) -> None:
    with LandmarkFinder(diet_db) as finder:
        vegan = finder.query(q(diets=("vegan",), radius_m=1000))
        assert set(names(vegan)) == {"Vegan Only", "Veg Yes", "Cafe Vegan"}
        both = finder.query(q(diets=("vegan", "Gluten-Free"), radius_m=1000))
        assert names(both) == ["Veg Yes"]
        restaurants = finder.query(q(diets=("diet:vegan",), categories=("restaurant",)))
        assert set(names(restaurants)) == {"Vegan Only", "Veg Yes"}


def test_cuisine_category_and_name_filters(diet_db: Path) -> None:
    with LandmarkFinder(diet_db) as finder:
        assert set(names(finder.query(q(cuisine="pizza")))) == {"Veg Yes", "No Vegan"}
        assert names(finder.query(q(cuisine="Italian"))) == ["Veg Yes"]
        assert set(names(finder.query(q(categories=("cafe", "fuel"))))) == {"Cafe Vegan", "Fuel"}
        assert names(finder.query(q(categories=("amenity=fuel",)))) == ["Fuel"]
        assert names(finder.query(q(categories=("historic",)))) == ["Memorial"]  # a key
        assert names(finder.query(q(name_contains="UNTAG"))) == ["Untagged"]


def test_open_now_uses_the_given_moment_and_skips_unknown(diet_db: Path) -> None:
    with LandmarkFinder(diet_db) as finder:
        everything = {r.name: r.open for r in finder.query(q(radius_m=1000, limit=20))}
        assert everything["Cafe Vegan"] is False  # 18:00 local, closes 16:00
        assert everything["Fuel"] is True and everything["Untagged"] is None
        assert names(finder.query(q(open_now=True))) == ["Fuel"]
        morning = q(open_now=True, at=parse_time("2026-11-28T09:00:00+02:00"))
        assert set(names(finder.query(morning))) == {"Fuel", "Cafe Vegan"}


def test_right_prefers_abeam_and_close_over_merely_east(make_db: Callable[..., Path]) -> None:
    art = {"tourism": "artwork"}
    db = make_db([
        feature(*at(90, 80), "node/1", name="Abeam close", **art),
        feature(*at(35, 90), "node/2", name="Forward right", **art),
        feature(*at(90, 400), "node/3", name="Abeam far", **art),
        feature(*at(145, 85), "node/4", name="Behind right", **art),
        feature(*at(270, 50), "node/5", name="Left", **art),
        feature(*at(5, 60), "node/6", name="Ahead", **art),
    ])  # fmt: skip
    with LandmarkFinder(db) as finder:
        right = finder.query(q(side=Side.RIGHT))
        assert names(right)[0] == "Abeam close"
        assert set(names(right)) == {"Abeam close", "Forward right", "Abeam far", "Behind right"}
        assert all(r.side is Side.RIGHT and 30 < r.relative_bearing_deg < 150 for r in right)
        # being ahead beats being behind at the same distance and angle off the beam
        assert names(right).index("Forward right") < names(right).index("Behind right")
        # heading east, the same due-east places are ahead, not right
        east = finder.query(q(heading_deg=90.0, side=Side.RIGHT))
        assert "Abeam close" not in names(east) and "Ahead" not in names(east)
        assert names(finder.query(q(side=Side.LEFT))) == ["Left"]
        assert names(finder.query(q(heading_deg=180.0, side=Side.LEFT)))[0] == "Abeam close"


def test_across_the_antimeridian_and_near_the_pole(make_db: Callable[..., Path]) -> None:
    fiji = (-16.8, 179.9995)
    pole = (89.9995, 0.0)
    db = make_db([
        feature(*at(90, 150, fiji), "node/1", amenity="fuel", name="East of 180"),
        feature(*at(270, 150, fiji), "node/2", amenity="fuel", name="West of 180"),
        feature(*at(0, 100, pole), "node/3", tourism="viewpoint", name="Beyond the pole"),
    ])  # fmt: skip
    with LandmarkFinder(db) as finder:
        east = finder.query(q(lat=fiji[0], lon=fiji[1], side=Side.RIGHT, radius_m=300))
        assert names(east) == ["East of 180"] and east[0].lon < 0
        assert east[0].distance_m == pytest.approx(150.0, abs=0.01)
        assert names(finder.query(q(lat=fiji[0], lon=fiji[1], side=Side.LEFT))) == ["West of 180"]
        polar = finder.query(q(lat=pole[0], lon=pole[1], side=Side.AHEAD, radius_m=300))
        assert names(polar) == ["Beyond the pole"]
        assert polar[0].distance_m == pytest.approx(100.0, abs=0.01)


def test_bad_queries_say_what_is_wrong(diet_db: Path, tmp_path: Path) -> None:
    with LandmarkFinder(diet_db) as finder:
        with pytest.raises(LandmarkError, match="needs a heading"):
            finder.query(q(heading_deg=None, side=Side.RIGHT))
        with pytest.raises(LandmarkError, match="latitude"):
            finder.query(q(lat=float("nan")))
        with pytest.raises(LandmarkError, match="radius"):
            finder.query(q(radius_m=-5))
        unknown_heading = finder.query(q(heading_deg=None, radius_m=1000))
        assert unknown_heading and all(r.side is None for r in unknown_heading)
    with pytest.raises(LandmarkError, match="make setup"):
        LandmarkFinder(tmp_path / "missing.sqlite")
    not_db = tmp_path / "junk.sqlite"
    not_db.write_text("hello")
    with pytest.raises(LandmarkError, match="not a cockpit_ai POI database"):
        LandmarkFinder(not_db)


# --------------------------------------------------------------- real Helsinki data


def street_position(pbf: Path) -> tuple[float, float, float]:
    """Start of a one-way segment of Mannerheimintie and its direction of travel."""
    import osmium

    for way in osmium.FileProcessor(str(pbf)).with_locations():
        if way.is_way() and way.id == 45150439:  # Mannerheimintie by Lasipalatsi, one-way
            assert way.tags["name"] == "Mannerheimintie" and way.tags["oneway"] == "yes"
            a, b = way.nodes[0].location, way.nodes[-1].location
            g = G.Inverse(a.lat, a.lon, b.lat, b.lon)
            return a.lat, a.lon, g["azi1"] % 360.0
    raise AssertionError("way 45150439 not in the Helsinki extract")


def scan(db: Path, lat: float, lon: float, radius: float) -> list[tuple[dict, float, float]]:
    """Every POI within radius by a linear scan (no R*Tree), with distance and azimuth."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    out = []
    for row in conn.execute("SELECT * FROM poi JOIN poi_tags USING (id)"):
        g = G.Inverse(lat, lon, row["lat"], row["lon"])
        if g["s12"] <= radius:
            out.append((dict(row), g["s12"], g["azi1"]))
    conn.close()
    return out


def test_helsinki_restaurants_with_diet_tags(helsinki_pbf: Path, helsinki_db: Path) -> None:
    lat, lon, heading = street_position(helsinki_pbf)
    expected = {
        row["osm_id"] for row, _, _ in scan(helsinki_db, lat, lon, 400.0)
        if row["category"] == "restaurant"
        and json.loads(row["tags"]).get("diet:vegetarian") in ("yes", "only")
    }  # fmt: skip
    assert len(expected) >= 3
    with LandmarkFinder(helsinki_db) as finder:
        found = finder.query(PoiQuery(lat=lat, lon=lon, heading_deg=heading, at=AT,
                                      radius_m=400.0, categories=("restaurant",),
                                      diets=("vegetarian",), limit=100))  # fmt: skip
    assert {r.id for r in found} == expected
    for r in found:
        assert r.name and r.tags["diet:vegetarian"] in ("yes", "only")
        assert "vegetarian" in r.diets and r.distance_m <= 400.0


def test_helsinki_landmarks_on_the_expected_side(helsinki_pbf: Path, helsinki_db: Path) -> None:
    lat, lon, heading = street_position(helsinki_pbf)
    radius = 300.0

    def expected_on(side_centre: float, heading_deg: float) -> set[str]:
        out = set()
        for row, _, azimuth in scan(helsinki_db, lat, lon, radius):
            rel = math.remainder(azimuth - heading_deg, 360.0)
            if row["wikidata"] and abs(rel - side_centre) < 60.0:  # default sectors: 30..150
                out.add(row["wikidata"])
        return out

    right = expected_on(90.0, heading)
    left = expected_on(-90.0, heading)
    assert len(right) >= 3 and len(left) >= 3 and not right & left
    with LandmarkFinder(helsinki_db) as finder:

        def ask(side: Side, heading_deg: float) -> list:
            return finder.query(PoiQuery(lat=lat, lon=lon, heading_deg=heading_deg, at=AT,
                                         side=side, radius_m=radius, min_prominence=0.5,
                                         limit=200))  # fmt: skip

        on_right = ask(Side.RIGHT, heading)
        assert {r.wikidata for r in on_right if r.wikidata} == right
        assert all(r.side is Side.RIGHT for r in on_right)
        assert {r.wikidata for r in ask(Side.LEFT, heading) if r.wikidata} == left
        # turned around, what was on the right is on the left
        turned = (heading + 180.0) % 360.0
        assert {r.wikidata for r in ask(Side.LEFT, turned) if r.wikidata} == right


def test_cli_query_json_contract(
    helsinki_db: Path, helsinki_pbf: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lat, lon, heading = street_position(helsinki_pbf)
    code = main(["poi", "query", "--db", str(helsinki_db), "--lat", str(lat), "--lon", str(lon),
                 "--heading", str(heading), "--side", "left", "--radius", "400",
                 "--category", "restaurant,cafe", "--diet", "vegan",
                 "--at", "2026-11-28T16:00:00Z", "--limit", "5", "--json"])  # fmt: skip
    assert code == 0
    items = json.loads(capsys.readouterr().out)
    assert 1 <= len(items) <= 5
    for item in items:
        for key in ("name", "category", "lat", "lon", "distance_m", "bearing_deg", "side",
                    "open", "tags"):  # fmt: skip
            assert key in item
        assert item["side"] == "left" and item["category"] in ("restaurant", "cafe")
        assert item["open"] in (True, False, None) and item["tags"]["diet:vegan"] in ("yes", "only")
    assert main(["poi", "query", "--db", str(helsinki_db), "--lat", "60.17", "--lon", "24.94",
                 "--heading", "0", "--at", "2026-11-28 18:00"]) == 1  # fmt: skip
    assert "no UTC offset" in capsys.readouterr().err
    assert main(["poi", "info", "--db", str(helsinki_db)]) == 0
    assert "© OpenStreetMap contributors, ODbL 1.0" in capsys.readouterr().out


def test_pruned_answers_equal_solving_every_candidate(helsinki_db: Path) -> None:
    import random

    rng = random.Random(11)
    filters = [
        {}, {"categories": ("restaurant",)}, {"diets": ("vegan",)}, {"min_prominence": 0.5},
        {"categories": ("cafe", "restaurant"), "open_now": True}, {"categories": ("historic",)},
    ]  # fmt: skip
    with LandmarkFinder(helsinki_db) as finder:
        for i in range(24):
            query = PoiQuery(
                lat=rng.uniform(60.164, 60.179), lon=rng.uniform(24.935, 24.953),
                heading_deg=rng.choice([None, rng.uniform(0, 360)]), at=AT,
                radius_m=rng.choice([100.0, 300.0, 800.0]), limit=rng.choice([1, 3, 10]),
                **filters[i % len(filters)],
            )  # fmt: skip
            if query.heading_deg is not None and i % 2:
                query = PoiQuery(**{**query.__dict__, "side": rng.choice(list(Side))})
            fast = finder.query(query)
            full = finder.query(query, use_index=False)
            assert [(r.id, r.score) for r in fast] == [(r.id, r.score) for r in full]
