"""Redaction, text-only cloud messages, coarse positions and the audit log."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from cockpit_ai.planner.errors import PlannerError
from cockpit_ai.planner.privacy import (
    AuditLog,
    CloudView,
    Redactor,
    Surroundings,
    coarse_distance,
    coarsen,
    text_only,
)


def test_redacts_contacts_plates_and_positions() -> None:
    r = Redactor(grid_m=1000)
    text = ("Call Anna Virtanen on +358 40 123 4567 or mail anna.virtanen@example.fi; "
            "the car ABC-123 is at 60.169912, 24.938379")
    out = r.redact(text)
    for secret in ("Anna", "Virtanen", "123 4567", "anna.virtanen@example.fi", "ABC-123",
                   "60.169912", "24.938379", "60.1699"):
        assert secret not in out, (secret, out)
    assert "[phone]" in out and "[email]" in out and "[plate]" in out and "[name]" in out
    # a latitude/longitude pair: the centre of its 1 km cell, which snaps to itself
    lat, lon = coarsen(60.17, 24.94, grid_m=1000)
    assert f"{lat:.3f}, {lon:.3f}" in out and coarsen(lat, lon, grid_m=1000) == (lat, lon)
    assert "lat 60.17 " in r.redact("lat 60.169912 alone")  # a lone one: 0.01 degree
    titled = r.redact("Meet Dr. Korhonen on 12.5.2026, or ring 040-1234567")
    assert "Korhonen" not in titled and "1234567" not in titled and "12.5.2026" in titled
    # A name learned once is redacted later without a cue.
    assert "Anna" not in r.redact("is Anna there yet?")


def test_keeps_ordinary_text() -> None:
    r = Redactor()
    text = "Set the temperature to 21 degrees and find a vegan cafe in Helsinki."
    assert r.redact(text) == text


def test_coarsen_moves_at_most_half_a_cell() -> None:
    lat, lon = coarsen(60.169912, 24.938379, grid_m=1000)
    assert abs(lat - 60.169912) * 111_320 < 800 and abs(lon - 24.938379) * 55_500 < 800
    assert (lat, lon) != (60.169912, 24.938379)
    assert coarsen(60.1701, 24.9390, grid_m=1000) == (lat, lon)  # same cell, same answer


def test_only_text_goes_to_the_cloud() -> None:
    image = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]
    with pytest.raises(PlannerError, match="only text"):
        text_only(image)
    assert text_only([{"role": "user", "content": "hi"}]) == [{"role": "user", "content": "hi"}]


def test_cloud_view_names_near_places_by_category_and_coarsens_distances() -> None:
    view = CloudView(grid_m=1000)
    view.add_place("Ateneum", "museum")
    view.streets.add("Kaivokatu")
    out = view.text("1. Ateneum (museum, 40 m); 2. Kiasma (museum, 2.3 km); ATENEUM is "
                    "350 metres away on Kaivokatu, 1,4 kilometres to go")
    assert out == ("1. [museum] (museum, within 1 km); 2. Kiasma (museum, about 2 km); "
                   "[museum] is within 1 km away on [street], about 1 km to go")
    assert view.text(out) == out  # coarse text stays as it is
    # a tool call in the history keeps its keys and tool name
    call = view.message("assistant", '{"tool": "vehicle", "function": "navigation", '
                        '"value": "Ateneum"}')
    assert json.loads(call) == {"tool": "vehicle", "function": "navigation",
                                "value": "[museum]"}
    assert coarse_distance(999, grid_m=1000) == "within 1 km"
    assert coarse_distance(2600, grid_m=1000) == "about 3 km"
    assert coarse_distance(40, grid_m=500) == "within 500 m"


def test_surroundings_from_the_bundled_database_and_streets() -> None:
    """Around the railway station (Kaivokatu) every named place within 1 km counts as
    near: Ateneum (≈ 150 m) is, Kiasma (≈ 400 m) is, the Olympic Stadium (≈ 3 km) is
    not; the streets there are known too. A place the dialogue found far away keeps its
    name; with no position known, every place found counts as near."""
    from cockpit_ai.landmark.query import default_db
    from cockpit_ai.planner.tools import Place

    here = (60.17005, 24.9430)
    around = Surroundings(grid_m=1000, poi_db=default_db(), streets=True)
    view = around.view(here)
    near = {n.casefold() for n in view.near}
    assert "ateneum" in near and "kiasma" in near
    assert not any("olympic stadium" in n or "olympiastadion" in n for n in near)
    assert {"Kaivokatu", "Keskuskatu", "Mannerheimintie"} <= view.streets
    far = Place("Somewhere Far", "tourism=attraction", 5000.0,
                latitude_deg=60.2100, longitude_deg=24.9430)
    close = Place("Tiny Cafe", "amenity=cafe", 80.0, latitude_deg=60.1705,
                  longitude_deg=24.9432)
    found = Surroundings(grid_m=1000).view(here, [far, close])
    assert found.near == {"Tiny Cafe": "cafe"}
    assert Surroundings(grid_m=1000).view(None, [far, close]).near == {
        "Somewhere Far": "attraction", "Tiny Cafe": "cafe"}


def test_edge_keeps_precise_context_the_cloud_body_is_coarse() -> None:
    """The same dialogue: the local model's messages say '"Ateneum" (museum, 40 m)' (the
    name quoted as data), the cloud's body says '"[museum]" (museum, within 1 km)'."""
    from cockpit_ai.planner.backends import CloudBackend, CloudSettings
    from cockpit_ai.planner.dialogue import Session, build_chat_messages, build_messages
    from cockpit_ai.planner.tools import Place

    session = Session("cabin")
    session.places = [Place("Ateneum", "tourism=museum", 40.0, latitude_deg=60.1703,
                            longitude_deg=24.9440)]
    session.remember("what is that on my right", None, "On the right is Ateneum (museum), "
                     "40 metres away.")
    tool = build_messages("system", session, "how far is it", [])
    chat = build_chat_messages("system", session, "tell me about it", [])
    assert '"Ateneum" (museum, 40 m)' in tool[-1]["content"]
    assert "Ateneum (museum), 40 metres" in json.dumps(chat)
    view = Surroundings(grid_m=1000).view((60.17005, 24.9430), session.places)
    cloud = CloudBackend(CloudSettings(base_url="http://127.0.0.1:9/v1"))
    body = (cloud.body(tool, schema=None, view=view)
            + cloud.body(chat, schema=None, view=view)).decode()
    assert "Ateneum" not in body and "40 m" not in body and "40 metres" not in body
    assert '\\"[museum]\\" (museum, within 1 km)' in body
    assert "On the right is [museum] (museum), within 1 km away." in body


def test_audit_log_records_and_expires(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    log.record(url="http://x/v1/chat/completions", body=b'{"a": 1}', outcome="ok")
    entry = json.loads((tmp_path / "audit.jsonl").read_text().splitlines()[0])
    assert entry["body"] == '{"a": 1}' and entry["outcome"] == "ok"
    time.sleep(0.05)
    assert log.expire(max_age_s=0.01) == 1
    assert (tmp_path / "audit.jsonl").read_text() == ""
