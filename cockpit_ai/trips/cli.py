"""``cockpit-ai trips list|add|forget|predict``: the trip history from the shell.

The same SQLite file the trips node writes (``history_db``; default
``data_dir()/trips.sqlite``). Bad input: exit code 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cockpit_ai.trips import TripsInputError as _Bad  # one line for stderr, exit code 2


def default_history_db() -> Path:
    from cockpit_ai.paths import data_dir

    return data_dir() / "trips.sqlite"


def _position(flag: str, text: str) -> tuple[float, float]:
    from cockpit_ai.trips.detector import good_position

    parts = text.split(",")
    try:
        lat, lon = float(parts[0]), float(parts[1])
        if len(parts) != 2:
            raise ValueError
    except (ValueError, IndexError):
        raise _Bad(f"{flag} '{text}': expected LAT,LON, e.g. 60.1699,24.9384") from None
    if not good_position(lat, lon):
        raise _Bad(f"{flag} '{text}': not a position on Earth")
    return lat, lon


def _time(flag: str, text: str) -> datetime:
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise _Bad(f"{flag} '{text}': expected an ISO time, e.g. 2026-12-03T08:15+02:00") from None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``trips`` and its subcommands to the ``cockpit-ai`` parser."""
    trips = sub.add_parser(
        "trips", help="the trip history: list, add, forget, predict the usual destination",
        description="The car's trip history (SQLite; the trips node records it from fix and "
        "odom). It stays in the car; 'forget' erases it.")
    trips_sub = trips.add_subparsers(dest="trips_command", metavar="SUBCOMMAND")
    trips.set_defaults(func=lambda args: (trips.print_help(), 2)[1])
    db_help = "trip history database (default: data_dir()/trips.sqlite, as the trips node)"

    ls = trips_sub.add_parser("list", help="the recorded trips, oldest first")
    ls.add_argument("--db", type=Path, default=None, help=db_help)
    ls.add_argument("--json", action="store_true",
                    help="one JSON array: start_time, end_time, start, end {lat, lon}, "
                    "destination_name, distance_m, route_ways (+ route_streets, duration_s)")
    ls.set_defaults(func=_cmd_list)

    add = trips_sub.add_parser(
        "add", help="add a trip (for scripts: seeding a history)",
        description="Add one trip. Distance, duration, streets and OSM ways come from the "
        "fastest route on the bundled street graph (straight line when there is none); the "
        "destination name from the POI database. --end defaults to --start + the duration.")
    add.add_argument("--from", dest="origin", required=True, metavar="LAT,LON")
    add.add_argument("--to", dest="goal", required=True, metavar="LAT,LON")
    add.add_argument("--start", required=True, metavar="ISO", help="start time (ISO 8601)")
    add.add_argument("--end", default=None, metavar="ISO", help="end time (ISO 8601)")
    add.add_argument("--name", default=None, help="destination name (default: the nearest "
                     "named place)")
    add.add_argument("--db", type=Path, required=True, help="trip history database")
    add.add_argument("--json", action="store_true", help="print the trip as JSON")
    add.set_defaults(func=_cmd_add)

    forget = trips_sub.add_parser("forget", help="erase trips: all, or those before a time")
    which = forget.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="erase every trip")
    which.add_argument("--before", metavar="ISO", help="erase trips that started before this")
    forget.add_argument("--db", type=Path, required=True, help="trip history database")
    forget.set_defaults(func=_cmd_forget)

    pred = trips_sub.add_parser(
        "predict", help="the likely destination from here at a time",
        description="The usual destination for a trip starting at LAT/LON at --at (weekday, "
        "time of day and start place of past trips; the timezone of --at is the driver's).")
    pred.add_argument("--db", type=Path, default=None, help=db_help)
    pred.add_argument("--lat", type=float, required=True, help="start latitude, degrees")
    pred.add_argument("--lon", type=float, required=True, help="start longitude, degrees")
    pred.add_argument("--at", required=True, metavar="ISO", help="start time (ISO 8601)")
    pred.add_argument("--json", action="store_true",
                      help="destination_name, lat, lon, probability (+ trips, usual_streets, "
                      "usual_duration_s); null when there is no usual destination")
    pred.set_defaults(func=_cmd_predict)


