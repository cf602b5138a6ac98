"""Brands: one file each, checked against the brand schema and what the planner knows."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cockpit_ai.brand import Brand, BrandError, brand_names, load_brand

REPO = Path(__file__).resolve().parent.parent
GOOD = {"assistant_name": "Kai", "wake_words": ["hey kai"], "voice": "en-gb",
        "tone": "warm", "language": "en", "allowed_functions": ["climate", "media"]}


def write(tmp: Path, doc: object, name: str = "kai.yaml") -> Path:
    path = tmp / name
    path.write_text(yaml.safe_dump(doc))
    return path


def test_the_shipped_brands_load_and_differ_in_every_field() -> None:
    assert {"qwen", "aurora"} <= set(brand_names())
    assert sorted(p.stem for p in (REPO / "config" / "brands").glob("*.yaml")) == brand_names()
    qwen, aurora = load_brand("qwen"), load_brand("aurora")
    assert isinstance(qwen, Brand) and qwen.name == "qwen"
    a, b = qwen.to_dict(), aurora.to_dict()
    for key in ("assistant_name", "wake_words", "voice", "tone", "language",
                "allowed_functions"):
        assert a[key] != b[key], key
    assert qwen.language == "en" and aurora.language == "de"
    assert "window" in qwen.allowed_functions and "window" not in aurora.allowed_functions


def test_the_default_brand_is_the_planner_default() -> None:
    from cockpit_ai.planner.dialogue import DEFAULT_BRAND

    assert load_brand("qwen").planner_brand() == DEFAULT_BRAND


def test_a_brand_file_by_path(tmp_path: Path) -> None:
    brand = load_brand(str(write(tmp_path, GOOD)))
    assert brand.assistant_name == "Kai" and brand.allowed_functions == ("climate", "media")
    assert brand.name.endswith("kai.yaml")


@pytest.mark.parametrize("change, message", [
    ({"language": "xx"}, "no answer templates"),
    ({"language": "English"}, "does not match"),
    ({"allowed_functions": ["climate", "steering"]}, "not functions the co-pilot has"),
    ({"wake_words": []}, "wake_words"),
    ({"voice": "en us; rm -rf"}, "voice"),
    ({"colour": "red"}, "colour"),
    ({"tone": None}, "tone"),
])
def test_a_bad_brand_file_says_which_field(tmp_path: Path, change: dict[str, object],
                                           message: str) -> None:
    with pytest.raises(BrandError, match=message):
        load_brand(str(write(tmp_path, {**GOOD, **change})))


def test_a_missing_field_or_unreadable_file(tmp_path: Path) -> None:
    doc = dict(GOOD)
    del doc["voice"]
    with pytest.raises(BrandError, match="voice"):
        load_brand(str(write(tmp_path, doc)))
    bad = tmp_path / "bad.yaml"
    bad.write_text("assistant_name: [unclosed")
    with pytest.raises(BrandError, match="cannot read"):
        load_brand(str(bad))


def test_an_unknown_brand_lists_the_brands() -> None:
    with pytest.raises(BrandError, match=r"no file .*aurora.*qwen"):
        load_brand("nosuchbrand")
    with pytest.raises(BrandError, match="not a brand name"):
        load_brand("../etc/passwd")
    with pytest.raises(BrandError, match="no brand given"):
        load_brand("  ")


def test_speech_and_tts_take_their_part_of_the_brand() -> None:
    import json

    from cockpit_ai.brand import voice_for, wake_words_for
    from cockpit_ai.speech.speech_node import pipeline_config

    schema = json.loads((REPO / "schema" / "speech.schema.json").read_text())
    params = {k: v["default"] for k, v in schema["definitions"]["speech"]["properties"].items()}
    assert pipeline_config(params).wake.phrases == ("hey qwen",)
    params["brand"] = "aurora"
    assert pipeline_config(params).wake.phrases == ("hey aurora", "hallo aurora")
    params["wake_phrases"] = ["ok car"]  # the node's own phrases win
    assert pipeline_config(params).wake.phrases == ("ok car",)
    assert wake_words_for("qwen", ["", " "]) == ("hey qwen",)
    assert voice_for("aurora", "") == "de+f3" and voice_for("aurora", "en-gb") == "en-gb"
    with pytest.raises(BrandError):
        voice_for("nosuchbrand", "")


def test_the_brand_is_addressed_by_its_wake_words_and_name() -> None:
    from cockpit_ai.brand import addressing, asks_name, strip_address

    aurora = load_brand("aurora")
    pattern = addressing(aurora.wake_words, aurora.assistant_name)
    assert strip_address("Hallo Aurora, mach es wärmer", pattern) == ("Mach es wärmer", True)
    assert strip_address("hey aurora", pattern) == ("", True)
    assert strip_address("Aurora: open the window", pattern) == ("Open the window", True)
    assert strip_address("Turn it up, Aurora.", pattern) == ("Turn it up", True)
    assert strip_address("Hey Qwen, turn it up", pattern) == ("Hey Qwen, turn it up", False)
    assert strip_address("What is an aurora?", pattern) == ("What is an aurora?", False)
    assert asks_name("what's your name") and asks_name("who are you")
    assert not asks_name("who are you calling")
