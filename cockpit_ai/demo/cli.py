"""``cockpit-ai demo``: the demo drive through every node, live, with a report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


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
    p.add_argument("launch_args", nargs="*", metavar="name:=value",
                   help="extra arguments for cockpit.launch.xml")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the demo."""
    from cockpit_ai.demo.runner import DemoError, run_demo

    if args.regenerate:
        from cockpit_ai.demo.drive_bag import make_drive_bag
        from cockpit_ai.paths import data_dir

        make_drive_bag(data_dir(), force=True)
    try:
        result = run_demo(out=args.out, rate=args.rate, report=not args.no_report,
                          ready_timeout_s=args.ready_timeout, launch_args=args.launch_args)
    except DemoError as exc:
        print(f"cockpit-ai demo: {exc}", file=sys.stderr)
        return 1
    turns = result.summary["turns"]
    answered = sum(1 for t in turns if t["answer"])
    print(f"[demo] {len(turns)} questions heard, {answered} answered, "
          f"{len(result.summary['commands'])} vehicle command(s), max fatigue level "
          f"{result.summary['max_fatigue_level']}")
    return result.exit_code
