"""Brands: who the co-pilot is, from one file per brand (``config/brands/<name>.yaml``).

A brand file holds ``assistant_name``, ``wake_words``, ``voice`` (espeak-ng), ``tone``,
``language`` (of the answer templates) and ``allowed_functions`` (it can narrow the safety
gate's allow-list, never widen it). Every node that needs part of it takes the same
``brand`` parameter and reads the same file: the speech node its wake words, the TTS node
its voice, the planner the rest; ``cockpit.launch.xml brand:=<name>`` and ``cockpit-ai ask
--brand NAME`` choose it. The file is checked against ``schema/brands/brand.schema.json``;
its language and functions against what the planner knows (one source each).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from cockpit_ai.errors import CockpitError

DEFAULT_BRAND_NAME = "qwen"
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


class BrandError(CockpitError, ValueError):
    """A brand that cannot be used: no such file, or a file that breaks the brand schema."""


@dataclass(frozen=True)
class Brand:
    """One brand as every node uses it."""

    name: str  # the file's name ("qwen"), or the path it was read from
    assistant_name: str
    wake_words: tuple[str, ...]
    voice: str
    tone: str
    language: str
    allowed_functions: tuple[str, ...]

    def planner_brand(self) -> dict[str, Any]:
        """The planner core's ``brand`` config (``planner.config``)."""
        return {"name": self.assistant_name, "wake_words": list(self.wake_words),
                "tone": self.tone, "language": self.language,
                "allowed_functions": list(self.allowed_functions)}

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["wake_words"] = list(self.wake_words)
        d["allowed_functions"] = list(self.allowed_functions)
        return d


def _share() -> Path:
    from cockpit_ai.paths import package_share

    return package_share()


def brands_dir() -> Path:
    """``share/cockpit_ai/config/brands``: the brands that ship with the package."""
    return _share() / "config" / "brands"


def brand_names(folder: Path | None = None) -> list[str]:
    """The brands in ``folder`` (default: the shipped ones), by file name."""
    base = folder if folder is not None else brands_dir()
    return sorted(p.stem for p in base.glob("*.yaml")) if base.is_dir() else []


def brand_path(brand: str, folder: Path | None = None) -> Path:
    """The file of ``brand``: a shipped brand's name, or a path to a YAML file."""
    text = (brand or "").strip()
    if not text:
        raise BrandError("no brand given: use a brand name ("
                         + ", ".join(brand_names(folder)) + ") or a path to a brand file")
    if _NAME.fullmatch(text):
        path = (folder if folder is not None else brands_dir()) / f"{text}.yaml"
        if not path.is_file():
            raise BrandError(f"brand {text!r}: no file {path} (brands: "
                             f"{', '.join(brand_names(folder)) or 'none installed'})")
        return path
    path = Path(text).expanduser()
    if path.suffix not in (".yaml", ".yml") or not path.is_file():
        raise BrandError(f"brand {text!r}: not a brand name (lower-case letters, digits, - _) "
                         "nor an existing .yaml file")
    return path


def _schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (_share() / "schema" / "brands" / "brand.schema.json").read_text(encoding="utf-8"))
    return data


def brand_from_dict(doc: Any, *, name: str) -> Brand:
    """A Brand from a parsed brand file; BrandError says which field is wrong."""
    from cockpit_ai.planner.languages import LANGUAGES
    from cockpit_ai.planner.safety import DEFAULT_ALLOW

    try:
        jsonschema.validate(doc, _schema())
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "the file"
        raise BrandError(f"brand {name}: {where}: {exc.message}") from None
    language = str(doc["language"])
    if language not in LANGUAGES:
        raise BrandError(f"brand {name}: language {language!r} has no answer templates "
                         f"(known: {', '.join(LANGUAGES)})")
    unknown = [f for f in doc["allowed_functions"] if f not in DEFAULT_ALLOW]
    if unknown:
        raise BrandError(f"brand {name}: allowed_functions {unknown} are not functions the "
                         f"co-pilot has (known: {', '.join(DEFAULT_ALLOW)})")
    return Brand(name=name, assistant_name=str(doc["assistant_name"]).strip(),
                 wake_words=tuple(" ".join(w.split()).lower() for w in doc["wake_words"]),
                 voice=str(doc["voice"]), tone=str(doc["tone"]).strip(), language=language,
                 allowed_functions=tuple(dict.fromkeys(doc["allowed_functions"])))


def load_brand(brand: str, folder: Path | None = None) -> Brand:
    """The brand named ``brand`` (a shipped name or a file path); BrandError when it cannot
    be read or breaks the schema."""
    path = brand_path(brand, folder)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise BrandError(f"brand {brand}: cannot read {path}: {exc}") from None
    name = path.stem if _NAME.fullmatch(brand.strip()) else str(path)
    return brand_from_dict(doc, name=name)


def wake_words_for(brand: str, explicit: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The speech node's wake phrases: its own ``wake_phrases`` when set, else the brand's."""
    own = tuple(w for w in explicit if w.strip())
    return own if own else load_brand(brand).wake_words


def voice_for(brand: str, explicit: str) -> str:
    """The TTS node's espeak-ng voice: its own ``voice`` when set, else the brand's."""
    return explicit.strip() or load_brand(brand).voice


def _words_pattern(phrase: str) -> str:
    return r"[\s,.!?;:-]+".join(re.escape(w) for w in phrase.split())


def addressing(wake_words: list[str] | tuple[str, ...], name: str) -> re.Pattern[str]:
    """How a typed or transcribed request may address the co-pilot: a wake phrase (or the
    assistant's name) in front — "Hey Qwen, …", "Qwen: …" — or the name after a comma at the
    end ("…, Qwen."). Exact words (case-insensitive); misheard forms are the speech node's job
    (``speech/wake.py`` matches them fuzzily and cuts them from the transcript)."""
    phrases = sorted({" ".join(p.lower().split()) for p in [*wake_words, name] if p.strip()},
                     key=len, reverse=True)
    alt = "|".join(_words_pattern(p) for p in phrases) or r"(?!)"
    lead = r"^[\s,.!?;:-]*(?:(?:hey|hi|ok|okay|hello)[\s,]+)?(?:" + alt + r")\b[\s,.!?;:-]*"
    tail = (r"\s*[,;:-]\s*(?:" + _words_pattern(name.lower()) + r")[\s.!?]*$" if name.strip()
            else "")
    return re.compile(lead + ("|" + tail if tail else ""), re.IGNORECASE)


def strip_address(text: str, pattern: re.Pattern[str]) -> tuple[str, bool]:
    """``text`` without the wake phrase or name that addresses the co-pilot, and whether
    there was one ("Hey Aurora." alone gives ("", True))."""
    stripped = pattern.sub(" ", text, count=2).strip()
    found = stripped != text.strip()
    if found and stripped[:1].islower():
        stripped = stripped[0].upper() + stripped[1:]
    return stripped, found


_WHO = re.compile(r"(?:(?:and )?(?:what(?:'s| is) your name(?: again)?|who are you|who am i "
                  r"talking to|what are you called|what (?:should|do|can) i call you|tell me "
                  r"your name|(?:do|have) you (?:have|got) a name))")


def asks_name(normalised: str) -> bool:
    """Whether a whole (router-normalised) utterance asks the co-pilot who it is."""
    return _WHO.fullmatch(normalised.strip(" .!?")) is not None


def introduction(name: str) -> str:
    """The answer to "what's your name?" (English; planner/languages.py says it in the
    brand's language)."""
    return f"I'm {name}, your co-pilot."
