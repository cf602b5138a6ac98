"""DDS set-up for every cockpit_ai process: one computer by default, a vehicle network on demand.

Applied before rclpy creates a participant (``run_node``, the CLI, the probe, the tests).

- ``COCKPIT_DDS=local`` (default): ``ROS_AUTOMATIC_DISCOVERY_RANGE`` defaults to
  ``LOCALHOST`` (cabin audio and images are private: nothing is offered to other hosts
  unless asked for), and with it the package's Fast DDS profile
  (``config/fastdds_profile.xml``: loopback-only UDP, shared memory with segments big enough
  for camera frames). Set ``ROS_AUTOMATIC_DISCOVERY_RANGE=SUBNET`` or your own
  ``FASTDDS_DEFAULT_PROFILES_FILE`` to take DDS into your own hands.
- ``COCKPIT_DDS=vehicle``: the stack spread over the car's computers (docs/dds.md).
  ``COCKPIT_DDS_ADDRESS`` is this computer's address on the vehicle network,
  ``COCKPIT_DDS_PEERS`` the addresses of every computer that runs part of the stack. The
  participants discover exactly those peers by unicast and listen for discovery on that
  address (``config/fastdds_vehicle.xml`` filled in with them into a runtime file; the same
  8 MB shared memory between the processes of one computer), with
  ``ROS_AUTOMATIC_DISCOVERY_RANGE=SYSTEM_DEFAULT`` so rmw_fastrtps leaves the profile as it
  is (LOCALHOST adds its own transports to it, SUBNET the multicast group). A missing or
  wrong address is an error before any participant exists: Fast DDS would otherwise fall
  back to its defaults, multicast included, without a word.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
import socket
import tempfile
from pathlib import Path

from cockpit_ai.errors import CockpitError

#: ``COCKPIT_DDS`` → the Fast DDS profile it uses (``share/cockpit_ai/config/``).
PROFILES = {"local": "fastdds_profile.xml", "vehicle": "fastdds_vehicle.xml"}


class DdsConfigError(CockpitError, ValueError):
    """The DDS environment asks for something that cannot work (the message says what)."""


def profile_file(name: str = PROFILES["local"]) -> Path | None:
    """An installed Fast DDS profile, if the package is installed."""
    try:
        from cockpit_ai.paths import package_share

        path = package_share() / "config" / name
    except FileNotFoundError:
        return None
    return path if path.is_file() else None


def local_addresses() -> set[str]:
    """IPv4 addresses of this computer's interfaces (of this network namespace)."""
    import socket

    import psutil

    return {a.address for addrs in psutil.net_if_addrs().values() for a in addrs
            if a.family == socket.AF_INET}


def parse_peers(text: str) -> list[str]:
    """``"10.0.0.1, 10.0.0.2;ecu-b"`` → ``["10.0.0.1", "10.0.0.2", "ecu-b"]``."""
    peers = [p for p in re.split(r"[,;\s]+", text.strip()) if p]
    for peer in peers:
        if not re.fullmatch(r"[A-Za-z0-9.\-]{1,253}", peer):
            raise DdsConfigError(f"COCKPIT_DDS_PEERS: {peer!r} is not an address or host name")
    return peers


def apply_dds_defaults(env: dict[str, str] | None = None) -> dict[str, str]:
    """Fill in the DDS settings in ``env`` (``os.environ`` when None); returns it."""
    target = os.environ if env is None else env
    mode = (target.get("COCKPIT_DDS") or "local").strip().lower()
    if mode not in PROFILES:
        raise DdsConfigError(f"COCKPIT_DDS={target.get('COCKPIT_DDS')!r}: use one of "
                             f"{', '.join(PROFILES)}")
    if mode == "vehicle":
        return _vehicle(target)  # type: ignore[arg-type]
    target.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
    rmw = target.get("RMW_IMPLEMENTATION", "rmw_fastrtps_cpp")
    if (target["ROS_AUTOMATIC_DISCOVERY_RANGE"] == "LOCALHOST" and rmw == "rmw_fastrtps_cpp"
            and "FASTDDS_DEFAULT_PROFILES_FILE" not in target):
        profile = profile_file()
        if profile is not None:
            target["FASTDDS_DEFAULT_PROFILES_FILE"] = str(profile)
    return target  # type: ignore[return-value]


