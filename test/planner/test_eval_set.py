"""The evaluation set itself (test/planner/eval): big enough, the development part at most
60 % of it, every tool and argument value in each part, no request in two parts, every
expectation a valid call; the learned router learns from the development part only.

These read the test and held-out parts only to check their form; nothing here scores a
planner on them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from cockpit_ai.planner.evaluation import (
    argument_kinds,
    covered_kinds,
    full_call,
    load_utterances,
    normalized_text,
)
from cockpit_ai.planner.tools import TOOLS, validate_call

HERE = Path(__file__).parent
PARTS = {name: load_utterances(HERE / "eval" / f"{name}.yaml")
         for name in ("dev", "test", "holdout")}
SCORED = ("test", "holdout")  # only scored: never read for rules, examples or router data
SEED = load_utterances(HERE / "utterances.yaml")
PREFIX = {"dev": "d-", "test": "t-", "holdout": "h-"}


def test_size_and_split() -> None:
    dev = len(PARTS["dev"])
    scored = sum(len(PARTS[p]) for p in SCORED)
    assert dev + scored >= 220 and len(PARTS["test"]) >= 100 and len(PARTS["holdout"]) >= 100
    assert 0.45 <= dev / (dev + scored) <= 0.60, (dev, scored)


@pytest.mark.parametrize("part", ["dev", "test", "holdout"])
def test_every_tool_and_argument_value_in_each_part(part: str) -> None:
    missing = argument_kinds() - covered_kinds(PARTS[part])
    assert not missing, sorted(missing)


@pytest.mark.parametrize("part", ["dev", "test", "holdout"])
def test_items_are_well_formed(part: str) -> None:
    for item in PARTS[part]:
        assert set(item) <= {"id", "text", "tool", "args", "followup", "context"}, item
        assert item["tool"] in TOOLS and isinstance(item["text"], str) and item["text"].strip()
        assert isinstance(item.get("args"), dict), item
        validate_call(full_call(item))  # raises ToolParseError on a bad name or value


def _bad_vehicle_value() -> dict[str, Any]:
    return {"text": "x", "tool": "vehicle", "args": {"function": "sunroof"}}


def test_validation_rejects_an_unknown_value() -> None:
    from cockpit_ai.planner.tools import ToolParseError

    with pytest.raises(ToolParseError):
        validate_call(full_call(_bad_vehicle_value()))


@pytest.mark.parametrize("part", ["dev", "test", "holdout"])
def test_no_duplicates_within_a_part(part: str) -> None:
    texts = Counter(normalized_text(i["text"]) for i in PARTS[part])
    assert [t for t, n in texts.items() if n > 1] == []


def test_ids_unique_across_parts() -> None:
    ids = Counter(i["id"] for part in PARTS.values() for i in part)
    assert [k for k, n in ids.items() if n > 1] == []
    for part, prefix in PREFIX.items():
        assert all(i["id"].startswith(prefix) for i in PARTS[part]), part


def test_no_request_in_two_parts_or_in_the_seed_set() -> None:
    dev = {normalized_text(i["text"]) for i in PARTS["dev"] + SEED}
    test = {normalized_text(i["text"]) for i in PARTS["test"]}
    held = {normalized_text(i["text"]) for i in PARTS["holdout"]}
    assert dev & test == set()
    assert dev & held == set()
    assert test & held == set()


def test_router_learns_from_the_development_part_only() -> None:
    """router_examples.yaml is generated from dev + seed (`python -m
    cockpit_ai.planner.router --write-examples`) and holds no scored request."""
    from cockpit_ai.planner.router import EXAMPLES, example_items, load_examples, render_examples

    want = render_examples(example_items(PARTS["dev"], SEED))
    assert EXAMPLES.read_text(encoding="utf-8") == want, (
        "run: python -m cockpit_ai.planner.router --write-examples")
    learned = {normalized_text(t) for t, _ in load_examples()}
    for part in SCORED:
        assert learned & {normalized_text(i["text"]) for i in PARTS[part]} == set(), part
