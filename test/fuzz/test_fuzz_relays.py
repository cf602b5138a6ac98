"""Fuzz the raw subscribers: relay_node passes any bytes through unchanged, and the
recorder writes what it got into a bag that reads back (bytes of each message as sent)."""

from __future__ import annotations

import pytest
from fuzzkit import REPO, FuzzedNode, fuzz_input
from inputs import recorder_inputs, relay_inputs

RELAY = relay_inputs()[0]
RECORDER = recorder_inputs()[0]


@pytest.fixture(scope="module")
def relay(module_processes, fuzz_probe, diagnostics):
    return FuzzedNode(module_processes, fuzz_probe, diagnostics, executable="relay_node",
                      namespace="/fz_relay", node_name="relay",
                      args=["--params-file", str(REPO / "config" / "relay.param.yaml")])


@pytest.fixture(scope="module")
def bag_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("rec") / "fuzzed"


@pytest.fixture(scope="module")
def recorder(module_processes, fuzz_probe, diagnostics, bag_dir):
    return FuzzedNode(module_processes, fuzz_probe, diagnostics,
                      executable="bag_recorder_node", namespace="/fz_rec",
                      node_name="bag_recorder",
                      args=["--params-file", str(REPO / "config" / "bag_recorder.param.yaml"),
                            "-p", f"output:={bag_dir}",
                            "-p", f"topics:=['/fz_rec/{RECORDER.topic}']"])


def test_relay_passes_hostile_messages(relay, fuzz_probe) -> None:
    from std_msgs.msg import String

    from cockpit_ai.ros import qos

    out = fuzz_probe.subscribe(String, "/fz_relay/output", qos=qos.RELIABLE, raw=True)
    fuzz_input(relay, RELAY)
    relayed = relay.counters()
    assert out.wait(int(float(relayed["relayed"])), timeout=30)


def test_recorder_records_hostile_messages(recorder, module_processes, bag_dir) -> None:
    from cockpit_ai.bag.core import read_messages

    fuzz_input(recorder, RECORDER)
    want = int(float(recorder.counters()["messages"]))
    assert module_processes.stop(recorder.proc) == 0, recorder.log()
    assert sum(1 for _ in read_messages(bag_dir)) == want
