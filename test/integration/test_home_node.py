"""The home node as a real process with a real Mosquitto on 127.0.0.1: a before-arrival
request goes out once when the car comes close; a broker that is down at start is waited for."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from cockpit_ai.home.broker import Listener, Mosquitto, mosquitto_binary

pytestmark = [
    pytest.mark.integration,
    pytest.mark.beside,
    pytest.mark.skipif(mosquitto_binary() is None, reason="mosquitto is not installed"),
]

REPO = Path(__file__).resolve().parents[2]
HOME = (60.1699, 24.9384)
T0 = 1_796_000_000.0


def north_of_home(km: float) -> tuple[float, float]:
    return (HOME[0] + km / 111.195, HOME[1])


def fix(lat: float, lon: float, t: float):
    from sensor_msgs.msg import NavSatFix, NavSatStatus

    from cockpit_ai.ros.stamps import s_to_stamp

    msg = NavSatFix(latitude=lat, longitude=lon, altitude=20.0)
    msg.header.stamp = s_to_stamp(t)
    msg.status = NavSatStatus(status=0, service=NavSatStatus.SERVICE_GPS)
    return msg


def command(request_id: str, device: str, action: str, value: str = "", *,
            before_arrival: bool = False, confirmed: bool = False):  # fmt: skip
    from cockpit_ai.msg import HomeCommand

    msg = HomeCommand(request_id=request_id, device=device, action=action, value=value,
                      confirmed=confirmed)  # fmt: skip
    msg.when = HomeCommand.BEFORE_ARRIVAL if before_arrival else HomeCommand.NOW
    return msg


def start_node(processes, port: int, *extra: str):
    from cockpit_ai.paths import package_lib

    return processes.start(
        [str(package_lib() / "home_node"), "--ros-args",
         "--params-file", str(REPO / "config" / "home.param.yaml"),
         "-p", f"broker_port:={port}", "-p", f"home_lat:={HOME[0]}", "-p", f"home_lon:={HOME[1]}",
         "-p", "eta_source:=straight_line", "-p", "average_speed_kmh:=36.0",
         "-p", "lead_time_s:=600.0", "-p", "warn_throttle_s:=0.0", *extra],
        name="home")  # fmt: skip


def counter(diag, key: str) -> float:
    for status in diag.status:
        if status.name.endswith("home"):
            for kv in status.values:
                if kv.key == key:
                    return float(kv.value)
    return 0.0


def test_heating_before_arrival_goes_out_once(processes, probe, tmp_path) -> None:
    from diagnostic_msgs.msg import DiagnosticArray

    from cockpit_ai.msg import HomeStatus
    from cockpit_ai.ros import qos

    broker = Mosquitto(tmp_path / "mosquitto").start()
    mqtt = Listener(broker.port, "cockpit_ai/home/#")
    try:
        node = start_node(processes, broker.port)
        statuses = probe.subscribe(HomeStatus, "home_status")
        diagnostics = probe.subscribe(DiagnosticArray, "/diagnostics")
        probe.publish("home_command", command("utt-1", "heating", "set", "21",
                                              before_arrival=True),
                      wait_subscribers=1, timeout=30)  # fmt: skip
        waiting = statuses.wait(1, timeout=20, where=lambda m: m.request_id == "utt-1")[0]
        assert waiting.state == HomeStatus.WAITING_FOR_ARRIVAL, waiting.text

        probe.wait_for_subscribers(type(fix(0, 0, 0)), "fix", timeout=20, qos=qos.SENSOR)
        t = T0
        sent = None
        for km in (9.0, 8.0, 7.0, 6.5, 5.0, 4.5, 4.0, 3.5, 3.0, 2.5, 2.0, 1.5, 1.0):
            t += 30.0
            for _ in range(2):  # best effort: twice each
                probe.publish("fix", fix(*north_of_home(km), t), qos=qos.SENSOR)
            got = [m for m in statuses.messages
                   if m.request_id == "utt-1" and m.state == HomeStatus.SENT]
            if got:
                sent = got[0]
                break
            time.sleep(0.2)
        if sent is None:
            sent = statuses.wait(1, timeout=20, where=lambda m: m.request_id == "utt-1"
                                 and m.state == HomeStatus.SENT)[0]  # fmt: skip
        assert sent.eta_s <= 600.0 and sent.attempts == 1
        assert sent.text.startswith("I set the heating to 21 degrees at home, you're about")
        [(topic, body)] = mqtt.wait(1, timeout=20)
        assert topic == "cockpit_ai/home/heating/set"
        assert json.loads(body) == {"state": "heat", "temperature": 21}

        # more fixes on the same trip, then a barrier: the heating went out once
        fixes_then = counter(diagnostics.wait(1, timeout=20)[-1], "fixes")
        for km in (0.8, 0.6, 0.4):
            t += 30.0
            probe.publish("fix", fix(*north_of_home(km), t), qos=qos.SENSOR)
        diagnostics.wait(1, timeout=20, where=lambda m: counter(m, "fixes") > fixes_then)
        probe.publish("home_command", command("utt-2", "garage_door", "open"))
        ask = statuses.wait(1, timeout=20, where=lambda m: m.request_id == "utt-2")[0]
        assert ask.state == HomeStatus.NEEDS_CONFIRMATION
        assert ask.text == "Shall I open the garage door at home?"
        probe.publish("home_command", command("utt-2", "garage_door", "open", confirmed=True))
        mqtt.wait(2, timeout=20)
        assert [m[0] for m in mqtt.messages] == ["cockpit_ai/home/heating/set",
                                                 "cockpit_ai/home/garage_door/set"]
        assert mqtt.messages[1][1] == "OPEN"
        assert node.poll() is None
        assert "Traceback" not in processes.log(node)
    finally:
        mqtt.close()
        broker.stop()


def test_broker_down_at_start_then_delivered(processes, probe, tmp_path) -> None:
    from cockpit_ai.msg import HomeStatus

    broker = Mosquitto(tmp_path / "mosquitto")  # not started yet
    node = start_node(processes, broker.port, "-p", "retry_period_s:=1.0",
                      "-p", "retry_max_period_s:=2.0", "-p", "status_period_s:=0.2")
    statuses = probe.subscribe(HomeStatus, "home_status")
    try:
        probe.publish("home_command", command("utt-5", "lights", "on"),
                      wait_subscribers=1, timeout=30)  # fmt: skip
        first = statuses.wait(1, timeout=20, where=lambda m: m.request_id == "utt-5")[0]
        assert first.state == HomeStatus.FAILED_RETRYING
        assert first.text == "I can't reach the home right now; I'll keep trying."
        broker.start()
        mqtt = Listener(broker.port, "cockpit_ai/home/#")
        try:
            done = statuses.wait(1, timeout=60, where=lambda m: m.request_id == "utt-5"
                                 and m.state == HomeStatus.SENT)[0]  # fmt: skip
            assert done.text == "The lights at home are on." and done.attempts >= 2
            assert mqtt.wait(1, timeout=20) == [("cockpit_ai/home/lights/set", "ON")]
        finally:
            mqtt.close()
        assert node.poll() is None
        log = processes.log(node)
        assert "cannot reach the MQTT broker" in log and "Traceback" not in log
    finally:
        broker.stop()
