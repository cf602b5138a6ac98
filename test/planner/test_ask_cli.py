"""`cockpit-ai ask` with several TEXTs: the turns of one dialogue through the planner core."""

from __future__ import annotations

import json
import subprocess

from cockpit_ai.testing import cockpit_cmd

KEYS = {"answer", "backend", "latency_ms", "tool_calls", "tools", "commands", "places"}


def _ask(*args: str) -> subprocess.CompletedProcess[str]:
    return _ask_model("--fast-only", *args)


def _ask_model(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*cockpit_cmd(), "ask", *args], capture_output=True, text=True,
                          timeout=600, check=False)


def test_turns_share_one_dialogue_and_print_one_json_line_each() -> None:
    done = _ask("--speed", "0", "--json", "set the temperature to 21", "turn on the reading light",
                "open the window")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert len(lines) == 3
    for turn in lines:
        assert set(turn) >= KEYS, sorted(turn)
    first, second, third = (t["commands"] for t in lines)
    assert first and first[0]["function"] == "climate" and first[0]["action"] == "set"
    assert second and second[0]["function"] == "cabin_light"
    assert third and third[0]["function"] == "window"


def test_a_follow_up_refers_to_the_previous_turn() -> None:
    """"the first one" is the first place the previous turn found (the edge model reads the
    dialogue), and one more TEXT is one more JSON line."""
    where = ["--speed", "0", "--lat", "60.1699", "--lon", "24.9384", "--json"]
    done = _ask_model(*where, "find a cafe nearby", "how far is the first one")
    assert done.returncode == 0, done.stderr
    found, follow_up = (json.loads(line) for line in done.stdout.splitlines() if line.strip())
    assert found["places"], found
    first = found["places"][0]["name"]
    assert first in follow_up["answer"], (first, follow_up["answer"])
    assert "metre" in follow_up["answer"] or " km" in follow_up["answer"]


def test_plain_output_heads_each_turn_with_its_text() -> None:
    done = _ask("--speed", "0", "turn on the reading light", "turn off the reading light")
    assert done.returncode == 0, done.stderr
    assert "> turn on the reading light" in done.stdout
    assert "> turn off the reading light" in done.stdout
    assert done.stdout.count("command: cabin_light") == 2


def test_json_has_the_latency_parts_of_a_fast_path_answer() -> None:
    done = _ask("--speed", "0", "--json", "turn on the reading light")
    assert done.returncode == 0, done.stderr
    (turn,) = (json.loads(line) for line in done.stdout.splitlines() if line.strip())
    assert isinstance(turn["latency_ms"], (int, float))
    assert 0 <= turn["route_ms"] <= turn["latency_ms"]
    assert turn["first_token_ms"] is None  # no model ran
    assert turn["first_sentence_ms"] == turn["latency_ms"]


def test_json_has_the_latency_parts_of_a_model_answer() -> None:
    done = _ask_model("--speed", "0", "--json", "say something about paris")
    assert done.returncode == 0, done.stderr
    (turn,) = (json.loads(line) for line in done.stdout.splitlines() if line.strip())
    assert turn["backend"] == "edge", turn
    assert 0 <= turn["route_ms"] < turn["first_token_ms"] <= turn["latency_ms"]
    assert turn["first_sentence_ms"] <= turn["latency_ms"]
    assert "first token" in _ask_model("--speed", "0", "tell me about the moon").stdout
