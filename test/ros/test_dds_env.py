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
                              "COCKPIT_DDS_PEERS": "10.0.0.2, 10.0.0.3;127.0.0.1"})
    # the profile as it is: LOCALHOST would add rmw_fastrtps's own transports to it (each
    # sample sent twice), SUBNET the multicast group to the peers
    assert env["ROS_AUTOMATIC_DISCOVERY_RANGE"] == "SYSTEM_DEFAULT"
    assert "ROS_STATIC_PEERS" not in env
    profile = Path(env["FASTDDS_DEFAULT_PROFILES_FILE"])
    assert profile.name.startswith("vehicle-") and profile.parent != profile_file().parent
    text = profile.read_text()
    body = text.split("<dds", 1)[1]
    assert "${" not in body and "COCKPIT_DDS_PEERS" not in body  # filled in
    peers = body.split("<initialPeersList>")[1].split("</initialPeersList>")[0]
    assert [a.split("</address>")[0] for a in peers.split("<address>")[1:]] == [
        "127.0.0.1", "10.0.0.2", "10.0.0.3"]  # this computer first, each once
    meta = body.split("<metatrafficUnicastLocatorList>")[1].split("</metatraffic")[0]
    assert "<address>127.0.0.1</address>" in meta
    # the loopback profile's shared-memory settings; no multicast locator anywhere
    assert "<segment_size>8388608</segment_size>" in body
    assert "<port_queue_capacity>512</port_queue_capacity>" in body
    assert "Multicast" not in body and "239.255" not in body
    assert "<useBuiltinTransports>false</useBuiltinTransports>" in body
    # the same computer's processes share one file
    again = apply_dds_defaults({"COCKPIT_DDS": "vehicle", "COCKPIT_DDS_ADDRESS": "127.0.0.1",
                                "COCKPIT_DDS_PEERS": "10.0.0.2,10.0.0.3"})
    assert again["FASTDDS_DEFAULT_PROFILES_FILE"] == str(profile)


def test_the_shipped_template_is_a_valid_profile_by_itself() -> None:
    """Fast DDS reads ``${COCKPIT_DDS_ADDRESS}`` from the environment, so the template also
    works as a profile as it is (this computer only), e.g. for a tool outside the package."""
    text = profile_file("fastdds_vehicle.xml").read_text()
    assert text.count("<address>${COCKPIT_DDS_ADDRESS}</address>") == 2
    assert "<!-- COCKPIT_DDS_PEERS -->" in text


def test_vehicle_replaces_an_inherited_loopback_profile_but_not_a_users_own() -> None:
    inherited = apply_dds_defaults({})  # what a launcher passes down to its children
    env = apply_dds_defaults({**inherited, "COCKPIT_DDS": "vehicle",
                              "COCKPIT_DDS_ADDRESS": "127.0.0.1",
                              "COCKPIT_DDS_PEERS": "10.0.0.2"})
    assert Path(env["FASTDDS_DEFAULT_PROFILES_FILE"]).name.startswith("vehicle-")
    # a vehicle profile filled in for another address (a parent process's, or the launch
    # file's set_env gave this computer's) is filled in again for this one
    other = apply_dds_defaults({"COCKPIT_DDS": "vehicle", "COCKPIT_DDS_ADDRESS": "127.0.0.1",
                                "COCKPIT_DDS_PEERS": "10.0.0.5"})
    mine = apply_dds_defaults({**other, "COCKPIT_DDS_PEERS": "10.0.0.6"})
    assert mine["FASTDDS_DEFAULT_PROFILES_FILE"] != other["FASTDDS_DEFAULT_PROFILES_FILE"]
    assert "10.0.0.6" in Path(mine["FASTDDS_DEFAULT_PROFILES_FILE"]).read_text()
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
    ({"COCKPIT_DDS": "vehicle", "COCKPIT_DDS_ADDRESS": "127.0.0.1",
      "COCKPIT_DDS_PEERS": "no-such-ecu.invalid"}, "cannot resolve"),
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
