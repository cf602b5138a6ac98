"""The home core with a real Mosquitto: before-arrival sending, confirmation, broker down."""

from __future__ import annotations

import json
import math
import time

import pytest

from cockpit_ai.home import State, When
from cockpit_ai.home.arrival import straight_line_eta
from cockpit_ai.home.core import UNREACHABLE_TEXT, Home, HomeSettings, Request
from cockpit_ai.home.mqtt import BrokerSettings, MqttLink

HOME = (60.1699, 24.9384)


def north_of_home(km: float) -> tuple[float, float]:
    return (HOME[0] + km / 111.195, HOME[1])


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def make_home(port: int, **settings: object) -> tuple[Home, MqttLink, Clock]:
    broker = BrokerSettings(port=port, client_id=f"core-{port}", connect_timeout_s=5.0)
    s = HomeSettings(broker=broker, home_lat=HOME[0], home_lon=HOME[1], **settings)  # type: ignore[arg-type]
    link = MqttLink(broker).start()
    clock = Clock()
    return Home(s, link, eta_s=straight_line_eta(36.0), clock=clock), link, clock


def test_heating_before_arrival_sent_once_with_the_right_payload(broker, listen) -> None:
    got = listen(broker.port, "cockpit_ai/home/#")
    home, link, _ = make_home(broker.port)
    try:
        assert link.wait_connected(10)
        req = Request("utt-1", "heating", "set", "21", when=When.BEFORE_ARRIVAL)
        [waiting] = home.handle(req)
        assert waiting.state is State.WAITING_FOR_ARRIVAL
        assert waiting.text == "I'll set the heating to 21 degrees at home when you're about " \
                               "10 minutes away."
        assert home.handle(req) == []  # the same request again (a resend): nothing new
        t, statuses = 0.0, []
        for km in (15.0, 12.0, 8.0, 6.5, math.nan, 5.0, 4.0, 2.0, 0.5):
            t += 30.0
            statuses += home.on_fix(*north_of_home(km), t)
        [sent] = statuses
        assert sent.state is State.SENT and sent.request_id == "utt-1"
        assert sent.eta_s == pytest.approx(500, rel=1e-2)
        assert sent.text == "I set the heating to 21 degrees at home, you're about 8 minutes away."
        [(topic, body)] = got.wait(1)
        assert topic == "cockpit_ai/home/heating/set"
        assert json.loads(body) == {"state": "heat", "temperature": 21}
        # another request for the same thing on the same trip: not sent a second time
        again = home.handle(Request("utt-2", "heating", "set", "21", when=When.BEFORE_ARRIVAL))
        assert again[0].state is State.WAITING_FOR_ARRIVAL and "already" in again[0].text
        home.on_fix(*north_of_home(0.2), t + 30)
        assert len(got.messages) == 1
    finally:
        link.close()


def test_already_close_is_sent_at_once_and_no_home_place_is_refused(broker, listen) -> None:
    got = listen(broker.port, "cockpit_ai/home/#")
    home, link, _ = make_home(broker.port)
    try:
        assert link.wait_connected(10)
        home.on_fix(*north_of_home(1.0), 0.0)
        [sent] = home.handle(Request("u", "lights", "on", when=When.BEFORE_ARRIVAL))
        assert sent.state is State.SENT and "about 2 minutes away" in sent.text
        assert got.wait(1) == [("cockpit_ai/home/lights/set", "ON")]
    finally:
        link.close()
    nowhere = Home(HomeSettings(), link, eta_s=straight_line_eta(30.0))
    [refused] = nowhere.handle(Request("u", "heating", "on", when=When.BEFORE_ARRIVAL))
    assert refused.state is State.REFUSED and "where home is" in refused.text


def test_garage_door_waits_for_a_yes(broker, listen) -> None:
    got = listen(broker.port, "cockpit_ai/home/#")
    home, link, _ = make_home(broker.port)
    try:
        assert link.wait_connected(10)
        [ask] = home.handle(Request("utt-7", "garage_door", "open"))
        assert ask.state is State.NEEDS_CONFIRMATION
        assert ask.text == "Shall I open the garage door at home?"
        [unknown] = home.handle(Request("utt-8", "sauna", "on"))
        assert unknown.state is State.REFUSED and "sauna" in unknown.text
        assert got.messages == []
        [sent] = home.handle(Request("utt-7", "garage_door", "open", confirmed=True))
        assert sent.state is State.SENT and sent.text == "The garage door at home is opening."
        assert got.wait(1) == [("cockpit_ai/home/garage_door/set", "OPEN")]
    finally:
        link.close()


