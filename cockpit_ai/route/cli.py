"""``cockpit-ai route --from LAT,LON --to LAT,LON``: the fastest drive over the street graph.

Exit code 2 with one line on stderr for bad input (unparsable or out-of-range positions, a
position off the streets, no route, an unreadable OSM file).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path


def _position(flag: str, text: str) -> tuple[float, float]:
    """``LAT,LON`` → floats; ``RouteError`` (one line, exit 2) when it is not a position."""
    from cockpit_ai.route import RouteError
    from cockpit_ai.route.graph import check_position

    parts = text.split(",")
    if len(parts) != 2:
        raise RouteError(f"{flag} '{text}': expected LAT,LON, e.g. 60.1699,24.9384")
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        raise RouteError(f"{flag} '{text}': LAT and LON must be numbers") from None
    check_position(lat, lon, what=flag)
    return lat, lon


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``route`` to the ``cockpit-ai`` parser."""
    from cockpit_ai.route.graph import SNAP_M

    route = sub.add_parser(
        "route",
        help="fastest drive between two positions over the OSM street graph",
        description="Fastest route by travel time over the drivable highway=* ways of an OSM "
        "extract (default: the bundled central-Helsinki one), one-way streets honoured; "
        "speeds from maxspeed or a default per road class. Start and goal are snapped onto "
        "the nearest street. © OpenStreetMap contributors, ODbL 1.0.",
    )
    route.add_argument("--from", dest="start", required=True,
                       metavar="LAT,LON", help="start position, degrees")  # fmt: skip
    route.add_argument("--to", dest="goal", required=True,
                       metavar="LAT,LON", help="goal position, degrees")  # fmt: skip
    route.add_argument("--osm", type=Path, default=None, metavar="FILE",
                       help=".osm or .osm.pbf file (default: the bundled Helsinki extract "
                       "under data_dir()/osm/)")  # fmt: skip
    route.add_argument("--snap", type=float, default=SNAP_M, metavar="M",
                       help="how far start and goal may be from a street, metres")  # fmt: skip
    route.add_argument("--name", default="", help="destination name for the spoken summary")
    route.add_argument("--json", action="store_true",
                       help="print JSON: distance_m, duration_s, streets, points [{lat, lon}], "
                       "ways, summary, snap_start_m, snap_goal_m")  # fmt: skip
    route.set_defaults(func=_cmd_route)


def _cmd_route(args: argparse.Namespace) -> int:
    from cockpit_ai.route import RouteError
    from cockpit_ai.route.graph import StreetGraph, default_graph
    from cockpit_ai.route.spoken import describe

    try:
        if not (args.snap > 0 and math.isfinite(args.snap)):
            raise RouteError(f"--snap {args.snap}: must be a positive number of metres")
        start, goal = _position("--from", args.start), _position("--to", args.goal)
        graph = StreetGraph.load(args.osm) if args.osm else default_graph()
        route = graph.route(start, goal, snap_m=args.snap)
    except RouteError as exc:
        print(f"cockpit-ai route: {exc}", file=sys.stderr)
        return 2
    summary = describe(route, args.name)
    if args.json:
        print(json.dumps({**route.as_dict(), "summary": summary}, ensure_ascii=False))
        return 0
    print(summary)
    for street in route.streets:
        print(f"  {street}")
    return 0
