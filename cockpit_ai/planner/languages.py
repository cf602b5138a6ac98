"""The answer templates in the brand's language: English is written, other languages are
looked up here.

The planner (and ``answers.py``) write their answers in English; ``localise(text,
language)`` gives the same answer in the brand's ``language`` by matching it against the
English templates below and filling the other language's template with the parts it
found (a place's name is kept, a distance, a side, an opening state, a kind of place are
translated too). An answer that matches no template (a model's free reply, which the
model already writes in the brand's language, or a phrase not in this table) is left as
it is; ``translate`` says whether all of it was covered, so tests find English that
slipped through. Adding a language is one table; adding an English answer means adding
its line here (``test/planner/test_planner_brand.py`` runs the common answers through an
English and a German planner and compares).

Not translated (said in English in every language): the home node's status texts, the
names and cuisines of places (as the map has them), the driving function named in a
never-list refusal, and the free replies of a model that ignores the prompt's language. The
router and the yes/no words understand English requests only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

LANGUAGES = ("en", "de")
SOURCE = "en"

#: "Hey Qwen." alone: the co-pilot listens (wake word with nothing after it)
LISTENING = "Yes?"


@dataclass(frozen=True)
class _Kind:
    """A kind of part in a template: how it looks in English and how it is said."""

    pattern: str
    convert: Callable[[str], str | None]  # None: cannot say it (the template does not fit)


def _num_de(text: str) -> str:
    return text.replace(".", ",")


_DE_SIDES = {"on your left": "links", "on your right": "rechts", "ahead": "vor Ihnen",
             "behind you": "hinter Ihnen", "nearby": "in der Nähe", "": ""}
_DE_WHERE = {"On your left": "Links", "On your right": "Rechts", "Ahead": "Vor Ihnen",
             "Behind you": "Hinter Ihnen", "Nearby": "In der Nähe"}
_DE_OPEN = {"open now": "jetzt geöffnet", "closed now": "jetzt geschlossen",
            "I don't know if it's open": "ob geöffnet ist, weiß ich nicht"}
_DE_KINDS = {
    "restaurant": "Restaurant", "cafe": "Café", "fast food": "Imbiss", "bar": "Bar",
    "pub": "Kneipe", "ice cream": "Eisdiele", "museum": "Museum", "attraction":
    "Sehenswürdigkeit", "place of worship": "Gotteshaus", "monument": "Denkmal",
    "park": "Park", "hotel": "Hotel", "fuel": "Tankstelle", "charging station":
    "Ladestation", "parking": "Parkplatz", "pharmacy": "Apotheke", "hospital":
    "Krankenhaus", "toilets": "Toiletten", "rest area": "Rastplatz", "supermarket":
    "Supermarkt", "services": "Raststätte", "building": "Gebäude", "place": "Ort",
    "church": "Kirche", "cathedral": "Kathedrale", "theatre": "Theater", "artwork":
    "Kunstwerk", "memorial": "Gedenkstätte", "castle": "Burg", "viewpoint":
    "Aussichtspunkt", "library": "Bibliothek", "university": "Universität", "station":
    "Bahnhof", "bakery": "Bäckerei", "gallery": "Galerie", "fountain": "Brunnen",
    "statue": "Statue", "townhall": "Rathaus", "marketplace": "Marktplatz",
}
_DE_DIETS = {"vegan": "vegan", "vegetarian": "vegetarisch", "gluten free": "glutenfrei",
             "halal": "halal", "kosher": "koscher"}
_DE_ZONES = {"": "", " for the driver": " für den Fahrer", " for the passenger":
             " für den Beifahrer", " for the rear": " für hinten"}
_DE_FUNCTIONS = {"climate": "Die Klimatisierung", "window": "Die Fenster", "seat": "Die Sitze",
                 "media": "Die Medien", "cabin light": "Die Innenbeleuchtung",
                 "navigation": "Die Navigation", "door": "Die Türen",
                 "smart home": "Das Zuhause"}
_DE_FUNCTIONS_DATIVE = {"climate": "der Klimatisierung", "window": "den Fenstern",
                        "seat": "den Sitzen", "media": "den Medien",
                        "cabin light": "der Innenbeleuchtung", "navigation": "der Navigation",
                        "door": "den Türen", "smart home": "dem Zuhause"}
_DE_DOOR_VERBS = {"open": "öffnen", "unlock": "entriegeln", "lock": "verriegeln",
                  "close": "schließen"}
_DE_ONOFF = {"on": "ein", "off": "aus"}
_DE_WINDOWS = {"windows": "die Fenster", "driver window": "das Fahrerfenster",
               "passenger window": "das Beifahrerfenster", "rear window": "die hinteren Fenster",
               "all window": "die Fenster"}
_DE_DEVICES = {"heating": "die Heizung", "lights": "das Licht", "air conditioning":
               "die Klimaanlage", "garage door": "das Garagentor", "alarm": "die Alarmanlage",
               "coffee machine": "die Kaffeemaschine"}
_DE_HOME_VERBS = {"open": "öffnen", "close": "schließen"}


def _de_distance(text: str) -> str | None:
    m = re.fullmatch(r"(\d+(?:\.\d+)?) (metres|kilometres|m|km)", text)
    if m is None:
        return None
    unit = {"metres": "Meter", "kilometres": "Kilometer"}.get(m[2], m[2])
    return f"{_num_de(m[1])} {unit}"


def _de_minutes(n: str, word: str) -> str:
    if word.startswith("hour"):
        return f"{n} Stunde" + ("n" if n != "1" else "")
    return f"{n} Minute" + ("n" if n != "1" else "")


def _de_duration(text: str) -> str | None:
    m = re.fullmatch(r"about (\d+) (minutes?|hours?)(?: (\d+) (minutes?))?", text)
    if m is None:
        return None
    out = "etwa " + _de_minutes(m[1], m[2])
    if m[3]:
        out += " " + _de_minutes(m[3], m[4])
    return out


def _de_kind(text: str) -> str | None:
    return _DE_KINDS.get(text, text)  # a kind the table lacks is said as the map has it


def _de_what(text: str) -> str | None:
    """ "vegan restaurant" (diets, cuisine, category) → "Restaurant (vegan)"."""
    for kind in sorted(_DE_KINDS, key=len, reverse=True):
        if text == kind or text.endswith(" " + kind):
            rest = text[: -len(kind)].strip()
            words = []
            for diet in sorted(_DE_DIETS, key=len, reverse=True):
                if diet in rest:
                    rest = rest.replace(diet, " ").strip()
                    words.append(_DE_DIETS[diet])
            if rest:
                words.append(rest)  # a cuisine, as the map says it
            return _DE_KINDS[kind] + (f" ({', '.join(words)})" if words else "")
    return None


def _de_bit(text: str) -> str | None:
    """One part of a place's description: distance, side, opening state or kind."""
    for convert in (_de_distance, lambda t: _DE_SIDES.get(t) if t else None,
                    _DE_OPEN.get, lambda t: _DE_KINDS.get(t)):
        out = convert(text)
        if out:
            return out
    return None


