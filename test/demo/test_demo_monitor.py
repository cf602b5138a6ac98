"""The demo monitor logs what the stack really says about places: the landmark node's answers
on ``landmarks`` (the planner asks through the search_landmarks service, so nothing is
published on ``landmark_query`` any more)."""

from __future__ import annotations

import time
from typing import Any

from cockpit_ai.ros.probe import Probe


def test_monitor_logs_landmark_answers_not_queries(probe: Any) -> None:
    from cockpit_ai.demo.monitor import Monitor
    from cockpit_ai.demo.runner import OUTPUT_TOPICS
    from cockpit_ai.msg import Landmark, LandmarkArray

    monitor = Monitor(probe, "/mon", echo=False)
    topics = {s.topic_name for s in probe.node.subscriptions}
    assert "/mon/landmarks" in topics and "/mon/landmark_query" not in topics
    assert "landmark_query" not in OUTPUT_TOPICS and "landmarks" in OUTPUT_TOPICS

    stack = Probe("test_demo_monitor_stack")
    try:
        answer = LandmarkArray(request_id="u1-landmark", landmarks=[
            Landmark(name="Ateneum", name_en="", latitude_deg=60.1703, longitude_deg=24.9444)])
        nearby = LandmarkArray(request_id="", landmarks=[Landmark(name="Kansallisteatteri")])
        stack.publish("/mon/landmarks", nearby, wait_subscribers=1)  # an announcement
        stack.publish("/mon/landmarks", answer)
        deadline = time.monotonic() + 10.0
        while not monitor.snapshot() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # anything else would have arrived by now
    finally:
        stack.close()
    events = monitor.snapshot()
    assert [e["kind"] for e in events] == ["landmarks"]
    assert events[0]["data"]["request_id"] == "u1-landmark"
    assert events[0]["data"]["names_en"] == ["Ateneum"]
    assert events[0]["data"]["points"] == [(60.1703, 24.9444, "Ateneum")]
