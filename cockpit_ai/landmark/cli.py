"""``cockpit-ai poi import|query|info``: build and ask the POI database from the shell.

``poi query`` asks through the one search policy (``landmark/policy.py``) that the landmark
node and ``cockpit-ai ask`` use, so the same request gets the same places on every path.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC
from pathlib import Path


def _default_db() -> Path:
    from cockpit_ai.landmark.query import default_db

    return default_db()


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``poi`` and its subcommands to the ``cockpit-ai`` parser."""
    poi = sub.add_parser(
        "poi",
        help="points of interest: import OSM data, query around a position, database info",
        description="Points of interest from OpenStreetMap (© OpenStreetMap contributors, "
        "ODbL 1.0): build the SQLite/R*Tree database and query it like the landmark node.",
    )
    poi_sub = poi.add_subparsers(dest="poi_command", metavar="SUBCOMMAND")
    poi.set_defaults(func=lambda args: (poi.print_help(), 2)[1])
    db_help = "POI database (default: the bundled central-Helsinki one under data_dir()/poi/)"

    imp = poi_sub.add_parser(
        "import",
        help="build a POI database from .osm, .osm.pbf or .geojson files",
        description="Build DB from OSM files. The database is written to a temporary file "
        "and renamed into place only when every file was read; a bad file leaves the old "
        "database as it was. Running it again replaces the database.",
    )
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE", help=".osm/.osm.pbf/.geojson")
    imp.add_argument("--db", type=Path, default=None, help=db_help)
    imp.set_defaults(func=_cmd_import)

    q = poi_sub.add_parser(
        "query",
        help="places around a position and heading, filtered and ranked",
        description="Find places around LAT/LON; sides are relative to HEADING (0 = north, "
        "clockwise). Opening hours are evaluated at each place's local time. Radius, limit, "
        "prominence and the break fallback follow the landmark node's search policy "
        "(landmark/policy.py): --limit 3 without filters is a 'what is that' question "
        "(notable places close by), --category rest_area a break (further; else a cafe or "
        "fuel stop), anything else a search.",
    )
    q.add_argument("--db", type=Path, default=None, help=db_help)
    q.add_argument("--lat", type=float, required=True, help="latitude, degrees")
    q.add_argument("--lon", type=float, required=True, help="longitude, degrees")
    q.add_argument("--heading", type=float, required=True, metavar="DEG",
                   help="vehicle heading, degrees from north, clockwise")  # fmt: skip
    q.add_argument("--side", choices=("right", "left", "ahead", "behind"), default=None,
                   help="only places on this side of the vehicle")  # fmt: skip
    q.add_argument("--radius", type=float, default=0.0, metavar="M",
                   help="search radius in metres (default 0: the policy's for the kind of "
                   "request)")  # fmt: skip
    q.add_argument("--category", default=None, metavar="C[,C...]",
                   help="OSM values, e.g. restaurant,cafe (also amenity=restaurant or a key "
                   "like historic)")  # fmt: skip
    q.add_argument("--diet", default=None, metavar="D[,D...]",
                   help="diet:* tags that must be yes/only: vegan, vegetarian, "
                   "gluten_free, halal, ...")  # fmt: skip
    q.add_argument("--cuisine", default="", help="cuisine value, e.g. pizza")
    q.add_argument("--name", default="", help="case-insensitive part of the name")
    q.add_argument("--open-now", action="store_true",
                   help="only places known to be open at --at (default: now)")  # fmt: skip
    q.add_argument("--at", default=None, metavar="ISO-TIME",
                   help="moment for opening hours, ISO 8601 with offset, e.g. "
                   "2026-11-28T18:00:00Z (default: now)")  # fmt: skip
    q.add_argument("--limit", type=int, default=0, metavar="N",
                   help="at most N results (default 0: the policy's)")  # fmt: skip
    q.add_argument("--json", action="store_true", help="print a JSON list of objects")
    q.set_defaults(func=_cmd_query)

    info = poi_sub.add_parser(
        "info",
        help="counts, sources and attribution of a POI database",
        description="Show what a POI database holds, where it came from and its licence.",
    )
    info.add_argument("--db", type=Path, default=None, help=db_help)
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(func=_cmd_info)


def _fail(message: str) -> int:
    print(f"cockpit-ai poi: {message}", file=sys.stderr)
    return 1


