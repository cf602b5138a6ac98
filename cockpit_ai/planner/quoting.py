"""Text from data in prompts: quoted as data, cut to a limit, never a command on its own.

Places' names and tags, opening hours, shared documents and the transcripts themselves come
from outside the package's code (an OSM file, a phone, a microphone). Before any of it
reaches a model's prompt it goes through this module:

- ``field(text, limit)``: a value inside a line (``Earlier results: 1. "Ateneum" (museum,
  40 m)``): printable, one line, at most ``limit`` characters, written as a JSON string, so
  it cannot end its line, start a "User:" line or close its quotes;
- ``block(text, limit, label)``: a longer text (a shared document) as one fenced block; a
  fence marker inside it is broken up, so the text cannot close the block and speak as the
  prompt;
- ``utterance(text)``: the driver's words as a prompt takes them (printable, at most
  ``UTTERANCE_CHARS``);
- ``impersonation(text)``: why a text speaks as the prompt rather than as a driver or a map
  (a role such as "system:" at the start of a line, chat-template tokens, "ignore previous
  instructions"), or "";
- ``grounded(call, text)``: whether the driver's own words name what a vehicle or home
  command operates.

The planner holds a vehicle or home command (asks "Did you mean …?" and sends it only on a
clear yes, as for a misheard utterance) when the utterance impersonates the prompt, and
when the model made the command from a prompt that carried data while the driver's words
do not name it: text from data never moves anything on its own. docs/privacy.md, "Hostile
data".
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

# Limits of every piece of outside text in a prompt (characters).
NAME_CHARS = 60  # a place's name (OSM names are rarely longer; the tools cap names at 40)
KIND_CHARS = 30  # a category word ("place_of_worship")
UTTERANCE_CHARS = 300  # the driver's words: about 20 s of speech
ANSWER_CHARS = 300  # an earlier answer in the chat history
BLOCK_CHARS = 1_200  # a fenced block, unless the caller says otherwise


def printable(text: str, *, lines: bool = False) -> str:
    """``text`` without control and format characters (escape sequences, bidi overrides,
    zero-width joiners, NUL) and with white space squeezed; ``lines`` keeps line breaks."""
    out = []
    for ch in str(text):
        if lines and ch == "\n":
            out.append(ch)
        elif unicodedata.category(ch)[0] == "C" or unicodedata.category(ch) in ("Zl", "Zp"):
            out.append(" ")
        else:
            out.append(ch)
    joined = "".join(out)
    if lines:
        return "\n".join(" ".join(ln.split()) for ln in joined.split("\n")).strip()
    return " ".join(joined.split())


def cut(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending with "…" when cut."""
    if len(text) <= limit:
        return text
    return text[:max(0, limit - 1)].rstrip() + "…"


def field(text: str, limit: int = NAME_CHARS) -> str:
    """One outside value inside a prompt line, as a JSON string ("..."): printable, one
    line, at most ``limit`` characters."""
    return json.dumps(cut(printable(text), limit), ensure_ascii=False)


def block(text: str, limit: int = BLOCK_CHARS, label: str = "DATA") -> str:
    """A longer outside text as one fenced block of data for a prompt: printable (line
    breaks kept), fence markers inside it broken up ("<<<" → "< < <") so it cannot close
    the block, at most ``limit`` characters."""
    body = printable(text, lines=True)
    body = re.sub(r"<{2,}|>{2,}", lambda m: " ".join(m.group(0)), body)[:max(0, limit)]
    return f"<<<{label}\n{body}\n{label}>>>"


def utterance(text: str) -> str:
    """The driver's words as a prompt takes them."""
    return cut(printable(text), UTTERANCE_CHARS)


_ROLE = re.compile(r"(?im)^\s*[\[<(]?\s*(?:system|assistant|developer|tool|function)\s*"
                   r"[\]>)]?\s*:")
_TEMPLATE = re.compile(r"<\|[^|>]{0,40}\|>|\[/?INST\]|<</?SYS>>|</?s>|<start_of_turn>|"
                       r"<end_of_turn>|<\|?(?:system|user|assistant)\|?>", re.IGNORECASE)
_OVERRIDE = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,30}\b(?:previous|prior|above|earlier|all|"
    r"your|the)\b.{0,20}\b(?:instructions?|rules?|prompts?|orders?|guidelines?)\b"
    r"|\b(?:new|updated)\s+(?:system\s+)?instructions?\s*:"
    r"|\byou\s+are\s+now\s+(?:in\s+)?(?:developer|admin|root|god|jailbreak|dan)\b",
    re.IGNORECASE | re.DOTALL)


def impersonation(text: str) -> str:
    """Why ``text`` speaks as the prompt, not as a driver or a map (or "")."""
    if _TEMPLATE.search(text):
        return "it contains prompt markup"
    if _ROLE.search(text):
        return "it speaks as the system"
    if _OVERRIDE.search(text):
        return "it tries to override my instructions"
    return ""


def suspect(text: str) -> str:
    """Why an utterance cannot move anything on its own (it speaks as the prompt, or is
    too long to be one spoken request), or ""."""
    reason = impersonation(text)
    if not reason and len(text) > UTTERANCE_CHARS:
        reason = f"it is longer than {UTTERANCE_CHARS} characters"
    return reason


# What the driver's words must name for a command the model made from a prompt with data
# in it (word stems, matched at the start of a word). One table: the planner and the tests.
VEHICLE_WORDS: dict[str, tuple[str, ...]] = {
    "climate": ("temperat", "degree", "warm", "cold", "colder", "hot", "heat", "cool",
                "chill", "freez", "climate", "air con", "a/c", "ac ", "aircon", "fan",
                "defrost", "defog", "stuffy"),
    "window": ("window", "fresh air", "let some air", "air in"),
    "seat": ("seat",),
    "media": ("music", "song", "track", "play", "pause", "stop", "radio", "volume", "loud",
              "quiet", "skip", "next", "previous", "listen", "playlist", "album", "podcast",
              "mute", "sound", "tune"),
    "cabin_light": ("light", "lamp", "dark", "bright", "dim"),
    "navigation": ("navigat", "route", "direction", "take me", "drive me", "drive to",
                   "go to", "go there", "let's go", "lets go", "head to", "head there",
                   "bring me", "get me", "way to", "guide me", "destination"),
    "door": ("door", "lock", "unlock", "trunk", "boot"),
}
HOME_WORDS: dict[str, tuple[str, ...]] = {
    "heating": ("heat", "warm", "temperat", "thermostat", "degree"),
    "lights": ("light", "lamp"),
    "air_conditioning": ("air con", "a/c", "aircon", "cool", "ac "),
    "garage_door": ("garage",),
    "alarm": ("alarm", "security"),
    "coffee_machine": ("coffee", "espresso", "brew"),
}


def grounded(call: Any, text: str) -> bool:
    """Whether the driver's words ``text`` name what a vehicle or home tool call operates
    (other tools operate nothing and are always grounded)."""
    if call.name == "vehicle":
        stems = VEHICLE_WORDS.get(str(call.args.get("function", "")), ())
    elif call.name == "smart_home":
        stems = HOME_WORDS.get(str(call.args.get("device", "")), ())
    else:
        return True
    said = " " + " ".join(re.findall(r"[\w/']+", text.lower())) + " "
    return any(f" {stem}" in said for stem in stems)
