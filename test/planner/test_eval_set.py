"""The evaluation set itself (test/planner/eval): big enough, split about 55/45, every tool
and argument value in both parts, no request in both, every expectation a valid call.

These read the test part only to check its form; nothing here scores a planner on it."""

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
PARTS = {name: load_utterances(HERE / "eval" / f"{name}.yaml") for name in ("dev", "test")}
SEED = load_utterances(HERE / "utterances.yaml")


def test_size_and_split() -> None:
    dev, test = len(PARTS["dev"]), len(PARTS["test"])
    assert dev + test >= 220
    assert 0.50 <= dev / (dev + test) <= 0.60, (dev, test)


@pytest.mark.parametrize("part", ["dev", "test"])
def test_every_tool_and_argument_value_in_each_part(part: str) -> None:
    missing = argument_kinds() - covered_kinds(PARTS[part])
    assert not missing, sorted(missing)


@pytest.mark.parametrize("part", ["dev", "test"])
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


@pytest.mark.parametrize("part", ["dev", "test"])
def test_no_duplicates_within_a_part(part: str) -> None:
    texts = Counter(normalized_text(i["text"]) for i in PARTS[part])
    assert [t for t, n in texts.items() if n > 1] == []


def test_ids_unique_across_parts() -> None:
    ids = Counter(i["id"] for part in PARTS.values() for i in part)
    assert [k for k, n in ids.items() if n > 1] == []
    assert all(i["id"].startswith("d-") for i in PARTS["dev"])
    assert all(i["id"].startswith("t-") for i in PARTS["test"])


def test_no_request_in_both_parts_or_in_the_seed_set() -> None:
    dev = {normalized_text(i["text"]) for i in PARTS["dev"] + SEED}
    test = {normalized_text(i["text"]) for i in PARTS["test"]}
    assert dev & test == set()
