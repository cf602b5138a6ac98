"""``cockpit-ai profile show|forget``: what the car knows about a driver, and erasing it.

The same SQLite file the planner keeps the preferences in (``profile_db``; default
``data_dir()/profiles.sqlite``). Bad input: exit code 2 and one line on stderr; a file
that cannot be read or written: exit code 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from cockpit_ai.profile import DEFAULT_DRIVER


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``profile`` and its subcommands to the ``cockpit-ai`` parser."""
    profile = sub.add_parser(
        "profile", help="the driver's preferences: show, forget",
        description="What the co-pilot learned about a driver (diet, favourite cuisines, "
        "home and work places, preferred cabin temperature). Kept in the car only; "
        "'forget' erases it.")
    profile_sub = profile.add_subparsers(dest="profile_command", metavar="SUBCOMMAND")
    profile.set_defaults(func=lambda args: (profile.print_help(), 2)[1])

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--driver", default=DEFAULT_DRIVER,
                       help=f"whose profile (default {DEFAULT_DRIVER!r}, the planner's "
                       "'driver' parameter)")
        p.add_argument("--db", type=Path, default=None,
                       help="profile database (default: data_dir()/profiles.sqlite, as the "
                       "planner's profile_db)")
        p.add_argument("--json", action="store_true", help="print one JSON object")

    show = profile_sub.add_parser("show", help="what is known about the driver")
    common(show)
    show.set_defaults(func=_cmd_show)
    forget = profile_sub.add_parser("forget", help="erase the driver's preferences")
    common(forget)
    forget.add_argument("--all-drivers", action="store_true",
                        help="erase every driver's preferences (--driver is then ignored)")
    forget.set_defaults(func=_cmd_forget)


def _run(args: argparse.Namespace, work: Any) -> int:
    from cockpit_ai.profile import ProfileError, ProfileInputError
    from cockpit_ai.profile.store import ProfileStore

    try:
        return int(work(ProfileStore(args.db)))
    except ProfileInputError as exc:
        print(f"cockpit-ai profile: {exc}", file=sys.stderr)
        return 2
    except ProfileError as exc:
        print(f"cockpit-ai profile: {exc}", file=sys.stderr)
        return 1


def _place(p: Any) -> str:
    return "-" if p is None else f"{p[0]:.5f}, {p[1]:.5f}"


def _cmd_show(args: argparse.Namespace) -> int:
    def work(store: Any) -> int:
        profile = store.get(args.driver)
        if args.json:
            print(json.dumps(profile.to_dict(), ensure_ascii=False))
            return 0
        print(f"driver:       {profile.driver}")
        print(f"diet:         {profile.diet or '-'}")
        print(f"cuisines:     {', '.join(profile.cuisines) or '-'}")
        print(f"home:         {_place(profile.home)}")
        print(f"work:         {_place(profile.work)}")
        t = profile.temperature_c
        print(f"temperature:  {'-' if t is None else f'{t:g} °C'}")
        return 0

    return _run(args, work)


def _cmd_forget(args: argparse.Namespace) -> int:
    def work(store: Any) -> int:
        if args.all_drivers:
            n = store.forget_all()
            out = {"driver": None, "erased": n}
        else:
            n = store.forget(args.driver)
            out = {"driver": args.driver.strip(), "erased": n}
        if args.json:
            print(json.dumps(out))
        else:
            who = "every driver" if args.all_drivers else f"driver {out['driver']!r}"
            print(f"erased {n} preference{'s' * (n != 1)} of {who}")
        return 0

    return _run(args, work)
