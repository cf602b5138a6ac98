"""The router: a deterministic parser for requests it understands with confidence.

Layers, most specific first: whole-utterance rules ("set the temperature to 21 degrees"),
follow-ups on the previous turn's places (only when ``results`` > 0, only for items that
exist), then keyword rules that need the function and the action both unmistakable (car vs
home, indirect POI categories, rest breaks, the usual route). Anything unsure, compound,
stative ("the window is open") or free text returns None: the model decides, because a wrong
vehicle command is worse than a slower answer. Calls pass the same validation and safety
gate as the model's.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from cockpit_ai.planner.tools import ToolCall, ToolParseError, validate_call

_FILLERS = re.compile(
    r"\b(please|could you|can you|would you|will you|i want you to|i'd like to|"
    r"i would like to|i want to|just|kindly|for me|thanks|thank you|is it possible to|"
    r"would it be possible to)\b"
)
_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen"]
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_NUMBER_WORDS: dict[str, int] = {w: i for i, w in enumerate(_UNITS)}
_NUMBER_WORDS.update(_TENS)
_NUMBER_WORDS["hundred"] = 100
_NUMBER_WORDS["a hundred"] = 100
_NUMBER_WORDS["one hundred"] = 100
for _t, _tv in _TENS.items():
    for _u, _uv in enumerate(_UNITS[1:10], start=1):
        _NUMBER_WORDS[f"{_t} {_uv}"] = _tv + _u
# "one" and "a" stay words where they are not numbers ("next one", "the first one"):
# only numbers of two or more letters' worth of meaning are replaced in context below.
_NUM_RE = re.compile(r"\b(" + "|".join(sorted(
    (re.escape(k) for k in _NUMBER_WORDS if k not in ("one", "a hundred")),
    key=len, reverse=True)) + r")\b")
_DISFLUENCY = re.compile(r"\b(?:uh+|um+|erm|er|hmm+|ah|oh|you know|i mean|maybe|brr+|"
                         r"okay|ok|so|well|actually|basically)\b(?: ,)?")
# the brand's own wake words and name are cut before the router (Planner.address)
_WAKE = re.compile(r"^(?:(?:hey|hi|ok|okay) )?(?:co-?pilot|car)\b")


def _spoken_numbers(t: str) -> str:
    t = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", t)  # "twenty-one" -> "twenty one"
    t = _NUM_RE.sub(lambda m: str(_NUMBER_WORDS[m.group(1)]), t)
    t = re.sub(r"\b(\d+)(?: and a half| point five)\b", lambda m: f"{m.group(1)}.5", t)
    t = re.sub(r"\b(\d+) point (\d)\b", r"\1.\2", t)
    return t


def normalise(text: str) -> str:
    """Lower case, numbers as digits, wake words, fillers, disfluencies, repeated words and
    punctuation removed, the recogniser's "sit/at the temperature" read as "set"."""
    t = (text or "").lower().replace("’", "'").replace("°c", " degrees").replace("%", " percent")
    t = re.sub(r"(?<=\d)-(?=\d)", " ", t)
    t = re.sub(r",\s*like\s*,", " ", t)  # "is there, like, somewhere" (not "do you like")
    t = re.sub(r"[^\w\s'.-]", " ", t)
    t = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", t)
    t = _WAKE.sub(" ", t.strip())
    t = _FILLERS.sub(" ", t)
    t = _DISFLUENCY.sub(" ", t)
    t = re.sub(r"\s+", " ", t)
    t = re.sub(r"\b(\w+)(?: \1\b)+", r"\1", t)  # "the the", "turn the, the heat"
    t = _spoken_numbers(t)
    t = re.sub(r"^\s*(?:sit|sat|at) (?=(?:the )?(?:temperature|temp|heat|volume)\b)", "set ", t)
    t = re.sub(r"\bwanna\b", "want to", t)
    t = re.sub(r"\s+", " ", t).strip(" -'")
    for pattern, canonical in _PARAPHRASES:
        t = pattern.sub(canonical, t)
    return re.sub(r"\s+", " ", t).strip(" -'")


# Everyday ways of saying what the rules already know, rewritten to the one canonical
# phrase (one table, so a new synonym is one line and every rule sees it).
_MUSIC = (r"(?:the )?(?:music|radio|song|track|tunes|playback|podcast|audio|stereo|"
          r"audiobook)")
_GENRES = (r"(?:jazz|rock|pop|classical|metal|blues|hip hop|rap|country|reggae|techno|soul|"
           r"funk|disco|folk|punk|indie|music|tunes|the radio|the news|a podcast|podcasts?)")
_PARAPHRASES: list[tuple[re.Pattern[str], str]] = [(re.compile(a), b) for a, b in [
    (r"\bwhats\b", "what's"),
    (r"^why (?:don'?t|dont) you ", ""),
    (r"^(?:it'?s|it is) (?:too |so |very |really )?dark in here$|^i can'?t see (?:anything|a "
     r"thing)(?: in here)?$", "turn on the lights"),
    (r"^(?:it'?s|it is) (?:too |so |very |really )?bright in here$", "dim the lights"),
    (r"^(?:let (?:some )?(?:fresh )?air in|i need (?:some )?fresh air|(?:get|let) some (?:fresh )?"
     r"air in here)$", "open the window"),
    (r"\bthats\b", "that's"),
    (r"\bim\b", "i'm"),
    (r"\b(?:kill|cut|mute|silence|hush)(?: " + _MUSIC + r"| it| the sound)?$", "pause the music"),
    (r"^(?:resume|unpause|continue|restart)(?: " + _MUSIC + r"| playing| it)?$", "play music"),
    (r"^(?:start|put) (?:the )?music (?:back )?on$|^(?:start|turn on) the music$", "play music"),
    (r"\b(?:kill|cut) the (ac|a c|air con|aircon|air conditioning|heating|heat|fan|lights?)\b",
     r"turn off the \1"),
    (r"\bbump (?:up )?the (volume|music|radio|heat|heating|temperature|temp)(?: up)?\b",
     r"turn up the \1"),
    (r"^(?:i'?d (?:love|like)|i fancy|i could go for|let'?s have|let'?s hear|how about) (?:some |a "
     r"bit of )?(" + _GENRES + r")$", r"play \1"),
    (r"^put (?:some |a bit of )?(" + _GENRES + r") on$", r"play \1"),
    (r"^(?:go back to|play|replay) (?:the )?(?:last|previous|earlier) (?:song|track)"
     r"(?: again)?$|^(?:play )?the (?:song|track) before(?: this| that)?(?: one)?$",
     "previous song"),
    (r"^(?:play )?(?:the )?(?:next|following) (?:song|track) (?:please|now)$", "next song"),
    (r"^(?:play |put on )?(?:another|a different|some other) (?:song|track)$", "next song"),
    (r"^turn it (up|down)$", r"turn \1 the volume"),
    (r"\b(?:navigate me|get me|guide me|route us|take us|drive us|bring me|bring us|"
     r"set (?:a|the) route|plot (?:a|the) route|give me directions|show me the way) to\b",
     "take me to"),
    (r"\b(?:bring|take|get) (?:me|us) (?:back )?home\b|\bhead (?:back )?home\b|\blet'?s go "
     r"(?:back )?home\b|\bgo back home\b", "take me home"),
    (r"\bour (?:place|house|home|flat|apartment)\b|\bmy (?:place|flat|apartment)\b|"
     r"\bthe (?:flat|apartment)\b", "home"),
    (r"^lock (?:it )?up$|^lock (?:everything|all the doors|the doors)$|^lock (?:the |my )?car$",
     "lock the doors"),
    (r"^unlock (?:the |my )?car$|^unlock everything$", "unlock the doors"),
]]


def _num(value: str) -> str:
    return str(int(float(value))) if float(value).is_integer() else value


ZONE = r"(?:(?:the |my )?(?P<zone>driver|passenger|rear|back|front|all)(?:'s)?(?: side| seats?)?)"
ZONE_WORDS = {"driver": "driver", "passenger": "passenger", "rear": "rear", "back": "rear",
              "front": "all", "all": "all", None: "all"}


def _zone(m: re.Match[str], default: str = "all") -> str:
    z = m.groupdict().get("zone")
    return ZONE_WORDS.get(z, default) if z else default


def _vehicle(function: str, action: str, value: str = "none", unit: str = "none",
             zone: str = "all") -> ToolCall:
    return ToolCall("vehicle", {"function": function, "action": action, "value": value,
                                "unit": unit, "zone": zone})


Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], ToolCall | None]]
RULES: list[Rule] = []


def rule(pattern: str) -> Callable[[Callable[[re.Match[str]], ToolCall | None]],
                                   Callable[[re.Match[str]], ToolCall | None]]:
    def deco(fn: Callable[[re.Match[str]], ToolCall | None]) -> Callable[
            [re.Match[str]], ToolCall | None]:
        RULES.append((re.compile(pattern), fn))
        return fn
    return deco


