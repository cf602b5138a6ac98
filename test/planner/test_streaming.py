"""The answer so far while the model writes it, and stopping it: the partial answer out of
a half-written tool call, the edge back end's stream loop (on_text, cancelled), the core's
on_partial/cancelled hooks, and the small real model stopped between chunks."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cockpit_ai.planner import fastpath
from cockpit_ai.planner.backends import (
    EdgeBackend,
    EdgeSettings,
    FailoverBackend,
    Generation,
)
from cockpit_ai.planner.planner import (
    CHAT_REPLY_MAX,
    Context,
    Planner,
    cap_reply,
    complete_sentences,
)
from cockpit_ai.planner.tools import partial_answer

CHAT = '{"tool": "chat", "reply": "Paris is the capital of France."}'


# -- partial_answer ---------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "said"), [
    ("", ""),
    ('{"tool": "ch', ""),
    ('{"tool": "chat", "re', ""),
    ('{"tool": "chat", "reply": ', ""),
    ('{"tool": "chat", "reply": "', ""),
    ('{"tool": "chat", "reply": "Paris is', "Paris is"),
    (CHAT, "Paris is the capital of France."),
    ('{"tool": "summarize", "summary": "Two trains', "Two trains"),
    # a half-written escape is left out until it is complete
    ('{"tool": "chat", "reply": "say \\', "say "),
    ('{"tool": "chat", "reply": "say \\"hi\\" now', 'say "hi" now'),
    ('{"tool": "chat", "reply": "caf\\u00', "caf"),
    ('{"tool": "chat", "reply": "caf\\u00e9!', "café!"),
    # tools that answer from templates after acting have no written answer
    ('{"tool": "vehicle", "function": "climate", "action": "set", "value": "21', ""),
    ('{"tool": "poi_search", "category": "cafe", "name": "reply', ""),
])
def test_partial_answer_reads_the_answer_being_written(raw: str, said: str) -> None:
    assert partial_answer(raw) == said


def test_partial_answer_grows_with_every_prefix_of_a_real_call() -> None:
    """Every prefix of the model's JSON gives a prefix of the final answer, never garbage."""
    final = json.loads(CHAT)["reply"]
    seen = [partial_answer(CHAT[:n]) for n in range(len(CHAT) + 1)]
    assert all(final.startswith(s) for s in seen)
    assert seen[-1] == final
    assert [len(s) for s in seen] == sorted(len(s) for s in seen)


