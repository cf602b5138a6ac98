"""Redaction, text-only cloud messages, coarse positions and the audit log."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from cockpit_ai.planner.errors import PlannerError
from cockpit_ai.planner.privacy import AuditLog, Redactor, coarsen, text_only


def test_redacts_contacts_plates_and_positions() -> None:
    r = Redactor(grid_m=1000)
    text = ("Call Anna Virtanen on +358 40 123 4567 or mail anna.virtanen@example.fi; "
            "the car ABC-123 is at 60.169912, 24.938379")
    out = r.redact(text)
    for secret in ("Anna", "Virtanen", "123 4567", "anna.virtanen@example.fi", "ABC-123",
                   "60.169912", "24.938379", "60.1699"):
        assert secret not in out, (secret, out)
    assert "[phone]" in out and "[email]" in out and "[plate]" in out and "[name]" in out
    assert "60.17, 24.94" in out  # 0.01 degrees: about 1 km
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


def test_audit_log_records_and_expires(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    log.record(url="http://x/v1/chat/completions", body=b'{"a": 1}', outcome="ok")
    entry = json.loads((tmp_path / "audit.jsonl").read_text().splitlines()[0])
    assert entry["body"] == '{"a": 1}' and entry["outcome"] == "ok"
    time.sleep(0.05)
    assert log.expire(max_age_s=0.01) == 1
    assert (tmp_path / "audit.jsonl").read_text() == ""
