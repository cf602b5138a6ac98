"""The POI database: one SQLite file with a ``poi`` table and an R*Tree index on position.

Built only by ``osm_import`` (into a temporary file, renamed into place when complete), read
by ``PoiStore``. Multi-valued fields are stored as ``|a|b|`` strings so a filter is one
``instr()`` in SQL, evaluated only on what the R*Tree returned for the search box.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cockpit_ai.landmark import LandmarkError

SCHEMA_VERSION = "1"

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE poi (
    id INTEGER PRIMARY KEY,
    osm_id TEXT NOT NULL UNIQUE,      -- node/123, way/456, relation/789 or file#index
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
    wikidata TEXT NOT NULL,
    tags TEXT NOT NULL                -- JSON object of the kept tags
);
CREATE VIRTUAL TABLE poi_rtree USING rtree(id, min_lat, max_lat, min_lon, max_lon);
"""

INSERT_SQL = (
    "INSERT OR IGNORE INTO poi (osm_id, name, name_en, category, category_key, categories, "
    "lat, lon, prominence, opening_hours, cuisine, diets, wikidata, tags) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

_COLUMNS = (
    "p.id, p.osm_id, p.name, p.name_en, p.category, p.category_key, p.lat, p.lon, "
    "p.prominence, p.opening_hours, p.cuisine, p.diets, p.wikidata, p.tags"
)


@dataclass(frozen=True)
class PoiRow:
    """One stored POI as the query needs it (tags still JSON text)."""

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
    tags_json: str


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
    conn.executescript(SCHEMA)
    return conn


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
                "SELECT category_key || '=' || category AS c, count(*) AS n FROM poi "
                "GROUP BY c ORDER BY n DESC, c"
            ).fetchall()
        return {c: int(n) for c, n in rows}

    def tag_counts(self, keys: Iterable[str]) -> dict[str, int]:
        """How many POIs carry each of ``keys`` (e.g. diet tags, wikidata)."""
        out: dict[str, int] = {}
        with self._lock:
            for key in keys:
                row = self._conn.execute(
                    "SELECT count(*) FROM poi WHERE json_extract(tags, ?) IS NOT NULL",
                    (f'$."{key}"',),
                ).fetchone()
                out[key] = int(row[0])
        return out

    def candidates(
        self,
        boxes: Sequence[tuple[float, float, float, float]],
        *,
        categories: Sequence[str] = (),
        diets: Sequence[str] = (),
        cuisine: str = "",
        min_prominence: float = 0.0,
    ) -> list[PoiRow]:
        """POIs inside the boxes (min_lat, max_lat, min_lon, max_lon) passing the tag filters."""
        where: list[str] = []
        params: list[object] = []
        if categories:
            parts = []
            for c in categories:
                clause, p = _category_clause(c)
                parts.append(clause)
                params.extend(p)
            where.append("(" + " OR ".join(parts) + ")")
        for diet in diets:
            where.append("instr(p.diets, ?) > 0")
            params.append(f"|{normalise_diet(diet)}|")
        if cuisine.strip():
            where.append("instr(p.cuisine, ?) > 0")
            params.append(f"|{cuisine.strip().lower()}|")
        if min_prominence > 0.0:
            where.append("p.prominence >= ?")
            params.append(min_prominence)
        extra = "".join(f" AND {w}" for w in where)
        sql = (
            f"SELECT {_COLUMNS} FROM poi_rtree r JOIN poi p ON p.id = r.id "
            "WHERE r.max_lat >= ? AND r.min_lat <= ? AND r.max_lon >= ? AND r.min_lon <= ?"
            f"{extra}"
        )
        rows: list[PoiRow] = []
        with self._lock:
            for box in boxes:
                cur = self._conn.execute(sql, (*box, *params))
                rows.extend(PoiRow(*r) for r in cur.fetchall())
        return rows