# --- climate ---------------------------------------------------------------------------
_LEAD_IN_SET = r"(?:(?:you're|you are|we're|we are) going to |let's )?"


# "at"/"sat": what the recogniser often makes of a clipped "set" in cabin noise
@rule(_LEAD_IN_SET + r"(?:(?:set|sat|at|change|put|turn|make) )?(?:the )?(?:cabin )?"
      r"(?:temperature|temp|climate|heat|heating|thermostat)(?: (?:to|at))? "
      r"(?P<v>\d{2}(?:\.\d)?)(?: degrees?(?: celsius)?| c)?"
      rf"(?: (?:for|on|in) {ZONE})?")
def _temp_set(m: re.Match[str]) -> ToolCall:
    return _vehicle("climate", "set", _num(m["v"]), "celsius", _zone(m))


# A target temperature is always a "set", however it is asked for: "turn it to 21 degrees",
# "make it 21 degrees", "21 degrees please", "turn the heat up to 23". ("You're going to
# turn it to 21 degrees" is what Whisper made of "Set the temperature to twenty-one degrees"
# in the demo; the model answered it with climate increase 21.)
_LEAD_IN = r"(?:(?:you're|you are|we're|we are) going to |let's |go )?"


@rule(_LEAD_IN + r"(?:(?:set|sat|turn|make|put|change|bring|get|keep) (?:it|things) "
      r"(?:(?:up|down) )?(?:to |at )?|set (?:to |at )?|(?:to |at ))?"
      r"(?P<v>\d{2}(?:\.\d)?) degrees(?: celsius)?(?: (?:for|on|in) " + ZONE + r")?")
def _temp_bare(m: re.Match[str]) -> ToolCall:
    return _vehicle("climate", "set", _num(m["v"]), "celsius", _zone(m))


@rule(_LEAD_IN + r"(?:turn|crank|bring|put) (?:(?:up|down) )?(?:the )?(?:heat|heating|"
      r"temperature|temp|thermostat) (?:(?:up|down) )?to (?P<v>\d{2}(?:\.\d)?)"
      r"(?: degrees?(?: celsius)?| c)?(?: (?:for|on|in) " + ZONE + r")?")
def _temp_updown_to(m: re.Match[str]) -> ToolCall:
    return _vehicle("climate", "set", _num(m["v"]), "celsius", _zone(m))


@rule(r"(?:(?:make|get) it |it'?s |it is |i'?m |i am |i feel )?(?:(?:a (?:bit|little|lot)|much|"
      r"too|so|really|quite|very) )*(?P<w>warmer|hotter|cooler|colder|cold|chilly|freezing|"
      r"hot|warm)(?: in here| here)?")
def _temp_rel(m: re.Match[str]) -> ToolCall:
    up = m["w"] in ("warmer", "hotter", "cold", "chilly", "freezing")
    return _vehicle("climate", "increase" if up else "decrease")


@rule(r"(?:turn|crank|bring) (?P<d>up|down) the (?:heat|heating|heater|temperature|temp)|"
      r"(?:turn|crank|bring) the (?:heat|heating|heater|temperature|temp) (?P<d2>up|down)")
def _temp_updown(m: re.Match[str]) -> ToolCall:
    d = m["d"] or m["d2"]
    return _vehicle("climate", "increase" if d == "up" else "decrease")


@rule(r"(?:(?:turn|switch) (?P<a>on|off) (?:the )?(?:ac|a c|air conditioning|air con|aircon|"
      r"climate control|climate)|(?:the )?(?:ac|a c|air conditioning|aircon) (?P<a2>on|off))")
def _ac(m: re.Match[str]) -> ToolCall:
    return _vehicle("climate", m["a"] or m["a2"], "ac")


@rule(r"(?:(?:turn|switch) on |start |use )?(?:the )?(?:defrost(?:er)?|defog(?:ger)?|demist(?:er)?|"
      r"de ice(?:r)?)(?: on)?|(?:defrost|defog|demist|de ice|clear|unfog) (?:the )?(?:windscreen|"
      r"windshield|front window|rear window|back window|windows|glass)")
def _defrost(m: re.Match[str]) -> ToolCall:
    return _vehicle("climate", "on", "defrost")


@rule(r"(?:make|set|keep|put|have|get) it (?:at |to )?(?P<v>\d{2}(?:\.\d)?)(?: in here| inside| "
      r"in the car)?")
def _temp_it(m: re.Match[str]) -> ToolCall | None:
    if not 16 <= float(m["v"]) <= 30:
        return None  # "make it 50": not a cabin temperature
    return _vehicle("climate", "set", _num(m["v"]), "celsius")


# --- windows ---------------------------------------------------------------------------
@rule(rf"(?P<a>open|close|shut|roll down|roll up|lower|raise|crack) "
      rf"(?:all the |all |the |my )?{ZONE}? ?"
      r"(?P<w>windows?)(?P<how> halfway| half way| a bit| a little| all the way| fully|"
      r" (?P<p>\d{1,3}) percent)?(?: (?:down|up))?")
def _window(m: re.Match[str]) -> ToolCall:
    opening = m["a"] in ("open", "roll down", "lower", "crack")
    default_zone = "all" if m["w"] == "windows" else "driver"
    value, unit = "none", "none"
    how = (m["how"] or "").strip()
    if m["p"]:
        value, unit = m["p"], "percent"
    elif how in ("halfway", "half way"):
        value, unit = "50", "percent"
    elif how in ("a bit", "a little") or m["a"] == "crack":
        value, unit = "20", "percent"
    return _vehicle("window", "open" if opening else "close", value, unit,
                    _zone(m, default_zone))


# --- seats -----------------------------------------------------------------------------
@rule(rf"(?:(?:turn|switch) (?P<a>on|off) (?:the |my )?{ZONE}? ?seat (?:heating|heater|warmer)"
      rf"|(?P<h>heat|warm up|warm) (?:the |my )?{ZONE.replace('zone', 'zone2')}? ?seat"
      r"|(?:the |my )?seat (?:heating|heater) (?P<a2>on|off))")
def _seat(m: re.Match[str]) -> ToolCall:
    action = m["a"] or m["a2"] or "on"
    zone = m.groupdict().get("zone") or m.groupdict().get("zone2")
    return _vehicle("seat", action, "heating", "none",
                    ZONE_WORDS.get(zone, "driver") if zone else "driver")


# --- media -----------------------------------------------------------------------------
@rule(r"(?:pause|stop)(?: the)?(?: music| song| media| playback| radio| podcast)?")
def _pause(m: re.Match[str]) -> ToolCall:
    return _vehicle("media", "pause")


@rule(r"(?:next|skip)(?: this)?(?: song| track)?|play the next (?:song|track)")
def _next(m: re.Match[str]) -> ToolCall:
    return _vehicle("media", "next")


@rule(r"(?:previous|last) (?:song|track)|go back a (?:song|track)")
def _prev(m: re.Match[str]) -> ToolCall:
    return _vehicle("media", "previous")


@rule(r"(?:turn (?P<d>up|down) the (?:volume|music|radio)|(?:turn|volume) (?P<d2>up|down)|"
      r"(?P<d3>louder|quieter))")
def _volume(m: re.Match[str]) -> ToolCall:
    up = (m["d"] or m["d2"]) == "up" or m["d3"] == "louder"
    return _vehicle("media", "increase" if up else "decrease", "volume")


@rule(r"set the volume to (?P<v>\d{1,3})(?: percent)?")
def _volume_set(m: re.Match[str]) -> ToolCall:
    return _vehicle("media", "set", f"volume {m['v']}", "percent")


@rule(rf"(?:play|put on) (?:some |a |an |the )?(?P<what>(?!game|with|me\b)[a-z0-9' ]{{2,30}}?)"
      rf"(?: music| songs| radio)?(?: (?:for|on|in) {ZONE}(?: screen)?)?")
def _play(m: re.Match[str]) -> ToolCall | None:
    what = m["what"].strip()
    if len(what.split()) > 4 or re.search(r"\b(games?|with|me|us|you|it|previous|next|last)\b",
                                           what):
        return None
    return _vehicle("media", "play", what, "none", _zone(m))


# --- cabin lights ----------------------------------------------------------------------
@rule(r"(?:turn|switch) (?P<a>on|off) the (?:cabin |interior |reading |ambient |inside )?"
      r"lights?|(?:the )?(?:cabin |interior |reading |ambient )?lights? (?P<a2>on|off)")
def _light(m: re.Match[str]) -> ToolCall:
    return _vehicle("cabin_light", m["a"] or m["a2"])


@rule(r"(?P<d>dim|brighten) the (?:cabin |interior |ambient )?lights?")
def _light_dim(m: re.Match[str]) -> ToolCall:
    return _vehicle("cabin_light", "decrease" if m["d"] == "dim" else "increase")


# --- doors -----------------------------------------------------------------------------
@rule(rf"(?P<a>open|close|shut|lock|unlock) (?:the |all |all the |my )?{ZONE}? ?(?:car )?doors?")
def _door(m: re.Match[str]) -> ToolCall:
    action = {"shut": "close"}.get(m["a"], m["a"])
    return _vehicle("door", action, "none", "none", _zone(m))


