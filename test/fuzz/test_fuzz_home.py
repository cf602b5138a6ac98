"""Fuzz the home node (home_command, fix) with a real Mosquitto on 127.0.0.1; afterwards a
valid request still goes out to the broker."""

from __future__ import annotations

import pytest
from fuzzkit import REPO, FuzzedNode, fuzz_input
from inputs import home_command, home_inputs

from cockpit_ai.home.broker import Listener, Mosquitto, mosquitto_binary

pytestmark = pytest.mark.skipif(mosquitto_binary() is None, reason="mosquitto is not installed")
INPUTS = {i.topic: i for i in home_inputs()}


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    b = Mosquitto(tmp_path_factory.mktemp("mosquitto")).start()
    yield b
    b.stop()


@pytest.fixture(scope="module")
def node(module_processes, fuzz_probe, diagnostics, broker):
    return FuzzedNode(module_processes, fuzz_probe, diagnostics, executable="home_node",
                      namespace="/fz_home", node_name="home",
                      args=["--params-file", str(REPO / "config" / "home.param.yaml"),
                            "-p", f"broker_port:={broker.port}", "-p", "home_lat:=60.1699",
                            "-p", "home_lon:=24.9384", "-p", "eta_source:=straight_line",
                            "-p", "warn_throttle_s:=60.0"])


@pytest.mark.parametrize("topic", sorted(INPUTS))
def test_home_input_survives_hostile_messages(node, topic) -> None:
    fuzz_input(node, INPUTS[topic])


def test_home_still_sends_after_the_fuzzing(node, broker, fuzz_probe) -> None:
    from cockpit_ai.msg import HomeStatus

    mqtt = Listener(broker.port, "cockpit_ai/home/#")
    statuses = fuzz_probe.subscribe(HomeStatus, "/fz_home/home_status")
    try:
        msg = home_command(99_999_999)
        msg.request_id, msg.device = "fz-after", "lights"
        fuzz_probe.publish("/fz_home/home_command", msg, wait_subscribers=1)
        got = statuses.wait(1, timeout=20, where=lambda m: m.request_id == "fz-after")
        assert got[0].state == HomeStatus.SENT, got[0]
        assert any(t.endswith("/lights/set") for t, _ in mqtt.wait(1, timeout=20))
    finally:
        mqtt.close()
    node.check_alive()
