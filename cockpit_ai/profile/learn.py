"""What the driver says about themselves, and the requests that use it.

``hear(text)`` reads one utterance (after the router's ``normalise``: lower case, numbers as
digits, fillers gone) and says what it is:

- a **statement**, kept at once: "I'm vegetarian", "I only eat halal", "I love Thai food",
  "this is my home", "I work here", "I like it at 21 degrees", "I'm not vegetarian any
  more" (clears the diet);
- a **hint**, asked back before it is kept ("I don't eat meat" → "Shall I remember that
  you're vegetarian?"; "we're home" → "Shall I remember this place as your home?");
- a **request** that needs the profile: "set my usual temperature", "make it the way I
  like it", "find something I like".

Only whole utterances count, as for the router's rules: "I'm vegetarian, find a restaurant"
is not a statement (the router and the model take it). Questions about someone else ("my
wife is vegan") are not the driver's preference and are not matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

DIET_WORDS = {"vegan": "vegan", "vegetarian": "vegetarian", "veggie": "vegetarian",
              "gluten free": "gluten_free", "gluten-free": "gluten_free",
              "coeliac": "gluten_free", "celiac": "gluten_free", "halal": "halal",
              "kosher": "kosher"}
_DIET = "|".join(sorted(map(re.escape, DIET_WORDS), key=len, reverse=True))
# words before "food" that are no cuisine ("I like good food")
_NOT_CUISINES = {"good", "real", "healthy", "fresh", "local", "spicy", "fast", "junk", "street",
                 "the", "your", "this", "that", "some", "any", "my", "cheap", "hot", "warm",
                 "cold", "nice", "tasty", "proper", "home", "homemade", "home-made", "fancy",
                 "all", "most", "simple", "plain", "comfort", "fried", "sea", "what", "which",
                 "who", "it", "whose", "nothing", "everything"}
_DISHES = {"pizza": "pizza", "sushi": "sushi", "burger": "burger", "burgers": "burger",
           "kebab": "kebab", "kebabs": "kebab", "tacos": "mexican", "ramen": "ramen",
           "curry": "indian", "noodles": "asian", "dumplings": "chinese",
           "seafood": "seafood", "steak": "steak_house"}
_NUM = r"(?P<v>\d+(?:\.\d+)?)"
_LEAD = r"(?:remember (?:that )?|just so you know |by the way |for the record |note that |fyi )?"
_TAIL = r"(?: by the way| just so you know| remember that| from now on| now| these days)?"
_I = r"(?:i'm|i am|we're|we are)"

# (pattern, key, value or None for "from the match", kind)
_RULES: list[tuple[re.Pattern[str], str, Any, str]] = [(re.compile(_LEAD + p + _TAIL), k, v, kind)
                                                        for p, k, v, kind in [
    # diet
    (rf"{_I} (?:a |an )?(?:strict )?(?P<d>{_DIET})", "diet", None, "statement"),
    (rf"(?:i|we) (?:only )?eat (?:only )?(?P<d>{_DIET})(?: food)?", "diet", None, "statement"),
    (rf"{_I} on an? (?P<d>{_DIET}) diet", "diet", None, "statement"),
    (rf"my diet is (?P<d>{_DIET})", "diet", None, "statement"),
    (rf"{_I} (?:not|no longer) (?:a |an )?(?:{_DIET})(?: any ?more)?|i eat meat(?: again)?",
     "diet", "", "statement"),
    (r"(?:i|we) (?:don't|do not|never) eat (?:any )?(?:meat|meat or fish|fish or meat)"
     r"(?: any ?more)?|no meat for me", "diet", "vegetarian", "hint"),
    (r"(?:i|we) (?:don't|do not|never) eat (?:any )?(?:animal products|meat or dairy|dairy or "
     r"meat|anything from animals)", "diet", "vegan", "hint"),
    (r"(?:i|we) (?:can't|cannot|can not) eat gluten|(?:i'm|i am) allergic to gluten|"
     r"i have (?:coeliac|celiac)(?: disease)?", "diet", "gluten_free", "hint"),
    # favourite cuisines
    (r"(?:i|we) (?:really )?(?:like|love|enjoy|adore) (?P<c>[a-z]+(?: [a-z]+)?) (?:food|cuisine)",
     "cuisines", None, "statement"),
    (r"my favou?rite (?:food|cuisine|kind of food) is (?P<c>[a-z]+(?: [a-z]+)??)(?: food)?",
     "cuisines", None, "statement"),
    (r"(?P<c>[a-z]+) (?:food |cuisine )?is my favou?rite(?: food| cuisine)?", "cuisines", None,
     "statement"),
    (r"(?:i|we) (?:really )?(?:like|love|adore) (?P<c>" + "|".join(_DISHES) + ")",
     "cuisines", None, "statement"),
    # places
    (r"(?:this is|here is|this place is) (?:my |our )?(?:home|house)|(?:i|we) live here|"
     r"this is where (?:i|we) live|home is here|(?:save|remember|mark) this (?:place )?as "
     r"(?:my |our )?home", "home", None, "statement"),
    (r"(?:this is|here is|this place is) (?:my |our )?(?:work|office|workplace|work place)|"
     r"(?:i|we) work here|this is where (?:i|we) work|(?:save|remember|mark) this (?:place )?as "
     r"(?:my |our )?(?:work|office|workplace)", "work", None, "statement"),
    (rf"{_I} (?:back )?home(?: at last| again)?|home sweet home|(?:finally|at last) home",
     "home", None, "hint"),
    (rf"{_I} at (?:work|the office)", "work", None, "hint"),
    # cabin temperature
    (rf"(?:i|we) (?:like|prefer|want|love) it (?:at|around|about) {_NUM}(?: degrees)?"
     r"(?: celsius)?", "temperature_c", None, "statement"),
    (rf"(?:i|we) prefer {_NUM} degrees(?: celsius)?", "temperature_c", None, "statement"),
    (rf"my (?:preferred|usual|favou?rite|ideal|normal) temperature is {_NUM}(?: degrees)?"
     r"(?: celsius)?", "temperature_c", None, "statement"),
    (rf"{_NUM} degrees is my (?:preferred |usual |favou?rite |ideal )?temperature",
     "temperature_c", None, "statement"),
    (rf"{_I} (?:most )?comfortable at {_NUM}(?: degrees)?", "temperature_c", None, "statement"),
]]

_REQUESTS: list[tuple[re.Pattern[str], str]] = [(re.compile(p), k) for p, k in [
    (r"(?:set|put|change|make|turn) (?:the (?:temperature|climate|heat|heating) |it |things )?"
     r"(?:to |at |back to )?(?:my|the) (?:usual|preferred|favou?rite|normal|ideal|own) "
     r"(?:temperature|setting|settings|climate)", "temperature_c"),
    (r"(?:my|the) (?:usual|preferred|favou?rite) temperature", "temperature_c"),
    (r"(?:make|set|put) (?:it|the temperature|the climate) (?:the way|how|as) i like it",
     "temperature_c"),
    (r"(?:find|show|get|give) (?:me |us )?(?:something|somewhere|a place|a restaurant|food|"
     r"somewhere to eat) (?:i|we) (?:like|love|would like|enjoy)", "cuisines"),
    (r"(?:find|show|get) (?:me |us )?(?:my|our) favou?rite (?:food|restaurant|cuisine|"
     r"place to eat)", "cuisines"),
]]


@dataclass(frozen=True)
class Heard:
    """What an utterance says about the driver (``kind`` "statement", "hint" — kept after a
    yes — or "request" — uses the profile), for preference ``key``. ``value``: the diet
    ("" clears it), the cuisine, the temperature; None for a place (it is where the car is)
    and for a request."""

    kind: str
    key: str
    value: Any = None


def hear(normalised: str) -> Heard | None:
    """The preference a whole utterance states or hints at, or the request that uses one."""
    t = normalised.strip(" .!?")
    for pattern, key, value, kind in _RULES:
        m = pattern.fullmatch(t)
        if m is None:
            continue
        groups = m.groupdict()
        if key == "diet" and value is None:
            value = DIET_WORDS[groups["d"]]
        elif key == "cuisines":
            c = groups["c"]
            value = _DISHES.get(c, c)
            if c in _NOT_CUISINES or any(w in _NOT_CUISINES for w in c.split()):
                continue
        elif key == "temperature_c":
            value = float(groups["v"])
        return Heard(kind, key, value)
    for pattern, key in _REQUESTS:
        if pattern.fullmatch(t):
            return Heard("request", key)
    return None
