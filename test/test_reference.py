"""docs/REFERENCE.md matches the launch files and schemas it is generated from."""

from __future__ import annotations

from pathlib import Path

from cockpit_ai.reference import render

REPO = Path(__file__).resolve().parents[1]


def test_reference_is_current() -> None:
    expected = render(REPO)
    current = (REPO / "docs" / "REFERENCE.md").read_text()
    assert current == expected, (
        "docs/REFERENCE.md is stale: run `python -m cockpit_ai.reference > docs/REFERENCE.md`")


def test_reference_lists_every_schema_parameter() -> None:
    text = render(REPO)
    for schema in (REPO / "schema").glob("*.schema.json"):
        assert f"### `{schema.name.removesuffix('.schema.json')}`" in text
