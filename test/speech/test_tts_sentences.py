"""Streamed answers in whole sentences (plain Python): the planner's cut of the answer so
far, and the TTS ledger that says each sentence once and never drops the final."""

from __future__ import annotations

from cockpit_ai.speech.sentences import (
    PartialCutter,
    SpokenLedger,
    complete_prefix,
    split_sentences,
)


def test_complete_prefix_cuts_at_the_last_whole_sentence() -> None:
    assert complete_prefix("Once upon a time") == ""
    assert complete_prefix("Once upon a time. A fox") == "Once upon a time."
    assert complete_prefix("It costs 3.") == ""  # maybe 3.5: not an end yet
    assert complete_prefix("It costs 3.5 euros. Ok! Then") == "It costs 3.5 euros. Ok!"
    assert complete_prefix('He said "run!" and  ran.\n') == 'He said "run!" and ran.'


def test_split_sentences_keeps_the_unfinished_last_one() -> None:
    assert split_sentences("One. Two?  Three") == ["One.", "Two?", "Three"]
    assert split_sentences("Pi is 3.14. Yes.") == ["Pi is 3.14.", "Yes."]
    assert split_sentences("   ") == []


def test_cutter_publishes_once_per_new_sentence() -> None:
    cut = PartialCutter()
    stream = ["A", "A fox", "A fox ran.", "A fox ran. It", "A fox ran. It hid.",
              "A fox ran. It hid. The", "A fox ran. It hid. The end."]
    got = [c for c in (cut.feed(t) for t in stream) if c is not None]
    # "ran." is whole once white space follows; "end." only with the white space after it
    assert got == ["A fox ran.", "A fox ran. It hid."]
    assert cut.feed("A fox ran. It hid. The end. ") == "A fox ran. It hid. The end."


def test_ledger_says_each_sentence_once_and_the_final_rest() -> None:
    led = SpokenLedger()
    assert led.partial("r", "A fox ran.").say == ["A fox ran."]
    assert led.partial("r", "A fox ran.").say == []  # repeated partial: nothing new
    assert led.partial("r", "A fox ran. It hid.").say == ["It hid."]
    plan = led.final("r", "A fox ran. It hid. The end")
    assert plan.say == ["The end"] and plan.deduplicated and not plan.restart
    assert " ".join(led.spoken("r")) == "A fox ran. It hid. The end"
    assert led.final("r", "A fox ran. It hid. The end").say == []  # a duplicate final
    assert led.partial("r", "late partial.").say == []


def test_ledger_restarts_when_the_final_differs() -> None:
    led = SpokenLedger()
    led.partial("r", "A fox ran.")
    plan = led.final("r", "Sorry, I can't think right now.")
    assert plan.restart and plan.say == ["Sorry, I can't think right now."]


def test_final_without_partials_is_all_spoken() -> None:
    led = SpokenLedger()
    assert led.final("q", "One. Two.").say == ["One.", "Two."]


def test_barge_in_drops_the_rest_of_an_answer() -> None:
    led = SpokenLedger()
    led.partial("r", "A fox ran.")
    led.cut_all()
    assert led.partial("r", "A fox ran. It hid.").say == []
    assert led.final("r", "A fox ran. It hid.").say == []
    assert led.final("new", "Next answer.").say == ["Next answer."]  # later answers speak
