"""Import of .osm XML, GeoJSON and .osm.pbf; a bad file leaves the old database usable."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from landmark_helpers import feature, quiet, write_geojson

from cockpit_ai.cli import main
from cockpit_ai.landmark import ATTRIBUTION, LandmarkError
from cockpit_ai.landmark.osm_import import import_files
from cockpit_ai.landmark.store import PoiStore

OSM_XML = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
  <node id="1" lat="60.1700" lon="24.9400">
    <tag k="amenity" v="restaurant"/><tag k="name" v="Kasvis"/><tag k="name:en" v="Veggie"/>
    <tag k="name:zh" v="素食"/><tag k="cuisine" v="indian;vegan"/><tag k="diet:vegan" v="only"/>
    <tag k="diet:vegetarian" v="yes"/><tag k="diet:halal" v="no"/>
    <tag k="opening_hours" v="Mo-Su 11:00-22:00"/><tag k="wheelchair" v="yes"/>
    <tag k="fixme" v="not kept"/>
  </node>
  <node id="2" lat="60.1701" lon="24.9401"><tag k="amenity" v="bench"/></node>
  <node id="3" lat="60.1702" lon="24.9402"><tag k="amenity" v="parking"/></node>
  <node id="4" lat="60.1703" lon="24.9403"><tag k="amenity" v="restaurant"/></node>
  <node id="5" lat="60.1704" lon="24.9404"><tag k="highway" v="rest_area"/></node>
  <node id="6" lat="60.1705" lon="24.9405"><tag k="highway" v="traffic_signals"/></node>
  <node id="10" lat="60.1710" lon="24.9410"/>
  <node id="11" lat="60.1710" lon="24.9430"/>
  <node id="12" lat="60.1730" lon="24.9430"/>
  <node id="13" lat="60.1730" lon="24.9410"/>
  <node id="20" lat="60.1800" lon="24.9500"/>
  <node id="21" lat="60.1800" lon="24.9520"/>
  <node id="22" lat="60.1820" lon="24.9520"/>
  <node id="23" lat="60.1820" lon="24.9500"/>
  <way id="100">
    <nd ref="10"/><nd ref="11"/><nd ref="12"/><nd ref="13"/><nd ref="10"/>
    <tag k="building" v="church"/><tag k="name" v="Kirkko"/><tag k="wikidata" v="Q1"/>
  </way>
  <way id="101">
    <nd ref="20"/><nd ref="21"/><nd ref="22"/><nd ref="23"/><nd ref="20"/>
  </way>
  <relation id="200">
    <member type="way" ref="101" role="outer"/>
    <tag k="type" v="multipolygon"/><tag k="tourism" v="museum"/><tag k="name" v="Museo"/>
    <tag k="historic" v="building"/>
  </relation>
</osm>
"""


