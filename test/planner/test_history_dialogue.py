"""Trip history (route habits) and dialogue memory with expiry."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from cockpit_ai.planner.dialogue import DialogueStore, build_messages, system_prompt
from cockpit_ai.planner.history import TripHistory
from cockpit_ai.planner.tools import ToolCall

HOME = (60.1699, 24.9384)


def test_usual_destination_from_past_trips(tmp_path: Path) -> None:
    h = TripHistory(tmp_path / "trips.sqlite", retention_days=90)
    monday = datetime(2026, 11, 23, 7, 55)
    for week in range(3):
        h.record(started_at=monday - timedelta(days=7 * week), destination="Office",
                 origin=HOME)
    h.record(started_at=monday - timedelta(days=1, hours=-10), destination="Gym", origin=HOME)
    s = h.usual_destination(now=datetime(2026, 11, 30, 8, 10), origin=HOME)
    assert s is not None and s.destination == "Office" and s.trips == 3
    assert h.usual_destination(now=datetime(2026, 11, 29, 8, 10), origin=HOME) is None  # Sunday
    assert h.usual_destination(now=datetime(2026, 11, 30, 8, 10), origin=(61.5, 23.8)) is None


def test_old_trips_expire(tmp_path: Path) -> None:
    h = TripHistory(tmp_path / "trips.sqlite", retention_days=30)
    h.record(started_at=datetime.now() - timedelta(days=45), destination="Old", origin=HOME)
    h.record(started_at=datetime.now() - timedelta(days=2), destination="New", origin=HOME)
    assert [t.destination_name for t in h.store.list()] == ["New"]


def test_sessions_remember_and_expire() -> None:
    store = DialogueStore(ttl_s=60, max_turns=2)
    s = store.get("cabin")
    for i in range(3):
        s.remember(f"q{i}", ToolCall("chat", {"reply": f"a{i}"}), f"a{i}")
    assert [e.user for e in s.exchanges] == ["q1", "q2"]
    assert store.get("cabin") is s
    assert store.expire(now=s.updated + 61) == 1 and len(store) == 0


def test_prompt_prefix_is_fixed_and_brand_driven() -> None:
    store = DialogueStore()
    system = system_prompt({"name": "Aurora", "tone": "formal"})
    assert "Aurora" in system and "formal" in system and "never operate steering" in system
    a = build_messages(system, store.get("a"), "hello", ["Time: Sat 10:00"])
    s = store.get("b")
    s.remember("find a cafe", ToolCall("chat", {"reply": "x"}), "x")
    b = build_messages(system, s, "how far is it", ["Time: Sat 10:01"])
    assert a[0] == b[0]  # same system message: stays in llama.cpp's prompt cache
    assert b[-1]["content"].endswith("User: how far is it")