# --- navigation ------------------------------------------------------------------------
@rule(r"(?:navigate|take me|drive me|drive|go|directions|route me|get me) (?:home|back home)")
def _home(m: re.Match[str]) -> ToolCall:
    return _vehicle("navigation", "set", "home")


@rule(r"(?:navigate|take me|drive me|directions|route me|set (?:the )?destination|"
      r"set (?:the )?navigation) to (?P<dest>(?!(?:the )?(?:nearest|closest|next|a |an |some|"
      r"it\b|there\b|that\b|this\b|the (?:first|second|third|last)))[a-z0-9' .-]{2,40})")
def _nav(m: re.Match[str]) -> ToolCall:
    return _vehicle("navigation", "set", re.sub(r"^the ", "", m["dest"].strip()))


# --- smart home ------------------------------------------------------------------------
@rule(r"(?:turn|switch) (?P<a>on|off) the (?P<d>heating|lights|air conditioning|"
      r"coffee machine|alarm) (?:at|in the) (?:home|house)(?: before (?:i|we) (?:arrive|get "
      r"there|get home))?")
def _home_dev(m: re.Match[str]) -> ToolCall:
    dev = m["d"].replace(" ", "_")
    return ToolCall("smart_home", {"device": dev, "action": m["a"], "value": "none"})


@rule(r"(?P<a>open|close) the garage(?: door)?")
def _garage(m: re.Match[str]) -> ToolCall:
    return ToolCall("smart_home", {"device": "garage_door", "action": m["a"], "value": "none"})


# --- landmarks and POIs ----------------------------------------------------------------
_SIDE = (r"(?: (?:on|to) (?:my|the|our) (?P<side>left|right)| (?P<ahead>ahead|in front(?: of us)?|"
         r"straight ahead)| (?P<behind>behind us))?")


def _side(m: re.Match[str]) -> str:
    if m["side"]:
        return m["side"]
    if m["ahead"]:
        return "ahead"
    if m["behind"]:
        return "behind"
    return "any"


@rule(r"what(?:'s| is| was) (?:that|this|the) (?:big |old |tall |white |red )?(?:building|"
      r"landmark|church|tower|statue|monument|place|thing|structure|sight|cathedral|palace)"
      + _SIDE + r"|what am i looking at" + _SIDE.replace("P<side>", "P<s2>")
      .replace("P<ahead>", "P<a2>").replace("P<behind>", "P<b2>"))
def _landmark(m: re.Match[str]) -> ToolCall:
    side = (m["side"] or m["s2"] or ("ahead" if (m["ahead"] or m["a2"]) else "")
            or ("behind" if (m["behind"] or m["b2"]) else "") or "any")
    return ToolCall("landmark", {"side": side, "name": "none"})


_CATEGORY = {
    "restaurant": "restaurant", "restaurants": "restaurant", "place to eat": "restaurant",
    "places to eat": "restaurant", "somewhere to eat": "restaurant", "pizza place": "restaurant",
    "pizzeria": "restaurant", "cafe": "cafe", "cafes": "cafe", "café": "cafe",
    "coffee shop": "cafe", "coffee shops": "cafe", "coffee place": "cafe", "fast food": "fast_food",
    "bar": "bar", "bars": "bar", "pub": "pub", "pubs": "pub", "ice cream": "ice_cream",
    "museum": "museum", "museums": "museum", "hotel": "hotel", "hotels": "hotel",
    "gas station": "fuel", "petrol station": "fuel", "fuel station": "fuel",
    "charging station": "charging_station", "charger": "charging_station",
    "ev charger": "charging_station", "parking": "parking", "parking lot": "parking",
    "car park": "parking", "parking spot": "parking", "pharmacy": "pharmacy",
    "hospital": "hospital", "toilet": "toilets", "toilets": "toilets", "restroom": "toilets",
    "supermarket": "supermarket", "grocery store": "supermarket", "rest area": "rest_area",
}
_DIET = {"vegan": "vegan", "vegetarian": "vegetarian", "gluten free": "gluten_free",
         "gluten-free": "gluten_free", "halal": "halal", "kosher": "kosher"}
_CUISINES = ("pizza", "sushi", "italian", "chinese", "indian", "thai", "burger", "kebab",
             "japanese", "mexican", "vietnamese", "nepalese", "finnish", "greek", "french")
_CAT_RE = "|".join(sorted((re.escape(k) for k in _CATEGORY), key=len, reverse=True))
_DIET_RE = "|".join(re.escape(k) for k in _DIET)
_CUIS_RE = "|".join(_CUISINES)


@rule(r"(?:(?:find|show|search for|look for|search|get|give) (?:me )?|where(?:'s| is| are) |"
      r"is there |are there |any |i want |i need |i'm looking for |i am looking for )?"
      r"(?:a |an |the |some |any )?(?:good )?(?P<near>nearest |closest |nearby |close )?"
      rf"(?P<diet>{_DIET_RE})? ?(?P<cuis>{_CUIS_RE})? ?(?P<cat>{_CAT_RE})"
      r"(?: nearby| near me| near here| around here| close by| around| in the area| here)?"
      + _SIDE +
      # "and have to open now": the recogniser's take on "that is open now" in noise
      r"(?P<open>(?: that| which| and)?(?: is| are|'s| have to| has to)? open(?: now| right now)?)?"
      r"(?: nearby| near me| around here| close by)?")
def _poi(m: re.Match[str]) -> ToolCall:
    cat = _CATEGORY[m["cat"]]
    cuisine = m["cuis"] or ("pizza" if m["cat"] in ("pizza place", "pizzeria") else "none")
    return ToolCall("poi_search", {
        "category": cat, "diet": _DIET.get(m["diet"] or "", "none"), "cuisine": cuisine,
        "open_now": bool(m["open"]), "side": _side(m), "name": "none",
    })


# --- breaks ----------------------------------------------------------------------------
@rule(r"(?:i'?m|i am|i feel|i'm getting|i am getting|getting) (?:so |really |very |a bit )?"
      r"(?:tired|sleepy|drowsy|exhausted)|i need (?:a )?(?P<k>break|rest|coffee|nap)(?: break)?"
      r"|let'?s (?:take|have) a (?P<k2>break|coffee break|rest)")
def _break(m: re.Match[str]) -> ToolCall:
    k = m["k"] or m["k2"] or ""
    kind = "coffee" if "coffee" in k else ("rest_area" if k in ("rest", "nap") else "any")
    return ToolCall("rest_break", {"kind": kind})


def _restore_case(call: ToolCall, text: str) -> None:
    """Destinations and titles keep the user's spelling ("Helsinki Central Station")."""
    value = call.args.get("value")
    if call.name == "vehicle" and isinstance(value, str) and value not in ("", "none"):
        m = re.search(re.escape(value).replace(r"\ ", r"\W+"), text, re.IGNORECASE)
        if m and call.args.get("function") == "navigation":
            call.args["value"] = m.group(0)


# --- follow-ups on the previous turn's places -----------------------------------------
_ORDINALS = {"first": "1", "1st": "1", "second": "2", "2nd": "2", "third": "3", "3rd": "3",
             "fourth": "4", "4th": "4", "fifth": "5", "5th": "5", "last": "last",
             "latter": "last"}
_ITEM = re.compile(r"\b(?:the (?P<o>first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th|last)"
                   r"(?: one| place| result| option| cafe| restaurant)?|(?:number|no|option) "
                   r"(?P<n>[1-5]|one))\b")
_FIELDS: list[tuple[str, str]] = [
    ("navigate", r"\b(?:take me|drive me|go|navigate|bring me|route|directions? to|let's go|"
                 r"head)\b(?: (?:there|to it|to that|to the|to number|to option))?"),
    ("opening_hours", r"\b(?:open|opening|close|closes|closing|hours)\b"),
    ("distance", r"\bhow (?:far|long|close|many (?:minutes|km|kilometres|miles))\b|\bdistance\b"),
    ("direction", r"\b(?:which way|what direction|which direction|where(?:'s| is| are)? (?:it|"
                  r"that|this|the|they)|which side|what side)\b"),
    ("cuisine", r"\b(?:food|cuisine|kind of (?:food|place)|serve|serves|menu|eat)\b"),
    ("details", r"\b(?:tell me (?:more )?about|more about|details|what about|info|information)\b"),
]
_REFERS = re.compile(r"\b(?:it|there|that|that one|this one|them|they|its|it's|the place)\b")


def _item(t: str, results: int) -> tuple[str, bool] | None:
    """Which of the ``results`` places ``t`` names ("the second one": "2"; none named:
    "last") and whether it named one; None for a place beyond the results."""
    m = _ITEM.search(t)
    if not m:
        return "last", False
    item = _ORDINALS.get(m["o"] or "", m["n"] or "last")
    item = "1" if item == "one" else item
    if item != "last" and int(item) > results:
        return None
    return item, True


