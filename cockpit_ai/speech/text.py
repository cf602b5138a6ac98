"""Text helpers: number normalisation ("21" <-> "twenty one") and word error rate.

Whisper writes numbers as digits ("21 degrees"), people and test scripts write words. Both
sides are normalised before scoring (to words) and a parser can ask for digits.
"""

from __future__ import annotations

import re
import unicodedata

_UNITS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen",
]  # fmt: skip
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = [(1_000_000_000, "billion"), (1_000_000, "million"), (1000, "thousand")]
_WORD_VALUE = {w: i for i, w in enumerate(_UNITS)} | {w: 10 * i for i, w in enumerate(_TENS) if w}
_WORD_SCALE = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
# A lone small number word stays a word unless a unit follows ("the second one" stays).
_UNIT_WORDS = {
    "degree", "degrees", "percent", "per", "km", "kilometres", "kilometers", "kilometre",
    "kilometer", "metres", "meters", "metre", "meter", "miles", "mile", "minutes", "minute",
    "hours", "hour", "seconds", "second", "euros", "euro", "dollars", "people", "stars",
}  # fmt: skip


def int_to_words(n: int) -> str:
    """Spell a non-negative integer in words, no "and": 121 -> "one hundred twenty one"."""
    if n < 0:
        return "minus " + int_to_words(-n)
    if n < 20:
        return _UNITS[n]
    if n < 100:
        tens, rest = divmod(n, 10)
        return _TENS[tens] + ("" if rest == 0 else " " + _UNITS[rest])
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return _UNITS[hundreds] + " hundred" + ("" if rest == 0 else " " + int_to_words(rest))
    for value, name in _SCALES:
        if n >= value:
            high, rest = divmod(n, value)
            return int_to_words(high) + " " + name + ("" if rest == 0 else " " + int_to_words(rest))
    raise AssertionError("unreachable")


_NUMBER_RE = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(%|°)?")


def numbers_to_words(text: str) -> str:
    """Replace digit numbers by words: "21°" -> "twenty one degrees", "2.5" -> "two point five"."""

    def spell(m: re.Match[str]) -> str:
        whole = int(m.group(1).replace(",", ""))
        out = int_to_words(whole)
        if m.group(2):
            out += " point " + " ".join(_UNITS[int(d)] for d in m.group(2))
        if m.group(3) == "%":
            out += " percent"
        elif m.group(3) == "°":
            out += " degrees"
        return out

    return _NUMBER_RE.sub(spell, text)


def words_to_numbers(text: str) -> str:
    """Replace spelled numbers by digits: "set it to twenty one degrees" -> "set it to 21 degrees".

    A lone number word below ten stays a word ("the second one", "play track five") unless a
    unit follows ("five degrees" -> "5 degrees"); anything from ten up or compound becomes digits.
    """
    tokens = re.findall(r"\S+", text)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        j, value, count = i, 0, 0
        current = 0
        while j < len(tokens):
            core = tokens[j].lower().strip(",.!?;:")
            core = core.replace("-", " ")
            parts = core.split()
            if not parts or not all(p in _WORD_VALUE or p in _WORD_SCALE for p in parts):
                break
            if count and tokens[j - 1][-1:] in ",.!?;:":
                break
            for part in parts:
                if part in _WORD_VALUE:
                    current += _WORD_VALUE[part]
                elif part == "hundred":
                    current = max(current, 1) * 100
                else:
                    value += max(current, 1) * _WORD_SCALE[part]
                    current = 0
            count += 1
            j += 1
        if count == 0:
            out.append(tokens[i])
            i += 1
            continue
        number = value + current
        next_word = tokens[j].lower().strip(",.!?;:") if j < len(tokens) else ""
        trailing = tokens[j - 1][len(tokens[j - 1].rstrip(",.!?;:")) :]
        multi = count > 1 or "-" in tokens[i]
        if number >= 10 or multi or next_word in _UNIT_WORDS:
            out.append(str(number) + trailing)
        else:
            out.extend(tokens[i:j])
        i = j
    return " ".join(out)


# British spellings -> American, for scoring only: Whisper writes "kilometers" and
# "theater" for a driver who said (and a phrase list that wrote) "kilometres", "theatre".
_US_SPELLING = {
    "centre": "center", "centres": "centers", "theatre": "theater", "theatres": "theaters",
    "metre": "meter", "metres": "meters", "kilometre": "kilometer", "kilometres": "kilometers",
    "litre": "liter", "litres": "liters", "harbour": "harbor", "harbours": "harbors",
    "colour": "color", "colours": "colors", "favourite": "favorite", "favourites": "favorites",
    "neighbour": "neighbor", "neighbourhood": "neighborhood", "tyre": "tire", "tyres": "tires",
    "programme": "program", "programmes": "programs", "travelling": "traveling",
    "cancelled": "canceled", "cancelling": "canceling", "licence": "license",
    "organise": "organize", "organised": "organized", "realise": "realize",
    "recognise": "recognize", "apologise": "apologize", "analyse": "analyze",
    "favour": "favor", "flavour": "flavor", "behaviour": "behavior", "honour": "honor",
    "grey": "gray", "kerb": "curb", "aluminium": "aluminum", "okay": "ok",
}  # fmt: skip
# Contractions -> the words ("what's" = "what is"), for scoring only, both sides alike.
_CONTRACTIONS = (
    (re.compile(r"\b(can)'t\b"), r"\1 not"), (re.compile(r"\bcannot\b"), "can not"),
    (re.compile(r"\bwon't\b"), "will not"), (re.compile(r"\bshan't\b"), "shall not"),
    (re.compile(r"\b(\w+)n't\b"), r"\1 not"), (re.compile(r"\blet's\b"), "let us"),
    (re.compile(r"\b(what|that|it|there|here|where|how|who|he|she)'s\b"), r"\1 is"),
    (re.compile(r"\b(\w+)'re\b"), r"\1 are"), (re.compile(r"\bi'm\b"), "i am"),
    (re.compile(r"\b(\w+)'ll\b"), r"\1 will"), (re.compile(r"\b(\w+)'ve\b"), r"\1 have"),
    (re.compile(r"\b(i|you|we|they|he|she)'d\b"), r"\1 would"),
)  # fmt: skip


def normalise_for_scoring(text: str) -> list[str]:
    """Lower-case words with numbers spelled out, accents folded ("Kämp" = "kamp"),
    contractions expanded ("what's" = "what is"), British spellings made American
    ("kilometres" = "kilometers") and punctuation dropped, for WER."""
    t = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    t = numbers_to_words("".join(c for c in t if not unicodedata.combining(c)).lower())
    for pattern, words in _CONTRACTIONS:
        t = pattern.sub(words, t)
    t = t.replace("&", " and ").replace("-", " ")
    t = re.sub(r"[^a-z0-9' ]+", " ", t)
    t = t.replace("'", "")
    return [_US_SPELLING.get(w, w) for w in t.split()]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level Levenshtein distance / reference length, after ``normalise_for_scoring``."""
    ref, hyp = normalise_for_scoring(reference), normalise_for_scoring(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1] / len(ref)
