"""Fuzz the fatigue node (face model loaded once): cabin images and voice features; the
node still publishes its state afterwards."""

from __future__ import annotations

import pytest
from fuzzkit import REPO, FuzzedNode, fuzz_input
from inputs import fatigue_inputs

INPUTS = {i.topic: i for i in fatigue_inputs()}


@pytest.fixture(scope="module")
def node(module_processes, fuzz_probe, diagnostics):
    return FuzzedNode(module_processes, fuzz_probe, diagnostics, executable="fatigue_node",
                      namespace="/fz_fatigue", node_name="fatigue",
                      args=["--params-file", str(REPO / "config" / "fatigue.param.yaml"),
                            "-p", "governor_enabled:=false"])


@pytest.mark.parametrize("topic", sorted(INPUTS))
def test_fatigue_input_survives_hostile_messages(node, topic) -> None:
    fuzz_input(node, INPUTS[topic])


def test_fatigue_still_publishes_after_the_fuzzing(node, fuzz_probe) -> None:
    from cockpit_ai.msg import FatigueState

    out = fuzz_probe.subscribe(FatigueState, "/fz_fatigue/fatigue_state")
    assert out.wait(2, timeout=30)
    node.check_alive()
