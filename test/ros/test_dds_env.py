"""``cockpit_ai.ros.env``: the vehicle-network DDS set-up is complete or refused, never half."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit_ai.ros.env import DdsConfigError, apply_dds_defaults, parse_peers, profile_file


def test_local_is_the_default_and_keeps_the_loopback_profile() -> None:
    env = apply_dds_defaults({})
    assert env["ROS_AUTOMATIC_DISCOVERY_RANGE"] == "LOCALHOST"
    assert Path(env["FASTDDS_DEFAULT_PROFILES_FILE"]) == profile_file()
    assert "ROS_STATIC_PEERS" not in env
    assert apply_dds_defaults({"COCKPIT_DDS": "local"}) == {
        "COCKPIT_DDS": "local", **apply_dds_defaults({})}


def test_vehicle_uses_unicast_peers_and_the_vehicle_profile() -> None:
    # 127.0.0.1 is an address of every computer: the test needs no network set-up
    env = apply_dds_defaults({"COCKPIT_DDS": "vehicle", "COCKPIT_DDS_ADDRESS": "127.0.0.1",
                              "COCKPIT_DDS_PEERS": "10.0.0.2, 10.0.0.3"})
    assert env["ROS_STATIC_PEERS"] == "127.0.0.1;10.0.0.2;10.0.0.3"  # this computer too
    # LOCALHOST + static peers: rmw_fastrtps sends no multicast discovery
    assert env["ROS_AUTOMATIC_DISCOVERY_RANGE"] == "LOCALHOST"
    profile = Path(env["FASTDDS_DEFAULT_PROFILES_FILE"])
    assert profile.name == "fastdds_vehicle.xml"
    text = profile.read_text()
    # the locators are bound to the address Fast DDS takes from the environment; the same
    # shared-memory settings as the loopback profile; no multicast locator anywhere
    assert text.count("<address>${COCKPIT_DDS_ADDRESS}</address>") == 2
    assert "<segment_size>8388608</segment_size>" in text
    assert "<port_queue_capacity>512</port_queue_capacity>" in text
    assert "Multicast" not in text.split("<dds")[1]
    assert "<useBuiltinTransports>false</useBuiltinTransports>" in text


def test_vehicle_replaces_an_inherited_loopback_profile_but_not_a_users_own() -> None:
    inherited = apply_dds_defaults({})  # what a launcher passes down to its children
    env = apply_dds_defaults({**inherited, "COCKPIT_DDS": "vehicle",
                              "COCKPIT_DDS_ADDRESS": "127.0.0.1",
                              "COCKPIT_DDS_PEERS": "10.0.0.2"})
    assert Path(env["FASTDDS_DEFAULT_PROFILES_FILE"]).name == "fastdds_vehicle.xml"
    own = apply_dds_defaults({"COCKPIT_DDS": "vehicle", "COCKPIT_DDS_ADDRESS": "127.0.0.1",
                              "COCKPIT_DDS_PEERS": "10.0.0.2",
                              "FASTDDS_DEFAULT_PROFILES_FILE": "/etc/car/dds.xml"})
    assert own["FASTDDS_DEFAULT_PROFILES_FILE"] == "/etc/car/dds.xml"


@pytest.mark.parametrize(("env", "match"), [
    ({"COCKPIT_DDS": "wan"}, "use one of local, vehicle"),
    ({"COCKPIT_DDS": "vehicle", "COCKPIT_DDS_PEERS": "10.0.0.2"}, "needs COCKPIT_DDS_ADDRESS"),
    ({"COCKPIT_DDS": "vehicle", "COCKPIT_DDS_ADDRESS": "ecu-a",
      "COCKPIT_DDS_PEERS": "10.0.0.2"}, "IPv4 address"),
    ({"COCKPIT_DDS": "vehicle", "COCKPIT_DDS_ADDRESS": "192.0.2.77",
      "COCKPIT_DDS_PEERS": "10.0.0.2"}, "not an address of this computer"),
    ({"COCKPIT_DDS": "vehicle", "COCKPIT_DDS_ADDRESS": "127.0.0.1"}, "needs COCKPIT_DDS_PEERS"),
    ({"COCKPIT_DDS": "vehicle", "COCKPIT_DDS_ADDRESS": "127.0.0.1",
      "COCKPIT_DDS_PEERS": "127.0.0.1"}, "needs COCKPIT_DDS_PEERS"),
    ({"COCKPIT_DDS": "vehicle", "COCKPIT_DDS_ADDRESS": "127.0.0.1",
      "COCKPIT_DDS_PEERS": "10.0.0.2", "RMW_IMPLEMENTATION": "rmw_cyclonedds_cpp"},
     "configures Fast DDS"),
])
def test_an_incomplete_vehicle_set_up_is_refused(env: dict[str, str], match: str) -> None:
    """Fast DDS would fall back to its defaults (multicast to everyone) without a word."""
    with pytest.raises(DdsConfigError, match=match):
        apply_dds_defaults(dict(env))


def test_peers_are_addresses_or_host_names() -> None:
    assert parse_peers(" 10.0.0.1,10.0.0.2;ecu-b \n") == ["10.0.0.1", "10.0.0.2", "ecu-b"]
    with pytest.raises(DdsConfigError, match="not an address"):
        parse_peers("10.0.0.1, $(reboot)")


def test_a_node_with_a_bad_set_up_stops_with_one_line(tmp_path: Path) -> None:
    import os
    import subprocess

    from cockpit_ai.testing import node_exec

    env = dict(os.environ, COCKPIT_DDS="vehicle", COCKPIT_DDS_ADDRESS="192.0.2.77",
               COCKPIT_DDS_PEERS="10.0.0.2")
    res = subprocess.run([node_exec("relay_node")], env=env, capture_output=True, text=True,
                         timeout=60, cwd=tmp_path)
    assert res.returncode == 1
    assert res.stderr.strip().splitlines() == [
        "[ERROR] COCKPIT_DDS_ADDRESS=192.0.2.77 is not an address of this computer (it has "
        + res.stderr.split("(it has ", 1)[1].strip()], res.stderr