def rows(db: Path) -> dict[str, dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    out = {r["osm_id"]: dict(r) for r in conn.execute("SELECT * FROM poi JOIN poi_tags USING (id)")}
    entries = conn.execute("SELECT count(*) FROM poi_rtree").fetchone()[0]
    conn.close()
    # one index entry per category (and per category and diet), one more if notable
    assert entries == sum(
        r["categories"].count("=") * (1 + r["diets"].count("|") - bool(r["diets"]))
        + (r["prominence"] >= 0.5)
        for r in out.values()
    )
    return out


def test_osm_xml_nodes_way_centres_and_multipolygons(tmp_path: Path) -> None:
    src = tmp_path / "small.osm"
    src.write_text(OSM_XML, encoding="utf-8")
    db = tmp_path / "poi.sqlite"
    report = import_files([src], db, log=quiet)
    got = rows(db)
    # a bench, traffic lights and an unnamed restaurant are dropped; unnamed parking and a
    # rest area (where a tired driver can stop) are kept
    assert set(got) == {"node/1", "node/3", "node/5", "way/100", "relation/200"}
    assert report.pois == 5
    assert (got["node/5"]["category_key"], got["node/5"]["category"]) == ("highway", "rest_area")
    kasvis = got["node/1"]
    assert (kasvis["category"], kasvis["category_key"]) == ("restaurant", "amenity")
    assert kasvis["diets"] == "|vegan|vegetarian|"  # halal=no is not a diet offered
    assert kasvis["cuisine"] == "|indian|vegan|"
    assert kasvis["name_en"] == "Veggie"
    tags = json.loads(kasvis["tags"])
    assert tags["name:zh"] == "素食" and tags["wheelchair"] == "yes"
    assert tags["diet:halal"] == "no" and "fixme" not in tags
    church = got["way/100"]
    assert church["lat"] == pytest.approx(60.1720) and church["lon"] == pytest.approx(24.9420)
    assert church["wikidata"] == "Q1" and church["prominence"] >= 0.5
    museum = got["relation/200"]
    assert museum["lat"] == pytest.approx(60.1810) and museum["lon"] == pytest.approx(24.9510)
    assert museum["categories"] == "|tourism=museum|historic=building|"
    meta = PoiStore(db).meta
    assert meta["attribution"] == ATTRIBUTION
    assert json.loads(meta["sources"])[0]["file"] == "small.osm"


def test_geojson_points_and_polygons(tmp_path: Path) -> None:
    polygon = {
        "type": "Feature",
        "properties": {"@id": "way/7", "tourism": "attraction", "name": "Tower",
                       "man_made": "tower", "wikidata": "Q7"},
        "geometry": {"type": "Polygon", "coordinates": [[[24.0, 60.0], [24.002, 60.0],
                     [24.002, 60.002], [24.0, 60.002], [24.0, 60.0]]]},
    }  # fmt: skip
    features = [
        feature(60.1, 24.1, "node/5", amenity="cafe", name="Kahvila", **{"diet:vegan": "yes"}),
        feature(60.1, 24.1, "node/6", highway="street_lamp", name="Not a POI"),
        # stops are places: "is that a bus stop?" asks the map too
        feature(60.1, 24.1, "node/8", highway="bus_stop", name="Kaivokatu"),
        feature(60.1, 24.1, "node/9", railway="tram_stop", name="Ylioppilastalo"),
        polygon,
        {"type": "Feature", "geometry": None, "properties": {"amenity": "cafe", "name": "X"}},
    ]
    src = write_geojson(tmp_path / "pois.geojson", features)
    db = tmp_path / "poi.sqlite"
    import_files([src], db, log=quiet)
    got = rows(db)
    assert set(got) == {"node/5", "way/7", "node/8", "node/9"}
    assert (got["node/8"]["category"], got["node/9"]["category"]) == ("bus_stop", "tram_stop")
    assert got["way/7"]["lat"] == pytest.approx(60.001)
    assert got["way/7"]["lon"] == pytest.approx(24.001)
    assert got["way/7"]["category"] == "attraction"  # tourism before man_made
    assert got["node/5"]["diets"] == "|vegan|"


def test_pbf_of_real_helsinki(helsinki_db: Path) -> None:
    store = PoiStore(helsinki_db)
    try:
        assert store.count() > 1000
        counts = store.category_counts()
        assert counts["amenity=restaurant"] > 100
        tagged = store.tag_counts(["wikidata", "diet:vegan", "opening_hours", "name:en"])
        assert tagged["wikidata"] > 50 and tagged["diet:vegan"] > 20
        assert tagged["opening_hours"] > 300 and tagged["name:en"] > 50
        assert store.meta["attribution"] == ATTRIBUTION
    finally:
        store.close()
    kinds = {osm_id.split("/")[0] for osm_id in rows(helsinki_db)}
    assert kinds == {"node", "way", "relation"}


def test_reimport_replaces_and_duplicates_count_once(tmp_path: Path) -> None:
    a = write_geojson(tmp_path / "a.geojson", [
        feature(60.0, 24.0, "node/1", amenity="cafe", name="A")])  # fmt: skip
    b = write_geojson(tmp_path / "b.geojson", [
        feature(60.0, 24.0, "node/1", amenity="cafe", name="A"),
        feature(60.1, 24.1, "node/2", amenity="fuel")])  # fmt: skip
    db = tmp_path / "poi.sqlite"
    import_files([a], db, log=quiet)
    report = import_files([a, b], db, log=quiet)
    assert set(rows(db)) == {"node/1", "node/2"} and report.duplicates == 1
    import_files([b], db, log=quiet)
    assert set(rows(db)) == {"node/1", "node/2"}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.osm.pbf", b"\x00\x00\x00\x0dnot a pbf at all" * 40, "not a valid OSM PBF"),
        ("broken.osm", b'<osm version="0.6"><node id="1" lat="1" lon="2"><tag k=', "OSM XML"),
        ("broken.geojson", b'{"type": "FeatureCollection", "features": [', "not valid JSON"),
        ("wrong.geojson", b'{"type": "Topology"}', "not a GeoJSON FeatureCollection"),
        ("badgeom.geojson",
         b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
         b'"geometry":{"type":"Point","coordinates":[200,95]}}]}', r"features\[0\] has a bad"),
    ],
)  # fmt: skip
def test_malformed_file_is_rejected_and_old_database_kept(
    tmp_path: Path,
    name: str,
    content: bytes,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = write_geojson(tmp_path / "good.geojson", [
        feature(60.0, 24.0, "node/1", amenity="cafe", name="Still here")])  # fmt: skip
    db = tmp_path / "poi.sqlite"
    import_files([good], db, log=quiet)
    before = db.read_bytes()
    bad = tmp_path / name
    bad.write_bytes(content)
    with pytest.raises(LandmarkError, match=message) as err:
        import_files([good, bad], db, log=quiet)  # good first: all or nothing
    assert str(bad) in str(err.value)
    assert db.read_bytes() == before
    assert set(rows(db)) == {"node/1"}
    assert [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name] == []
    # the command line says the same in one line, without a traceback
    assert main(["poi", "import", str(bad), "--db", str(db)]) == 1
    err_text = capsys.readouterr().err
    assert str(bad) in err_text and "Traceback" not in err_text and "left unchanged" in err_text
    assert db.read_bytes() == before


def test_missing_and_unknown_files(tmp_path: Path) -> None:
    with pytest.raises(LandmarkError, match="no such file"):
        import_files([tmp_path / "nope.osm"], tmp_path / "db.sqlite", log=quiet)
    odd = tmp_path / "pois.csv"
    odd.write_text("a,b\n")
    with pytest.raises(LandmarkError, match="unknown file type"):
        import_files([odd], tmp_path / "db.sqlite", log=quiet)
    assert not (tmp_path / "db.sqlite").exists()
