"""``cockpit-ai privacy consent give|withdraw|show``, ``privacy forget``, and the leak check
(``privacy capture-server``, ``privacy leak-check``).

Paths default to the planner's parameter file (``--params``, default the installed
``config/planner.param.yaml``): ``consent_db``, ``audit_log``, ``history_db``,
``profile_db``; empty values there mean the car's defaults under ``data_dir()``. Bad
input: exit code 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from cockpit_ai.privacy import DEFAULT_DRIVER, PrivacyInputError


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``privacy`` and its subcommands to the ``cockpit-ai`` parser."""
    privacy = sub.add_parser(
        "privacy", help="consent to the cloud per driver, forget a driver, the leak check",
        description="What the car keeps and sends about its drivers. The cloud stays off "
        "until the driver consents; 'forget' erases dialogue, trips, profile and audit "
        "entries.")
    psub = privacy.add_subparsers(dest="privacy_command", metavar="SUBCOMMAND")
    privacy.set_defaults(func=lambda args: (privacy.print_help(), 2)[1])
    params_help = ("planner parameter file the paths come from (default: the installed "
                   "config/planner.param.yaml)")

    consent = psub.add_parser("consent", help="give, withdraw or show a driver's consent "
                              "to cloud requests")
    consent.add_argument("action", choices=["give", "withdraw", "show"])
    consent.add_argument("--driver", default=DEFAULT_DRIVER,
                         help=f"the driver (default: {DEFAULT_DRIVER!r}, the planner's "
                         "`driver` parameter)")
    consent.add_argument("--db", type=Path, default=None,
                         help="privacy record (default: the planner's consent_db, else "
                         "data_dir()/privacy.sqlite)")
    consent.add_argument("--params", type=Path, default=None, help=params_help)
    consent.add_argument("--json", action="store_true",
                         help="print {driver, cloud, changed_at}")
    consent.set_defaults(func=_cmd_consent)

    forget = psub.add_parser("forget", help="erase a driver's dialogue, trips, profile and "
                             "audit entries")
    forget.add_argument("--driver", default=DEFAULT_DRIVER, help="the driver (exact name)")
    forget.add_argument("--db", type=Path, default=None, help="privacy record")
    forget.add_argument("--trips-db", type=Path, default=None,
                        help="trip history (default: the planner's history_db, else "
                        "data_dir()/trips.sqlite)")
    forget.add_argument("--audit-log", type=Path, default=None,
                        help="cloud audit log (default: the planner's audit_log)")
    forget.add_argument("--profile-db", type=Path, default=None,
                        help="profile store (default: the planner's profile_db, else "
                        "data_dir()/profiles.sqlite)")
    forget.add_argument("--params", type=Path, default=None, help=params_help)
    forget.add_argument("--json", action="store_true",
                        help="print {driver, erased: {dialogue, trips, profile, audit, "
                        "consent}, requested_at}")
    forget.set_defaults(func=_cmd_forget)

    server = psub.add_parser("capture-server", help="a local OpenAI-compatible endpoint "
                             "that records every byte it is sent (for the leak check)")
    server.add_argument("--port", type=int, default=8765, help="TCP port on 127.0.0.1")
    server.add_argument("--record", type=Path, required=True,
                        help="JSONL file: one line per request, its raw bytes")
    server.add_argument("--mode", default="ok",
                        choices=["ok", "http_500", "drop", "drop_mid"],
                        help="how to answer: a valid completion, HTTP 500, hang up at once, "
                        "hang up mid-answer")
    server.add_argument("--seconds", type=float, default=0.0,
                        help="stop after this long (0 = until interrupted)")
    server.set_defaults(func=_cmd_server)

    check = psub.add_parser("leak-check", help="check captured requests: nothing finer "
                            "than the grid, no nearby places or streets, no personal data")
    check.add_argument("record", type=Path, help="the capture-server's JSONL file")
    check.add_argument("--grid-m", type=float, default=1000.0, help="position grid (m)")
    check.add_argument("--demo", action="store_true",
                       help="places and streets near the demo drive are the nearby ones")
    check.add_argument("--near", action="append", default=[], metavar="LAT,LON",
                       help="a position of the drive (repeatable)")
    check.add_argument("--person", action="append", default=[], help="a name never to send")
    check.add_argument("--phone", action="append", default=[], help="a phone never to send")
    check.add_argument("--email", action="append", default=[], help="an address never to send")
    check.add_argument("--plate", action="append", default=[], help="a plate never to send")
    check.add_argument("--json", action="store_true",
                       help="print {requests, leaks: [{kind, value, request, context}]}")
    check.set_defaults(func=_cmd_check)