def _followup(t: str, results: int) -> ToolCall | None:
    """result_info for a question about one of the ``results`` places just found."""
    if results <= 0:
        return None
    found = _item(t, results)
    if found is None:
        return None
    item, m = found
    fld = next((f for f, pat in _FIELDS if re.search(pat, t)), None)
    if fld is None:
        if not m:
            return None
        fld = "details"  # "the second one", "what about number three"
    elif not m and not _REFERS.search(t) and not re.search(
            r"^(?:how far|how long|which way|what direction|when does|when do|what time|"
            r"are they|is it|where is it)\b", t):
        return None  # "navigate to the airport", "open the window": not about the results
    if re.search(r"\b(?:find|search|look for|is there|are there|any|nearest|closest|another|"
                 r"window|door|seat|music|volume|temperature|heating|lights?)\b", t):
        return None  # a new request, not a question about these places
    if fld == "navigate" and not m and not re.search(r"\b(?:there|it|that)\b", t):
        return None
    if len(t.split()) > 12:
        return None
    return ToolCall("result_info", {"item": item, "field": fld})


# --- whole-utterance rules that need keywords rather than a fixed shape -----------------
_HOME = re.compile(r"\b(?:home|at home|at the house|the house|my house|my home|home's|house|"
                   r"garage|in the house|back home)\b")
_HOME_DEVICES = [
    ("garage_door", r"\bgarage(?: door)?\b"),
    ("coffee_machine", r"\bcoffee(?: machine| maker)?\b"),
    ("air_conditioning", r"\b(?:air conditioning|air con|aircon|ac|a c|cooling|cool (?:down )?"
                         r"(?:the house|home|it)(?: down)?)\b"),
    ("alarm", r"\b(?:alarm|security system)\b"),
    ("lights", r"\blights?\b|\blamps?\b"),
    ("heating", r"\b(?:heating|heat|heater|thermostat|temperature|warm up|warm)\b"),
]


_WHEN = r"(?:before|by the time|for when|when|once|as soon as)"
_ARRIVAL = re.compile(
    rf"\b{_WHEN} (?:i|we) arrive\b"
    rf"|\b{_WHEN} (?:i|we) (?:get|come|reach|am|are) (?:back )?(?:home|there|back)\b"
    r"|\b(?:ahead of|before) (?:my|our|the) arrival\b|\bbefore arrival\b"
    r"|\bwhen (?:im|i'm|i am|were|we're|we are) (?:almost|nearly|close to|near|about to get) "
    r"(?:home|there)\b")


def before_arrival(text: str) -> bool:
    """Whether a home request is meant for the arrival ("turn on the heating before I
    arrive", "when I get home", "by the time we get there"): the home node then waits until
    the ETA to the home place falls below its lead time instead of acting at once."""
    return bool(_ARRIVAL.search(normalise(text)))


def _smart_home(t: str) -> ToolCall | None:
    if not _HOME.search(t) or re.search(r"\b(?:navigate|drive|take me|go|route|way|get me|"
                                        r"directions)\b", t):
        return None
    if re.search(r"^(?:is|are|did|have|was|were|do|does)\b|\b(?:i left|did i|didn'?t i|have i|"
                 r"is (?:the|it|my)|are (?:the|my)|is still|are still)\b", t):
        return None  # a question or a statement about the home, not a command
    dev = next((d for d, pat in _HOME_DEVICES if re.search(pat, t)), None)
    v = re.search(r"\bto (\d{1,2}(?:\.5)?)(?: degrees)?\b", t)
    if dev is None and v and 10 <= float(v.group(1)) <= 30:
        dev = "heating"  # "set the house to 20"
    if dev is None:
        return None
    value = "none"
    if re.search(r"\b(?:turn|switch|put) (?:it |them |the \w+ )?off\b|\boff\b|\bdisarm\b"
                 r"|\bdeactivate\b", t):
        action = "off"
    elif v:
        action, value = "set", _num(v.group(1))
    elif re.search(r"\b(?:close|shut|lower)\b", t):
        action = "close"
    elif re.search(r"\bopen\b", t):
        action = "open"
    elif re.search(r"\b(?:on|arm|activate|start|make|warm up|warm|heat up|brew|turn up|cool|"
                   r"going)\b",
                   t):
        action = "on"
    else:
        return None
    if dev == "garage_door" and action in ("on", "off"):
        return None
    return ToolCall("smart_home", {"device": dev, "action": action, "value": value})


_INDIRECT_POI = [
    ("charging_station", r"\b(?:charge (?:the|my) (?:car|battery|ev)|charging (?:point|station)s?|"
                         r"(?:car|electric|ev|vehicle) chargers?|plug (?:in )?the car|plug in|"
                         r"where can i charge|battery is (?:almost |nearly |getting )?(?:empty|"
                         r"low|flat|dead)|low battery|out of (?:juice|charge|battery)|ev "
                         r"chargers?|need to charge|(?:anywhere|somewhere|a place|place) to "
                         r"charge|charge up|top up the battery|recharge)\b"),
    ("fuel", r"\b(?:need (?:some )?(?:petrol|gas|fuel|diesel)|out of (?:fuel|petrol|gas)|"
             r"low on (?:fuel|petrol|gas)|fill (?:up|her up)|tank is (?:almost |nearly )?empty|"
             r"gas stations?|petrol stations?|fuel stations?|filling stations?|(?:get|buy|find) "
             r"(?:some )?(?:petrol|gas|fuel|diesel)|fill (?:the tank|up the tank)|refuel|top up "
             r"the tank|petrol|diesel)\b"),
    ("restaurant", r"\b(?:i'?m (?:so |really |very )?(?:hungry|starving|famished)|we'?re "
                   r"(?:so |really )?(?:hungry|starving)|tummy'?s rumbling|stomach'?s? "
                   r"(?:is )?(?:rumbling|growling)|get something to eat|grab a bite|"
                   r"somewhere to eat|place to eat|get (?:some )?food|something to eat)\b"),
    ("hotel", r"\b(?:somewhere to (?:sleep|stay)|place to (?:sleep|stay)|a bed for the night|"
              r"stay the night|hotels?|motels?|inn|stay tonight|sleep tonight|"
              r"(?:can|could) (?:we|i) stay|spend the night|somewhere to crash|"
              r"hostels?|b&b|bnb)\b"),
    ("toilets", r"\b(?:toilets?|restrooms?|bathrooms?|loo|wc|need to pee|need the loo)\b"),
    ("parking", r"\b(?:where can i park|somewhere to park|place to park|parking(?: garage| lot|"
                r" spot| space)?|car park)\b"),
    ("supermarket", r"\b(?:groceries|grocery stores?|supermarkets?|food shopping|grocer'?s?)\b"),
    ("pharmacy", r"\b(?:pharmacy|pharmacies|chemists?|drugstores?|medicine)\b"),
    ("hospital", r"\b(?:hospitals?|emergency room|a&e)\b"),
    ("place_of_worship", r"\b(?:church|mosque|synagogue|temple|chapel|place of worship)\b"),
    ("attraction", r"\b(?:attractions?|sights to see|sightseeing|things to see|tourist|"
                   r"(?:is )?there to see|anything to see|worth (?:seeing|visiting|a visit)|"
                   r"places to visit|points of interest)\b"),
    ("park", r"\bparks?\b"),
    ("monument", r"\bmonuments?\b"),
    ("museum", r"\bmuseums?\b"),
    ("fast_food", r"\b(?:fast food|mcdonald'?s|burger king|kfc|drive thru|drive through)\b"),
    ("ice_cream", r"\bice cream\b"),
    ("cafe", r"\b(?:cafes?|coffee shops?|café|coffee place|(?:want|fancy|grab|get|could do with|"
             r"could use|need) (?:a |some )?coffee)\b"),
    ("pub", r"\bpubs?\b"),
    ("bar", r"\bbars?\b"),
    ("rest_area", r"\brest (?:area|stop)s?\b"),
    ("restaurant", r"\brestaurants?\b|\b(?:food|eat|dinner|lunch|breakfast)\b"),
]
_SEARCHY = re.compile(r"\b(?:find|show|search|look for|looking for|where|is there|are there|any|"
                      r"anywhere|somewhere|nearest|closest|nearby|near|around|i need|we need|"
                      r"i want|get me|need|could use|hungry|starving|empty|out of|low on|"
                      r"rumbling|the kids|take me to a|on the (?:left|right)|ahead|behind|fancy|"
                      r"grab|let'?s get|could do with|to see|to visit|worth|to stay|to charge|"
                      r"tonight)\b")


def _poi_keywords(t: str) -> ToolCall | None:
    call = _poi_slots(t)
    if call is None or re.search(r"\b(?:cook\w*|recipes?|bake)\b", t):
        return None
    if not _SEARCHY.search(t) and call.args["category"] != "toilets" and len(t.split()) > 3:
        return None
    if re.search(r"\b(?:navigate|route|drive|take me|go|get me|bring me|head) to\b|\bat home\b",
                 t):
        return None
    return call