def _de_items(text: str) -> str | None:
    """ "1. Name, 350 metres, on your left, open now; 2. ..." with each description
    translated (the name is everything up to the first part that is a description)."""
    items = []
    for item in text.split("; "):
        m = re.fullmatch(r"(\d+)\. (.+)", item)
        if m is None:
            return None
        parts = m[2].split(", ")
        first = next((i for i in range(1, len(parts)) if _de_bit(parts[i]) is not None),
                     len(parts))
        bits = [_de_bit(p) for p in parts[first:]]
        if any(b is None for b in bits):
            return None
        items.append(f"{m[1]}. " + ", ".join([", ".join(parts[:first]), *map(str, bits)]))
    return "; ".join(items)


def _de_bits(text: str) -> str | None:
    bits = [_de_bit(p) for p in text.split(", ")]
    return None if any(b is None for b in bits) else ", ".join(map(str, bits))


def _de_and(text: str) -> str:
    return " und ".join(text.split(" and "))


_ANY = r".+?"
_DE_KIND_TABLE: dict[str, _Kind] = {
    "raw": _Kind(_ANY, lambda t: t),
    "and": _Kind(_ANY, _de_and),
    "n": _Kind(r"-?\d+(?:\.\d+)?", _num_de),
    "side": _Kind("|".join(re.escape(s) for s in _DE_SIDES if s), _DE_SIDES.get),
    "where": _Kind("|".join(map(re.escape, _DE_WHERE)), _DE_WHERE.get),
    "dist": _Kind(r"\d+(?:\.\d+)? (?:metres|kilometres|m|km)", _de_distance),
    "dur": _Kind(r"about \d+ (?:minutes?|hours?)(?: \d+ minutes?)?", _de_duration),
    "open": _Kind("|".join(map(re.escape, _DE_OPEN)), _DE_OPEN.get),
    "kind": _Kind(r"[a-z][a-z ]*", _de_kind),
    "zone": _Kind(r"(?: for the (?:driver|passenger|rear))?", _DE_ZONES.get),
    "function": _Kind("|".join(map(re.escape, _DE_FUNCTIONS)), _DE_FUNCTIONS.get),
    "function_dative": _Kind("|".join(map(re.escape, _DE_FUNCTIONS_DATIVE)),
                             _DE_FUNCTIONS_DATIVE.get),
    "doorverb": _Kind("|".join(_DE_DOOR_VERBS), _DE_DOOR_VERBS.get),
    "onoff": _Kind("on|off", _DE_ONOFF.get),
    "window": _Kind("|".join(_DE_WINDOWS), _DE_WINDOWS.get),
    "how": _Kind(r"(?: to \d+ %)?", lambda t: t.replace(" to ", " auf ")),
    "device": _Kind("|".join(_DE_DEVICES), _DE_DEVICES.get),
    "homeverb": _Kind("open|close", _DE_HOME_VERBS.get),
    "items": _Kind(_ANY, _de_items),
    "bits": _Kind(_ANY, _de_bits),
    # a nested answer ("Did you mean: <what a command does>?"), translated in its turn
    "text": _Kind(_ANY, lambda t: _translate_part(t, "de")),
    "texts": _Kind(_ANY, lambda t: _translate_list(t, "de")),
}

