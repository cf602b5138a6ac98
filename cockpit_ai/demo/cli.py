"""``cockpit-ai demo``: the demo drive through every node, live, with a report."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``demo`` subcommand."""
    p = sub.add_parser(
        "demo", help="replay the demo drive through the whole stack and write a report",
        description="Generates (once) a recorded drive through central Helsinki from shipped "
        "assets, launches every node, plays the drive, prints the conversation, fatigue "
        "alerts and vehicle commands live, records all outputs to MCAP and writes a report.")
    p.add_argument("--out", type=Path, help="output folder (default: out/demo-<time>)")
    p.add_argument("--rate", type=float, default=1.0, help="playback speed factor")
    p.add_argument("--no-report", action="store_true", help="skip the PNG/HTML report")
    p.add_argument("--regenerate", action="store_true", help="make the demo bag again")
    p.add_argument("--ready-timeout", type=float, default=300.0, metavar="S",
                   help="seconds to wait for every node to come up")
    p.add_argument("--kill", action="append", default=[], metavar="NODE@SECONDS",
                   help="kill NODE (e.g. planner, speech, landmark) with SIGKILL at that drive "
                   "time; respawn brings it back and summary.json 'faults' says when "
                   "(repeatable)")
    p.add_argument("--from", dest="start", type=float, default=None, metavar="S",
                   help="play the drive from S seconds (default: its start)")
    p.add_argument("--to", dest="end", type=float, default=None, metavar="S",
                   help="play the drive up to S seconds (default: its end)")
    p.add_argument("--two-hosts", action="store_true",
                   help="run the stack as on two computers (needs root): two network "
                   "namespaces joined by a veth link, speech + planner + TTS on one, vision "
                   "+ landmark + fatigue on the other, DDS over the vehicle profile; "
                   "summary.json 'network' counts every packet on the link")
    p.add_argument("--two-hosts-inside", default="", help=argparse.SUPPRESS)
    p.add_argument("launch_args", nargs="*", metavar="name:=value",
                   help="extra arguments for cockpit.launch.xml")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the demo."""
    from cockpit_ai.demo.faults import DemoInputError, parse_kill
    from cockpit_ai.demo.netns import NetnsError
    from cockpit_ai.demo.runner import DemoError, run_demo

    if args.regenerate:
        from cockpit_ai.demo.drive_bag import make_drive_bag
        from cockpit_ai.paths import data_dir

        make_drive_bag(data_dir(), force=True)
    if args.two_hosts:
        try:
            return _two_hosts(args)
        except NetnsError as exc:
            print(f"cockpit-ai demo: --two-hosts: {exc}", file=sys.stderr)
            return 1
    try:
        kills = [parse_kill(k) for k in args.kill]
        window = None
        if args.start is not None or args.end is not None:
            window = (args.start or 0.0, args.end if args.end is not None else float("inf"))
        second = _second_host(json.loads(args.two_hosts_inside)) if args.two_hosts_inside \
            else None
        result = run_demo(out=args.out, rate=args.rate, report=not args.no_report,
                          ready_timeout_s=args.ready_timeout, launch_args=args.launch_args,
                          kills=kills, window=window, second_host=second)
    except (DemoError, DemoInputError) as exc:
        print(f"cockpit-ai demo: {exc}", file=sys.stderr)
        return 1
    turns = result.summary["turns"]
    answered = sum(1 for t in turns if t["answer"])
    print(f"[demo] {len(turns)} questions heard, {answered} answered, "
          f"{len(result.summary['commands'])} vehicle command(s), max fatigue level "
          f"{result.summary['max_fatigue_level']}")
    for f in result.summary["faults"]:
        back = f["restarted_after_s"]
        print(f"[demo] fault: {f['node']} killed at {f['t']} s, "
              + (f"back after {back} s" if back is not None else "NOT back"))
    link = (result.summary.get("network") or {}).get("link")
    if link:
        sent = sum(p["bytes"] for p in link["ipv4"])
        print(f"[demo] link {link['iface']}: {sent / 1e6:.1f} MB of IPv4 between "
              f"{len({p['src'] for p in link['ipv4']})} addresses, "
              f"{link['multicast_packets']} multicast packets")
    return result.exit_code


def _two_hosts(args: argparse.Namespace) -> int:
    """Make the two computers, run this same demo inside the first one, clean up."""
    from cockpit_ai.demo.netns import TwoHosts
    from cockpit_ai.paths import cockpit_command

    out = (args.out or Path("out") / datetime.now().strftime("demo-%Y%m%d-%H%M%S")).resolve()
    out.mkdir(parents=True, exist_ok=True)
    with TwoHosts() as hosts:
        a, b = hosts.hosts["a"], hosts.hosts["b"]
        inside = {"b_prefix": b.prefix(), "b_env": hosts.env("b"), "a_iface": a.iface,
                  "netns": {"a": a.netns, "b": b.netns}}
        print(f"[demo] two computers: {a.netns} {a.address} ({a.iface}) <-> {b.netns} "
              f"{b.address} ({b.iface})", flush=True)
        cmd = a.prefix() + cockpit_command() + ["demo", "--out", str(out), "--rate",
                                                 str(args.rate),
                                                 "--ready-timeout", str(args.ready_timeout),
                                                 "--two-hosts-inside", json.dumps(inside)]
        cmd += ["--no-report"] if args.no_report else []
        cmd += [x for k in args.kill for x in ("--kill", k)]
        cmd += ["--from", str(args.start)] if args.start is not None else []
        cmd += ["--to", str(args.end)] if args.end is not None else []
        env = dict(os.environ, **hosts.env("a"))
        return subprocess.run(cmd + list(args.launch_args), env=env, check=False).returncode


def _second_host(inside: dict[str, Any]) -> Any:
    """The other computer of a ``--two-hosts`` run, as the runner needs it."""
    from cockpit_ai.demo.netns import interface_counters
    from cockpit_ai.demo.runner import SecondHost

    names: dict[str, str] = inside["netns"]
    return SecondHost(prefix=list(inside["b_prefix"]), env=dict(inside["b_env"]),
                      capture_iface=inside["a_iface"],
                      interfaces=lambda: {role: interface_counters(ns)
                                          for role, ns in names.items()})
