"""`cockpit-ai --help` and `--help` of every subcommand work and exit 0 (the CLI contract)."""

from __future__ import annotations

import argparse
import subprocess

from cockpit_ai.cli import build_parser
from cockpit_ai.testing import cockpit_cmd


def _commands(parser: argparse.ArgumentParser, prefix: list[str]) -> list[list[str]]:
    found = [prefix]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _commands(sub, [*prefix, name])
    return found


def test_every_subcommand_has_help() -> None:
    commands = _commands(build_parser(), [])
    names = {" ".join(c) for c in commands}
    for expected in ("launch", "bag record", "bag play", "bag info", "topic list", "topic echo",
                     "topic hz", "poi import", "poi query", "fatigue measure", "fatigue replay",
                     "ask", "detect", "transcribe", "demo", "assets install", "lifecycle set"):
        assert expected in names, f"missing subcommand: {expected}"
    for cmd in commands:
        res = subprocess.run(cockpit_cmd() + [*cmd, "--help"], capture_output=True, text=True,
                             timeout=60)
        assert res.returncode == 0, (cmd, res.stderr)
        assert "usage: cockpit-ai" in res.stdout