# English sentence (or whole answer) → German. {name:kind}; kind "raw" when omitted.
_DE: list[tuple[str, str]] = [
    # -- turns without a tool ---------------------------------------------------------
    ("I didn't hear anything.", "Ich habe nichts gehört."),
    (LISTENING, "Ja?"),
    ("I can't do that: {x} stays with the driver.", "Das kann ich nicht: {x} bleibt Sache "
     "des Fahrers."),
    ("I never operate driving or safety functions.", "Fahr- und Sicherheitsfunktionen bediene "
     "ich nie."),
    ("Sorry, I can only do simple car functions and searches right now.",
     "Entschuldigung, im Moment kann ich nur einfache Fahrzeugfunktionen und Suchen "
     "erledigen."),
    ("Sorry, I can't think right now.", "Entschuldigung, ich kann gerade nicht nachdenken."),
    ("Please try again.", "Bitte versuchen Sie es noch einmal."),
    ("Sorry, I didn't get that.", "Entschuldigung, das habe ich nicht verstanden."),
    ("Could you say it another way?", "Können Sie es anders sagen?"),
    ("Okay.", "In Ordnung."),
    ("I'm {name}, your co-pilot.", "Ich bin {name}, Ihr Co-Pilot."),
    # -- questions asked back, offers -------------------------------------------------
    ("Sorry, that was a while ago, so I didn't do it.", "Entschuldigung, das ist schon eine "
     "Weile her, deshalb habe ich es nicht getan."),
    ("Please ask again.", "Bitte fragen Sie noch einmal."),
    ("OK, I won't.", "In Ordnung, dann nicht."),
    ("Sorry, I'm not sure I heard you.", "Entschuldigung, ich bin nicht sicher, ob ich Sie "
     "richtig verstanden habe."),
    ("Please say yes or no.", "Bitte sagen Sie ja oder nein."),
    ("Did you mean: {what:texts}?", "Meinten Sie: {what}?"),
    ("Shall I navigate there?", "Soll ich dorthin navigieren?"),
    ("Shall I navigate to {name}?", "Soll ich zu {name} navigieren?"),
    ("Shall I set {name} as the destination?", "Soll ich {name} als Ziel setzen?"),
    ("Shall I set it as the destination?", "Soll ich es als Ziel setzen?"),
    # -- places -----------------------------------------------------------------------
    ("I can't see that right now.", "Das kann ich gerade nicht sehen."),
    ("I can't look up places right now.", "Ich kann gerade keine Orte nachschlagen."),
    ("I don't know where we are right now, so I can't look for places.",
     "Ich weiß gerade nicht, wo wir sind, deshalb kann ich keine Orte suchen."),
    ("I don't see a landmark {where:side}.", "Ich sehe {where} kein Wahrzeichen."),
    ("{where:where} is {name} ({kind:kind}), {dist:dist} away.",
     "{where} ist {name} ({kind}), {dist} entfernt."),
    ("Also there: {names}.", "Außerdem dort: {names}."),
    ("I couldn't find any {what:what} nearby that is open now.",
     "Ich habe in der Nähe nichts gefunden, das jetzt geöffnet ist: {what}."),
    ("I couldn't find any {what:what} nearby.", "Ich habe in der Nähe nichts gefunden: "
     "{what}."),
    ("I found {n:n}: {items:items}.", "Ich habe {n} gefunden: {items}."),
    ("Which place do you mean?", "Welchen Ort meinen Sie?"),
    ("Ask me to find something first.", "Bitten Sie mich zuerst, etwas zu suchen."),
    ("I only found {n:n}.", "Ich habe nur {n} gefunden."),
    ("{name} is {dist:dist} away, {side:side}.", "{name} ist {dist} entfernt, {side}."),
    ("{name} is {dist:dist} away.", "{name} ist {dist} entfernt."),
    ("{name} is {side:side}.", "{name} ist {side}."),
    ("{name}: {state:open}.", "{name}: {state}."),
    ("Hours: {hours}.", "Öffnungszeiten: {hours}."),
    ("{name} serves {food}.", "{name} bietet {food}."),
    ("{name}: {bits:bits}.", "{name}: {bits}."),
    # -- breaks -----------------------------------------------------------------------
    ("You seem tired.", "Sie wirken müde."),
    ("How about a break?", "Wie wäre es mit einer Pause?"),
    ("{name} ({kind:kind}) is {dist:dist} {side:side}.",
     "{name} ({kind}) ist {dist} entfernt, {side}."),
    ("Let's take a break at the next safe place to stop.",
     "Machen wir beim nächsten sicheren Halt eine Pause."),
    # -- commands said back -----------------------------------------------------------
    ("Setting the temperature to {v:n} degrees{zone:zone}.",
     "Ich stelle die Temperatur auf {v} Grad{zone}."),
    ("Making it warmer{zone:zone}.", "Ich mache es wärmer{zone}."),
    ("Making it cooler{zone:zone}.", "Ich mache es kühler{zone}."),
    ("Turning the climate {a:onoff}.", "Ich schalte die Klimatisierung {a}."),
    ("Turning the air conditioning {a:onoff}.", "Ich schalte die Klimaanlage {a}."),
    ("Opening the {w:window}{how:how}.", "Ich öffne {w}{how}."),
    ("Closing the {w:window}{how:how}.", "Ich schließe {w}{how}."),
    ("Navigating to {place}, {dist:dist}, {dur:dur}.",
     "Ich navigiere zu {place}, {dist}, {dur}."),
    ("Navigating to {place}.", "Ich navigiere zu {place}."),
    ("Playing {what}{zone:zone}.", "Ich spiele {what}{zone}."),
    ("Pausing.", "Pause."),
    ("Next track.", "Nächster Titel."),
    ("Previous track.", "Vorheriger Titel."),
    ("Turning it up.", "Ich mache lauter."),
    ("Turning it down.", "Ich mache leiser."),
    ("Okay: cabin light {a:onoff}{zone:zone}.", "In Ordnung: Innenbeleuchtung {a}{zone}."),
    ("Okay: cabin light increase.", "In Ordnung: Innenbeleuchtung heller."),
    ("Okay: cabin light decrease.", "In Ordnung: Innenbeleuchtung dunkler."),
    ("Okay: seat {a:onoff} heating{zone:zone}.", "In Ordnung: Sitzheizung {a}{zone}."),
    ("Okay: seat {a:onoff} ventilation{zone:zone}.", "In Ordnung: Sitzlüftung {a}{zone}."),
    ("Okay: seat increase heating{zone:zone}.", "In Ordnung: Sitzheizung höher{zone}."),
    ("Okay: seat decrease heating{zone:zone}.", "In Ordnung: Sitzheizung niedriger{zone}."),
    ("Okay: seat set {n:n}{zone:zone}.", "In Ordnung: Sitzheizung auf Stufe {n}{zone}."),
    ("Okay: door {a:doorverb}{zone:zone}.", "In Ordnung: Türen {a}{zone}."),
    # -- what a command does ("Did you mean: ...?") -----------------------------------
    ("set the temperature to {v:n} °C{zone:zone}", "die Temperatur auf {v} °C stellen{zone}"),
    ("make it warmer{zone:zone}", "es wärmer machen{zone}"),
    ("make it cooler{zone:zone}", "es kühler machen{zone}"),
    ("make it warmer by {v:n} degrees{zone:zone}", "es um {v} Grad wärmer machen{zone}"),
    ("make it cooler by {v:n} degrees{zone:zone}", "es um {v} Grad kühler machen{zone}"),
    ("turn the climate {a:onoff}", "die Klimatisierung {a}schalten"),
    ("turn the air conditioning {a:onoff}", "die Klimaanlage {a}schalten"),
    ("navigate to {place}", "zu {place} navigieren"),
    ("play {what}{zone:zone}", "{what} abspielen{zone}"),
    ("pause the music", "die Musik anhalten"),
    ("skip to the next track", "zum nächsten Titel springen"),
    ("go back a track", "einen Titel zurückgehen"),
    ("turn the volume up", "lauter stellen"),
    ("turn the volume down", "leiser stellen"),
    ("turn the cabin lights {a:onoff}", "die Innenbeleuchtung {a}schalten"),
    ("brighten the cabin lights", "die Innenbeleuchtung heller stellen"),
    ("dim the cabin lights", "die Innenbeleuchtung dunkler stellen"),
    ("{a:doorverb} the doors", "die Türen {a}"),
    ("open the {w:window}{how:how}", "{w}{how} öffnen"),
    ("close the {w:window}{how:how}", "{w}{how} schließen"),
    # -- the home (smart_home: the request; the home node's status texts stay English) --
    ("I'll {what:text} now.", "Ich werde jetzt {what}."),
    ("I'll {what:text} before you arrive.", "Ich werde {what}, bevor Sie ankommen."),
    ("OK, I'll {what:text}.", "In Ordnung, ich werde {what}."),
    ("turn the {d:device} at home {a:onoff}", "{d} zu Hause {a}schalten"),
    ("set the {d:device} at home to {v}", "{d} zu Hause auf {v} stellen"),
    ("{a:homeverb} the {d:device} at home", "{d} zu Hause {a}"),
    ("Shall I {what:text}?", "Soll ich {what}?"),
    # -- the safety gate --------------------------------------------------------------
    ("{func:function} is not a function I may control.",
     "{func} darf ich in diesem Auto nicht bedienen."),
    ("I can't {a} the {f:function_dative}.", "Das geht mit {f} nicht ({a})."),
    ("I never control driving or safety functions ({f}).",
     "Fahr- und Sicherheitsfunktionen bediene ich nie ({f})."),
    ("I can't {a:doorverb} the doors while the car is moving.",
     "Während der Fahrt kann ich die Türen nicht {a}."),
    ("I can't {a:doorverb} the doors: I don't know the car's speed right now, so I treat it "
     "as moving.", "Ich kann die Türen nicht {a}: Ich kenne die Geschwindigkeit gerade nicht "
     "und gehe deshalb davon aus, dass das Auto fährt."),
    ("I can set the temperature between {lo:n} and {hi:n} °C.",
     "Ich kann die Temperatur zwischen {lo} und {hi} °C einstellen."),
    ("No video on the driver's screen while driving; I can play it for the rear seats.",
     "Während der Fahrt kein Video auf dem Fahrerbildschirm; für die Rücksitze kann ich es "
     "abspielen."),
    # -- trips ------------------------------------------------------------------------
    ("Going home?", "Fahren Sie nach Hause?"),
    ("Going to {name}?", "Fahren Sie zu {name}?"),
    ("Usual route via {streets:and}, {m:n} minutes.", "Üblicher Weg über {streets}, "
     "{m} Minuten."),
    ("Usual route via {streets:and}, 1 minute.", "Üblicher Weg über {streets}, 1 Minute."),
    ("Usual route via {streets:and}.", "Üblicher Weg über {streets}."),
    ("{m:n} minutes.", "{m} Minuten."),
    ("I don't know a usual destination for this time yet.",
     "Für diese Zeit kenne ich noch kein übliches Ziel."),
    ("I don't keep a trip history in this car.", "In diesem Auto speichere ich keine Fahrten."),
    ("There's nothing for me to summarise.", "Hier gibt es nichts zusammenzufassen."),
    # -- driver preferences (cockpit_ai/profile) --------------------------------------
    ("Noted: you're {diet:what}.", "Notiert: Sie essen {diet}."),
    ("Noted: you eat {diet:what}.", "Notiert: Sie essen {diet}."),
    ("Noted: no special diet.", "Notiert: keine besondere Ernährung."),
    ("Noted: you like {food} food.", "Notiert: Ihre Lieblingsküche ist {food}."),
    ("Noted: this is your {place:place}.", "Notiert: Hier ist Ihr {place}."),
    ("Noted: you like it at {v:n} degrees.", "Notiert: Sie mögen es bei {v} Grad."),
    ("I'll use it from now on.", "Ich berücksichtige das ab jetzt."),
    ("Shall I set it now?", "Soll ich sie jetzt einstellen?"),
    ("Shall I remember that you're {diet:what}?", "Soll ich mir merken, dass Sie {diet} "
     "essen?"),
    ("Shall I remember that you eat {diet:what}?", "Soll ich mir merken, dass Sie {diet} "
     "essen?"),
    ("Shall I remember this place as your {place:place}?",
     "Soll ich mir diesen Ort als Ihr {place} merken?"),
    ("I don't know where we are right now, so I can't remember this place.",
     "Ich weiß gerade nicht, wo wir sind, deshalb kann ich mir diesen Ort nicht merken."),
    ("Only {diet:what}, as you told me.", "Nur {diet}, wie Sie mir gesagt haben."),
    ("I don't know your usual temperature yet.", "Ihre übliche Temperatur kenne ich noch "
     "nicht."),
    ("Sorry, I can't remember that right now.", "Entschuldigung, das kann ich mir gerade "
     "nicht merken."),
    # -- shared documents -------------------------------------------------------------
    ("Nothing has been shared with me.", "Mir wurde nichts geteilt."),
    ("The text from {origin:origin}:", "Der Text von {origin}:"),
    ("{title} from {origin:origin}:", "{title} von {origin}:"),
    ("The text:", "Der Text:"),
    ("I cannot summarise it right now; here is how it begins.",
     "Ich kann es gerade nicht zusammenfassen; so fängt es an."),
    ("The document is long; I only read the first part.",
     "Das Dokument ist lang; ich habe nur den ersten Teil gelesen."),
    # -- fatigue alerts (alerts.py), sentence by sentence ------------------------------
    ("You seem a little tired.", "Sie wirken etwas müde."),
    ("Tell me when you'd like a break and I'll find a place to stop.",
     "Sagen Sie mir, wann Sie eine Pause möchten, dann suche ich einen Ort zum Anhalten."),
    ("You seem tired.", "Sie wirken müde."),
    ("How about a break?", "Wie wäre es mit einer Pause?"),
    ("Let's take a break at the next safe place to stop.",
     "Machen wir an der nächsten sicheren Haltemöglichkeit eine Pause."),
    ("Warning: you are very drowsy.", "Achtung: Sie sind sehr schläfrig."),
    ("You are still very drowsy.", "Sie sind immer noch sehr schläfrig."),
    ("Please stop and rest as soon as it is safe.",
     "Bitte halten Sie an und ruhen Sie sich aus, sobald es sicher ist."),
    ("{name} ({kind:kind}) is {dist:dist} along the route.",
     "{name} ({kind}) liegt {dist} weiter an der Route."),
    ("{name} ({kind:kind}) is {dist:dist} away, {where:side}.",
     "{name} ({kind}) ist {dist} entfernt, {where}."),
    ("{name} ({kind:kind}) is {dist:dist} away.", "{name} ({kind}) ist {dist} entfernt."),
    # -- proactive remarks (proactive.py) ------------------------------------------------
    ("{where:where}, {name}, {year:year}.", "{where}: {name}, {year}."),
    ("{where:where}, {name}, {article:article} {kind:kind}.", "{where}: {name} ({kind})."),
    ("{where:where}, {name}.", "{where}: {name}."),
]