def _poi_slots(t: str) -> ToolCall | None:
    """A place search's arguments from the words (category, diet, cuisine, side, open now);
    None without a category, diet or cuisine."""
    cat = next((c for c, pat in _INDIRECT_POI if re.search(pat, t)), None)
    diet = next((v for k, v in _DIET.items() if re.search(rf"\b{k}\b", t)), "none")
    cuis = next((c for c in _CUISINES + ("mexican", "korean", "turkish", "spanish", "seafood")
                 if re.search(rf"\b{c}\b", t)), "none")
    if cat is None and diet == "none" and cuis == "none":
        return None
    if cat is None or (cat == "restaurant" and (diet != "none" or cuis != "none")
                       and not re.search(r"\brestaurants?\b", t)):
        cat = "restaurant" if cuis != "none" or cat == "restaurant" else "any"
        if cuis == "none" and diet != "none" and re.search(r"\b(?:place|anywhere)\b", t):
            cat = "any"
    side = "any"
    sm = re.search(r"\b(?:on|to) (?:the|my|our) (left|right|write)\b|\b(ahead|in front)\b|"
                   r"\b(behind)\b", t)
    if sm:
        side = {"write": "right", "in front": "ahead"}.get(sm.group(0).split()[-1], "")
        side = side or (sm.group(1) or sm.group(2) or sm.group(3))
        side = "right" if side == "write" else ("ahead" if side == "in front" else side)
    open_now = bool(re.search(r"\bopen(?: now| right now| at the moment| still)?\b", t))
    return ToolCall("poi_search", {"category": cat, "diet": diet, "cuisine": cuis,
                                   "open_now": open_now, "side": side, "name": "none"})


def _break_keywords(t: str) -> ToolCall | None:
    if not re.search(r"\b(?:tired|sleepy|yawning|drowsy|exhausted|falling asleep|nodding off|"
                     r"need (?:a )?(?:break|rest|coffee|nap)|stop for (?:a )?(?:break|rest|"
                     r"coffee)|take a break|have a break|stretch my legs|can'?t keep my eyes|"
                     r"keep my eyes open|knackered|worn out|shattered|wiped out|can'?t stay awake|"
                     r"eyes (?:keep|are) closing|keep closing|need (?:to|some) rest|pull over for "
                     r"a (?:rest|break|nap))\b",
                     t):
        return None
    if re.search(r"\brest area\b|\brest stop\b|\bnap\b|\bsleep\b", t):
        kind = "rest_area"
    elif re.search(r"\bcoffee\b", t):
        kind = "coffee"
    else:
        kind = "any"
    return ToolCall("rest_break", {"kind": kind})


def _route_keywords(t: str) -> ToolCall | None:
    if re.search(r"\b(?:usual|usually|normally|regular|habits?|typically|always) "
                 r"?(?:route|go|drive|way|commute)?\b", t) and re.search(
            r"\b(?:route|go|drive|way|commute|head|habits?)\b", t):
        return ToolCall("route_suggest", {})
    return None


def _kw_zone(t: str) -> str:
    if re.search(r"\b(?:my seat|my side)\b", t):
        return "driver"
    if re.search(r"\b(?:rear|back(?: seats?)?|in the back|kids)\b", t) and not re.search(
            r"\bgo back\b", t):
        return "rear"
    if re.search(r"\bpassenger'?s?\b", t):
        return "passenger"
    if re.search(r"\b(?:driver'?s?|my side|my seat)\b", t):
        return "driver"
    return "all"


_QUESTION = re.compile(r"^(?:what|who|why|when|how|is|are|does|do|did|can(?!'t)|should|i read|"
                       r"tell me)\b")


def _vehicle_keywords(t: str) -> ToolCall | None:
    """Car functions said in other shapes ("heat on", "more fan", "the rear passengers are
    cold"); only when the function and the action are both unmistakable."""
    if _QUESTION.search(t) and not re.search(r"^(?:can|could) ", t):
        return None
    words = len(t.split())
    if words > 12 or _HOME.search(t):
        return None  # a home word with no home device understood: not the car's either
    # "the back window is open", "the music is too loud": a state, not a request
    stative = bool(re.search(r"\b(?:is|are|was|were|isn'?t|aren'?t|'s)\b", t)) or "'s " in t
    zone = _kw_zone(t)
    to = re.search(r"\b(?:to|at) (\d{1,2}(?:\.\d)?)(?: degrees)?\b", t)
    if re.search(r"\b(?:previous|go back (?:a|1|one) (?:song|track))\b", t) and (
            not stative or re.search(r"\b(?:play|go back)\b", t)):
        return _vehicle("media", "previous")
    if re.search(r"\b(?:skip|next (?:song|track|one))\b", t) and (
            not stative or re.search(r"\bskip\b", t)):
        return _vehicle("media", "next")
    rel = re.search(r"\b(?:make|get) (?:it|things) (?:a (?:bit|little|lot) |much )?(?P<w>warmer|"
                    r"hotter|cooler|colder)\b", t)
    if rel:
        up = rel["w"] in ("warmer", "hotter")
        return _vehicle("climate", "increase" if up else "decrease", zone=zone)
    if stative and not re.search(r"\b(?:cold|freezing|chilly|shivering|fridge|icy|frozen|"
                                 r"too (?:warm|hot)|less hot|boiling|sweating|stuffy|"
                                 r"roasting)\b", t):
        return None
    if re.search(r"\bseats?\b", t) and re.search(r"\b(?:heat|heating|heater|heated|warmer|"
                                                   r"warm up|warm|too hot)\b", t):
        t = re.sub(r"\bseat warmers?\b", "seat heater", t)
        lvl = re.search(r"\b(?:level )(\d)\b|\bto (\d)\b", t)
        z = zone if zone != "all" else "driver"
        if lvl:
            return _vehicle("seat", "set", lvl.group(1) or lvl.group(2), "level", z)
        if re.search(r"\boff\b", t):
            return _vehicle("seat", "off", "heating", "none", z)
        if re.search(r"\b(?:warm up|heat up|warm) (?:my|the)\b|^heat ", t):
            return _vehicle("seat", "on", "heating", "none", z)
        if re.search(r"\b(?:less|lower|down|decrease|reduce|too hot)\b", t):
            return _vehicle("seat", "decrease", "heating", "none", z)
        if re.search(r"\b(?:more|higher|up|increase|warmer)\b", t):
            return _vehicle("seat", "increase", "heating", "none", z)
        if re.search(r"\bon\b|^heat ", t):
            return _vehicle("seat", "on", "heating", "none", z)
        return None
    if re.search(r"\bwindows?\b", t):
        if re.search(r"\b(?:open|down|lower|crack)\b", t):
            return _vehicle("window", "open", zone=zone if zone != "all" or "windows" in t
                            else "driver")
        if re.search(r"\b(?:close|shut|up|raise)\b", t):
            return _vehicle("window", "close", zone=zone)
        return None
    if re.search(r"\b(?:lights?|lighting|lamps?)\b", t):
        if re.search(r"\boff\b", t):
            return _vehicle("cabin_light", "off", zone=zone)
        if re.search(r"\b(?:dim|dimmer|darker|down)\b", t):
            return _vehicle("cabin_light", "decrease", zone=zone)
        if re.search(r"\b(?:brighter|brighten|up)\b", t):
            return _vehicle("cabin_light", "increase", zone=zone)
        if re.search(r"\bon\b", t):
            return _vehicle("cabin_light", "on", zone=zone)
        return None
    if re.search(r"\b(?:volume|sound|music|radio|louder|quieter)\b", t):
        v = re.search(r"\b(?:to|at) (\d{1,3})\b|\b(\d{1,3}) percent\b", t)
        if v:
            return _vehicle("media", "set", f"volume {v.group(1) or v.group(2)}", "percent")
        if re.search(r"\b(?:up|louder|raise|increase|more)\b", t):
            return _vehicle("media", "increase", "volume")
        if re.search(r"\b(?:down|quieter|lower|decrease|less)\b", t):
            return _vehicle("media", "decrease", "volume")
        return None
    if re.search(r"\b(?:stop|cancel|end|turn off) (?:the )?(?:navigation|route|guidance)\b", t):
        return _vehicle("navigation", "off")
    m = re.search(r"^(?:i want to go|drive|route|head|let's go|go) to (?!(?:the )?(?:nearest|"
                  r"closest|a |an |it\b|there\b))(?P<d>[a-z0-9' .-]{2,40})$", t)
    if m:
        return _vehicle("navigation", "set", re.sub(r"^the ", "", m["d"]).strip())
    if re.fullmatch(r"lock (?:the |my )?car", t):
        return _vehicle("door", "lock")
    on_n = re.search(r"\bon (\d{2}(?:\.\d)?)(?: degrees)?\b", t)
    to = to or (on_n if on_n and 16 <= float(on_n.group(1)) <= 30 else None)
    clim = re.search(r"\b(?:temperature|temp|heat|heating|heater|climate|fan|air con|aircon|"
                     r"air conditioning|ac|a c|thermostat)\b", t)
    if clim:
        if to:
            return _vehicle("climate", "set", _num(to.group(1)), "celsius", zone)
        if re.search(r"\boff\b", t):
            return _vehicle("climate", "off", "ac" if "heat" not in clim.group(0) else "none",
                            zone=zone)
        if re.search(r"\b(?:up|raise|more|increase|higher|warmer)\b", t):
            return _vehicle("climate", "increase", zone=zone)
        if re.search(r"\b(?:down|lower|less|decrease|reduce|cooler)\b", t):
            return _vehicle("climate", "decrease", zone=zone)
        if re.search(r"\bon\b", t):
            return _vehicle("climate", "on", "ac" if "heat" not in clim.group(0) else "none",
                            zone=zone)
        return None
    if to and re.search(r"\b(?:cool|warm|heat|bring|make) (?:it|things|the car)\b|"
                        r"\bdegrees\b", t):
        return _vehicle("climate", "set", _num(to.group(1)), "celsius", zone)
    m = re.search(r"^(?:the )?(?:(?:driver|passenger|rear|back)(?:'s)? ?(?:side|seats?)? )"
                  r"(\d{2}(?:\.\d)?) degrees$", t)
    if m:
        return _vehicle("climate", "set", _num(m.group(1)), "celsius", zone)
    if re.search(r"\b(?:cool|chill) (?:it|things|the car) down\b", t):
        return _vehicle("climate", "decrease", zone=zone)
    if re.search(r"\b(?:warm|heat) (?:it|things|the car) up\b", t):
        return _vehicle("climate", "increase", zone=zone)
    if re.search(r"\b(?:cold|freezing|chilly|shivering|fridge|icy|frozen)\b", t) and not \
            re.search(r"\b(?:drink|water|food|outside)\b", t):
        return _vehicle("climate", "increase", zone=zone)
    if re.search(r"\b(?:too (?:warm|hot)|less hot|boiling|sweating|stuffy|roasting)\b", t):
        return _vehicle("climate", "decrease", zone=zone)
    return None