def _cmd_import(args: argparse.Namespace) -> int:
    from cockpit_ai.landmark import LandmarkError
    from cockpit_ai.landmark.osm_import import import_files

    db = args.db or _default_db()
    try:
        import_files(args.files, db, log=lambda m: print(m, file=sys.stderr))
    except LandmarkError as exc:
        return _fail(f"{exc} (database {db} left unchanged)")
    except OSError as exc:
        return _fail(f"{exc} (database {db} left unchanged)")
    return 0


def _cmd_query(args: argparse.Namespace) -> int:
    from datetime import datetime

    from cockpit_ai.landmark import LandmarkError, policy
    from cockpit_ai.landmark.geometry import Side
    from cockpit_ai.landmark.hours import parse_time
    from cockpit_ai.landmark.query import LandmarkFinder, split_list

    if args.radius < 0 or args.limit < 0:
        return _fail("--radius and --limit must be >= 0 (0 = the search policy's)")
    try:
        at = parse_time(args.at) if args.at else datetime.now(UTC)
        request = policy.Search(
            lat=args.lat,
            lon=args.lon,
            heading_deg=args.heading,
            at=at,
            side=Side.parse(args.side) if args.side else None,
            categories=split_list(args.category),
            diets=split_list(args.diet),
            cuisine=args.cuisine,
            name_contains=args.name,
            open_now=args.open_now,
            radius_m=args.radius,
            limit=args.limit,
        )
        with LandmarkFinder(args.db or _default_db()) as finder:
            _, results = policy.search(finder, request)
    except LandmarkError as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps([r.to_json() for r in results], ensure_ascii=False, indent=2))
        return 0
    if not results:
        print("no places match")
        return 0
    for r in results:
        state = {True: "open", False: "closed", None: "hours?"}[r.open]
        extra = []
        if r.diets:
            extra.append("diet:" + ",".join(r.diets))
        if r.cuisine:
            extra.append("cuisine:" + r.cuisine)
        if r.wikidata:
            extra.append(r.wikidata)
        side = r.side.value if r.side else "-"
        print(
            f"{r.distance_m:7.0f} m {r.bearing_deg:5.0f}° {side:6} {state:7} "
            f"{r.category_tag:28} {r.name}" + (f"  [{' '.join(extra)}]" if extra else "")
        )
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    from cockpit_ai.landmark import ATTRIBUTION, LandmarkError
    from cockpit_ai.landmark.store import PoiStore

    db = args.db or _default_db()
    try:
        store = PoiStore(db)
    except LandmarkError as exc:
        return _fail(str(exc))
    try:
        meta = store.meta
        sources = json.loads(meta.get("sources", "[]"))
        info = {
            "db": str(db),
            "pois": store.count(),
            "attribution": meta.get("attribution", ATTRIBUTION),
            "license": meta.get("license", ""),
            "imported_at": meta.get("imported_at", ""),
            "description": meta.get("description", ""),
            "sources": sources,
            "tags": store.tag_counts(
                [
                    "wikidata",
                    "opening_hours",
                    "cuisine",
                    "diet:vegan",
                    "diet:vegetarian",
                    "diet:halal",
                    "diet:gluten_free",
                    "name:en",
                    "wheelchair",
                ]
            ),
            "categories": store.category_counts(),
        }
    finally:
        store.close()
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return 0
    print(f"database:    {info['db']}")
    print(f"POIs:        {info['pois']:,}")
    print(f"imported:    {info['imported_at']}")
    if info["description"]:
        print(f"data:        {info['description']}")
    for s in sources:
        stamp = f", OSM data of {s['osm_timestamp']}" if s.get("osm_timestamp") else ""
        print(f"source:      {s['file']} ({s['kind']}, {s['bytes']:,} bytes, "
              f"sha256 {s['sha256'][:16]}…{stamp}): {s['pois']:,} POIs")  # fmt: skip
    print("tagged:      " + ", ".join(f"{k} {v}" for k, v in info["tags"].items()))
    top = list(info["categories"].items())[:15]
    print("categories:  " + ", ".join(f"{k} {v}" for k, v in top)
          + (" …" if len(info["categories"]) > 15 else ""))  # fmt: skip
    print(f"attribution: {info['attribution']}")
    return 0