def _run(fn: Any, args: argparse.Namespace) -> int:
    from cockpit_ai.errors import CockpitError

    try:
        return int(fn(args))
    except CockpitError as exc:
        print(f"cockpit-ai privacy: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, ValueError) else 1


def planner_params(path: Path | None) -> dict[str, Any]:
    """The ``ros__parameters`` of a planner parameter file (the installed one by default)."""
    import yaml

    from cockpit_ai.paths import config_dir

    file = path or config_dir() / "planner.param.yaml"
    try:
        doc = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        params = next(iter(doc.values()))["ros__parameters"]
    except (OSError, yaml.YAMLError, StopIteration, KeyError, TypeError, AttributeError):
        if path is None:
            return {}  # no installed file: the car's defaults
        raise PrivacyInputError(f"{file}: not a planner parameter file") from None
    return dict(params) if isinstance(params, dict) else {}


def _path(given: Path | None, params: dict[str, Any], key: str) -> Path | None:
    if given is not None:
        return given
    value = str(params.get(key) or "")
    return Path(value) if value else None


def _cmd_consent(args: argparse.Namespace) -> int:
    def run(a: argparse.Namespace) -> int:
        from cockpit_ai.privacy.consent import ConsentStore

        store = ConsentStore(_path(a.db, planner_params(a.params), "consent_db"))
        record = (store.give(a.driver) if a.action == "give"
                  else store.withdraw(a.driver) if a.action == "withdraw"
                  else store.show(a.driver))
        if a.json:
            print(json.dumps(record))
        else:
            state = "given" if record["cloud"] else (
                "withdrawn" if record["changed_at"] is not None else "never given")
            print(f"driver {record['driver']}: cloud consent {state} ({store.path})")
        return 0

    return _run(run, args)


def _cmd_forget(args: argparse.Namespace) -> int:
    def run(a: argparse.Namespace) -> int:
        from cockpit_ai.privacy.forget import forget
        from cockpit_ai.trips.cli import default_history_db

        params = planner_params(a.params)
        result = forget(a.driver, privacy_db=_path(a.db, params, "consent_db"),
                        trips_db=_path(a.trips_db, params, "history_db") or default_history_db(),
                        audit_log=_path(a.audit_log, params, "audit_log"),
                        profile_db=_path(a.profile_db, params, "profile_db"))
        if a.json:
            print(json.dumps(result))
        else:
            e = result["erased"]
            print(f"forgot driver {result['driver']}: {e['trips']} trip(s), "
                  f"{e['profile']} preference(s), {e['audit']} audit entr"
                  f"{'y' if e['audit'] == 1 else 'ies'}, consent {e['consent']}; a running "
                  "planner drops its dialogue at its next turn")
        return 0

    return _run(run, args)


def _cmd_server(args: argparse.Namespace) -> int:
    def run(a: argparse.Namespace) -> int:
        from cockpit_ai.privacy.capture import CaptureServer

        a.record.parent.mkdir(parents=True, exist_ok=True)
        try:
            server = CaptureServer(port=a.port, record=a.record, mode=a.mode)
        except OSError as exc:
            raise PrivacyInputError(f"port {a.port}: {exc}") from None
        print(f"capture server on {server.url} ({a.mode}), recording to {a.record}",
              flush=True)
        server.start()
        try:
            end = time.monotonic() + a.seconds if a.seconds > 0 else None
            while end is None or time.monotonic() < end:
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
        print(f"{len(server.requests)} request(s) recorded", flush=True)
        return 0

    return _run(run, args)


def _position(text: str) -> tuple[float, float]:
    try:
        lat, lon = (float(v) for v in text.split(","))
    except ValueError:
        raise PrivacyInputError(f"--near '{text}': expected LAT,LON") from None
    return lat, lon


def _cmd_check(args: argparse.Namespace) -> int:
    def run(a: argparse.Namespace) -> int:
        from cockpit_ai.privacy.capture import (
            check_capture,
            demo_track,
            load_record,
            near_places,
            near_streets,
        )

        requests = load_record(a.record)
        track = [_position(t) for t in a.near] + (demo_track() if a.demo else [])
        leaks = check_capture(
            requests, grid_m=a.grid_m,
            near_places=near_places(track, grid_m=a.grid_m) if track else [],
            streets=near_streets(track, grid_m=a.grid_m) if track else [],
            persons=a.person, phones=a.phone, emails=a.email, plates=a.plate)
        chat = sum(1 for r in requests if r.method == "POST")
        if a.json:
            print(json.dumps({"requests": len(requests), "chat_requests": chat,
                              "leaks": [vars(leak) for leak in leaks]}))
        else:
            for leak in leaks:
                print(leak)
            print(f"{len(requests)} request(s) ({chat} chat), {len(leaks)} leak(s)")
        return 1 if leaks else 0

    return _run(run, args)