_LM_SIDE = re.compile(r"\b(?:on|to) (?:my|the|our) (?P<s>left|right|write)\b|(?P<a>\bahead\b|"
                      r"\bin front\b)|(?P<b>\bbehind\b|\b(?:drive|drove|went|go) (?:past|by)\b|"
                      r"\bpassed\b|\bback there\b)")


def _landmark_keywords(t: str) -> ToolCall | None:
    if not re.match(r"^what(?:'s| is| was| did| am i)\b", t) and not re.match(
            r"^(?:which|tell me about|what kind of) (?:\w+ ){0,3}?(?:building|landmark|tower|"
            r"church|cathedral|statue|monument|palace|bridge|structure|sight|that)\b", t):
        return None
    if not re.search(r"\b(?:that|this|the|looking at|drive past|we just)\b", t):
        return None
    if re.search(r"\b(?:capital|meaning|time|weather|temperature|speed|name of the song|"
                 r"song|usual)\b", t):
        return None
    m = _LM_SIDE.search(t)
    if m is None:
        return None
    side = "right" if m["s"] == "write" else (m["s"] or ("ahead" if m["a"] else "behind"))
    return ToolCall("landmark", {"side": side, "name": "none"})


_CHAT_START = re.compile(
    r"^(?:what(?:'s| is| are| was| were) (?:the )?(?:capital|population|meaning|speed of|"
    r"tallest|biggest|largest|longest|highest|difference|square root|history)|who (?:is|was|"
    r"were|painted|wrote|invented|discovered|won|sang|directed)|when (?:was|did|were) |how "
    r"(?:many people|old is|old was|tall is|big is|does a|do (?:plants|birds|bees))|why (?:is|do|"
    r"does|are) |tell me (?:a |another )?(?:funny )?(?:joke|story|fun fact|riddle)|"
    r"(?:hi|hello|hey|good morning|good evening|good afternoon)(?: there| you)?$|how are you|"
    r"how'?s it going|what'?s up$|thanks?(?: you)?(?: very much| so much)?$|cheers$|"
    r"do you (?:like|love|know|think|have)|are you |what year|what does .* mean|"
    r"what'?s your name|who are you|what can you do|i love you|you'?re (?:great|funny|"
    r"awesome)|what is (?:love|life)|translate |how do you say|what'?s \d+ (?:plus|times|minus)"
    r"|can you (?:sing|tell me a joke)|sing |what'?s a good (?:name|book|film|movie|word)|"
    r"what(?:'s| is) the (?:temperature|weather|distance) (?:on|of|to) (?:mars|the sun|the "
    r"moon|venus|jupiter|saturn|mercury|pluto))")
_NOT_CHAT = re.compile(
    r"\b(?:car|window|windows|seat|seats|door|doors|lock|unlock|temperature in here|in here|"
    r"heating|heater|ac|air con|lights?|music|song|play|volume|radio|navigate|route|drive|"
    r"take me|directions?|nearest|nearby|near|around here|find|restaurant|cafe|fuel|petrol|"
    r"gas|charge|charging|battery|park|parking|hotel|toilet|home|house|garage|alarm|coffee|"
    r"open|close|turn|switch|set|left|right|ahead|behind|degrees|percent|km|miles|tired|"
    r"break|hungry|that building|summar\w+|remind|call|message|speed|usual|how far)\b")


# A request the driver takes back or forbids ("don't open the window", "no need to turn the
# heat up", "never mind") must never become the command it names: the model only replies.
_NEGATED = re.compile(
    r"\b(?:don'?t|dont|do not|never|no need to|not|stop asking to|rather not)\b(?: \w+){0,3}? ?"
    r"\b(?:open|close|shut|turn|switch|set|lock|unlock|start|play|put|raise|lower|roll|crank|"
    r"heat|cool|warm|change|touch|navigate|take|drive|call|make|increase|decrease|pause|skip|"
    r"dim|brighten|activate|arm|disarm|find|search)\b"
    r"|^(?:never ?mind|forget (?:it|that|about it)|no thanks|no thank you|cancel that|scratch "
    r"that)$")


def negated(t: str) -> bool:
    """True when normalised ``t`` forbids or takes back what it names ("why don't you …" is
    still a request)."""
    return bool(_NEGATED.search(re.sub(r"\bwhy (?:don'?t|dont|not) (?:you|we)\b", " ", t)))


_CLAUSE = re.compile(r"[,;!?]|\.(?!\d)| so | and then | but ")


def said_negated(text: str) -> bool:
    """A clause of ``text`` forbids or takes back what it names: "no, don't open the
    window"; but not across clauses ("I don't like this one, play another song")."""
    return any(negated(normalise(c)) for c in _CLAUSE.split(text or "") if c.strip())


def free_text_tool(text: str) -> str | None:
    """"chat" when ``text`` is clearly not a cockpit function (general knowledge, small talk,
    jokes), so the model only writes the reply; None whenever it could be a function."""
    raw = re.sub(r"[^\w\s']", " ", (text or "").lower()).split()
    if " ".join(raw) in ("thank you", "thanks", "thank you very much", "thanks a lot"):
        return "chat"
    t = normalise(text)
    if not t or len(t) > 160:
        return None
    if said_negated(text):
        return "chat"  # "don't open the window": a reply, never the command
    if re.fullmatch(r"thanks?(?: you)?(?: very much| so much)?|cheers|great|cool|nice|"
                    r"ok(?:ay)?|you too", t):
        return "chat"
    if not _CHAT_START.search(t):
        return None
    probe = re.sub(r"\b(?:temperature|speed) (?:on|of) (?:mars|the sun|the moon|venus|"
                   r"jupiter|earth|light|sound)\b", " ", t)
    if re.match(r"^do you (?:like|love) music", probe):
        probe = probe.replace("music", "")
    if _NOT_CHAT.search(probe) and not re.search(r"^(?:tell me a|who |when |what year)", t):
        return None
    if re.search(r"\b\d+ (?:degrees|percent|km|kilometres|miles|minutes)\b", t):
        return None
    return "chat"


def parse(text: str, *, results: int = 0) -> ToolCall | None:
    """The tool call for ``text`` when the router is sure, else None (the model decides).

    ``results``: how many places the previous turn of this dialogue found; follow-ups
    ("how far is it", "the second one", "take me there") become result_info only then,
    and only for items that exist.
    """
    t = normalise(text)
    if not t or len(t) > 120 or said_negated(text) or _summary(t, text):
        return None  # (a summary itself is the model's to write)
    call = _parse_normalised(t, text, results)
    if call is None and re.search(r"[,;]| so | and then ", text):
        call = _one_clause(text, results)
    return call


def summary_request(text: str) -> bool:
    """A request to summarise a text it gives ("summarise this: ...", "sum up this note:
    ..."): the summarize tool's alone."""
    return _summary(normalise(text), text)