# -- the edge back end's stream loop, with a stand-in llama object ----------------------
class FakeLlama:
    """create_chat_completion(stream=True) as llama-cpp-python gives it: one delta a chunk.
    Counts the chunks taken and whether the stream was closed (generation ended)."""

    def __init__(self, pieces: list[str]) -> None:
        self.pieces = pieces
        self.taken = 0
        self.closed = False

    def create_chat_completion(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        assert kwargs["stream"] is True

        def stream() -> Iterator[dict[str, Any]]:
            try:
                for piece in self.pieces:
                    self.taken += 1
                    yield {"choices": [{"delta": {"content": piece}}]}
            finally:
                self.closed = True

        return stream()


def fake_edge(pieces: list[str]) -> tuple[EdgeBackend, FakeLlama]:
    edge = EdgeBackend.__new__(EdgeBackend)  # no GGUF file: the loop is what is tested
    llm = FakeLlama(pieces)
    edge.settings = EdgeSettings(model_path=Path("unused.gguf"))
    edge.llm = llm
    edge._grammars = {}
    edge._lock = threading.Lock()
    return edge, llm


PIECES = ['{"tool": "chat", ', '"reply": "', "Paris ", "is the ", "capital ", "of France.",
          '"}']


def test_edge_streams_the_text_so_far_and_finishes() -> None:
    edge, llm = fake_edge(PIECES)
    texts: list[str] = []
    gen = edge.generate([], schema=None, on_text=texts.append)
    assert gen.text == "".join(PIECES) and not gen.cancelled
    assert texts == ["".join(PIECES[:n]) for n in range(1, len(PIECES) + 1)]
    assert llm.taken == len(PIECES) and llm.closed


def test_edge_stops_between_chunks_when_cancelled() -> None:
    edge, llm = fake_edge(PIECES)
    texts: list[str] = []
    gen = edge.generate([], schema=None, on_text=texts.append,
                        cancelled=lambda: len(texts) >= 3)
    assert gen.cancelled
    assert gen.text == "".join(PIECES[:3]) and gen.completion_tokens == 3
    assert llm.taken == 4  # the fourth chunk was the last one asked for; nothing after it
    assert llm.closed  # the stream was ended, not left to the garbage collector


def test_failover_passes_the_hooks_to_the_edge_model() -> None:
    edge, llm = fake_edge(PIECES)
    texts: list[str] = []
    gen = FailoverBackend(edge, None, cloud_enabled=False).generate(
        [], schema=None, on_text=texts.append, cancelled=lambda: len(texts) >= 2)
    assert gen.cancelled and len(texts) == 2 and llm.taken == 3


# -- the core: on_partial and cancelled ---------------------------------------------------
class Streaming:
    """A stand-in model that streams a fixed tool call in pieces, as the edge back end does
    (and stops when ``cancelled()`` says so)."""

    name = "edge"

    def __init__(self, pieces: list[str]) -> None:
        self.pieces = pieces

    def generate(self, messages: list[dict[str, Any]], *, schema: dict[str, Any] | None,
                 max_tokens: int, on_text: Any = None, cancelled: Any = None) -> Generation:
        done = ""
        for piece in self.pieces:
            if cancelled is not None and cancelled():
                return Generation(done, "edge", 1.0, cancelled=True)
            done += piece
            if on_text is not None:
                on_text(done)
        return Generation(done, "edge", 1.0)


def test_the_core_passes_the_growing_answer_and_ends_with_the_whole() -> None:
    p = Planner(backend=Streaming(PIECES), config={"fastpath": False})
    partials: list[str] = []
    turn = p.handle("say something about paris", Context(on_partial=partials.append))
    assert turn.text == "Paris is the capital of France." and not turn.cancelled
    assert partials == ["Paris ", "Paris is the ", "Paris is the capital ",
                        "Paris is the capital of France."]  # each time it grew, not per chunk


def test_a_cancelled_turn_says_nothing_and_is_not_remembered() -> None:
    p = Planner(backend=Streaming(PIECES), config={"fastpath": False})
    partials: list[str] = []
    turn = p.handle("say something about paris",
                    Context(on_partial=partials.append, cancelled=lambda: len(partials) >= 1))
    assert turn.cancelled and turn.text == "" and not turn.commands
    assert partials == ["Paris "]  # it stopped at the first growth of the answer
    assert not p.dialogues.get("cabin").exchanges  # the dialogue did not take it in


def test_a_question_withdrawn_before_it_starts_never_reaches_the_model() -> None:
    class Never:
        name = "edge"

        def generate(self, *args: Any, **kwargs: Any) -> Generation:
            raise AssertionError("the model was asked")

    p = Planner(backend=Never(), config={"fastpath": False})
    turn = p.handle("tell me a story", Context(cancelled=lambda: True))
    assert turn.cancelled and turn.text == ""


def test_without_hooks_the_model_is_called_as_before() -> None:
    """A back end without streaming (no on_text/cancelled arguments) still answers."""

    class Plain:
        name = "edge"

        def generate(self, messages: list[dict[str, Any]], *, schema: dict[str, Any] | None,
                     max_tokens: int) -> Generation:
            return Generation(CHAT, "edge", 1.0)

    turn = Planner(backend=Plain(), config={"fastpath": False}).handle("capital of france?")
    assert turn.text == "Paris is the capital of France."


# -- the small real model: stopped between chunks -----------------------------------------
def test_real_model_stops_when_cancelled(smol_path: Path) -> None:
    from cockpit_ai.planner.tools import TOOL_SCHEMA

    edge = EdgeBackend(EdgeSettings(model_path=smol_path, n_threads=1, max_tokens=60))
    messages = [{"role": "user", "content": "Tell me a long story about a drive."}]
    full = edge.generate(messages, schema=TOOL_SCHEMA)
    assert full.completion_tokens > 4 and not full.cancelled
    texts: list[str] = []
    cut = edge.generate(messages, schema=TOOL_SCHEMA, on_text=texts.append,
                        cancelled=lambda: len(texts) >= 3)
    assert cut.cancelled and cut.completion_tokens == 3
    assert full.text.startswith(cut.text)  # the same answer (temperature 0), stopped early


# -- the chat path: plain text, whole sentences, capped ----------------------------------
@pytest.mark.parametrize(("raw", "whole"), [
    ("", ""),
    ("Canberra is", ""),
    ("Canberra is the capital.", ""),  # not known to be whole until something follows
    ("Canberra is the capital. It", "Canberra is the capital."),
    ("Canberra is the capital.\n\nIt is in the ACT. Not",
     "Canberra is the capital. It is in the ACT."),
    ("Version 2.5 is out. Yes", "Version 2.5 is out."),  # a decimal point ends nothing
])
def test_complete_sentences_of_streamed_text(raw: str, whole: str) -> None:
    assert complete_sentences(raw) == whole


def test_cap_reply_keeps_whole_sentences_within_the_chat_tools_limit() -> None:
    assert cap_reply("  Canberra.\n It is small. ") == "Canberra. It is small."
    assert cap_reply("Canberra. It is in the middle of") == "Canberra."  # an unfinished tail
    assert cap_reply("no end at all") == "no end at all"
    long = " ".join(["This is a sentence of some length."] * 20)
    capped = cap_reply(long)
    assert len(capped) <= CHAT_REPLY_MAX and capped.endswith(".") and long.startswith(capped)
    assert len(cap_reply("word " * 100)) <= CHAT_REPLY_MAX


class PlainStreaming(Streaming):
    """A stand-in model writing plain text; it checks it is asked without a grammar."""

    def generate(self, messages: list[dict[str, Any]], *, schema: dict[str, Any] | None,
                 max_tokens: int, on_text: Any = None, cancelled: Any = None) -> Generation:
        assert schema is None and "JSON tool call" not in messages[0]["content"]
        gen = super().generate(messages, schema=schema, max_tokens=max_tokens,
                               on_text=on_text, cancelled=cancelled)
        gen.ttft_ms, gen.completion_tokens = 5.0, len(self.pieces)
        return gen


needs_router = pytest.mark.skipif(not hasattr(fastpath, "free_text_tool"),
                                  reason="fastpath.free_text_tool not there yet")


@needs_router
def test_chat_route_streams_whole_sentences_and_ends_with_the_capped_reply() -> None:
    pieces = ["Canberra ", "is the capital. ", "It was ", "built as one. ", "And then"]
    p = Planner(backend=PlainStreaming(pieces), config={"fastpath": False})
    text = "what's the capital of australia"
    assert fastpath.free_text_tool(text) == "chat"
    partials: list[str] = []
    turn = p.handle(text, Context(on_partial=partials.append))
    assert turn.text == "Canberra is the capital. It was built as one."
    assert partials == ["Canberra is the capital.", turn.text]  # the last one is the final
    assert [c.to_dict() for c in turn.tool_calls] == [
        {"name": "chat", "args": {"reply": turn.text}}]
    assert turn.backend == "edge" and turn.first_token_ms is not None
    assert turn.first_sentence_ms is not None and turn.first_sentence_ms <= turn.latency_ms
    plain = Planner(backend=PlainStreaming(pieces), config={"fastpath": False}).handle(text)
    assert plain.text == turn.text


def test_turn_latency_parts_of_a_fast_path_answer() -> None:
    turn = Planner(config={"fast_only": True}).handle("turn on the reading light")
    d = turn.to_dict()
    assert isinstance(d["latency_ms"], float) and d["first_token_ms"] is None
    assert 0 <= d["route_ms"] <= d["latency_ms"] and d["first_sentence_ms"] == d["latency_ms"]


def test_turn_latency_parts_of_a_model_answer() -> None:
    turn = Planner(backend=Streaming(PIECES), config={"fastpath": False}).handle(
        "say something about paris", Context(on_partial=lambda _t: None))
    assert turn.first_token_ms is not None and 0 <= turn.route_ms <= turn.first_token_ms
    assert turn.first_sentence_ms is not None and turn.first_sentence_ms <= turn.latency_ms


def test_each_fixed_prompt_stays_cached_across_the_other(smol_path: Path) -> None:
    """A chat reply between two tool calls: the tool prompt's state is put back, so the
    tool call evaluates only its own tokens, and answers exactly as from a fresh cache."""
    import llama_cpp

    from cockpit_ai.planner.dialogue import chat_system_prompt, system_prompt
    from cockpit_ai.planner.tools import TOOL_SCHEMA

    def evaluated(edge: EdgeBackend, messages: list[dict[str, str]], *, schema: Any,
                  prefix: str | None) -> tuple[int, str]:
        llama_cpp.llama_perf_context_reset(edge.llm.ctx)
        text = edge.generate(messages, schema=schema, max_tokens=24, prefix=prefix).text
        return int(llama_cpp.llama_perf_context(edge.llm.ctx).n_p_eval), text

    tool = [{"role": "system", "content": system_prompt()},
            {"role": "user", "content": "User: turn on the reading light"}]
    chat = [{"role": "system", "content": chat_system_prompt()},
            {"role": "user", "content": "User: what is the capital of france"}]
    edge = EdgeBackend(EdgeSettings(model_path=smol_path, n_threads=1))
    edge.warm_up([chat[0], {"role": "user", "content": "hello"}], prefix="chat")
    edge.warm_up([tool[0], {"role": "user", "content": "hello"}], prefix="tool")
    evaluated(edge, chat, schema=None, prefix="chat")
    n_tool, kept = evaluated(edge, tool, schema=TOOL_SCHEMA, prefix="tool")
    assert 0 < n_tool < 60  # the question, not the ~700-token tool prompt
    evaluated(edge, chat, schema=None, prefix="chat")
    n_cold, cold = evaluated(edge, tool, schema=TOOL_SCHEMA, prefix=None)  # nothing put back
    assert n_cold > 500 and cold == kept
