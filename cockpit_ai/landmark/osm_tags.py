"""Which OpenStreetMap objects are points of interest, and the ``poi`` row each one makes.

The tag rules of the import: the category keys and the values kept for each, which unnamed
objects still count, how notable a place is (``prominence``) and which tags are stored.
Readers (``osm_read``, ``geojson_read``) hand over ``Candidate`` objects; ``osm_import``
turns them into rows with ``poi_row``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

# Main-category keys, in the order that decides which one names the POI.
CATEGORY_KEYS = (
    "amenity", "shop", "tourism", "historic", "leisure", "man_made",
    "railway", "aeroway", "natural", "highway", "building",
)  # fmt: skip
AMENITIES = frozenset([
    "restaurant", "cafe", "fast_food", "bar", "pub", "biergarten", "food_court", "ice_cream",
    "fuel", "charging_station", "parking", "toilets", "pharmacy", "hospital", "clinic",
    "doctors", "dentist", "bank", "atm", "bureau_de_change", "post_office", "police",
    "fire_station", "library", "theatre", "cinema", "arts_centre", "place_of_worship",
    "townhall", "university", "college", "marketplace", "car_wash", "car_rental",
    "bicycle_rental", "ferry_terminal", "bus_station", "community_centre", "nightclub",
    "courthouse", "embassy", "fountain", "veterinary", "drinking_water", "casino",
    "concert_hall", "conference_centre", "events_venue", "planetarium", "public_bath",
    "exhibition_centre",
])  # fmt: skip
LEISURE = frozenset([
    "park", "garden", "stadium", "sports_centre", "marina", "water_park", "nature_reserve",
    "fitness_centre", "ice_rink", "golf_course", "swimming_area", "beach_resort",
    "amusement_arcade", "miniature_golf", "sauna",
])  # fmt: skip
MAN_MADE = frozenset([
    "tower", "lighthouse", "windmill", "water_tower", "observatory", "obelisk", "pier",
])  # fmt: skip
# stops: "is that a bus stop?" asks the map as well as the road camera
RAILWAY = frozenset(["station", "halt", "tram_stop"])
HIGHWAY = frozenset(["rest_area", "services", "bus_stop"])  # rest: where a tired driver can stop
AEROWAY = frozenset(["aerodrome", "terminal"])
NATURAL = frozenset(["peak", "volcano", "beach", "cave_entrance", "waterfall", "arch"])
TOURISM_PROMINENT = frozenset([
    "attraction", "museum", "artwork", "viewpoint", "gallery", "zoo", "theme_park", "aquarium",
    "castle",
])  # fmt: skip
# Useful even without a name ("find parking", "a charger near me").
UNNAMED_OK = frozenset([
    "amenity=parking", "amenity=toilets", "amenity=fuel", "amenity=charging_station",
    "amenity=atm", "amenity=drinking_water", "tourism=viewpoint", "tourism=artwork",
    "man_made=tower", "man_made=lighthouse", "highway=rest_area", "highway=services",
])  # fmt: skip
# Keys whose values count only when listed; shop, tourism and historic take any value.
VALUES = {
    "amenity": AMENITIES, "leisure": LEISURE, "man_made": MAN_MADE, "railway": RAILWAY,
    "highway": HIGHWAY, "aeroway": AEROWAY, "natural": NATURAL,
}  # fmt: skip
KEEP_KEYS = frozenset([
    "name", "alt_name", "old_name", "official_name", "short_name", "loc_name", "cuisine",
    "opening_hours", "wheelchair", "website", "contact:website", "phone", "contact:phone",
    "email", "contact:email", "wikidata", "wikipedia", "brand", "operator", "addr:street",
    "addr:housenumber", "addr:postcode", "addr:city", "takeaway", "delivery", "outdoor_seating",
    "fee", "capacity", "description", "start_date", "heritage", "height", "ele",
    "internet_access", "toilets:wheelchair", "smoking", "level",
])  # fmt: skip
KEEP_PREFIXES = ("name:", "diet:", "fuel:", "socket:", "opening_hours:")
DIET_YES = frozenset({"yes", "only"})

# (osm_id, lat, lon, tags) of an object a reader found; None marks an object it skipped.
Candidate = tuple[str, float, float, dict[str, str]]
# A ``poi`` row in ``store.POI_COLUMNS`` order, then the kept tags as JSON.
ImportRow = tuple[str, str, str, str, str, str, float, float, float, str, str, str, str, str]


def classify(tags: dict[str, str]) -> list[tuple[str, str]]:
    """The POI categories (key, value) of an object's tags, main one first; [] if not a POI."""
    cats: list[tuple[str, str]] = []
    named = bool(tags.get("name"))
    for key in CATEGORY_KEYS:
        value = tags.get(key)
        if not value or value == "no":
            continue
        allowed = VALUES.get(key)
        if allowed is not None and value not in allowed:
            continue
        if key == "building" and not (named and tags.get("wikidata")):
            continue
        cats.append((key, value))
    if not cats:
        return []
    has_name = named or any(tags.get(k, "").strip() for k in tags if k.startswith("name:"))
    if not has_name and not any(f"{k}={v}" in UNNAMED_OK for k, v in cats):
        return []
    return cats


def prominence(tags: dict[str, str], cats: Sequence[tuple[str, str]]) -> float:
    """0..1: how notable a place is for "what is that?" questions."""
    score = 0.0
    if tags.get("wikidata") or tags.get("wikipedia"):
        score += 0.5
    keys = {k for k, _ in cats}
    if "historic" in keys or any(k == "tourism" and v in TOURISM_PROMINENT for k, v in cats):
        score += 0.3
    if tags.get("name:en") or sum(1 for k in tags if k.startswith("name:")) >= 2:
        score += 0.1
    if tags.get("heritage") or any(
        (k, v) in {("man_made", "tower"), ("man_made", "lighthouse"),
                   ("amenity", "place_of_worship")} or k == "building"
        for k, v in cats
    ):  # fmt: skip
        score += 0.1
    return min(score, 1.0)


def poi_row(osm_id: str, lat: float, lon: float, tags: dict[str, str]) -> ImportRow | None:
    """The ``poi`` table row for an object, or None when it is not a point of interest."""
    cats = classify(tags)
    if not cats:
        return None
    kept = {
        k: v for k, v in tags.items() if k in KEEP_KEYS or k.startswith(KEEP_PREFIXES) or
        k in CATEGORY_KEYS
    }  # fmt: skip
    name = (
        tags.get("name")
        or tags.get("name:en")
        or next((v for k, v in sorted(tags.items()) if k.startswith("name:") and v), "")
    )
    cuisines = [c.strip().lower() for c in tags.get("cuisine", "").split(";") if c.strip()]
    diets = sorted(
        k[5:].lower() for k, v in tags.items()
        if k.startswith("diet:") and v.strip().lower() in DIET_YES
    )  # fmt: skip
    key, value = cats[0]
    if value == "yes":  # building=yes, shop=yes: the key says more than the value
        value = key
    return (
        osm_id,
        name,
        tags.get("name:en", ""),
        value,
        key,
        "|" + "|".join(f"{k}={v}".lower().replace("|", "/") for k, v in cats) + "|",
        lat,
        lon,
        prominence(tags, cats),
        tags.get("opening_hours", ""),
        "|" + "|".join(cuisines) + "|" if cuisines else "",
        "|" + "|".join(diets) + "|" if diets else "",
        tags.get("wikidata", ""),
        json.dumps(kept, ensure_ascii=False, separators=(",", ":")),
    )