_SUMMARISE = re.compile(r"\b(?:summar(?:y|ise|ize)|sum (?:it |this |that )?up|gist|short "
                        r"version|in a nutshell|tl ?dr)\b")


def _summary(t: str, text: str) -> bool:
    """A request to summarise, or a text given with it ("summarise this: ...")."""
    return bool(_SUMMARISE.search(t) or re.search(r":(?:\s*\S+){8}", text))


def request_part(text: str) -> str:
    """The driver's request without the text it gives to summarise ("summarise this: <text>"
    is "summarise this"): the given text is data, its words ask for nothing ("rain gear" in
    a note is no gear change to refuse)."""
    head, sep, _ = text.partition(":")
    return head if sep and _SUMMARISE.search(normalise(head)) else text


def _one_clause(text: str, results: int) -> ToolCall | None:
    """"it's cold in here, turn the heat up": the one clause that is a request, when the
    others are statements that ask for nothing (two requests go to the model)."""
    clauses = [c for c in re.split(r"[,;]| so | and then ", text) if c.strip()]
    if len(clauses) < 2:
        return None
    calls = [_parse_normalised(normalise(c), c, results) for c in clauses]
    found = {(c.name, repr(sorted(c.args.items()))): c for c in calls if c is not None}
    if len(found) != 1:
        return None
    return next(iter(found.values()))


def _parse_normalised(t: str, text: str, results: int) -> ToolCall | None:
    if not t or len(t) > 120:
        return None
    if results <= 0 and _ITEM.search(t) and re.search(r"\b(?:one|number|option)\b", t):
        return None  # "the second one" without results: nothing to refer to
    for pattern, build in RULES:
        m = pattern.fullmatch(t)
        if m:
            call = build(m)
            if call is not None:
                _restore_case(call, text)
                return validate_call(call)
    if results > 0:
        call = _followup(t, results)
        if call is not None:
            return validate_call(call)
    if free_text_tool(text) is not None:
        return None  # the model writes the reply
    if re.search(r"\b(?:and|then|also) (?:then )?(?:tell|play|set|turn|switch|find|open|close|"
                 r"navigate|take|what|lock|unlock|call|make)\b", t):
        return None  # two requests in one: the model splits or answers them
    for kw in (_smart_home, _landmark_keywords, _break_keywords, _route_keywords,
               _vehicle_keywords, _poi_keywords):
        call = kw(t)
        if call is not None:
            return validate_call(call)
    return None


# --- slots for the tool the learned router is sure of (router.py) ------------------------
# The rules above need a request's whole shape. When the learned router is sure of the
# tool, its arguments can be read from the words alone: each filler below gives the call
# only when every argument the tool needs is found unambiguously, else None (the model
# writes it). The same words correct a model's call whose function they confirm (`agree`).
_DEFOG = r"\b(?:defrost\w*|demist\w*|defog\w*|de ice\w*|fogged|misted|steamed)\b"
_DEVICE_WORDS: list[tuple[str, str]] = [
    ("navigation", r"\b(?:take me|go|drive|head|get me|get us|route me|route us|bring me|"
                   r"bring us)(?: over| on| back| straight)? to\b|\b(?:directions?|route|get) to\b|"
                   r"\b(?:navigate|navigation|destination|guidance)\b|"
                   r"\b(?:take me|go|drive|head) home$"),
    ("door", r"\b(?:doors?|lock|unlock)\b"),
    ("window", r"\bwindows?\b"),
    # the seat function is its heating: "warmer in the back seats" is the climate
    ("seat", r"\bseats? (?:heat\w*|warmer|warming)\b|\bseats? (?:is |are )?(?:getting |"
             r"a bit |way )?too (?:hot|warm)\b|"
             r"\b(?:heat\w*|warm\w*)(?: \w+){0,3} seats?\b"),
    ("cabin_light", r"\b(?:lights?|lighting|lamps?)\b"),
    ("media", r"\b(?:music|songs?|tracks?|radio|volume|sound|podcasts?|playlist|album|tunes|"
              r"audio|stereo|louder|quieter|play|playing|pause|skip|audiobook|next one)\b|"
              r"\b(?:hear|listen to|(?:put|throw|stick|pop) on) (?:some |a bit of )?" + _GENRES),
    ("climate", r"\b(?:temperature|temp|heat|heating|heater|climate|fan|air con|aircon|"
                r"air conditioning|ac|a c|thermostat|degrees)\b|" + _DEFOG),
]
# how the cabin feels: climate only when no device is named ("it's hot, open the window")
_FEEL_UP = r"\b(?:cold|chilly|freezing|shivering|icy|frozen|fridge|warmer|hotter)\b"
_FEEL_DOWN = (r"\b(?:hot|warm|too warm|sweating|boiling|stuffy|roasting|cooler|colder|"
              r"less hot)\b")
_ON = (r"\b(?:turn|switch|put|get|flip) on\b|\bon$|\bon (?:please|now|again|in here)\b|"
       r"\b(?:turn|switch|put|get|flip) (?:\w+ ){1,4}on\b(?! (?:my|the|our|your|for)\b)|"
       r"\b(?:start|activate|going)\b|\bon\b(?! (?:my|the|our|your|his|her|their|a|\d))")
_UP = r"\b(?:up|raise|more|increase|higher|boost)\b"
_DOWN = r"\b(?:down|lower|less|decrease|reduce)\b"
_STATE = re.compile(r"\b(?:is|are|was|were|'s) (?:still |already |wide |all )?(?:open|closed|"
                    r"shut|on|off|locked|unlocked|up|down)\b")
_ASKS = re.compile(r"^(?:is|are|was|were|does|do|did|what|why|when|which|who|whose|should|"
                   r"how)\b")


def _one(choices: list[tuple[str, str]], t: str) -> str | None:
    """The one choice whose words ``t`` has (None: none or several disagree)."""
    found = {value for value, pattern in choices if re.search(pattern, t)}
    return found.pop() if len(found) == 1 else None


def _first(levels: list[list[tuple[str, str]]], t: str) -> str | None:
    """The first level of choices ``t`` has words of, decided there (several: None)."""
    for choices in levels:
        if any(re.search(pattern, t) for _, pattern in choices):
            return _one(choices, t)
    return None


def _function(t: str) -> str | None:
    t = re.sub(r"\b(?:in|for) the (?:back|rear|front) seats?\b", "in the back", t)
    found = {f for f, pattern in _DEVICE_WORDS if re.search(pattern, t)}
    if "seat" in found:
        found.discard("climate")  # "heat my seat": the seat heating
    if "media" in found and "navigation" in found and re.search(r"\bgo to the next\b", t):
        found.discard("navigation")
    if not found and (re.search(_FEEL_UP, t) or re.search(_FEEL_DOWN, t)):
        found = {"climate"}
    if not found and re.search(r"\bto \d{2}(?:\.\d)?(?: degrees)?$", t):
        found = {"climate"}  # "set the cabin to 23"
    return found.pop() if len(found) == 1 else None


