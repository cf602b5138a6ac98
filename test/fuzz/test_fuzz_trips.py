"""Fuzz the trips node's inputs (fix, odom): it stays up, counts each refusal, and a valid
input after hostile ones is used."""

from __future__ import annotations

import pytest
from fuzzkit import REPO, FuzzedNode, fuzz_input
from inputs import trips_inputs

INPUTS = {i.topic: i for i in trips_inputs()}


@pytest.fixture(scope="module")
def node(module_processes, fuzz_probe, diagnostics, tmp_path_factory):
    db = tmp_path_factory.mktemp("trips") / "trips.sqlite"
    return FuzzedNode(module_processes, fuzz_probe, diagnostics, executable="trips_node",
                      namespace="/fz_trips", node_name="trips",
                      args=["--params-file", str(REPO / "config" / "trips.param.yaml"),
                            "-p", f"history_db:={db}", "-p", "warn_throttle_s:=60.0"])


@pytest.mark.parametrize("topic", sorted(INPUTS))
def test_trips_input_survives_hostile_messages(node, topic) -> None:
    fuzz_input(node, INPUTS[topic])
