"""Fuzz the image relay both ways (raw → JPEG on the cameras' computer, JPEG → raw on the
models' computer): it stays up, counts each refusal, and a valid frame afterwards is still
relayed."""

from __future__ import annotations

import pytest
from fuzzkit import REPO, FuzzedNode, fuzz_input
from inputs import image, image_relay_inputs, jpeg

INPUTS = {i.topic: i for i in image_relay_inputs()}
MODES = {"image": "compress", "compressed": "decompress"}
OUTPUT = {"image": ("compressed", "sensor_msgs.msg", "CompressedImage", image),
          "compressed": ("image", "sensor_msgs.msg", "Image", jpeg)}


@pytest.fixture(scope="module", params=sorted(INPUTS))
def relay(request, module_processes, fuzz_probe, diagnostics):
    topic = request.param
    mode = MODES[topic]
    node = FuzzedNode(module_processes, fuzz_probe, diagnostics,
                      executable="image_relay_node", namespace=f"/fz_{mode}",
                      node_name="image_relay",
                      args=["--params-file", str(REPO / "config" / "image_relay.param.yaml"),
                            "-p", f"mode:={mode}"])
    return topic, node


def test_image_relay_survives_hostile_frames_and_still_relays(relay, fuzz_probe) -> None:
    import importlib

    from cockpit_ai.ros import qos
    from cockpit_ai.ros.probe import ProbeTimeout

    topic, node = relay
    fuzz_input(node, INPUTS[topic])
    out_topic, module, name, make = OUTPUT[topic]
    out = fuzz_probe.subscribe(getattr(importlib.import_module(module), name),
                               f"{node.namespace}/{out_topic}", qos=qos.SENSOR)
    msg = make(0)
    msg.header.frame_id = "fz-after"
    pub = node.publisher(INPUTS[topic])
    got = None
    for _ in range(20):  # best effort both ways: a frame may be lost, a few will do
        pub.publish(msg)
        try:
            got = out.wait(1, timeout=3, where=lambda m: m.header.frame_id == "fz-after")
            break
        except ProbeTimeout:
            continue
    assert got, f"no relayed frame on {out_topic} after the fuzzing"
    node.check_alive()