_DE_PLACES = {"home": "Zuhause", "work": "Arbeitsplatz"}
_DE_KIND_TABLE["place"] = _Kind("home|work", _DE_PLACES.get)
_DE_ORIGINS = {"your phone": "Ihrem Telefon", "the cabin screen": "dem Kabinenbildschirm",
               "the screen": "dem Bildschirm", "the tablet": "dem Tablet"}
_DE_KIND_TABLE["origin"] = _Kind(_ANY, lambda t: _DE_ORIGINS.get(t, t))
_DE_KIND_TABLE["what"] = _Kind(r"[a-z][a-z ]*", lambda t: _DE_DIETS.get(t) or _de_what(t))
_DE_KIND_TABLE["year"] = _Kind(r"\d{3,4}", lambda t: t)
_DE_KIND_TABLE["article"] = _Kind("an|a", lambda t: "")  # the kind in brackets needs none

_TABLES: dict[str, tuple[list[tuple[str, str]], dict[str, _Kind]]] = {
    "de": (_DE, _DE_KIND_TABLE),
}

_FIELD = re.compile(r"\{(\w+)(?::(\w+))?\}")


@dataclass(frozen=True)
class _Template:
    regex: re.Pattern[str]
    kinds: dict[str, str]
    target: str


def _compile(english: str, target: str, kinds: dict[str, _Kind]) -> _Template:
    parts: list[str] = []
    names: dict[str, str] = {}
    pos = 0
    for m in _FIELD.finditer(english):
        parts.append(re.escape(english[pos:m.start()]))
        kind = m[2] or "raw"
        if kind not in kinds:
            raise ValueError(f"template {english!r}: unknown kind {kind!r}")
        names[m[1]] = kind
        parts.append(f"(?P<{m[1]}>{kinds[kind].pattern})")
        pos = m.end()
    parts.append(re.escape(english[pos:]))
    return _Template(re.compile("".join(parts)), names, target)


