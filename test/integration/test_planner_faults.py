"""The planner with a landmark node in trouble, as real processes (issue 15): the POI
database missing → the driver hears "I can't look up places right now." at once, and the
rest works (a climate request goes out); GNSS lost → "I don't know where we are right
now…" instead of places around where the car was."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import pytest

from cockpit_ai.testing import node_exec

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
DRIVE_POIS = REPO / "test" / "data" / "drive_pois.geojson"
CAR = (60.1700, 24.9400)


def start(processes: Any, ns: str, db: Path) -> None:
    processes.start(
        [node_exec("landmark_node"), "--ros-args",
         "--params-file", str(REPO / "config" / "landmark.param.yaml"),
         "-p", f"db_path:={db}", "-p", "nearby_period_s:=0.0", "-p", "fix_timeout_s:=2.0",
         "-r", f"__ns:={ns}"], name="landmark")
    processes.start(
        [node_exec("planner_node"), "--ros-args",
         "--params-file", str(REPO / "config" / "planner.param.yaml"),
         "-p", "fast_only:=true", "-p", "landmark_timeout_s:=30.0", "-r", f"__ns:={ns}"],
        name="planner")


def ask(probe: Any, ns: str, uid: str, text: str, responses: Any) -> Any:
    from cockpit_ai.msg import Transcript
    from cockpit_ai.ros.stamps import s_to_stamp

    msg = Transcript(utterance_id=uid, text=text, raw_text=text, language="en",
                     confidence=0.9, is_final=True, backend="test")
    msg.header.stamp = s_to_stamp(time.time())
    probe.publish(f"{ns}/transcript", msg, wait_subscribers=1, timeout=180)
    return responses.wait(1, timeout=120, where=lambda m: m.request_id == uid)[0]


def test_no_poi_database_is_said_and_the_rest_works(processes, probe, tmp_path) -> None:
    from cockpit_ai.msg import AssistantResponse, VehicleCommand
    from cockpit_ai.planner.answers import NO_PLACES

    ns = "/plfault_db"
    responses = probe.subscribe(AssistantResponse, f"{ns}/response")
    commands = probe.subscribe(VehicleCommand, f"{ns}/vehicle_command")
    start(processes, ns, tmp_path / "missing.sqlite")
    t0 = time.monotonic()
    got = ask(probe, ns, "q1", "Find me a vegetarian restaurant that is open now.", responses)
    assert got.text == NO_PLACES, got.text
    assert got.latency_ms < 10_000  # said at once, not after the landmark timeout (30 s)
    got = ask(probe, ns, "q2", "What is that landmark on my right?", responses)
    assert got.text == NO_PLACES, got.text
    got = ask(probe, ns, "q3", "Set the temperature to twenty-one degrees.", responses)
    assert "21" in got.text, got.text
    cmd = commands.wait(1, timeout=60, where=lambda m: m.request_id == "q3")[0]
    assert (cmd.function, cmd.action, cmd.value) == ("climate", "set", "21")
    assert time.monotonic() - t0 < 400


def test_gnss_lost_means_the_position_is_unknown(processes, probe, tmp_path) -> None:
    from sensor_msgs.msg import NavSatFix, NavSatStatus

    from cockpit_ai.landmark.osm_import import import_files
    from cockpit_ai.msg import AssistantResponse
    from cockpit_ai.planner.answers import POSITION_UNKNOWN
    from cockpit_ai.ros import qos
    from cockpit_ai.ros.stamps import s_to_stamp

    ns = "/plfault_gnss"
    db = tmp_path / "pois.sqlite"
    import_files([DRIVE_POIS], db, log=lambda _m: None)
    responses = probe.subscribe(AssistantResponse, f"{ns}/response")
    start(processes, ns, db)

    def fix(lat: float, status: int = 0) -> NavSatFix:
        msg = NavSatFix(latitude=lat, longitude=CAR[1], altitude=20.0)
        msg.header.stamp = s_to_stamp(time.time())
        msg.status = NavSatStatus(status=status, service=NavSatStatus.SERVICE_GPS)
        return msg

    # never a fix: unknown
    got = ask(probe, ns, "g1", "Find me a cafe.", responses)
    assert got.text == POSITION_UNKNOWN, got.text
    # good fixes: places
    probe.wait_for_subscribers(NavSatFix, f"{ns}/fix", timeout=120, qos=qos.SENSOR)
    deadline = time.monotonic() + 60
    while True:
        for _ in range(5):
            probe.publish(f"{ns}/fix", fix(CAR[0]), qos=qos.SENSOR)
            time.sleep(0.05)
        got = ask(probe, ns, f"g2-{time.monotonic():.0f}", "Find me a cafe.", responses)
        if got.text != POSITION_UNKNOWN or time.monotonic() > deadline:
            break
    assert got.text.startswith("I found"), got.text
    # GNSS lost: the receiver sends nothing usable for longer than fix_timeout_s (2 s)
    lost = time.monotonic()
    while time.monotonic() - lost < 3.0:
        probe.publish(f"{ns}/fix", fix(math.nan), qos=qos.SENSOR)
        probe.publish(f"{ns}/fix", fix(CAR[0], status=-1), qos=qos.SENSOR)
        time.sleep(0.1)
    got = ask(probe, ns, "g3", "Find me a cafe.", responses)
    assert got.text == POSITION_UNKNOWN, got.text
