"""The fixed prompts' llama.cpp states kept between starts (EdgeBackend ``state_dir``): the
next start loads the state instead of evaluating the prompt again, answers exactly as the
start that evaluated it, and a damaged state is evaluated again (never used)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from cockpit_ai.planner.backends import EdgeBackend, EdgeSettings

SYSTEM = [{"role": "system", "content": "You are a car's co-pilot. Answer in a few words."},
          {"role": "user", "content": "hello"}]
ASK = [SYSTEM[0], {"role": "user", "content": "What colour is the sky on a clear day?"}]


def _answer(backend: EdgeBackend) -> str:
    return backend.generate(ASK, schema=None, max_tokens=12, prefix="tool").text


def test_a_kept_state_is_loaded_and_answers_alike(smol_path: Path, tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    settings = EdgeSettings(model_path=smol_path, n_threads=2, state_dir=tmp_path)
    first = EdgeBackend(settings)
    with caplog.at_level(logging.INFO, logger="cockpit_ai"):
        first.warm_up(SYSTEM, prefix="tool")
    assert "state loaded" not in caplog.text  # nothing kept yet: evaluated
    (kept,) = tmp_path.glob("prompt-state-tool-*.bin")
    expected = _answer(first)
    assert expected.strip()

    caplog.clear()
    os.utime(kept, (0, 0))
    second = EdgeBackend(settings)
    with caplog.at_level(logging.INFO, logger="cockpit_ai"):
        second.warm_up(SYSTEM, prefix="tool")
    assert "tool prompt's state loaded" in caplog.text
    assert kept.stat().st_mtime > 0  # used now: the last to be dropped (KEEP_STATES)
    assert _answer(second) == expected

    # another system prompt is another state; the first one stays
    other = [{"role": "system", "content": "You answer in German."}, SYSTEM[1]]
    second.warm_up(other, prefix="tool")
    assert len(list(tmp_path.glob("prompt-state-tool-*.bin"))) == 2 and kept.exists()

    # a damaged file is not used: evaluated again, written again whole
    size = kept.stat().st_size
    kept.write_bytes(kept.read_bytes()[: size // 2])
    caplog.clear()
    third = EdgeBackend(settings)
    with caplog.at_level(logging.INFO, logger="cockpit_ai"):
        third.warm_up(SYSTEM, prefix="tool")
    assert "not used" in caplog.text and "state loaded" not in caplog.text
    assert kept.stat().st_size == size
    assert _answer(third) == expected



def test_the_prompts_are_warmed_at_the_first_model_call(smol_path: Path,
                                                        tmp_path: Path) -> None:
    """A planner built without warm-up (``cockpit-ai ask``) warms up (here: evaluates and
    keeps both fixed prompts) at its first model call, not for a routed request."""
    from cockpit_ai.planner.planner import Context, Planner

    backend = EdgeBackend(EdgeSettings(model_path=smol_path, n_threads=2, state_dir=tmp_path,
                                       max_tokens=16))
    planner = Planner(backend=backend)
    routed = planner.handle("turn on the air conditioning", Context(speed_mps=0.0))
    assert routed.backend == "fastpath" and not list(tmp_path.iterdir())
    planner.handle("tell me a joke about cars", Context(speed_mps=0.0))
    names = sorted(p.name.split("-")[2] for p in tmp_path.glob("prompt-state-*.bin"))
    assert names == ["chat", "tool"]
