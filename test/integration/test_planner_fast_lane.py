"""A fast-path request is answered at once even while the LLM is busy with another."""

from __future__ import annotations

import time

import pytest
from fake_landmark import ok_for, start_fake

from cockpit_ai.testing import node_exec

pytestmark = pytest.mark.integration


def test_warmer_does_not_wait_behind_the_llm(processes, probe) -> None:
    from cockpit_ai.msg import AssistantResponse, Transcript, VehicleCommand

    proc = processes.start([node_exec("planner_node"), "--ros-args", "-r", "__ns:=/fast_lane"],
                           name="planner")
    responses = probe.subscribe(AssistantResponse, "/fast_lane/response")
    commands = probe.subscribe(VehicleCommand, "/fast_lane/vehicle_command")
    from cockpit_ai.ros.probe import wait_until

    wait_until(lambda: probe.node.count_subscribers("/fast_lane/transcript") > 0, 180,
               "the planner (model load)")

    def ask(uid: str, text: str, confidence: float = 0.9) -> None:
        msg = Transcript(utterance_id=uid, text=text, is_final=True, confidence=confidence)
        msg.header.stamp = probe.node.get_clock().now().to_msg()
        probe.publish("/fast_lane/transcript", msg, wait_subscribers=1)

    ask("slow", "tell me a short story about a long drive through the mountains")
    time.sleep(0.5)  # the model is generating now
    start = time.monotonic()
    ask("fast", "make it warmer")
    cmd = commands.wait(1, timeout=60)[0]
    waited = time.monotonic() - start
    assert cmd.request_id == "fast" and cmd.function == "climate"
    got = responses.wait(2, timeout=240)
    order = [m.request_id for m in got]
    assert order[0] == "fast", (order, processes.log(proc)[-2000:])  # before the LLM answer
    assert got[0].backend == "fastpath" and got[1].backend == "edge"
    print(f"fast-path command {waited * 1000:.0f} ms after the request, LLM answer after")

    # A doubtful command is asked back at once, and the yes to it does not wait for the
    # model either (the core says a yes to its own question needs no model).
    ask("slow2", "tell me a short story about a long drive along the sea")
    time.sleep(0.5)  # the model is generating again
    ask("unsure", "make it cooler", confidence=0.1)
    asked = responses.wait(1, timeout=60, where=lambda m: m.request_id == "unsure")[0]
    assert asked.awaiting_confirmation and asked.backend == "fastpath"
    ask("yes", "yes")
    cmd = commands.wait(1, timeout=60, where=lambda m: m.request_id == "yes")[0]
    assert (cmd.function, cmd.action) == ("climate", "decrease")
    later = responses.wait(5, timeout=240)
    order = [m.request_id for m in later[2:]]
    assert order == ["unsure", "yes", "slow2"], (order, processes.log(proc)[-2000:])


def test_each_lane_stamps_its_own_landmark_query(processes, probe, request) -> None:
    """With both lanes busy, every LandmarkQuery (a search_landmarks request) carries its own
    question's audio stamp (the landmark node judges opening hours at that moment), never
    the other lane's."""
    from cockpit_ai.msg import Transcript
    from cockpit_ai.ros.probe import wait_until

    queries = start_fake(request, "/stamps/search_landmarks", ok_for).queries
    processes.start([node_exec("planner_node"), "--ros-args", "-r", "__ns:=/stamps"],
                    name="planner")
    wait_until(lambda: probe.node.count_subscribers("/stamps/transcript") > 0, 180,
               "the planner (model load)")

    def ask(uid: str, text: str, sec: int) -> None:
        msg = Transcript(utterance_id=uid, text=text, is_final=True, confidence=0.9)
        msg.header.stamp.sec = sec
        probe.publish("/stamps/transcript", msg, wait_subscribers=1)

    ask("llm", "which museum around here would you recommend for art lovers", 1000)
    time.sleep(0.3)
    ask("fast", "find a vegan restaurant", 2000)
    got = queries.wait(2, timeout=240)
    stamps = {m.request_id.split("-")[0]: m.header.stamp.sec for m in got}
    assert stamps == {"fast": 2000, "llm": 1000}, stamps