def _vehicle(target: dict[str, str]) -> dict[str, str]:
    """``COCKPIT_DDS=vehicle``: unicast discovery of the listed peers on one address."""
    rmw = target.get("RMW_IMPLEMENTATION", "rmw_fastrtps_cpp")
    if rmw != "rmw_fastrtps_cpp":
        raise DdsConfigError(f"COCKPIT_DDS=vehicle configures Fast DDS; RMW_IMPLEMENTATION is "
                             f"{rmw}")
    raw = (target.get("COCKPIT_DDS_ADDRESS") or "").strip()
    try:
        address = str(ipaddress.IPv4Address(raw))
    except ValueError:
        raise DdsConfigError(
            f"COCKPIT_DDS=vehicle needs COCKPIT_DDS_ADDRESS, this computer's IPv4 address on "
            f"the vehicle network (got {raw!r})") from None
    mine = local_addresses()
    if address not in mine:
        raise DdsConfigError(f"COCKPIT_DDS_ADDRESS={address} is not an address of this "
                             f"computer (it has {', '.join(sorted(mine)) or 'none'})")
    peers = [_resolve(p) for p in parse_peers(target.get("COCKPIT_DDS_PEERS") or "")]
    others = list(dict.fromkeys(p for p in peers if p != address))
    if not others:
        raise DdsConfigError("COCKPIT_DDS=vehicle needs COCKPIT_DDS_PEERS: the addresses of "
                             "the other computers that run part of the stack")
    chosen = target.get("FASTDDS_DEFAULT_PROFILES_FILE")
    if not chosen or _ours(Path(chosen)):  # ours, maybe inherited from another set-up
        target["FASTDDS_DEFAULT_PROFILES_FILE"] = str(vehicle_profile(address, others))
    target["COCKPIT_DDS_ADDRESS"] = address
    # the profile as it is: LOCALHOST would add rmw_fastrtps's own transports to the
    # profile's (each sample sent twice), SUBNET the multicast group to the peers
    target["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "SYSTEM_DEFAULT"
    target.pop("ROS_STATIC_PEERS", None)  # the peers are in the profile
    return target


def _runtime_folder() -> Path:
    return Path(tempfile.gettempdir()) / f"cockpit_ai-dds-{os.getuid()}"


def _ours(path: Path) -> bool:
    """A profile this module chose: the loopback one, or a vehicle one it filled in (a
    process inherits its parent's; a launch file may give it another address)."""
    return path == profile_file() or path.parent == _runtime_folder()


def _resolve(peer: str) -> str:
    try:
        return str(ipaddress.IPv4Address(peer))
    except ValueError:
        pass
    try:
        return socket.gethostbyname(peer)
    except OSError as exc:
        raise DdsConfigError(f"COCKPIT_DDS_PEERS: cannot resolve {peer!r}: {exc}") from None


def vehicle_profile(address: str, peers: list[str]) -> Path:
    """``config/fastdds_vehicle.xml`` filled in for this computer (its address, one initial
    peer per other computer), written once to a runtime folder; returns its path."""
    template = profile_file(PROFILES["vehicle"])
    if template is None:
        raise DdsConfigError(f"{PROFILES['vehicle']} is not installed: run `make setup`")
    locators = "\n            ".join(
        f"<locator><udpv4><address>{p}</address></udpv4></locator>" for p in peers)
    text = (template.read_text().replace("${COCKPIT_DDS_ADDRESS}", address)
            .replace("<!-- COCKPIT_DDS_PEERS -->", locators))
    folder = _runtime_folder()
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / f"vehicle-{hashlib.sha256(text.encode()).hexdigest()[:16]}.xml"
    if not path.exists():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text)
        tmp.replace(path)
    return path
