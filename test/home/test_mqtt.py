"""The device → payload table and the link, against a real Mosquitto on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

from cockpit_ai.home import BrokerError, HomeValueError, mqtt
from cockpit_ai.home.mqtt import BrokerSettings, MqttLink, Outbox, OutboxFull, Pending

# (device, action, value) → the payload Home Assistant's MQTT integration takes
EXPECTED = [
    ("heating", "on", "", {"state": "heat"}),
    ("heating", "set", "21", {"state": "heat", "temperature": 21}),
    ("heating", "set", "21.5", {"state": "heat", "temperature": 21.5}),
    ("heating", "off", "", {"state": "off"}),
    ("air_conditioning", "set", "22", {"state": "cool", "temperature": 22}),
    ("lights", "on", "none", "ON"),
    ("lights", "off", "", "OFF"),
    ("coffee_machine", "on", "", "ON"),
    ("garage_door", "open", "", "OPEN"),
    ("garage_door", "close", "", "CLOSE"),
    ("alarm", "on", "", "ARM_AWAY"),
    ("alarm", "off", "", "DISARM"),
    ("alarm", "set", "night", "ARM_NIGHT"),
]


def decoded(body: str) -> object:
    return json.loads(body) if body.startswith("{") else body


@pytest.mark.parametrize(("device", "action", "value", "expected"), EXPECTED)
def test_payload_table(device: str, action: str, value: str, expected: object) -> None:
    assert decoded(mqtt.payload(device, action, value)) == expected


@pytest.mark.parametrize(("device", "action", "value", "words"), [
    ("garage_door", "on", "", "open/close"),
    ("heating", "set", "warm", "temperature"),
    ("heating", "set", "90", "5 to 35"),
    ("lights", "set", "50", "on/off"),
    ("alarm", "set", "party", "night"),
    ("sauna", "on", "", "unknown home device"),
])  # fmt: skip
def test_bad_commands_say_why(device: str, action: str, value: str, words: str) -> None:
    with pytest.raises(HomeValueError, match=words):
        mqtt.payload(device, action, value)


def test_topics() -> None:
    assert mqtt.command_topic("cockpit_ai/home/", "heating") == "cockpit_ai/home/heating/set"
    assert mqtt.state_topic("house", "lights") == "house/lights/state"
    for bad in ("", "/home", "home/#", "a/+/b", "a//b"):
        with pytest.raises(HomeValueError, match="prefix"):
            mqtt.check_prefix(bad)


def test_every_device_arrives_with_its_payload(broker, listen) -> None:
    got = listen(broker.port, "cockpit_ai/home/#")
    link = MqttLink(BrokerSettings(port=broker.port, client_id="t-every")).start()
    try:
        assert link.wait_connected(10)
        for device, action, value, _ in EXPECTED:
            link.publish(mqtt.command_topic("cockpit_ai/home", device),
                         mqtt.payload(device, action, value))
        arrived = got.wait(len(EXPECTED))
    finally:
        link.close()
    assert [(t, decoded(b)) for t, b in arrived] == [
        (f"cockpit_ai/home/{d}/set", e) for d, _, _, e in EXPECTED]


def test_broker_down_is_a_clear_error(make_broker) -> None:
    down = make_broker()  # made, never started: nothing listens on its port
    link = MqttLink(BrokerSettings(port=down.port, client_id="t-down")).start()
    try:
        assert not link.wait_connected(5)
        with pytest.raises(BrokerError, match=rf"cannot reach the MQTT broker at 127.0.0.1:"
                           rf"{down.port}.*is it running"):  # fmt: skip
            link.publish("cockpit_ai/home/heating/set", "{}")
        with pytest.raises(BrokerError, match="cannot reach"):
            mqtt.publish_once(BrokerSettings(port=down.port, connect_timeout_s=2.0),
                              "cockpit_ai/home/heating/set", "{}")
    finally:
        link.close()


def test_credentials(make_broker, listen) -> None:
    secured = make_broker(users={"car": "s3cret"}).start()
    wrong = MqttLink(BrokerSettings(port=secured.port, username="car", password="nope",
                                    client_id="t-wrong")).start()  # fmt: skip
    try:
        assert not wrong.wait_connected(10)
        with pytest.raises(BrokerError, match=r"refused the login of user 'car'.*check "
                           r"username and password"):  # fmt: skip
            wrong.publish("cockpit_ai/home/lights/set", "ON")
    finally:
        wrong.close()
    anonymous = MqttLink(BrokerSettings(port=secured.port, client_id="t-anon")).start()
    try:
        assert not anonymous.wait_connected(10)
        assert "anonymous" in str(anonymous.error())
    finally:
        anonymous.close()
    got = listen(secured.port, "cockpit_ai/home/#", username="car", password="s3cret")
    mqtt.publish_once(BrokerSettings(port=secured.port, username="car", password="s3cret"),
                      "cockpit_ai/home/lights/set", "ON")
    assert got.wait(1) == [("cockpit_ai/home/lights/set", "ON")]


def test_outbox_backoff_bound_and_age() -> None:
    box = Outbox(size=2, retry_s=1.0, retry_max_s=4.0, max_age_s=100.0)
    assert [box.backoff(n) for n in (1, 2, 3, 4, 5)] == [1.0, 2.0, 4.0, 4.0, 4.0]
    a = box.add(Pending("a", "t", "x", created=0.0, attempts=1), now=0.0)
    box.add(Pending("b", "t", "y", created=0.0, attempts=1), now=0.0)
    with pytest.raises(OutboxFull, match="2 home commands"):
        box.add(Pending("c", "t", "z", created=0.0, attempts=1), now=0.0)
    assert box.due(0.5) == ([], []) and len(box) == 2
    due, _ = box.due(1.0)
    assert [p.key for p in due] == ["a", "b"] and len(box) == 0
    a.attempts = 2
    box.retry(a, now=1.0)
    assert box.due(2.5) == ([], []) and box.due(3.0)[0] == [a]
    box.retry(a, now=3.0)
    assert box.due(101.0) == ([], [a])
    assert box.counts == {"queued": 2, "delivered": 0, "refused_full": 1, "expired": 1,
                          "retries": 2, "superseded": 0}  # fmt: skip


def test_an_unacknowledged_command_is_not_sent_twice(broker, listen) -> None:
    """The broker stalls (SIGSTOP): no PUBACK in time. The retry finds paho's own copy
    acknowledged once the broker runs again, and publishes nothing new."""
    import os
    import signal

    got = listen(broker.port, "cockpit_ai/home/#")
    link = MqttLink(BrokerSettings(port=broker.port, client_id="t-stall",
                                   publish_timeout_s=1.0)).start()  # fmt: skip
    try:
        assert link.wait_connected(10)
        os.kill(broker.proc.pid, signal.SIGSTOP)
        try:
            with pytest.raises(BrokerError, match="did not acknowledge"):
                link.publish("cockpit_ai/home/lights/set", "ON")
        finally:
            os.kill(broker.proc.pid, signal.SIGCONT)
        link.publish("cockpit_ai/home/lights/set", "ON")  # waits for the first one's PUBACK
        link.publish("cockpit_ai/home/lights/set", "OFF")  # a barrier: after the first
        assert got.wait(2) == [("cockpit_ai/home/lights/set", "ON"),
                               ("cockpit_ai/home/lights/set", "OFF")]
    finally:
        link.close()
