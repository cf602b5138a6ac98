"""The POI database: one SQLite file with a ``poi`` table and an R*Tree index.

The R*Tree has three dimensions: latitude, longitude and a category code, so "restaurants
within 500 m" is one index range, not a scan of everything nearby. A POI has one index
entry per category (entry id = POI id << 8 | n), one more per category and offered diet
(code for "vegan + amenity=restaurant"), and one under ``notable=yes`` when its prominence
is at least ``NOTABLE``: "a vegan restaurant" and "what is that landmark?" are index ranges
too. Codes are ordered by (diet, key, value), so a key or a diet alone is one range.
Measured on SQLite 3.40: a 3-D tree answers such a range in ~0.05 ms where a 4-D tree with
prominence as a dimension, or auxiliary columns, took 5-8 ms. Further diets and cuisines
are ``|a|b|`` strings checked with ``instr()`` on the few rows the index returns.

Written only by ``osm_import`` (``create``, ``insert_rows``, ``SPATIAL_ORDER_SQL``,
``build_index``, into a temporary file renamed into place when complete), read by ``PoiStore``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit_ai.landmark import LandmarkError

if TYPE_CHECKING:
    from cockpit_ai.landmark.osm_tags import ImportRow

SCHEMA_VERSION = "2"

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE poi (
    id INTEGER PRIMARY KEY,
    osm_id TEXT NOT NULL,             -- node/123, way/456, relation/789 or file#index
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    category TEXT NOT NULL,           -- OSM value of the main category, e.g. restaurant
    category_key TEXT NOT NULL,       -- its key, e.g. amenity
    categories TEXT NOT NULL,         -- every category as |key=value|...|
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    prominence REAL NOT NULL,         -- 0..1: wikidata, tourism, historic, ...
    opening_hours TEXT NOT NULL,
    cuisine TEXT NOT NULL,            -- |pizza|italian|
    diets TEXT NOT NULL,              -- diet:* that are yes/only, as |vegan|vegetarian|
    wikidata TEXT NOT NULL
);
-- Tags apart from the row: keeps ``poi`` rows small, so index hits touch fewer pages.
CREATE TABLE poi_tags (id INTEGER PRIMARY KEY, tags TEXT NOT NULL);  -- JSON object
CREATE TABLE category (
    code INTEGER PRIMARY KEY,         -- ordered by diet, key, value ('' diet first)
    diet TEXT NOT NULL,               -- '' for the plain category
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    UNIQUE (diet, key, value)
);
CREATE VIRTUAL TABLE poi_rtree USING rtree(
    id, min_lat, max_lat, min_lon, max_lon, min_cat, max_cat
);
"""

