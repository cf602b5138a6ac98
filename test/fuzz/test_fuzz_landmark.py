"""Fuzz the landmark node (fix, odom, landmark_query); afterwards a query is answered."""

from __future__ import annotations

import pytest
from fuzzkit import REPO, FuzzedNode, fuzz_input
from inputs import landmark_inputs, landmark_query

INPUTS = {i.topic: i for i in landmark_inputs()}


@pytest.fixture(scope="module")
def node(module_processes, fuzz_probe, diagnostics):
    return FuzzedNode(module_processes, fuzz_probe, diagnostics, executable="landmark_node",
                      namespace="/fz_landmark", node_name="landmark",
                      args=["--params-file", str(REPO / "config" / "landmark.param.yaml"),
                            "-p", "warn_throttle_s:=60.0"])


@pytest.mark.parametrize("topic", sorted(INPUTS))
def test_landmark_input_survives_hostile_messages(node, topic) -> None:
    fuzz_input(node, INPUTS[topic])


def test_landmark_still_answers_after_the_fuzzing(node, fuzz_probe) -> None:
    from cockpit_ai.msg import LandmarkArray

    answers = fuzz_probe.subscribe(LandmarkArray, "/fz_landmark/landmarks")
    q = landmark_query(0)
    q.request_id = "fz-after"
    fuzz_probe.publish("/fz_landmark/landmark_query", q, wait_subscribers=1)
    got = answers.wait(1, timeout=20, where=lambda m: m.request_id == "fz-after")
    assert got[0].status == 0, got[0]  # OK
    node.check_alive()
