"""Fuzz every planner input (fast path only: ``fast_only`` loads no LLM; the message inputs
are what is under test). The planner counts few of its inputs, so these are checked for
liveness; afterwards a question is still answered on ``response``."""

from __future__ import annotations

import pytest
from fuzzkit import REPO, FuzzedNode, fuzz_input
from inputs import planner_inputs, transcript

INPUTS = {i.topic: i for i in planner_inputs()}


@pytest.fixture(scope="module")
def node(module_processes, fuzz_probe, diagnostics, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("planner")
    return FuzzedNode(module_processes, fuzz_probe, diagnostics, executable="planner_node",
                      namespace="/fz_planner", node_name="planner",
                      args=["--params-file", str(REPO / "config" / "planner.param.yaml"),
                            "-p", "fast_only:=true", "-p", "warm_up:=false",
                            "-p", f"history_db:={tmp / 'trips.sqlite'}",
                            "-p", "landmark_timeout_s:=0.5"])


@pytest.mark.parametrize("topic", sorted(INPUTS))
def test_planner_input_survives_hostile_messages(node, topic) -> None:
    fuzz_input(node, INPUTS[topic])


def test_planner_still_answers_after_the_fuzzing(node, fuzz_probe) -> None:
    from cockpit_ai.msg import AssistantResponse

    out = fuzz_probe.subscribe(AssistantResponse, "/fz_planner/response")
    msg = transcript(0)
    msg.utterance_id, msg.text = "fz-after", "Set the temperature to 21 degrees."
    fuzz_probe.publish("/fz_planner/transcript", msg, wait_subscribers=1)
    assert out.wait(1, timeout=60, where=lambda m: m.request_id == "fz-after")
    node.check_alive()