RTREE_INSERT_SQL = (
    "INSERT INTO poi_rtree (id, min_lat, max_lat, min_lon, max_lon, min_cat, max_cat) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
ENTRY_SHIFT = 8  # index entry id = poi id << 8 | n: at most 256 entries per POI
NOTABLE = 0.5  # prominence from which a POI is also indexed under notable=yes
NOTABLE_CATEGORY = ("notable", "yes")

POI_COLUMNS = (
    "osm_id, name, name_en, category, category_key, categories, lat, lon, prominence, "
    "opening_hours, cuisine, diets, wikidata"
)
# Import stages rows in the temp schema, then copies them into ``poi`` in spatial order
# (0.01° cells, ~1 km): neighbours share pages, so a query touches few of them.
STAGE_SQL = f"""
CREATE TEMP TABLE poi_stage AS SELECT id, {POI_COLUMNS} FROM poi WHERE 0;
CREATE TEMP TABLE tags_stage (id INTEGER PRIMARY KEY, tags TEXT NOT NULL);
"""
INSERT_SQL = f"INSERT INTO poi_stage (id, {POI_COLUMNS}) VALUES ({', '.join('?' * 14)})"
SPATIAL_ORDER_SQL = f"""
CREATE TEMP TABLE poi_order AS SELECT id AS old, row_number() OVER (
    ORDER BY CAST((lat + 90.0) * 100 AS INTEGER), CAST((lon + 180.0) * 100 AS INTEGER), lon, lat
) AS new FROM poi_stage;
INSERT INTO poi (id, {POI_COLUMNS})
    SELECT o.new, {", ".join("s." + c.strip() for c in POI_COLUMNS.split(","))}
    FROM poi_order o JOIN poi_stage s ON s.id = o.old ORDER BY o.new;
INSERT INTO poi_tags (id, tags)
    SELECT o.new, t.tags FROM poi_order o JOIN tags_stage t ON t.id = o.old ORDER BY o.new;
DROP TABLE poi_order;
DROP TABLE poi_stage;
DROP TABLE tags_stage;
"""
TAGS_INSERT_SQL = "INSERT INTO tags_stage (id, tags) VALUES (?, ?)"

_COLUMNS = (
    "p.id, p.osm_id, p.name, p.name_en, p.category, p.category_key, p.lat, p.lon, "
    "p.prominence, p.opening_hours, p.cuisine, p.diets, p.wikidata"
)


@dataclass(frozen=True)
class PoiRow:
    """One stored POI as the query needs it (its tags are fetched only for the answer)."""

    rowid: int
    osm_id: str
    name: str
    name_en: str
    category: str
    category_key: str
    lat: float
    lon: float
    prominence: float
    opening_hours: str
    cuisine: str
    diets: str
    wikidata: str


def normalise_diet(text: str) -> str:
    """``"Gluten-free"`` / ``"diet:vegan"`` → ``"gluten_free"`` / ``"vegan"``."""
    value = text.strip().lower()
    if value.startswith("diet:"):
        value = value[5:]
    return value.replace("-", "_").replace(" ", "_")


def _category_clause(category: str) -> tuple[str, list[str]]:
    """SQL matching one --category: ``restaurant``, ``amenity=restaurant`` or a key ``historic``."""
    c = category.strip().lower()
    if "=" in c:
        return "instr(p.categories, ?) > 0", [f"|{c}|"]
    return "(instr(p.categories, ?) > 0 OR instr(p.categories, ?) > 0)", [f"={c}|", f"|{c}="]


def create(path: Path) -> sqlite3.Connection:
    """A new, empty database at ``path`` (which must not exist), tuned for bulk loading."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-262144")  # 256 MB: R*Tree inserts revisit many nodes
    conn.executescript(SCHEMA)
    conn.executescript(STAGE_SQL)
    return conn


def insert_rows(conn: sqlite3.Connection, batch: Sequence[ImportRow], first_id: int) -> None:
    """Stage ``osm_tags.poi_row`` rows (tags JSON last) with ids from ``first_id`` on."""
    conn.executemany(INSERT_SQL, [(first_id + i, *row[:-1]) for i, row in enumerate(batch)])
    conn.executemany(TAGS_INSERT_SQL, [(first_id + i, row[-1]) for i, row in enumerate(batch)])


def build_index(conn: sqlite3.Connection) -> None:
    """Category codes, ordered by (diet, key, value), and the R*Tree entries of every POI."""
    found: set[tuple[str, str, str]] = {("", *NOTABLE_CATEGORY)}
    for cats, diets in conn.execute("SELECT DISTINCT categories, diets FROM poi"):
        for kv in cats.strip("|").split("|"):
            key, _, value = kv.partition("=")
            for diet in ("", *(d for d in diets.split("|") if d)):
                found.add((diet, key, value))
    codes = {dkv: code for code, dkv in enumerate(sorted(found), start=1)}
    conn.executemany(
        "INSERT INTO category (code, diet, key, value) VALUES (?, ?, ?, ?)",
        [(code, *dkv) for dkv, code in codes.items()],
    )
    notable = codes[("", *NOTABLE_CATEGORY)]
    limit = 1 << ENTRY_SHIFT
    batch: list[tuple[int, float, float, float, float, int, int]] = []
    cur = conn.execute("SELECT id, lat, lon, categories, diets, prominence FROM poi")
    for poi_id, lat, lon, cats, diets, prom in cur:
        entry = poi_id << ENTRY_SHIFT
        entry_codes = [notable] if prom >= NOTABLE else []
        for kv in cats.strip("|").split("|"):
            key, _, value = kv.partition("=")
            for diet in ("", *(d for d in diets.split("|") if d)):
                entry_codes.append(codes[(diet, key, value)])
        for n, code in enumerate(entry_codes[:limit]):
            batch.append((entry + n, lat, lat, lon, lon, code, code))
        if len(batch) >= 20000:
            conn.executemany(RTREE_INSERT_SQL, batch)
            batch.clear()
    if batch:
        conn.executemany(RTREE_INSERT_SQL, batch)


class PoiStore:
    """Read-only access to a POI database; safe to share between threads."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise LandmarkError(
                f"POI database not found: {self.path}; run `make setup` for the bundled one "
                "or build one with `cockpit-ai poi import FILE --db PATH`"
            )
        self._lock = threading.Lock()
        try:
            self._conn = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
            meta = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
            # Index hits are random row lookups: map the file and keep hot pages in memory.
            self._conn.execute("PRAGMA mmap_size = 1073741824")
            self._conn.execute("PRAGMA cache_size = -65536")
        except sqlite3.DatabaseError as exc:
            raise LandmarkError(
                f"{self.path} is not a cockpit_ai POI database ({exc}); "
                "rebuild it with `cockpit-ai poi import FILE --db PATH`"
            ) from None
        if meta.get("schema_version") != SCHEMA_VERSION:
            raise LandmarkError(
                f"{self.path} has POI schema {meta.get('schema_version')!r}, this code reads "
                f"{SCHEMA_VERSION!r}; rebuild it with `cockpit-ai poi import`"
            )
        self.meta = meta
        self._ranges: dict[tuple[tuple[str, ...], str], list[tuple[int, int]]] = {}
        self.codes: dict[tuple[str, str, str], int] = {
            (d, k, v): int(code)
            for code, d, k, v in self._conn.execute("SELECT code, diet, key, value FROM category")
        }

    def category_codes(self, categories: Sequence[str], diet: str = "") -> list[tuple[int, int]]:
        """Code ranges for categories (``restaurant``, ``amenity=restaurant`` or a key such
        as ``historic``; none = any) offering ``diet`` ('' = regardless of diet)."""
        key = (tuple(categories), diet)
        if key not in self._ranges:  # a walk over every code: remembered per question
            if len(self._ranges) > 1024:
                self._ranges.clear()
            self._ranges[key] = self._category_codes(categories, diet)
        return self._ranges[key]

    def _category_codes(self, categories: Sequence[str], diet: str) -> list[tuple[int, int]]:
        wanted = []
        for raw in categories:
            c = raw.strip().lower()
            key, sep, value = c.partition("=")
            wanted.append((key.strip(), value.strip()) if sep else (c, None))
        codes: set[int] = set()
        for (d, k, v), code in self.codes.items():
            if d != diet or (d == "" and (k, v) == NOTABLE_CATEGORY and not categories):
                continue
            if not wanted or any(
                (k, v) == w if w[1] is not None else w[0] in (k, v) for w in wanted
            ):
                codes.add(code)
        ranges: list[tuple[int, int]] = []
        for code in sorted(codes):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
        return ranges

    def close(self) -> None:
        """Release the SQLite connection."""
        with self._lock:
            self._conn.close()

    def count(self) -> int:
        """Number of POIs."""
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM poi").fetchone()[0])

    def category_counts(self) -> dict[str, int]:
        """POIs per main category (``key=value``), most frequent first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT category_key || '=' || "
                "CASE WHEN category = category_key THEN 'yes' ELSE category END AS c, "
                "count(*) AS n FROM poi "
                "GROUP BY c ORDER BY n DESC, c"
            ).fetchall()
        return {c: int(n) for c, n in rows}

    def tag_counts(self, keys: Iterable[str]) -> dict[str, int]:
        """How many POIs carry each of ``keys`` (e.g. diet tags, wikidata)."""
        out: dict[str, int] = {}
        with self._lock:
            for key in keys:
                row = self._conn.execute(
                    "SELECT count(*) FROM poi_tags WHERE json_extract(tags, ?) IS NOT NULL",
                    (f'$."{key}"',),
                ).fetchone()
                out[key] = int(row[0])
        return out

    def tags(self, rowid: int) -> dict[str, str]:
        """The kept OSM tags of one POI."""
        with self._lock:
            row = self._conn.execute("SELECT tags FROM poi_tags WHERE id = ?", (rowid,)).fetchone()
        return json.loads(row[0]) if row else {}

    def candidates(
        self,
        boxes: Sequence[tuple[float, float, float, float]] | None,
        *,
        categories: Sequence[str] = (),
        diets: Sequence[str] = (),
        cuisine: str = "",
        min_prominence: float = 0.0,
        with_hours: bool = False,
    ) -> list[PoiRow]:
        """POIs inside the boxes (min_lat, max_lat, min_lon, max_lon) passing the tag filters.

        ``with_hours`` keeps only POIs with opening hours (an "open now" question).
        ``boxes=None`` scans the whole table without the index (the benchmark's baseline).
        A POI may come back more than once (one index entry per category).
        """
        where: list[str] = []
        params: list[object] = []
        for diet in diets:
            where.append("instr(p.diets, ?) > 0")
            params.append(f"|{normalise_diet(diet)}|")
        if cuisine.strip():
            where.append("instr(p.cuisine, ?) > 0")
            params.append(f"|{cuisine.strip().lower()}|")
        if min_prominence > 0.0:
            where.append("p.prominence >= ?")
            params.append(min_prominence)
        if with_hours:
            where.append("p.opening_hours != ''")
        if boxes is None:
            return self._scan(categories, where, params)
        first_diet = normalise_diet(diets[0]) if diets else ""
        notable = ("", *NOTABLE_CATEGORY)
        if first_diet or categories:
            ranges = self.category_codes(categories, first_diet)
            if not ranges:
                return []  # no such category (offering that diet) in this database
        elif min_prominence >= NOTABLE and notable in self.codes:
            ranges = [(self.codes[notable], self.codes[notable])]
        else:
            ranges = [(0, 1 << 62)]
        extra = "".join(f" AND {w}" for w in where)
        sql = (
            f"SELECT {_COLUMNS} FROM poi_rtree r JOIN poi p ON p.id = (r.id >> {ENTRY_SHIFT}) "
            "WHERE r.max_lat >= ? AND r.min_lat <= ? AND r.max_lon >= ? AND r.min_lon <= ? "
            f"AND r.max_cat >= ? AND r.min_cat <= ?{extra}"
        )
        rows: list[PoiRow] = []
        with self._lock:
            for box in boxes:
                for low, high in ranges:
                    cur = self._conn.execute(sql, (*box, low, high, *params))
                    rows.extend(PoiRow(*r) for r in cur.fetchall())
        return rows

    def _scan(
        self, categories: Sequence[str], where: list[str], params: list[object]
    ) -> list[PoiRow]:
        where = list(where)
        params = list(params)
        if categories:
            parts = []
            for c in categories:
                clause, p = _category_clause(c)
                parts.append(clause)
                params.extend(p)
            where.append("(" + " OR ".join(parts) + ")")
        extra = "".join(f" AND {w}" for w in where)
        with self._lock:
            cur = self._conn.execute(f"SELECT {_COLUMNS} FROM poi p WHERE 1{extra}", params)
            return [PoiRow(*r) for r in cur.fetchall()]
