"""The ``cockpit-ai`` command: one entry point, each capability adds its own subcommands.

Every area that has a command line offers ``cockpit_ai/<area>/cli.py`` with
``register(subparsers)``; handlers import heavy libraries only when they run, so
``cockpit-ai --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Areas whose cli.py adds subcommands, in the order they appear in --help.
AREAS = (
    "launcher",
    "bag",
    "topic",
    "lifecycle",
    "speech",
    "vision",
    "landmark",
    "fatigue",
    "planner",
    "route",
    "trips",
    "home",
    "profile",
    "privacy",
    "demo",
    "assets",
)


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every area's subcommands."""
    parser = argparse.ArgumentParser(
        prog="cockpit-ai",
        description="cockpit_ai: in-car AI co-pilot on ROS 2 — launch, record, replay, ask.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for area in AREAS:
        name = f"cockpit_ai.{area}.cli"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name in (name, f"cockpit_ai.{area}"):
                continue  # area not present in this build
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen subcommand; returns the exit code."""
    from cockpit_ai.ros.env import DdsConfigError, apply_dds_defaults

    try:
        apply_dds_defaults()  # before any participant; launched nodes inherit it
    except DdsConfigError as exc:
        print(f"cockpit-ai: {exc}", file=sys.stderr)
        return 2
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
