"""Two computers on one machine: Linux network namespaces joined by a veth pair.

For ``cockpit-ai demo --two-hosts``, its test and the soak bench: each "computer" is a
network namespace with only its loopback and one end of a veth link (its own address on a
private /24), and every process started on it gets a shared-memory folder of its own (a
tmpfs over /dev/shm in a private mount namespace), so Fast DDS cannot take a shortcut
through shared memory between them: what crosses, crosses the link as UDP. Needs root (or
CAP_NET_ADMIN and CAP_SYS_ADMIN); ``NetnsError`` says why when it cannot be done. The
namespaces are removed on ``close()`` whatever happened (processes still in them are killed
first), and ``LinkCapture`` counts every packet on a link by source, destination and kind.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cockpit_ai.errors import CockpitError

#: Runs the rest of the command line with a private tmpfs on /dev/shm (a computer's own).
_OWN_SHM = ('mount --make-rprivate / && mount -t tmpfs -o mode=1777,size=512m '
            'cockpit-shm /dev/shm && exec "$@"')


class NetnsError(CockpitError, RuntimeError):
    """The namespaces cannot be made or used here (not root, no iproute2...)."""


@dataclass(frozen=True)
class Host:
    """One simulated computer: its network namespace, link and address."""

    role: str      # "a" or "b"
    netns: str
    iface: str
    address: str

    def prefix(self) -> list[str]:
        """Command prefix that runs a program on this computer (own /dev/shm)."""
        return ["ip", "netns", "exec", self.netns, "unshare", "--mount", "--propagation",
                "private", "sh", "-c", _OWN_SHM, "cockpit-host"]


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check,
                          timeout=30)


@dataclass
class TwoHosts:
    """Network namespaces ``<tag>a``/``<tag>b`` with a veth link on ``subnet``."""

    subnet: str = ""
    tag: str = ""
    hosts: dict[str, Host] = field(default_factory=dict)

    def __post_init__(self) -> None:
        suffix = secrets.token_hex(2)
        self.tag = self.tag or f"ck{suffix}"
        # a private /24 of 10.213.0.0/16 per run, so parallel runs never share addresses
        self.subnet = self.subnet or f"10.213.{int(suffix, 16) % 250 + 1}.0/24"

    def create(self) -> TwoHosts:
        """Make both namespaces and the link; NetnsError (with cleanup) when impossible."""
        if shutil.which("ip") is None or shutil.which("unshare") is None:
            raise NetnsError("iproute2 (ip) and util-linux (unshare) are needed")
        if os.geteuid() != 0:
            raise NetnsError("network namespaces need root (CAP_NET_ADMIN, CAP_SYS_ADMIN)")
        remove_stale()
        net = ipaddress.IPv4Network(self.subnet)
        addrs = [str(net.network_address + 1), str(net.network_address + 2)]
        for role, address in zip("ab", addrs, strict=True):
            self.hosts[role] = Host(role, f"{self.tag}{role}", f"{self.tag}v{role}", address)
        a, b = self.hosts["a"], self.hosts["b"]
        steps = [
            ("netns", "add", a.netns), ("netns", "add", b.netns),
            ("link", "add", a.iface, "type", "veth", "peer", "name", b.iface),
            ("link", "set", a.iface, "netns", a.netns), ("link", "set", b.iface, "netns", b.netns),
        ]
        for h in (a, b):
            steps += [("-n", h.netns, "addr", "add", f"{h.address}/{net.prefixlen}", "dev",
                       h.iface),
                      ("-n", h.netns, "link", "set", h.iface, "up"),
                      ("-n", h.netns, "link", "set", "lo", "up")]
        try:
            for step in steps[:2]:
                _ip(*step)
            for h in (a, b):  # IPv4 only: no IPv6 neighbour discovery chatter on the link
                _ip("netns", "exec", h.netns, "sh", "-c",
                    "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; "
                    "echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6")
            for step in steps[2:]:
                _ip(*step)
            probe = subprocess.run(a.prefix() + ["true"], capture_output=True, text=True,
                                   timeout=30)
            if probe.returncode != 0:
                raise NetnsError(f"cannot run a process with its own /dev/shm in "
                                 f"{a.netns}: {probe.stderr.strip()}")
        except subprocess.CalledProcessError as exc:
            self.close()
            raise NetnsError(f"`ip {' '.join(exc.cmd[1:])}` failed: "
                             f"{(exc.stderr or '').strip()}") from None
        except (NetnsError, OSError, subprocess.TimeoutExpired):
            self.close()
            raise
        return self

    def __enter__(self) -> TwoHosts:
        return self.create()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def env(self, role: str) -> dict[str, str]:
        """The DDS environment of a computer: vehicle profile, its address, both peers."""
        return {"COCKPIT_DDS": "vehicle", "COCKPIT_DDS_ADDRESS": self.hosts[role].address,
                "COCKPIT_DDS_PEERS": ",".join(h.address for h in self.hosts.values())}

    def interfaces(self, role: str) -> dict[str, dict[str, int]]:
        """Every interface of a computer with its byte and packet counters."""
        return interface_counters(self.hosts[role].netns)

    def close(self) -> None:
        """Kill what still runs in the namespaces and delete them (the link goes too). The
        deletion is retried until the killed processes are gone: while one still holds the
        namespace, ``ip netns del`` fails and an empty namespace was left behind."""
        for host in self.hosts.values():
            for pid in _ip("netns", "pids", host.netns, check=False).stdout.split():
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
        deadline = time.monotonic() + 15.0
        left = [h.netns for h in self.hosts.values()]
        while left:
            for name in list(left):
                busy = _ip("netns", "pids", name, check=False).stdout.split()
                deleted = not busy and _ip("netns", "del", name, check=False).returncode == 0
                if deleted or not (Path("/run/netns") / name).exists():
                    left.remove(name)
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.1)


#: Names this module gives its namespaces (``TwoHosts``: ``ck<4 hex>a`` / ``…b``).
_OURS = re.compile(r"ck[0-9a-f]{4}[ab]")


def remove_stale(min_age_s: float = 600.0) -> list[str]:
    """Delete namespaces of an earlier run that was killed before it could clean up: ours by
    name, empty (no process in them) and older than ``min_age_s`` (a run in progress has
    its processes in them within seconds). Returns the names removed."""
    removed = []
    for line in _ip("netns", "list", check=False).stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        path = Path("/run/netns") / name
        if not _OURS.fullmatch(name) or not path.exists():
            continue
        if time.time() - path.stat().st_mtime < min_age_s:
            continue
        if _ip("netns", "pids", name, check=False).stdout.split():
            continue
        _ip("netns", "del", name, check=False)
        removed.append(name)
    return removed


def interface_counters(netns: str) -> dict[str, dict[str, int]]:
    """Every interface of network namespace ``netns`` with its byte and packet counters."""
    out = _ip("-n", netns, "-s", "-j", "link", "show", check=False).stdout
    result = {}
    for link in json.loads(out or "[]"):
        st = link.get("stats64") or link.get("stats") or {}
        result[link["ifname"]] = {
            "rx_bytes": int(st.get("rx", {}).get("bytes", 0)),
            "tx_bytes": int(st.get("tx", {}).get("bytes", 0)),
            "rx_packets": int(st.get("rx", {}).get("packets", 0)),
            "tx_packets": int(st.get("tx", {}).get("packets", 0))}
    return result


_SOL_PACKET = 263        # linux/socket.h
_PACKET_STATISTICS = 6   # linux/if_packet.h


class LinkCapture:
    """Counts every packet on ``iface`` (of the caller's network namespace) until stopped:
    IPv4 by (source, destination), multicast and broadcast separately, other kinds by
    ethertype. Reads only the headers (a raw AF_PACKET socket, needs root)."""

    def __init__(self, iface: str) -> None:
        self.iface = iface
        self.pairs: dict[tuple[str, str], list[int]] = {}  # (src, dst) -> [packets, bytes]
        self.other: dict[str, int] = {}                    # ethertype hex -> packets
        self.multicast = 0
        self.broadcast = 0
        self._sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(0x0003))
        # room for bursts (a camera frame is ~50 packets) while this thread waits for the CPU
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 2**20)
        self._sock.bind((iface, 0))
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="link-capture", daemon=True)

    def start(self) -> LinkCapture:
        self._thread.start()
        return self

    def _run(self) -> None:
        buf = bytearray(64)  # Ethernet + IPv4 headers are all that is read
        while not self._stop.is_set():
            try:
                _, (_, _, pkttype, _, _) = self._sock.recvfrom_into(buf, 64, socket.MSG_TRUNC)
            except TimeoutError:
                continue
            except OSError:
                return
            del pkttype  # a veth end sees each packet once: sent (outgoing) or received
            ethertype = buf[12:14].hex()
            if ethertype != "0800":
                self.other[ethertype] = self.other.get(ethertype, 0) + 1
                continue
            src, dst = socket.inet_ntoa(bytes(buf[26:30])), socket.inet_ntoa(bytes(buf[30:34]))
            if 224 <= buf[30] <= 239:
                self.multicast += 1
            elif dst.endswith(".255"):
                self.broadcast += 1
            count = self.pairs.setdefault((src, dst), [0, 0])
            count[0] += 1
            count[1] += struct.unpack("!H", bytes(buf[16:18]))[0]

    def stop(self) -> dict[str, Any]:
        """Stop; returns the counts (JSON-ready), with the packets the kernel could not hand
        to this capture (``capture_dropped``: its buffer was full)."""
        self._stop.set()
        self._thread.join(timeout=2.0)
        # struct tpacket_stats {unsigned tp_packets, tp_drops} since the socket was opened
        raw = self._sock.getsockopt(_SOL_PACKET, _PACKET_STATISTICS, 8)
        _, dropped = struct.unpack("II", raw)
        self._sock.close()
        return {"iface": self.iface, "capture_dropped": dropped,
                "multicast_packets": self.multicast,
                "broadcast_packets": self.broadcast, "other_ethertypes": dict(self.other),
                "ipv4": [{"src": s, "dst": d, "packets": p, "bytes": b}
                         for (s, d), (p, b) in sorted(self.pairs.items())]}
