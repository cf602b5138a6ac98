"""The planner's ``planner_turn`` action (cockpit_ai/PlannerTurn) from a real rclpy
ActionClient against a real node process: a fast-path goal's result is the answer published
on ``response`` (and its command on ``vehicle_command``), with feedback; a model question
streams its answer as feedback; a goal cancelled right after acceptance ends CANCELED and
nothing is published for it."""

from __future__ import annotations

import itertools
import math
import time
from pathlib import Path
from typing import Any

import pytest

from cockpit_ai.testing import node_exec

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
NS = "/act"


class Goals:
    """A PlannerTurn ActionClient on the probe's node, with blocking helpers."""

    def __init__(self, probe: Any) -> None:
        from rclpy.action import ActionClient

        from cockpit_ai.action import PlannerTurn

        self.type = PlannerTurn
        self.probe = probe
        with probe.paused():
            self.client = ActionClient(probe.node, PlannerTurn, f"{NS}/planner_turn")
        self.feedback: dict[str, list[str]] = {}

    def send(self, request_id: str, text: str, *, speed_mps: float = math.nan,
             labels: tuple[str, ...] = ()) -> Any:
        """Send a goal; returns the accepted goal handle (feedback goes to ``feedback``)."""
        from cockpit_ai.ros.probe import wait_until

        goal = self.type.Goal(request_id=request_id, text=text, speed_mps=speed_mps,
                              labels=list(labels))
        got = self.feedback.setdefault(request_id, [])
        future = self.client.send_goal_async(
            goal, feedback_callback=lambda fb: got.append(fb.feedback.partial_answer))
        wait_until(future.done, 60, f"goal {request_id!r} answered (accepted or not)")
        handle = future.result()
        assert handle.accepted, f"goal {request_id!r} rejected"
        return handle

    def result(self, handle: Any, timeout: float = 240) -> Any:
        from cockpit_ai.ros.probe import wait_until

        future = handle.get_result_async()
        wait_until(future.done, timeout, "the goal's result")
        return future.result()


def test_goals_answer_like_transcripts_and_cancel_stops(processes, probe) -> None:
    from action_msgs.msg import GoalStatus

    from cockpit_ai.msg import AssistantResponse, VehicleCommand

    node = processes.start(
        [node_exec("planner_node"), "--ros-args",
         "--params-file", str(REPO / "config" / "planner.param.yaml"),
         "-r", f"__ns:={NS}"],
        name="planner")
    responses = probe.subscribe(AssistantResponse, f"{NS}/response")
    commands = probe.subscribe(VehicleCommand, f"{NS}/vehicle_command")
    goals = Goals(probe)
    assert goals.client.wait_for_server(timeout_sec=180), processes.log(node)
    from cockpit_ai.ros.probe import wait_until

    wait_until(lambda: probe.node.count_publishers(f"{NS}/response") > 0, 60,
               "the planner's response publisher")
    # the probe's reader must have matched before the first answer goes out
    wait_until(lambda: responses.subscription.get_publisher_count() > 0, 60,
               "response matched")

    # 1. A fast-path goal: the result is what `response` says, a feedback came before it,
    # the command is sent at the speed the goal gave, and the server made the request id.
    handle = goals.send("", "make it warmer", speed_mps=0.0)
    done = goals.result(handle)
    assert done.status == GoalStatus.STATUS_SUCCEEDED
    result = done.result.response
    assert result.request_id and result.backend == "fastpath"
    published = responses.wait(1, timeout=60,
                               where=lambda m: m.request_id == result.request_id)[0]
    assert published.text == result.text and result.text
    assert list(published.tool_calls) == list(result.tool_calls) == ["vehicle"]
    cmd = commands.wait(1, timeout=60, where=lambda m: m.request_id == result.request_id)[0]
    assert (cmd.function, cmd.action) == ("climate", "increase")
    assert cmd.vehicle_speed_mps == pytest.approx(0.0)
    assert goals.feedback[""] and goals.feedback[""][-1] == result.text

    # 2. A model question (the default model, as the car runs it): the answer so far comes
    # as feedback while it is written, growing, and the last one is the result.
    # (a story: the router leaves it to the tool-call model, whose feedback grows by the
    # character; a plain chat reply's grows by whole sentences, often just one)
    handle = goals.send("chat1", "tell me a short story about a fox")
    done = goals.result(handle)
    assert done.status == GoalStatus.STATUS_SUCCEEDED, processes.log(node)[-2000:]
    result = done.result.response
    assert result.request_id == "chat1" and result.backend == "edge"
    assert list(result.tool_calls) == ["chat"], result  # a written answer, not a template
    published = responses.wait(1, timeout=60, where=lambda m: m.request_id == "chat1")[0]
    assert published.text == result.text
    said = goals.feedback["chat1"]
    assert len(said) > 2 and said[-1] == result.text, said
    assert all(b.startswith(a) and b != a for a, b in itertools.pairwise(said[:-1])), said
    # the last is the final answer: the whole reply, or it without a tail the length cap cut
    assert said[-1].startswith(said[-2]) or said[-2].startswith(said[-1]), said
    print(f"model answer in {len(said)} feedback messages: {said[:3]}...")

    # 3. Cancelled right after acceptance: CANCELED, nothing published for it.
    handle = goals.send("gone", "tell me a long story about a drive through the mountains")
    cancel = handle.cancel_goal_async()
    wait_until(cancel.done, 60, "the cancel response")
    assert cancel.result().goals_canceling, "cancel refused"
    done = goals.result(handle, timeout=120)
    assert done.status == GoalStatus.STATUS_CANCELED, processes.log(node)[-2000:]
    # The node goes on: a later goal is answered, and still nothing came for "gone".
    after = goals.result(goals.send("after", "make it cooler", speed_mps=0.0))
    assert after.status == GoalStatus.STATUS_SUCCEEDED
    responses.wait(1, timeout=60, where=lambda m: m.request_id == "after")
    time.sleep(2.0)  # a response published as the goal ended would be here by now
    assert not [m for m in responses.messages if m.request_id == "gone"]
    assert not [m for m in commands.messages if m.request_id == "gone"]

    # 4. The goal's speed can only make the gate stricter: odometry says 15 m/s, the goal
    # says 0 (a client's default), and the command goes out at 15 m/s.
    import threading

    from nav_msgs.msg import Odometry

    from cockpit_ai.ros import qos

    moving = threading.Event()

    def drive() -> None:
        odom = Odometry()
        odom.twist.twist.linear.x = 15.0
        while not moving.is_set():
            probe.publish(f"{NS}/odom", odom, qos=qos.SENSOR)
            time.sleep(0.1)

    driver = threading.Thread(target=drive, daemon=True)
    driver.start()
    try:
        probe.wait_for_subscribers(Odometry, f"{NS}/odom", timeout=30, qos=qos.SENSOR)
        time.sleep(1.0)  # a few samples in
        fast = goals.result(goals.send("moving", "make it warmer", speed_mps=0.0))
        assert fast.status == GoalStatus.STATUS_SUCCEEDED
        cmd = commands.wait(1, timeout=60, where=lambda m: m.request_id == "moving")[0]
        assert cmd.vehicle_speed_mps == pytest.approx(15.0)
    finally:
        moving.set()
        driver.join(timeout=5)
    assert processes.stop(node) == 0, processes.log(node)