@cache
def _templates(language: str) -> list[_Template]:
    table, kinds = _TABLES[language]
    return [_compile(en, target, kinds) for en, target in table]


def _fill(template: _Template, m: re.Match[str], language: str) -> str | None:
    kinds = _TABLES[language][1]
    values: dict[str, str] = {}
    for name, kind in template.kinds.items():
        said = kinds[kind].convert(m[name])
        if said is None:
            return None
        values[name] = said
    return template.target.format(**values)


def _translate_part(text: str, language: str) -> str | None:
    """One sentence (or a whole answer) by the first template it fits, or None."""
    for template in _templates(language):
        m = template.regex.fullmatch(text)
        if m is not None:
            said = _fill(template, m, language)
            if said is not None:
                return said[:1].upper() + said[1:] if text[:1].isupper() else said
    return None


def _translate_list(text: str, language: str) -> str | None:
    """ "X and Y" where each is a phrase of its own (commands asked back together)."""
    whole = _translate_part(text, language)
    if whole is not None:
        return whole
    parts = [_translate_part(p, language) for p in text.split(" and ")]
    if len(parts) < 2 or any(p is None for p in parts):
        return None
    joiner = {"de": " und "}.get(language, " and ")
    return joiner.join(str(p) for p in parts)


# a sentence ends at . ? ! before a capital, but not in a numbered list ("found 2: 1. X")
_SENTENCE = re.compile(r"(?<=[.?!])(?<!\s\d\.)(?<!\s\d\d\.)\s+(?=[A-ZÄÖÜ0-9\"'(])")


def translate(text: str, language: str) -> tuple[str, bool]:
    """``text`` said in ``language``, and whether every sentence of it was translated
    (True for the source language, and for an empty text)."""
    if language == SOURCE or language not in _TABLES or not text.strip():
        return text, True
    whole = _translate_part(text, language)
    if whole is not None:
        return whole, True
    said: list[str] = []
    complete = True
    for sentence in _SENTENCE.split(text):
        out = _translate_part(sentence, language)
        complete = complete and out is not None
        said.append(out if out is not None else sentence)
    return " ".join(said), complete


def localise(text: str, language: str) -> str:
    """``text`` in ``language`` as far as the templates cover it (the rest as it was)."""
    return translate(text, language)[0]
