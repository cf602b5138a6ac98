"""GNSS lost and no place search (issue 15): the planner says the position is unknown, or
that it cannot look places up, instead of guessing from where the car was."""

from __future__ import annotations

import pytest

from cockpit_ai.planner.answers import NO_PLACES, POSITION_UNKNOWN, search_failed
from cockpit_ai.planner.errors import LandmarkUnavailable, PlannerError
from cockpit_ai.planner.languages import localise, translate
from cockpit_ai.planner.planner_node import position_then
from cockpit_ai.ros.history import StampedHistory

S = 1_000_000_000  # ns per second
T0 = 1_800_000_000 * S


def drive() -> StampedHistory[tuple[float, float]]:
    """Fixes every second for 20 s, then a 30 s GNSS outage, then 10 s of fixes again."""
    h: StampedHistory[tuple[float, float]] = StampedHistory(120.0)
    for i in range(20):
        h.add(T0 + i * S, (60.17 + i * 1e-4, 24.94))
    for i in range(50, 60):
        h.add(T0 + i * S, (60.18 + i * 1e-4, 24.95))
    return h


def test_the_position_at_a_question_is_a_recent_fix_or_unknown() -> None:
    h = drive()
    fresh = dict(received_age_s=0.5, limit_s=10.0)
    assert position_then(h, T0 + 5 * S + S // 2, **fresh) == (60.17 + 5e-4, 24.94)
    assert position_then(h, T0 + 25 * S, **fresh) == (60.17 + 19e-4, 24.94)  # 6 s old: ok
    # a question in the outage, 16 s after the last fix: unknown, not where the car was
    assert position_then(h, T0 + 35 * S, **fresh) is None
    assert position_then(h, T0 + 55 * S, **fresh) == (60.18 + 55e-4, 24.95)
    # no stamp, or one from another clock: the newest fix, when it is recent
    assert position_then(h, 0, **fresh) == (60.18 + 59e-4, 24.95)
    assert position_then(h, T0 + 9000 * S, **fresh) == (60.18 + 59e-4, 24.95)
    # GNSS lost now (the newest good fix arrived 11 s ago), or never a fix at all
    assert position_then(h, T0 + 59 * S, received_age_s=11.0, limit_s=10.0) is None
    assert position_then(h, 0, received_age_s=None, limit_s=10.0) is None
    assert position_then(StampedHistory(120.0), 0, received_age_s=0.1, limit_s=10.0) is None


def test_the_words() -> None:
    assert search_failed("no_fix") == POSITION_UNKNOWN
    assert search_failed("unavailable") == NO_PLACES == "I can't look up places right now."
    assert "don't know where we are" in POSITION_UNKNOWN
    for text in (NO_PLACES, POSITION_UNKNOWN):  # and in the brands' other language
        german, whole = translate(text, "de")
        assert whole and german != text and localise(text, "de") == german


def test_the_error_says_why() -> None:
    exc = LandmarkUnavailable("no_fix", "position unknown: no usable GNSS fix for 12 s")
    assert isinstance(exc, PlannerError) and exc.reason == "no_fix"
    assert str(exc) == "position unknown: no usable GNSS fix for 12 s"
    assert str(LandmarkUnavailable("unavailable")) == "unavailable"


def test_the_in_process_search_without_a_position_says_no_fix() -> None:
    from cockpit_ai.planner.landmarks import core_search
    from cockpit_ai.planner.tools import LandmarkRequest

    search = core_search(None)
    if search is None:
        pytest.skip("the bundled POI database is installed by `make setup`")
    with pytest.raises(LandmarkUnavailable) as info:
        search(LandmarkRequest(text="find a cafe", categories=["cafe"]))
    assert info.value.reason == "no_fix"


def test_the_planner_says_why_it_cannot_look_places_up() -> None:
    """The landmark node answered NO_FIX / UNAVAILABLE (the planner node raises these), or
    there is no landmark search at all: the driver hears why, never a guess."""
    from cockpit_ai.planner.planner import Planner
    from cockpit_ai.planner.tools import LandmarkRequest, Place

    def no_fix(req: LandmarkRequest) -> list[Place]:
        raise LandmarkUnavailable("no_fix", "position unknown: no usable GNSS fix for 12 s")

    def no_database(req: LandmarkRequest) -> list[Place]:
        raise LandmarkUnavailable("unavailable", "POI database unavailable: not found")

    for search, words in ((no_fix, POSITION_UNKNOWN), (no_database, NO_PLACES)):
        p = Planner(landmark_search=search, config={"fast_only": True})
        for question in ("Find me a vegetarian restaurant that is open now.",
                         "What is that landmark on my right?"):
            turn = p.handle(question)
            assert turn.text == words, (question, turn.text)
            assert turn.search_failure and turn.landmark_queries and not turn.places
    assert Planner(config={"fast_only": True}).handle("find a cafe").text == NO_PLACES
    # and in German for a German brand
    from cockpit_ai.brand import load_brand

    brand = {**load_brand("qwen").planner_brand(), "language": "de"}
    german = Planner(landmark_search=no_fix, config={"fast_only": True, "brand": brand})
    assert german.handle("find a cafe").text == localise(POSITION_UNKNOWN, "de")
