"""Context biasing: the vocabulary follows the drive (nearby places, results, hotwords),
bounded, and reaches Whisper's prompt; a name in it is heard where it was not before."""

from __future__ import annotations

from typing import Any

import pytest

from cockpit_ai.speech.asr import PROMPT_CHARS, FasterWhisperBackend
from cockpit_ai.speech.context import (
    FOLLOW_UPS,
    ContextConfig,
    ContextVocabulary,
    fold,
    names_in_text,
)
from cockpit_ai.speech.pipeline import PipelineConfig, SpeechPipeline
from cockpit_ai.speech.synth import make_speech
from cockpit_ai.speech.text import word_error_rate
from cockpit_ai.speech.tts import TtsConfig


def test_nearby_places_follow_the_car_and_expire() -> None:
    ctx = ContextVocabulary(ContextConfig(max_names=10, nearby_keep_s=60.0))
    ctx.add_nearby(["Kappeli", "Havis Amanda"], now=0.0)
    assert ctx.words(1.0) == ["Kappeli", "Havis Amanda"]
    ctx.add_nearby(["Ateneum", "Kappeli"], now=30.0)  # the car moved on: newest first
    assert ctx.words(31.0) == ["Ateneum", "Kappeli", "Havis Amanda"]
    assert ctx.words(70.0) == ["Ateneum", "Kappeli"]  # Havis Amanda last seen at 0 s
    assert ctx.words(100.0) == []


def test_results_come_before_nearby_with_the_follow_ups_while_fresh() -> None:
    ctx = ContextVocabulary(ContextConfig(max_names=10, results_keep_s=300.0))
    ctx.set_static(["Anna"])
    ctx.add_nearby(["Ateneum"], now=0.0)
    ctx.add_results(["Momotoko", "Cafe Engel", "Zucchini"], now=10.0)
    words = ctx.words(11.0)
    assert words[:5] == ["Anna", "Momotoko", "Cafe Engel", "Zucchini", "Ateneum"]
    assert words[5:] == list(FOLLOW_UPS)  # "the second one" after a list of results
    assert "the second one" not in ctx.words(400.0)  # results expired: no follow-ups


def test_vocabulary_is_bounded_and_without_duplicates() -> None:
    ctx = ContextVocabulary(ContextConfig(max_names=5))
    ctx.add_nearby([f"Place {i}" for i in range(50)], now=0.0)
    ctx.add_results(["Hotel Kämp", "hotel kamp", "  HOTEL  KÄMP "], now=0.0)
    words = ctx.words(0.0)
    names = [w for w in words if w not in FOLLOW_UPS]
    assert len(names) == 5
    assert [fold(n) for n in names].count("hotel kamp") == 1
    assert names[0] == "Hotel Kämp"


def test_names_in_an_answer_are_found() -> None:
    text = ("I found 3 vegetarian places: Momotoko, 300 m on your right; Cafe Engel, 450 m "
            "ahead; Zucchini, 600 m. Did you mean the one on Fabianinkatu?")
    names = names_in_text(text)
    assert {"Momotoko", "Cafe Engel", "Zucchini", "Fabianinkatu"} <= set(names)
    assert not {"I", "Did", "Did you mean"} & set(names)
    assert names_in_text("Turning on the heating. It is 21 degrees.") == []


def test_prompt_keeps_the_vocabulary_and_whole_names_within_the_budget(
    backend: FasterWhisperBackend,
) -> None:
    backend.set_hotwords([f"Placename{i:03d}" for i in range(48)])
    try:
        prompt = backend.prompt
        assert prompt is not None and len(prompt) <= PROMPT_CHARS
        assert backend.config.vocabulary in prompt  # the cockpit words are never cut
        listed = prompt.split("Places: ", 1)[1].rstrip(".").split(", ")
        assert listed and all(n.startswith("Placename") and len(n) == 12 for n in listed)
    finally:
        backend.set_hotwords([])


@pytest.mark.parametrize("text, name", [("navigate to mannerheimintie", "Mannerheimintie"),
                                        ("is cafe ekberg open right now", "Cafe Ekberg")])
def test_a_name_in_the_context_is_heard(backend: FasterWhisperBackend, text: str,
                                        name: str) -> None:
    """Dev phrases: without the name Whisper tiny mishears it; with it in the context (among
    other places around) the phrase comes out right."""
    speech = make_speech(text, leading_silence_s=0.3, trailing_silence_s=0.3,
                         tts=TtsConfig("en-gb+f4", 150))
    around = ["Kappeli", "Ateneum", name, "Stockmann", "Fazer Café", "Havis Amanda"]

    def heard(words: list[str]) -> str:
        ctx = ContextVocabulary()
        ctx.add_nearby(words, now=0.0)
        backend.set_hotwords(ctx.words(0.0))
        try:
            pipe = SpeechPipeline(PipelineConfig(), backend=backend)
            results: list[Any] = []
            for i in range(0, len(speech.samples), 320):
                for u in pipe.push_chunk(speech.samples[i : i + 320], sample_rate=16000,
                                         start_time=i / 16000):
                    results.append(pipe.recognise(u))
            results += [pipe.recognise(u) for u in pipe.flush()]
            return " ".join(r.transcript.text for r in results if r.transcript)
        finally:
            backend.set_hotwords([])

    without, with_context = heard([]), heard(around)
    assert word_error_rate(text, without) > 0.0, without
    assert word_error_rate(text, with_context) == 0.0, with_context


def test_schema_defaults_are_the_context_defaults() -> None:
    import json
    from pathlib import Path

    from cockpit_ai.speech.speech_node import context_config

    schema = json.loads((Path(__file__).resolve().parents[2] / "schema" / "speech.schema.json")
                        .read_text())
    params = {k: v["default"] for k, v in schema["definitions"]["speech"]["properties"].items()}
    assert context_config(params) == ContextConfig()


def test_streets_around_the_car_from_the_street_graph() -> None:
    """The bundled extract's streets within the radius, nearest first; none far away."""
    from cockpit_ai.route.graph import default_graph
    from cockpit_ai.speech.context import StreetNames

    streets = StreetNames(default_graph(), radius_m=150.0, limit=6)
    near_station = streets.near(60.1699, 24.9384)  # by the central railway station
    assert "Kaivokatu" in near_station and len(near_station) <= 6
    assert len(set(near_station)) == len(near_station)
    near_market = streets.near(60.1675, 24.9510)  # by the market square
    assert "Pohjoisesplanadi" in near_market and "Kaivokatu" not in near_market
    assert streets.near(60.30, 24.60) == []  # outside the extract
    assert streets.near(float("nan"), 24.9) == []
    ctx = ContextVocabulary()
    ctx.add_nearby(near_market, now=0.0)
    assert ctx.words(1.0)[: len(near_market)] == near_market
