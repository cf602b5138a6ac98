"""Number normalisation and word error rate."""

from __future__ import annotations

import pytest

from cockpit_ai.speech.text import (
    int_to_words,
    normalise_for_scoring,
    numbers_to_words,
    word_error_rate,
    words_to_numbers,
)


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zero"),
        (7, "seven"),
        (21, "twenty one"),
        (40, "forty"),
        (121, "one hundred twenty one"),
        (2026, "two thousand twenty six"),
        (1_000_000, "one million"),
    ],
)
def test_int_to_words(n: int, words: str) -> None:
    assert int_to_words(n) == words


def test_numbers_to_words_handles_units_and_decimals() -> None:
    assert numbers_to_words("Set it to 21 degrees.") == "Set it to twenty one degrees."
    assert numbers_to_words("21° and 50%") == "twenty one degrees and fifty percent"
    assert numbers_to_words("2.5 km") == "two point five km"
    assert numbers_to_words("1,200 m") == "one thousand two hundred m"


def test_words_to_numbers_keeps_lone_small_words() -> None:
    assert words_to_numbers("set the temperature to twenty one degrees") == (
        "set the temperature to 21 degrees"
    )
    assert words_to_numbers("twenty-one degrees") == "21 degrees"
    assert words_to_numbers("the second one") == "the second one"
    assert words_to_numbers("set the fan speed to three") == "set the fan speed to three"
    assert words_to_numbers("five degrees warmer") == "5 degrees warmer"
    assert words_to_numbers("in two hundred metres, turn left") == "in 200 metres, turn left"
    assert words_to_numbers("fifteen.") == "15."


def test_round_trip_between_digits_and_words() -> None:
    for n in (13, 21, 99, 100, 345, 1999):
        assert words_to_numbers(int_to_words(n)) == str(n)


def test_word_error_rate_normalises_numbers_and_punctuation() -> None:
    assert (
        word_error_rate(
            "set the temperature to twenty one degrees", "Set the temperature to 21 degrees."
        )
        == 0.0
    )
    assert word_error_rate("how far is it", "How far with it?") == pytest.approx(0.25)
    assert word_error_rate("play some jazz", "") == 1.0
    assert word_error_rate("", "") == 0.0
    assert word_error_rate("a b", "a x b y") == pytest.approx(1.0)  # two insertions
    assert normalise_for_scoring("Gluten-free, isn't it?") == ["gluten", "free", "is", "not",
                                                                 "it"]


def test_scoring_folds_spellings_and_contractions() -> None:
    # the phrase list writes British English and whole words; Whisper writes American and
    # contracts: the same words said
    assert word_error_rate("how many kilometres to the city centre",
                           "How many kilometers to the city center?") == 0.0
    assert word_error_rate("how far is the savoy theatre", "How far is the Savoy Theater?") == 0.0
    assert word_error_rate("what is the speed limit here", "What's the speed limit here?") == 0.0
    assert word_error_rate("i am tired and i do not want to drive",
                           "I’m tired and I don't want to drive.") == 0.0
    assert normalise_for_scoring("We'll go, they can't, let's") == [
        "we", "will", "go", "they", "can", "not", "let", "us"]
    # a different word stays an error
    assert word_error_rate("mute the radio", "New to the radio.") == pytest.approx(2 / 3)


def test_scoring_folds_accents() -> None:
    from cockpit_ai.speech.text import normalise_for_scoring, word_error_rate

    assert normalise_for_scoring("Hotel Kämp, Eteläesplanadi!") == ["hotel", "kamp",
                                                                      "etelaesplanadi"]
    assert word_error_rate("navigate to etelaesplanadi", "Navigate to Eteläesplanadi.") == 0.0
