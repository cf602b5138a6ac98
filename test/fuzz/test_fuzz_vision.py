"""Fuzz the vision node (YOLO loaded once) with hostile images; a valid image after them
still gives detections."""

from __future__ import annotations

import pytest
from fuzzkit import FuzzedNode, fuzz_input
from inputs import image, vision_inputs

from cockpit_ai.paths import config_dir

INPUTS = {i.topic: i for i in vision_inputs()}


@pytest.fixture(scope="module")
def node(module_processes, fuzz_probe, diagnostics):
    return FuzzedNode(module_processes, fuzz_probe, diagnostics, executable="vision_node",
                      namespace="/fz_vision", node_name="vision",
                      args=["--params-file", str(config_dir() / "vision.param.yaml"),
                            "-p", "governor_enabled:=false"])


@pytest.mark.parametrize("topic", sorted(INPUTS))
def test_vision_input_survives_hostile_messages(node, topic) -> None:
    fuzz_input(node, INPUTS[topic])


def test_vision_still_detects_after_the_fuzzing(node, fuzz_probe) -> None:
    from cockpit_ai.msg import DetectionArray
    from cockpit_ai.ros import qos

    out = fuzz_probe.subscribe(DetectionArray, "/fz_vision/detections")
    msg = image(0)
    msg.header.frame_id = "fz-after"
    fuzz_probe.publish("/fz_vision/image", msg, qos=qos.SENSOR, wait_subscribers=1)
    assert out.wait(1, timeout=60, where=lambda m: m.header.frame_id == "fz-after")
    node.check_alive()