def _run(fn: Any, args: argparse.Namespace) -> int:
    from cockpit_ai.trips import TripsError

    try:
        return int(fn(args) or 0)
    except (_Bad, TripsError) as exc:
        print(f"cockpit-ai trips: {exc}", file=sys.stderr)
        return 2


def _store(path: Path | None) -> Any:
    from cockpit_ai.trips.store import TripStore

    # the shell shows what is there; retention is the node's job (it applies it on write)
    return TripStore(path or default_history_db(), retention_days=36500)


def _cmd_list(args: argparse.Namespace) -> int:
    def run(a: argparse.Namespace) -> int:
        trips = _store(a.db).list()
        if a.json:
            print(json.dumps([t.to_dict() for t in trips], indent=1))
            return 0
        for t in trips:
            name = t.destination_name or f"{t.end[0]:.5f},{t.end[1]:.5f}"
            print(f"{t.start_time:%Y-%m-%d %H:%M} → {t.end_time:%H:%M}  {name}  "
                  f"{t.distance_m / 1000:.1f} km  {' / '.join(t.route_streets[:4])}")
        if not trips:
            print("no trips recorded")
        return 0

    return _run(run, args)


def _cmd_add(args: argparse.Namespace) -> int:
    def run(a: argparse.Namespace) -> int:
        from cockpit_ai.trips.detector import distance_m
        from cockpit_ai.trips.store import StoredTrip

        origin, goal = _position("--from", a.origin), _position("--to", a.goal)
        start = _time("--start", a.start)
        ways: list[int] = []
        streets: list[str] = []
        try:
            from cockpit_ai.route.graph import default_graph

            route = default_graph().route(origin, goal)
            dist, duration, ways, streets = (route.distance_m, route.duration_s,
                                             list(route.ways), list(route.streets))
        except Exception:  # off the map: a straight line at 30 km/h
            dist = distance_m(origin, goal)
            duration = dist / (30 / 3.6)
        end = _time("--end", a.end) if a.end else start + timedelta(seconds=duration)
        if end < start:
            raise _Bad("--end is before --start")
        name = a.name
        if name is None:
            from cockpit_ai.trips.places import PlaceNames

            names = PlaceNames()
            name = names(*goal)
            names.close()
        trip = StoredTrip(start, end, origin, goal, dist, (end - start).total_seconds(),
                          name, ways, streets)
        new = _store(a.db).add(trip)
        if a.json:
            print(json.dumps({**trip.to_dict(), "added": new}))
        else:
            print(("added: " if new else "already recorded: ")
                  + f"{trip.start_time.isoformat()} → {name or 'unnamed place'}, "
                  f"{dist / 1000:.1f} km")
        return 0

    return _run(run, args)


def _cmd_forget(args: argparse.Namespace) -> int:
    def run(a: argparse.Namespace) -> int:
        before = _time("--before", a.before) if a.before else None
        n = _store(a.db).forget(before=before)
        print(f"forgot {n} trip{'s' if n != 1 else ''}")
        return 0

    return _run(run, args)


def _cmd_predict(args: argparse.Namespace) -> int:
    def run(a: argparse.Namespace) -> int:
        from cockpit_ai.trips.predict import predict

        at = _time("--at", a.at)
        _position("--lat/--lon", f"{a.lat},{a.lon}")
        p = predict(_store(a.db).list(), lat=a.lat, lon=a.lon, at=at)
        if a.json:
            print(json.dumps(p.to_dict() if p else None))
        elif p is None:
            print("no usual destination for this place and time")
        else:
            via = f" via {', '.join(p.usual_streets[:3])}" if p.usual_streets else ""
            print(f"{p.destination_name or f'{p.lat:.5f},{p.lon:.5f}'} "
                  f"(probability {p.probability:.2f}, {p.trips} trips){via}")
        return 0

    return _run(run, args)