def _fill_vehicle(t: str, results: int) -> ToolCall | None:
    function = _function(t)
    if function is None or _STATE.search(t):
        return None  # no single function, or a statement of how things are
    if _ASKS.search(t) and not re.match(r"^how (?:do|can) (?:i|we) get to\b", t):
        return None  # a question ("is the window open?"), not a request
    zone = _kw_zone(t)
    if function == "climate":
        to = (re.search(r"\b(?:to|at|on) (\d{2}(?:\.\d)?)(?: degrees)?\b", t)
              or re.search(r"\b(\d{2}(?:\.\d)?) degrees\b", t))
        if to and 10 <= float(to.group(1)) <= 35:
            return _vehicle("climate", "set", _num(to.group(1)), "celsius", zone)
        if re.search(_DEFOG, t) and not re.search(r"\boff\b", t):
            return _vehicle("climate", "on", "defrost", zone=zone)
        action = _first([[("off", r"\b(?:off|kill)\b"), ("on", _ON)],
                         [("increase", _UP + r"|\b(?:warmer|hotter|warm up|heat up)\b"),
                          ("decrease", _DOWN + r"|\b(?:cooler|colder|cool down)\b")],
                         [("increase", _FEEL_UP), ("decrease", _FEEL_DOWN)]], t)
        if action is None:
            return None
        value = "none"
        if action in ("on", "off"):
            value = ("ac" if re.search(r"\b(?:ac|a c|air con|aircon|air conditioning)\b", t)
                     else "defrost" if re.search(r"\b(?:defrost|demist|defog)", t) else "none")
        return _vehicle("climate", action, value, zone=zone)
    if function == "window":
        action = _first([[("open", r"\b(?:open|crack)\b"), ("close", r"\b(?:close|shut)\b")],
                         [("open", r"\b(?:down|lower)\b"), ("close", r"\b(?:up|raise)\b")]], t)
        if action is None:
            return None
        value, unit = "none", "none"
        pct = re.search(r"\b(\d{1,3}) percent\b", t)
        if pct:
            value, unit = pct.group(1), "percent"
        elif re.search(r"\bhalf ?way\b", t):
            value, unit = "50", "percent"
        elif action == "open" and re.search(r"\b(?:a bit|a little|slightly|crack)\b", t):
            value, unit = "20", "percent"
        if zone == "all" and not re.search(r"\b(?:windows|all)\b", t):
            zone = "driver"
        return _vehicle("window", action, value, unit, zone)
    if function == "seat":
        t = re.sub(r"\bseat warm(?:er|ers|ing)\b", "seat heater", t)
        zone = zone if zone != "all" else "driver"
        level = re.search(r"\b(?:level|to) (\d)\b", t)
        if level:
            return _vehicle("seat", "set", level.group(1), "level", zone)
        action = _first([[("off", r"\boff\b")],
                         [("on", r"^(?:heat|warm)\b|\b(?:heat|warm)(?: up)? (?:my|the)\b")],
                         [("decrease", _DOWN + r"|\btoo (?:hot|warm)\b"),
                          ("increase", _UP + r"|\bwarmer\b")],
                         [("on", _ON)]], t)
        if action is None:
            return None
        value = "heating" if action in ("on", "off") else "none"
        return _vehicle("seat", action, value, zone=zone)
    if function == "media":
        vol = re.search(r"\bvolume (?:to |at )?(\d{1,3})\b|\b(\d{1,3}) percent\b", t)
        if vol:
            return _vehicle("media", "set", f"volume {vol.group(1) or vol.group(2)}", "percent")
        action = _first([
            [("next", r"\b(?:next|skip|another (?:song|track|one)|different (?:song|track))\b"),
             ("previous", r"\b(?:previous|last (?:song|track)|(?:song|track) before|go back|"
                          r"back to the|back (?:a|one|1) (?:song|track))\b")],
            [("pause", r"\b(?:pause|stop|mute|silence|hold)\b")],
            [("increase", r"\b(?:louder|(?:turn|crank|pump|bump) (?:it |the \w+ )?up|up the "
                          r"(?:volume|sound|music)|raise|increase|more volume|volume up|"
                          r"can'?t hear)\b"),
             ("decrease", r"\b(?:quieter|softer|too loud|turn (?:it |the \w+ )?down|"
                          r"lower|decrease|less volume|volume down)\b")],
            [("play", r"\b(?:play|playing|hear|listen to|(?:put|throw|stick|pop) on|resume|"
                      r"carry on|continue|unpause)\b")]], t)
        if action is None:
            return None
        if action in ("increase", "decrease"):
            return _vehicle("media", action, "volume")
        if action != "play":
            return _vehicle("media", action)
        what = re.search(r"\b(?:play|playing|hear|listen to|(?:put|throw|stick|pop) on)(?: me)? "
                         r"(?:some |a |an |the |a bit of )?(?P<w>[a-z0-9' ]{2,30}?)"
                         r"(?: music| songs| radio| on| for a \w+| again)?$", t)
        value = what["w"].strip() if what else "none"
        if value in ("music", "something", "songs", "it", "that", "this", "the music") or \
                len(value.split()) > 4:
            value = "none"
        return _vehicle("media", "play", value)
    if function == "cabin_light":
        action = _first([[("off", r"\b(?:off|kill)\b"), ("on", _ON)],
                         [("decrease", r"\b(?:dim|dimmer|darker|too bright|lower|down|less)\b"),
                          ("increase", r"\b(?:brighter|brighten|too dark|up|more)\b")]], t)
        return _vehicle("cabin_light", action, zone=zone) if action else None
    if function == "navigation":
        if re.search(r"\b(?:stop|end|cancel|turn off|quit|clear)\b", t) and not re.search(
                r"\bto\b", t):
            return _vehicle("navigation", "off")
        if re.search(r"\bhome$", t):
            return _vehicle("navigation", "set", "home")
        m = re.search(r"\b(?:to|towards) (?:the )?(?:nearest |closest )?(?P<d>[a-z0-9' .-]{2,40}?)"
                      r"(?: please| now| instead)?$", t)
        if m is None or re.match(r"(?:it|there|that|this|them|a|an|some|any)\b", m["d"]):
            return None  # a place found before (result_info) or a search (poi_search)
        return _vehicle("navigation", "set", m["d"].strip())
    if function == "door":
        action = _one([("unlock", r"\bunlock\b"), ("lock", r"\block\b"),
                       ("open", r"\bopen\b"), ("close", r"\b(?:close|shut)\b")], t)
        return _vehicle("door", action, zone=zone) if action else None
    return None


_HOME_ONLY = ("garage_door", "coffee_machine", "alarm")


def _fill_home(t: str, results: int) -> ToolCall | None:
    if _STATE.search(t) or _ASKS.search(t):
        return None
    t = re.sub(r"\b(?:kettle|espresso|brew)\b", "coffee machine", t)
    devices = {d for d, pattern in _HOME_DEVICES if re.search(pattern, t)}
    if len(devices) > 1 and "heating" in devices:
        devices.discard("heating")  # "warm" words beside a named device
    if len(devices) != 1:
        return None
    device = devices.pop()
    if device not in _HOME_ONLY and not _HOME.search(t):
        return None  # "turn on the heating" without a home word is the car's
    call = _smart_home(t if _HOME.search(t) else f"{t} at home")
    return call if call is not None and call.args["device"] == device else None


def _fill_poi(t: str, results: int) -> ToolCall | None:
    return _poi_slots(t)


def _fill_landmark(t: str, results: int) -> ToolCall | None:
    m = _LM_SIDE.search(t)
    side = "any"
    if m:
        side = "right" if m["s"] == "write" else (m["s"] or ("ahead" if m["a"] else "behind"))
    return ToolCall("landmark", {"side": side, "name": "none"})


def _fill_break(t: str, results: int) -> ToolCall | None:
    kind = _one([("rest_area", r"\b(?:rest area|rest stop|nap|sleep|lie down)\b"),
                 ("coffee", r"\b(?:coffee|espresso|cafe)\b")], t)
    return ToolCall("rest_break", {"kind": kind or "any"})


def _fill_result(t: str, results: int) -> ToolCall | None:
    found = _item(t, results) if results > 0 else None
    if found is None:
        return None
    item, m = found
    fields = {f for f, pattern in _FIELDS if re.search(pattern, t)}
    if len(fields) > 1 or (not fields and not m):
        return None
    return ToolCall("result_info", {"item": item, "field": fields.pop() if fields else "details"})


_FILL: dict[str, Callable[[str, int], ToolCall | None]] = {
    "vehicle": _fill_vehicle, "smart_home": _fill_home, "poi_search": _fill_poi,
    "landmark": _fill_landmark, "rest_break": _fill_break, "result_info": _fill_result,
    "route_suggest": lambda t, results: ToolCall("route_suggest", {}),
}


def asks(text: str) -> bool:
    """A question ("is it going to rain later", "how hot is the sun", "what does that light
    mean"), not a request put as one ("can you open the window", "do you mind turning the
    heat up", "how do I get to the station")."""
    t = normalise(text)
    return bool(_ASKS.search(t)) and not re.match(
        r"^(?:how (?:do|can|would) (?:i|we) get to|do you mind|would you mind|how about|"
        r"what about)\b", t)


def fill(tool: str, text: str, *, results: int = 0) -> ToolCall | None:
    """The call of ``tool`` with its arguments read from ``text``, when every argument the
    tool needs is found unambiguously; None otherwise (and for a negated request, several
    requests in one, a summary or a chat reply, which only the model can write)."""
    t = normalise(text)
    filler = _FILL.get(tool)
    if filler is None or not t or len(t) > 120 or len(t.split()) > 16 or said_negated(text):
        return None
    if re.search(r"\b(?:and|then|also) (?:then )?(?:tell|play|set|turn|switch|find|open|close|"
                 r"navigate|take|what|lock|unlock|call|make|the|my|a|an)\b", t):
        return None  # two requests, or one for two things: the model's
    call = filler(t, results)
    if call is None:
        return None
    _restore_case(call, text)
    try:
        return validate_call(call)
    except ToolParseError:
        return None


_WHAT = {"vehicle": "function", "smart_home": "device", "poi_search": "category"}


def agree(call: ToolCall, text: str, *, results: int = 0) -> ToolCall:
    """The model's ``call`` with the arguments the words state unambiguously ("switch it
    off" is off, whatever the model wrote), when the words name the same function, device
    or category as the model; the model's call unchanged otherwise."""
    words = fill(call.name, text, results=results)
    if words is None:
        return call
    key = _WHAT.get(call.name)
    if key is not None and words.args.get(key) != call.args.get(key):
        return call
    said = call.args.get("value")
    if (words.args.get("value") == "none" and isinstance(said, str) and said != "none"
            and re.search(rf"\b{re.escape(said)}\b", normalise(text))):
        # a number the words hold but the fillers did not place ("warmer by 2 degrees"):
        # the model's reading of it stays
        return ToolCall(words.name, {**words.args, "value": said,
                                     "unit": call.args.get("unit", "none")})
    return words
