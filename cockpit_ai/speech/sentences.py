"""Streamed answers in whole sentences: the planner node publishes the answer so far cut at
its last complete sentence, the TTS node speaks each sentence once (plain Python, no ROS).

A sentence ends at ``. ! ? …`` (closing quotes/brackets included) followed by white space:
"3." in a half-written "3.5" is not an end yet; the final answer's last sentence is whole
without the white space, because nothing follows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# the one rule for "a sentence ends here" (the planner core uses it too)
SENTENCE_END = re.compile(r"[.!?…][\"'”)\]]*(?=\s)")


def one_line(text: str) -> str:
    """``text`` with its white space runs as single spaces, stripped."""
    return " ".join(str(text).split())


def complete_prefix(text: str) -> str:
    """The streamed ``text`` up to the end of its last complete sentence ("" when none)."""
    t = " ".join(str(text).split()) + (" " if str(text)[-1:].isspace() else "")
    ends = [m.end() for m in SENTENCE_END.finditer(t)]
    return t[: ends[-1]] if ends else ""


def split_sentences(text: str) -> list[str]:
    """A finished text as its sentences (the last one may lack its end mark)."""
    t = one_line(text)
    out, start = [], 0
    for m in SENTENCE_END.finditer(t + " "):
        out.append(t[start : m.end()].strip())
        start = m.end()
    if t[start:].strip():
        out.append(t[start:].strip())
    return [s for s in out if s]


class PartialCutter:
    """The planner node's side: which partial answers to publish. ``feed`` returns the answer
    so far cut at its last complete sentence when that holds a new sentence, else None, so
    a subscriber gets one message per sentence, not per token."""

    def __init__(self) -> None:
        self.sent = ""

    def feed(self, text: str) -> str | None:
        cut = complete_prefix(text)
        if not cut or len(cut) <= len(self.sent) or not cut.startswith(self.sent):
            return None
        self.sent = cut
        return cut


@dataclass
class Plan:
    """What to do with one message: ``restart`` = stop speaking this request and drop what it
    queued first (the final answer differs from what was streamed), then speak ``say``."""

    say: list[str] = field(default_factory=list)
    restart: bool = False
    deduplicated: bool = False  # a final whose streamed part was not spoken again


@dataclass
class _Request:
    sentences: list[str] = field(default_factory=list)  # queued or spoken, in order
    final: bool = False
    cut: bool = False  # barge-in: the rest of this answer is dropped


class SpokenLedger:
    """The TTS node's side: per request_id, the sentences already queued to speak, so a
    sentence is never spoken twice and the final answer is never dropped.

    - a partial (the answer so far) queues the sentences it adds;
    - the final queues what the partials did not, when it starts with them; when it does not
      (the final differs), the request restarts with the whole final;
    - after ``cut`` (barge-in) the request's later partials and final say nothing: the driver
      spoke, the rest of that answer is no longer wanted.
    """

    def __init__(self, keep: int = 32) -> None:
        self.keep = int(keep)
        self._reqs: dict[str, _Request] = {}

    def _get(self, request_id: str) -> _Request:
        req = self._reqs.get(request_id)
        if req is None:
            req = self._reqs[request_id] = _Request()
            while len(self._reqs) > self.keep:
                self._reqs.pop(next(iter(self._reqs)))
        return req

    def partial(self, request_id: str, text: str) -> Plan:
        req = self._get(request_id)
        if req.cut or req.final:
            return Plan()
        new = split_sentences(complete_prefix(text + " "))
        if new[: len(req.sentences)] != req.sentences:
            return Plan()  # not a continuation of what was said: leave it to the final
        add = new[len(req.sentences):]
        req.sentences.extend(add)
        return Plan(say=add)

    def final(self, request_id: str, text: str) -> Plan:
        req = self._get(request_id)
        if req.cut or req.final:
            return Plan()
        req.final = True
        sentences = split_sentences(text)
        if not req.sentences:
            req.sentences = sentences
            return Plan(say=sentences)
        if sentences[: len(req.sentences)] == req.sentences:
            add = sentences[len(req.sentences):]
            req.sentences = sentences
            return Plan(say=add, deduplicated=True)
        req.sentences = sentences
        return Plan(say=sentences, restart=True)

    def cut(self, request_id: str) -> None:
        """Barge-in: nothing more of this request is spoken."""
        self._get(request_id).cut = True

    def cut_all(self) -> None:
        """Barge-in: nothing more of any answer begun so far is spoken."""
        for req in self._reqs.values():
            req.cut = True

    def spoken(self, request_id: str) -> list[str]:
        """The sentences queued for ``request_id`` so far."""
        req = self._reqs.get(request_id)
        return list(req.sentences) if req else []
