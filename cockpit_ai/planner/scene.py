"""What the road camera sees, beside the map: answers that use both.

The vision node gives each detection a bearing from the car (box centre through the
camera's field of view plus its mounting yaw, ``Detection.bearing_deg``). The planner keeps
the road camera's objects with their frame's stamp (:class:`SeenObject`); a question uses
only those of a frame at most ``max_age_s`` older than the question (:func:`fresh`), so a
camera that stopped, or a frame from before a long pause, is never described as "now".

Two kinds of question use the camera:

- "what is that on my right?" (the landmark tool): the objects on that side now, nearest
  first, then the map's places there ("On your right I can see a bus, and behind it
  Ateneum (museum), 40 metres away.", :func:`fuse_landmark_answer`);
- "is that a bus stop?" / "is that a bus on the left?" (:func:`kind_question`): the camera
  for what it can see (COCO classes) and the map for what it knows (POI categories);
  the answer says which of the two agrees (:func:`kind_answer`).

Plain Python: no ROS, no model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cockpit_ai.enums import WireSide
from cockpit_ai.planner.answers import distance_text, kind_text
from cockpit_ai.planner.tools import LandmarkRequest, Place, ToolCall

#: How old the newest road-camera frame may be against the question's stamp (seconds);
#: the planner node's ``detection_max_age_s``.
MAX_AGE_S = 3.0
#: Within this many degrees of the car's axis an object is ahead, not on a side. The road
#: camera sees about ±45°, the landmark node's sides start at 30°: a bus 15° to the right
#: is what a driver calls "on my right".
AHEAD_DEG = 8.0
#: "Is that a bus stop?": a place of that kind counts as "that" within this distance; the
#: map is asked this far (to say where the nearest one is when none is that close).
NEAR_M = 150.0
KIND_RADIUS_M = 600.0

# The kinds of thing a driver asks "is that a …?" about: the map categories (LandmarkQuery
# categories) and the road camera's classes (COCO) that answer for it.
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "bus stop": (("bus_stop", "bus_station"), ("bus",)),
    "bus station": (("bus_station",), ("bus",)),
    "tram stop": (("tram_stop",), ()),
    "train station": (("station",), ()),
    "railway station": (("station",), ()),
    "bus": ((), ("bus",)),
    "tram": ((), ()),
    "truck": ((), ("truck",)),
    "lorry": ((), ("truck",)),
    "car": ((), ("car",)),
    "taxi": ((), ("car",)),
    "bike": ((), ("bicycle",)),
    "bicycle": ((), ("bicycle",)),
    "cyclist": ((), ("bicycle",)),
    "motorbike": ((), ("motorcycle",)),
    "motorcycle": ((), ("motorcycle",)),
    "person": ((), ("person",)),
    "pedestrian": ((), ("person",)),
    "traffic light": ((), ("traffic light",)),
    "stop sign": ((), ("stop sign",)),
    "church": (("place_of_worship",), ()),
    "cathedral": (("place_of_worship",), ()),
    "museum": (("museum",), ()),
    "hotel": (("hotel",), ()),
    "restaurant": (("restaurant",), ()),
    "cafe": (("cafe",), ()),
    "café": (("cafe",), ()),
    "pharmacy": (("pharmacy",), ()),
    "hospital": (("hospital",), ()),
    "park": (("park",), ()),
    "statue": (("artwork",), ()),
    "monument": (("memorial",), ()),
    "theatre": (("theatre",), ()),
    "library": (("library",), ()),
    "petrol station": (("fuel",), ()),
    "gas station": (("fuel",), ()),
    "charging station": (("charging_station",), ()),
    "car park": (("parking",), ()),
    "parking": (("parking",), ()),
}
#: Class names as a driver says them.
_SPOKEN = {"traffic light": "traffic light", "stop sign": "stop sign", "bicycle": "bicycle",
           "motorcycle": "motorbike", "person": "person"}
_PLURAL = {"person": "people", "bus": "buses"}

_SIDE_RX = (r"(?: (?:on|to) (?:my|the|our) (?P<side>left|right)| (?P<ahead>ahead|in front"
            r"(?: of us)?|straight ahead)| (?:over )?there)?")
_KIND_RX = re.compile(
    r"^(?:hey \w+ )?(?:is|was) (?:that|this|it) (?:really )?(?:a|an) (?P<noun>"
    + "|".join(sorted((re.escape(k) for k in KINDS), key=len, reverse=True))
    + r")" + _SIDE_RX + r"$")


@dataclass(frozen=True)
class SeenObject:
    """One object of one road-camera frame: what, where from the car and how near."""

    class_name: str
    bearing_deg: float  # from the car's forward axis, positive = right (NaN = unknown)
    height_frac: float  # box height / image height: a bigger box is nearer
    score: float
    stamp_ns: int  # the frame's stamp
    track_id: int = -1


@dataclass(frozen=True)
class KindQuestion:
    """"Is that a bus stop on my right?": the noun, the side and what can answer it."""

    noun: str
    side: str  # "any", "left", "right", "ahead"
    categories: tuple[str, ...]  # map (LandmarkQuery categories); () = the map cannot say
    classes: tuple[str, ...]  # road camera (COCO); () = the camera cannot say


def seen_objects(detections: Iterable[Any], *, image_height_px: float,
                 stamp_ns: int) -> list[SeenObject]:
    """SeenObjects of one frame from detections (``cockpit_ai/Detection`` messages or the
    vision core's ``Detection``: ``class_name``, ``bearing_deg``, ``height_px``, ``score``,
    ``track_id``)."""
    h = float(image_height_px) if image_height_px and image_height_px > 0 else 0.0
    return [SeenObject(class_name=str(d.class_name), bearing_deg=float(d.bearing_deg),
                       height_frac=(float(d.height_px) / h if h else 0.0),
                       score=float(d.score), stamp_ns=int(stamp_ns),
                       track_id=int(getattr(d, "track_id", -1)))
            for d in detections if d.class_name]


def fresh(objects: Iterable[SeenObject], *, at_ns: int,
          max_age_s: float = MAX_AGE_S) -> list[SeenObject]:
    """The objects of frames at most ``max_age_s`` older than ``at_ns`` (the question's
    stamp) and not after it; ``at_ns`` 0 (no stamp) keeps them all."""
    if at_ns <= 0:
        return list(objects)
    oldest = at_ns - int(max_age_s * 1e9)
    return [o for o in objects if oldest <= o.stamp_ns <= at_ns]


def camera_side(bearing_deg: float, *, ahead_deg: float = AHEAD_DEG) -> str:
    """"left", "right" or "ahead" for a bearing ("" when unknown or behind)."""
    if not math.isfinite(bearing_deg) or abs(bearing_deg) >= 150.0:
        return ""
    if abs(bearing_deg) < ahead_deg:
        return "ahead"
    return "right" if bearing_deg > 0 else "left"


def on_side(objects: Iterable[SeenObject], side: str, *,
            classes: tuple[str, ...] = ()) -> list[SeenObject]:
    """The objects on ``side`` ("any": all with a bearing), of ``classes`` if given,
    nearest (largest box) first."""
    found = [o for o in objects
             if (side == "any" and camera_side(o.bearing_deg))
             or camera_side(o.bearing_deg) == side]
    if classes:
        found = [o for o in found if o.class_name in classes]
    return sorted(found, key=lambda o: (-o.height_frac, -o.score))


def _spoken(name: str) -> str:
    return _SPOKEN.get(name, name)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def describe_objects(objects: list[SeenObject], *, most: int = 2) -> str:
    """"a bus", "a bus and two cars", "two people": the classes in order of the nearest."""
    counts: dict[str, int] = {}
    for o in objects:
        counts[o.class_name] = counts.get(o.class_name, 0) + 1
    numbers = {2: "two", 3: "three", 4: "four", 5: "five"}
    parts = []
    for name, n in list(counts.items())[:most]:
        word = _spoken(name)
        if n == 1:
            parts.append(f"{_article(word)} {word}")
        else:
            plural = _PLURAL.get(word, word + "s")
            parts.append(f"{numbers.get(n, 'several')} {plural}")
    return " and ".join(parts)


def _where(side: str) -> str:
    return {"right": "on your right", "left": "on your left", "ahead": "ahead"}.get(side, "")


def fuse_landmark_answer(side: str, seen: list[SeenObject], places: list[Place]) -> str:
    """"what is that on my right?" with the camera's objects on that side now and the map's
    places there, or "" when the camera sees nothing there (the map's answer stands)."""
    objects = on_side(seen, side) if side in ("left", "right", "ahead") else []
    if not objects:
        return ""
    where = _where(side)
    things = describe_objects(objects)
    if not places:
        return f"{where.capitalize()} I can see {things}."
    p = places[0]
    answer = (f"{where.capitalize()} I can see {things}, and behind "
              f"{'it' if len(objects) == 1 else 'them'} {p.name} ({kind_text(p)}), "
              f"{distance_text(p.distance_m)} away.")
    if len(places) > 1:
        answer += " Also there: " + ", ".join(q.name for q in places[1:3]) + "."
    return answer


def kind_question(text: str) -> KindQuestion | None:
    """"Is that a bus stop?", "is this a church on the left", "was that a bus ahead": the
    kind asked about and the side (None for anything else)."""
    t = re.sub(r"[^\w\s'é]", " ", text.lower())
    t = re.sub(r"\s+", " ", t).strip()
    m = _KIND_RX.match(t)
    if m is None:
        return None
    side = m["side"] or ("ahead" if m["ahead"] else "any")
    categories, classes = KINDS[m["noun"]]
    if not categories and not classes:
        return None  # nothing here can tell (a tram: no COCO class, no map category)
    return KindQuestion(noun=m["noun"], side=side, categories=categories, classes=classes)


def route(text: str) -> ToolCall | None:
    """The landmark tool for a kind question (no model needed), else None."""
    q = kind_question(text)
    return None if q is None else ToolCall("landmark", {"side": q.side, "name": "none"})


def kind_request(q: KindQuestion, *, text: str = "") -> LandmarkRequest:
    """The map search for a kind question: that kind all around (the side is judged by
    the sign of each place's bearing: a bus stop 10° to the right is "on my right", where
    the landmark node's sectors call it ahead), nearest first."""
    return LandmarkRequest(text=text, categories=list(q.categories), radius_m=KIND_RADIUS_M,
                           limit=5)


def _on_map_side(p: Place, side: str) -> bool:
    rel = p.relative_bearing_deg
    if side == "any" or not math.isfinite(rel):
        return True
    if side == "ahead":
        return abs(rel) <= 45.0
    return abs(rel) < 150.0 and (rel > 0) == (side == "right")


def _place_where(p: Place) -> str:
    side = {2: "on your right", 4: "on your left", 1: "ahead", 3: "behind you"}.get(p.side, "")
    return f"{distance_text(p.distance_m)}{' ' + side if side else ''}"


def kind_answer(q: KindQuestion, seen: list[SeenObject], places: list[Place] | None, *,
                near_m: float = NEAR_M) -> str:
    """The answer to a kind question from the camera (``seen``: fresh objects) and the map
    (``places`` of the question's categories, nearest first; None = the map could not be
    asked). Each source speaks only for what it can know."""
    where = _where(q.side) or "there"
    noun = q.noun
    camera = on_side(seen, q.side, classes=q.classes) if q.classes else []
    cam_text = describe_objects(camera[:1]) if camera else ""
    places = (None if places is None else
              sorted((p for p in places if _on_map_side(p, q.side)), key=lambda p: p.distance_m))
    near = [p for p in places or [] if p.distance_m <= near_m]
    if q.categories and near:
        p = near[0]
        named = "" if p.name.lower() in ("", noun) else f", {p.name}"
        answer = f"Yes: the map has {_article(noun)} {noun} there{named}, {_place_where(p)}."
        if cam_text:
            answer += f" I can see {cam_text} {where} too."
        return answer
    if not q.categories:  # only the camera can tell (a bus, a cyclist, a traffic light)
        if cam_text:
            return f"Yes, I can see {cam_text} {where}."
        others = on_side(seen, q.side)
        if others:
            return f"I don't see {_article(noun)} {noun} {where}, only {describe_objects(others)}."
        return f"I don't see {_article(noun)} {noun} {where} right now."
    # the map knows this kind but has none close by
    far = (f" The nearest {noun} I know is {places[0].name}, {_place_where(places[0])}."
           if places else "")
    mapped = ("I can't check the map right now" if places is None
              else f"the map has no {noun} there")
    if cam_text:
        return f"I can see {cam_text} {where}, but {mapped}.{far}"
    return f"I don't think so: {mapped}.{far}" if places is not None else f"{mapped.capitalize()}."


def side_code(side: str) -> int:
    """The LandmarkQuery side code of a side word."""
    return int(WireSide.from_name(side if side != "any" else None))