def test_broker_down_then_up_delivers_from_the_outbox(make_broker, listen) -> None:
    later = make_broker()  # not running yet
    home, link, clock = make_home(later.port, retry_period_s=1.0, retry_max_period_s=1.0)
    try:
        assert not link.wait_connected(3)
        [failed] = home.handle(Request("utt-9", "heating", "on"))
        assert failed.state is State.FAILED_RETRYING and failed.text == UNREACHABLE_TEXT
        assert failed.attempts == 1 and "cannot reach the MQTT broker" in home.last_error
        clock.t = 5.0
        assert home.tick() == []  # still down: kept
        assert len(home.outbox) == 1
        later.start()
        got = listen(later.port, "cockpit_ai/home/#")
        deadline = time.monotonic() + 30
        while not link.connected and time.monotonic() < deadline:  # paho's reconnect backoff
            time.sleep(0.1)
        clock.t = 10.0
        [sent] = home.tick()
        assert sent.state is State.SENT and sent.request_id == "utt-9" and sent.attempts == 3
        assert sent.text == "The heating at home is on."
        assert got.wait(1) == [("cockpit_ai/home/heating/set", '{"state": "heat"}')]
        assert len(home.outbox) == 0 and home.outbox.counts["delivered"] == 1
    finally:
        link.close()


def test_the_newest_command_for_a_device_wins(make_broker, listen) -> None:
    later = make_broker()
    home, link, clock = make_home(later.port, retry_period_s=1.0, retry_max_period_s=1.0)
    try:
        assert home.handle(Request("on", "heating", "on"))[0].state is State.FAILED_RETRYING
        assert home.handle(Request("off", "heating", "off"))[0].state is State.FAILED_RETRYING
        assert home.handle(Request("l", "lights", "on"))[0].state is State.FAILED_RETRYING
        assert [p.key for p in home.outbox.items()] == ["off", "l"]
        assert home.outbox.counts["superseded"] == 1
        later.start()
        got = listen(later.port, "cockpit_ai/home/#")
        deadline = time.monotonic() + 30
        while not link.connected and time.monotonic() < deadline:
            time.sleep(0.1)
        clock.t = 10.0
        assert [s.request_id for s in home.tick()] == ["off", "l"]
        assert got.wait(2) == [("cockpit_ai/home/heating/set", '{"state": "off"}'),
                               ("cockpit_ai/home/lights/set", "ON")]
    finally:
        link.close()


def test_a_newer_before_arrival_wish_replaces_the_waiting_one(broker, listen) -> None:
    got = listen(broker.port, "cockpit_ai/home/#")
    home, link, _ = make_home(broker.port)
    try:
        assert link.wait_connected(10)
        home.on_fix(*north_of_home(20.0), 0.0)
        home.handle(Request("a", "heating", "set", "21", when=When.BEFORE_ARRIVAL))
        home.handle(Request("b", "heating", "set", "23", when=When.BEFORE_ARRIVAL))
        home.handle(Request("c", "lights", "on", when=When.BEFORE_ARRIVAL))
        assert [w.key for w in home.gate.waiting()] == ["heating/set/23", "lights/on/"]
        sent = home.on_fix(*north_of_home(4.0), 60.0)
        assert [s.request_id for s in sent] == ["b", "c"]
        assert [json.loads(b) if b.startswith("{") else b for _, b in got.wait(2)] == [
            {"state": "heat", "temperature": 23}, "ON"]
    finally:
        link.close()


def test_too_old_or_too_many_are_given_up_clearly(make_broker) -> None:
    down = make_broker()
    home, link, clock = make_home(down.port, outbox_size=1, outbox_max_age_s=60.0)
    try:
        assert home.handle(Request("a", "garage_door", "open", confirmed=True))[0].state \
            is State.FAILED_RETRYING
        [full] = home.handle(Request("b", "lights", "on"))
        assert full.state is State.FAILED and "didn't turn the lights on" in full.text
        clock.t = 61.0
        [old] = home.tick()
        assert old.state is State.FAILED and old.request_id == "a"
        assert old.text == "I couldn't reach the home in time, so I didn't open the garage door."
    finally:
        link.close()


def test_road_eta_when_the_route_area_is_there_else_the_straight_line() -> None:
    from cockpit_ai.home.core import eta_function

    straight, name = eta_function(HomeSettings(eta_source="straight_line"))
    assert name == "straight_line"
    here = north_of_home(1.0)
    assert straight(here, HOME) == pytest.approx(1000.0 / (30 / 3.6), rel=1e-3)
    try:
        from cockpit_ai.route import graph
        from cockpit_ai.route.graph import default_graph

        default_graph()
    except Exception as exc:
        pytest.skip(f"no road graph here: {exc}")
    road, name = eta_function(HomeSettings())
    assert name.startswith("route")
    station, square = (60.1719, 24.9414), (60.1675, 24.9525)
    assert road(station, square) == pytest.approx(graph.eta_s(station, square))
    far = (61.5, 23.8)  # Tampere: off the Helsinki map → the straight line
    assert road(far, HOME) == pytest.approx(straight(far, HOME))


def test_a_short_lead_time_is_said_in_words(broker) -> None:
    home, link, _ = make_home(broker.port, lead_time_s=40.0)
    try:
        assert link.wait_connected(10)
        [waiting] = home.handle(Request("utt-m", "heating", "on", when=When.BEFORE_ARRIVAL))
        assert waiting.text == ("I'll turn the heating on at home when you're about a minute "
                                "away.")
    finally:
        link.close()
