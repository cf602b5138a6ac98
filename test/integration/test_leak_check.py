"""The leak check (issue 15 item 4): every byte the planner sent to the cloud during the
demo drive with the cloud on (the session's one-host run: test/integration/conftest.py
points the planner at a capture endpoint on 127.0.0.1, the driver consented).

The drive's own questions are answered by the router; after the drive, with the stack
still up, questions that need a model reach the cloud with the drive's dialogue in their
context (the restaurants found, the answers given), one of them full of personal data. The
check: requests arrived and carry that context, and nothing in them is finer than the
1 km grid, names a place or street within 1 km of the drive, or names the driver's
contact, phone, e-mail or plate.
"""

from __future__ import annotations

import json

import pytest

from cockpit_ai.privacy.capture import check_capture, demo_track, near_places, near_streets

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PERSONAL = {"persons": ["Anna Virtanen", "Virtanen"], "phones": ["040 123 4567"],
            "emails": ["anna.virtanen@example.fi"], "plates": ["ABC-123"]}


@pytest.fixture(scope="module")
def cloud(one_host_demo: dict) -> dict:
    return one_host_demo["cloud"]


def test_the_cloud_got_questions_with_the_drives_context(cloud: dict,
                                                         one_host_demo: dict) -> None:
    questions = [a["question"] for a in cloud["asked"]]
    chats = [r for r in cloud["requests"] if r.method == "POST"]
    assert len(chats) >= len(questions), [r.path for r in cloud["requests"]]
    assert len(questions) == 4 and [a["backend"] for a in cloud["asked"]] == ["cloud"] * 4, \
        cloud["asked"]
    said = [json.dumps(r.payload().get("messages"), ensure_ascii=False) for r in chats]
    for q in questions[:3]:
        assert any(q in s for s in said), q
    # the drive's dialogue: its questions as heard, and the places found, coarsened
    heard = [t["question"] for t in one_host_demo["summary"]["turns"]]
    assert any(h in s for h in heard for s in said), heard
    assert any("Earlier results: 1. " in s for s in said)
    assert any("within 1 km" in s for s in said)
    assert "[phone]" in said[-1] and "[email]" in said[-1] and "[plate]" in said[-1]
    audit = (cloud["folder"] / "cloud-audit.jsonl").read_text().splitlines()
    assert [json.loads(ln)["body"] for ln in audit] == [r.body.decode() for r in chats]


def test_nothing_precise_or_personal_left_the_car(cloud: dict) -> None:
    track = demo_track()
    places, streets = near_places(track), near_streets(track)
    assert len(places) > 500 and "Kaivokatu" in streets  # the check knows the area
    leaks = check_capture(cloud["requests"], grid_m=1000.0, near_places=places,
                          streets=streets, **PERSONAL)
    assert not leaks, "\n".join(str(leak) for leak in leaks[:40])
