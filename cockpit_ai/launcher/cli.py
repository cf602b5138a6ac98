"""``cockpit-ai launch FILE [name:=value ...]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cockpit_ai.launcher.supervisor import GRACE_S


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``launch`` subcommand."""
    p = sub.add_parser(
        "launch",
        help="run a ROS 2 XML launch file (each node its own process)",
        description="Run a ROS 2 XML launch file like `ros2 launch`: args, let, node, param, "
        "remap, include, group, set_env, respawn. FILE is a path, or PKG FILE to take it "
        "from the package's share/PKG/launch folder.",
    )
    p.add_argument("file", help="launch file path, or a package name followed by a file name")
    p.add_argument("arguments", nargs="*", help="launch arguments as name:=value "
                   "(or a file name when the first argument is a package)")
    p.add_argument("--show-args", action="store_true",
                   help="list the file's arguments with defaults and descriptions, then exit")
    p.add_argument("--print", dest="print_only", action="store_true",
                   help="print the resolved command of every process instead of running them")
    p.add_argument("--grace", type=float, default=GRACE_S,
                   help="seconds to wait after SIGINT before SIGTERM, and before SIGKILL "
                        f"(default {GRACE_S:g})")
    p.set_defaults(func=run)


def _resolve(args: argparse.Namespace) -> tuple[Path, list[str]]:
    path = Path(args.file)
    rest = list(args.arguments)
    if not path.is_file() and rest and ":=" not in rest[0]:
        from cockpit_ai.paths import package_share

        share = package_share(args.file)
        path = share / "launch" / rest[0]
        if not path.exists():
            path = share / rest[0]
        rest = rest[1:]
    return path, rest


def run(args: argparse.Namespace) -> int:
    """Load and run the launch file."""
    from cockpit_ai.launcher.substitutions import LaunchError
    from cockpit_ai.launcher.supervisor import Supervisor
    from cockpit_ai.launcher.xml_launch import describe_args, load_launch

    try:
        path, rest = _resolve(args)
        if args.show_args:
            for name, default, desc in describe_args(path):
                shown = "(required)" if default is None else f"(default: '{default}')"
                print(f"'{name}':\n    {desc or 'no description'}\n    {shown}")
            return 0
        overrides = {}
        for item in rest:
            if ":=" not in item:
                raise LaunchError(f"launch argument '{item}' must look like name:=value")
            key, value = item.split(":=", 1)
            overrides[key] = value
        specs = load_launch(path, overrides)
    except (LaunchError, FileNotFoundError) as exc:
        print(f"cockpit-ai launch: {exc}", file=sys.stderr)
        return 2
    if args.print_only:
        import shlex

        for spec in specs:
            print(f"{spec.name}: {shlex.join(spec.cmd)}" + ("  [respawn]" if spec.respawn else ""))
        return 0
    if not specs:
        print("cockpit-ai launch: the file starts no process", file=sys.stderr)
        return 0
    from cockpit_ai.ros.shm import clean_stale_fastdds_files

    removed = clean_stale_fastdds_files()  # not with COCKPIT_NO_SHM_CLEAN=1 (ros/shm.py)
    if removed:
        print(f"[launcher] removed {len(removed)} stale Fast DDS shared-memory files "
              "(left by killed processes)", flush=True)
    return Supervisor(specs, grace_s=args.grace).run()
