"""The driver's profile as the planner uses it: statements heard before the router, the
diet applied to food searches, the saved places for navigation and the trip offer.

``ProfileMemory`` answers in English (``planner/languages.py`` says it in the brand's
language, as every answer). A hint is asked back through the dialogue's one pending
question with a ``remember`` call, so "no", a new request and the time-out work as for
every offer, and a yes comes back to :meth:`ProfileMemory.remember`.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from cockpit_ai.planner.dialogue import Pending, Session
from cockpit_ai.planner.tools import ToolCall
from cockpit_ai.planner.types import Context, Turn
from cockpit_ai.profile import DEFAULT_DRIVER, ProfileError, ProfileInputError
from cockpit_ai.profile.learn import Heard, hear
from cockpit_ai.profile.store import Profile, ProfileStore

log = logging.getLogger("cockpit_ai.profile")

#: food searches the diet applies to
FOOD_CATEGORIES = ("restaurant", "cafe", "fast_food")
#: a place within this of a saved one is that place ("we're home" there asks nothing)
NEAR_M = 150.0
_SAID_DIETS = {"vegan": "vegan", "vegetarian": "vegetarian", "gluten_free": "gluten free",
               "halal": "halal", "kosher": "kosher"}
_PLACE_WORDS = {"home": "home", "my home": "home", "our home": "home", "the house": "home",
                "work": "work", "my work": "work", "the office": "work", "office": "work",
                "my office": "work", "workplace": "work", "my workplace": "work"}
KEPT = "I'll use it from now on."
BROKEN = "Sorry, I can't remember that right now."


def diet_words(diet: str) -> str:
    """ "you're vegetarian" / "you eat halal": how a diet is said about the driver."""
    said = _SAID_DIETS.get(diet, diet.replace("_", " "))
    return f"you're {said}" if diet in ("vegan", "vegetarian") else f"you eat {said}"


def _distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat = math.radians((a[0] + b[0]) / 2)
    dy = (a[0] - b[0]) * 111_320.0
    dx = (a[1] - b[1]) * 111_320.0 * math.cos(lat)
    return math.hypot(dx, dy)


class ProfileMemory:
    """One driver's preferences in a :class:`ProfileStore`, for the planner."""

    def __init__(self, store: ProfileStore, driver: str = DEFAULT_DRIVER) -> None:
        self.store = store
        self.driver = driver

    def profile(self) -> Profile | None:
        """The driver's profile now (another process may have changed or erased it);
        None when the file cannot be read (said in the log, the turn goes on without)."""
        try:
            return self.store.get(self.driver)
        except (ProfileError, ProfileInputError) as exc:
            log.warning("profile: %s", exc)
            return None

    # -- before the router ----------------------------------------------------------------
    def hear(self, normalised: str, ctx: Context, session: Session) -> Turn | ToolCall | None:
        """The turn for a statement or hint about the driver, the tool call for a request
        that uses the profile, or None (not about the driver: the router goes on)."""
        heard = hear(normalised)
        if heard is None:
            return None
        profile = self.profile()
        if profile is None:
            return None if heard.kind == "request" else Turn(BROKEN, "fastpath", 0.0)
        if heard.kind == "request":
            return self._request(heard, profile)
        here = ctx.position()
        if heard.key in ("home", "work"):
            if here is None:
                return (None if heard.kind == "hint" else Turn(
                    "I don't know where we are right now, so I can't remember this place.",
                    "fastpath", 0.0))
            saved = profile.place(heard.key)
            if heard.kind == "hint" and saved is not None and _distance_m(saved, here) <= NEAR_M:
                return None  # known already: "we're home" is just said, the router answers
        if heard.kind == "hint" and not self._known(heard, profile):
            args = self._args(heard, here)
            question = (f"Shall I remember this place as your {heard.key}?"
                        if heard.key in ("home", "work")
                        else f"Shall I remember that {diet_words(str(heard.value))}?")
            session.pending = Pending(calls=[ToolCall("remember", args)], question=question,
                                      stamp_ns=ctx.stamp_ns)
            return Turn(question, "fastpath", 0.0)
        text = self.remember(self._args(heard, here), source="said")
        if heard.key == "temperature_c" and text.startswith("Noted"):
            session.pending = Pending(calls=[ToolCall("vehicle", {
                "function": "climate", "action": "set", "value": f"{heard.value:g}",
                "unit": "celsius", "zone": "all"})], question="Shall I set it now?",
                stamp_ns=ctx.stamp_ns)
            text = text.replace(KEPT, "Shall I set it now?")
        return Turn(text, "fastpath", 0.0)

    @staticmethod
    def _known(heard: Heard, profile: Profile) -> bool:
        return heard.key == "diet" and profile.diet == heard.value

    @staticmethod
    def _args(heard: Heard, here: tuple[float, float] | None) -> dict[str, Any]:
        if heard.key in ("home", "work"):
            assert here is not None
            return {"key": heard.key, "lat": here[0], "lon": here[1]}
        return {"key": heard.key, "value": heard.value}

    def _request(self, heard: Heard, profile: Profile) -> Turn | ToolCall:
        if heard.key == "temperature_c":
            if profile.temperature_c is None:
                return Turn("I don't know your usual temperature yet.", "fastpath", 0.0)
            return ToolCall("vehicle", {"function": "climate", "action": "set",
                                        "value": f"{profile.temperature_c:g}",
                                        "unit": "celsius", "zone": "all"})
        cuisine = profile.cuisines[0] if profile.cuisines else "none"
        return ToolCall("poi_search", {"category": "restaurant", "diet": "none",
                                       "cuisine": cuisine, "open_now": False, "side": "any",
                                       "name": "none"})

    def remember(self, args: dict[str, Any], *, source: str = "confirmed") -> str:
        """Keep one preference (a ``remember`` call's arguments); the words for the driver."""
        key = str(args.get("key", ""))
        try:
            if key in ("home", "work"):
                self.store.set(self.driver, key, (args["lat"], args["lon"]), source=source)
                return f"Noted: this is your {key}. {KEPT}"
            if key == "cuisines":
                kept = self.store.add_cuisine(self.driver, str(args["value"]), source=source)
                return f"Noted: you like {kept[0].replace('_', ' ')} food. {KEPT}"
            if key == "diet" and not args.get("value"):
                self.store.set(self.driver, "diet", None, source=source)
                return "Noted: no special diet."
            value = self.store.set(self.driver, key, args.get("value"), source=source)
        except ProfileInputError as exc:
            if key == "temperature_c":
                from cockpit_ai.profile.store import _temperature_range

                lo, hi = _temperature_range()
                return f"I can set the temperature between {lo:g} and {hi:g} °C."
            log.warning("profile: not kept: %s", exc)
            return BROKEN
        except (ProfileError, KeyError) as exc:
            log.warning("profile: not kept: %s", exc)
            return BROKEN
        if key == "diet":
            return f"Noted: {diet_words(str(value))}. {KEPT}"
        return f"Noted: you like it at {value:g} degrees. {KEPT}"

    # -- using the profile ----------------------------------------------------------------
    def adjust(self, call: ToolCall) -> tuple[ToolCall, str]:
        """A food search without a diet gets the driver's diet, and the words that say so
        ("Only vegetarian, as you told me."); anything else is returned as it is."""
        if (call.name != "poi_search" or call.args.get("category") not in FOOD_CATEGORIES
                or call.args.get("diet") not in (None, "", "none")):
            return call, ""
        profile = self.profile()
        if profile is None or profile.diet is None:
            return call, ""
        said = _SAID_DIETS.get(profile.diet, profile.diet)
        return (ToolCall(call.name, {**call.args, "diet": profile.diet}),
                f"Only {said}, as you told me.")

    def place(self, name: str) -> tuple[float, float] | None:
        """The saved place a destination name means ("home", "the office"), or None."""
        key = _PLACE_WORDS.get(" ".join(name.lower().split()))
        if key is None:
            return None
        profile = self.profile()
        return None if profile is None else profile.place(key)

    def place_name(self, lat: float, lon: float) -> str | None:
        """ "home" or "work" when (lat, lon) is within NEAR_M of that saved place."""
        profile = self.profile()
        if profile is None:
            return None
        for key in ("home", "work"):
            saved = profile.place(key)
            if saved is not None and _distance_m(saved, (lat, lon)) <= NEAR_M:
                return key
        return None
