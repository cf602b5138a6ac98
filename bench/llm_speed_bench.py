"""Edge model speed on this CPU: the planner's own requests through EdgeBackend against raw
llama-cpp-python on the same prompts, and the llama.cpp options worth trying.

Per request it prints the prompt tokens llama.cpp evaluated (the part not in its prefix
cache), time to first token, tokens/s and the total. Variants run interleaved (A/B, round by
round) because the machine is shared; compare the ratios, not the absolute figures.

    python bench/llm_speed_bench.py [--rounds 2] [--model PATH]
    python bench/llm_speed_bench.py --first-sentence [--rounds 2]

``--first-sentence``: free questions through a warm planner (``Planner.handle``, as `ask`
answers them: plain chat reply, streamed) with the 1.5B model and with Qwen2.5-Coder-0.5B,
interleaved: time to the first whole sentence (wall, and the process's CPU seconds over
its llama.cpp threads, which is what an otherwise idle 2-core machine would wait), the
model's first token, the whole reply, and the replies themselves to judge their quality.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import llama_cpp
import llama_cpp.llama_speculative

from cockpit_ai.paths import data_dir
from cockpit_ai.planner.assets import model_path
from cockpit_ai.planner.backends import EdgeBackend, EdgeSettings
from cockpit_ai.planner.dialogue import (
    Session,
    build_chat_messages,
    build_messages,
    chat_system_prompt,
    system_prompt,
)
from cockpit_ai.planner.tools import TOOL_SCHEMA

CONTEXT = ["Time: Wed 12:30; speed: 50 km/h"]
TOOL_REQUESTS = ["it's a bit stuffy in here, can you do something",
                 "find me somewhere to eat that does vegan food"]
CHAT_REQUESTS = ["what's the capital of australia", "tell me something about the moon"]


def perf(llm: Any) -> tuple[int, int]:
    """(prompt tokens evaluated, tokens generated) since the last reset."""
    data = llama_cpp.llama_perf_context(llm.ctx)
    return int(data.n_p_eval), int(data.n_eval)


def run(edge: EdgeBackend, messages: list[dict[str, Any]], *, grammar: bool, raw: bool,
        max_tokens: int, prefix: str | None = None) -> dict[str, float]:
    llm = edge.llm
    llama_cpp.llama_perf_context_reset(llm.ctx)
    t0 = time.perf_counter()
    if raw:  # llama-cpp-python alone, streamed, same grammar and prompt
        first = 0.0
        n = 0
        for chunk in llm.create_chat_completion(
                messages=messages, temperature=0.0, max_tokens=max_tokens, stream=True,
                grammar=edge._grammar(TOOL_SCHEMA) if grammar else None):
            if chunk["choices"][0].get("delta", {}).get("content"):
                n += 1
                first = first or (time.perf_counter() - t0) * 1000
        total = (time.perf_counter() - t0) * 1000
    else:
        gen = edge.generate(messages, schema=TOOL_SCHEMA if grammar else None,
                            max_tokens=max_tokens, on_text=lambda _t: None, prefix=prefix)
        first, total, n = gen.ttft_ms, gen.latency_ms, gen.completion_tokens
    p_eval, n_eval = perf(llm)
    gen_s = max(total - first, 1e-3) / 1000
    return {"prompt_eval": p_eval, "ttft_ms": first, "total_ms": total,
            "tok_s": max(n_eval - 1, 0) / gen_s, "tokens": n_eval}


FREE_QUESTIONS = ["what's the capital of australia", "tell me a story about a brave little car",
                  "why is the sky blue", "who was napoleon", "tell me a joke",
                  "how do electric cars work", "how does a rainbow form",
                  "what should I cook tonight"]


def first_sentence(rounds: int) -> None:
    """Time to the first sentence of a chat answer in a warm planner, 1.5B vs 0.5B."""
    from cockpit_ai.planner.assets import install_qwen_small
    from cockpit_ai.planner.planner import Context, build_planner

    install_qwen_small(data_dir())  # not installed by setup: only this bench uses it
    planners = {key: build_planner({"model": key, "learned_router": False})
                for key in ("qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b")}
    rows: dict[str, list[tuple[float, float, float, float]]] = defaultdict(list)
    for r in range(rounds):
        for q in FREE_QUESTIONS:
            order = list(planners.items())
            for key, planner in (order if r % 2 == 0 else order[::-1]):
                threads = int(planner.config["n_threads"])
                cpu0 = time.process_time()
                at_first: list[float] = []

                def partial(_text: str, cpu0: float = cpu0, at_first: list[float] = at_first
                            ) -> None:
                    if not at_first:
                        at_first.append(time.process_time() - cpu0)

                turn = planner.handle(q, Context(session_id=f"fs-{r}-{key}",
                                                 on_partial=partial))
                cpu = (at_first[0] if at_first else time.process_time() - cpu0) / threads
                rows[key].append((turn.first_sentence_ms or 0.0, cpu * 1000,
                                  turn.first_token_ms or 0.0, turn.latency_ms))
                if r == 0:
                    print(f"{key[-4:]} first sentence {turn.first_sentence_ms:6.0f} ms "
                          f"(CPU/thread {cpu * 1000:5.0f} ms) | {q} -> {turn.text!r}",
                          flush=True)
    print(f"\n{'model':22} {'first sentence p50/p95 ms':>26} {'CPU/thread p50/p95 ms':>22} "
          f"{'first token p50':>16} {'whole p50':>10}")
    for key, v in rows.items():
        def q(i: int, p: float, v: list[tuple[float, float, float, float]] = v) -> float:
            vals = sorted(x[i] for x in v)
            return vals[min(len(vals) - 1, max(0, int(round(p * len(vals))) - 1))]
        print(f"{key:22} {q(0, .5):12.0f} / {q(0, .95):6.0f}       {q(1, .5):8.0f} / "
              f"{q(1, .95):6.0f}   {q(2, .5):12.0f}   {q(3, .5):9.0f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--first-sentence", action="store_true",
                    help="only the chat first-sentence comparison (1.5B vs 0.5B)")
    args = ap.parse_args()
    if args.first_sentence:
        first_sentence(args.rounds)
        return
    path = args.model or model_path(data_dir(), "qwen2.5-coder-1.5b")
    system, chat_system = system_prompt(), chat_system_prompt()
    session = Session("bench")
    tool_msgs = [build_messages(system, session, t, CONTEXT) for t in TOOL_REQUESTS]
    chat_msgs = [build_chat_messages(chat_system, session, t, CONTEXT) for t in CHAT_REQUESTS]
    chat_json = [build_messages(system, session, t, CONTEXT) for t in CHAT_REQUESTS]

    variants: dict[str, EdgeBackend] = {}
    for name, kw in [("threads2", {}), ("threads1", {"n_threads": 1}),
                     ("batch64", {"n_batch": 64})]:
        variants[name] = EdgeBackend(EdgeSettings(model_path=path, **kw))
    # prompt-lookup decoding needs logits for every position (set at construction)
    lookup = EdgeBackend(EdgeSettings(model_path=path))
    lookup.llm = llama_cpp.Llama(
        model_path=str(path), n_ctx=1024, n_threads=2, n_threads_batch=2, n_batch=256,
        seed=0, verbose=False, logits_all=True,
        draft_model=llama_cpp.llama_speculative.LlamaPromptLookupDecoding(num_pred_tokens=4))
    variants["lookup"] = lookup
    for edge in variants.values():
        edge.warm_up([{"role": "system", "content": chat_system},
                       {"role": "user", "content": "hello"}], prefix="chat")
        edge.warm_up([{"role": "system", "content": system},
                      {"role": "user", "content": "hello"}], prefix="tool")

    results: dict[str, list[dict[str, float]]] = defaultdict(list)
    for r in range(args.rounds):
        for name, edge in variants.items():  # interleaved: every variant each round
            for m in tool_msgs:
                results[f"tool {name} planner"].append(
                    run(edge, m, grammar=True, raw=False, max_tokens=60))
                if name == "threads2":
                    results[f"tool {name} raw"].append(
                        run(edge, m, grammar=True, raw=True, max_tokens=60))
            if name == "threads2":
                for m, mj in zip(chat_msgs, chat_json, strict=True):
                    results["chat plain (short prompt, no grammar)"].append(
                        run(edge, m, grammar=False, raw=False, max_tokens=90, prefix="chat"))
                    results["chat as JSON tool call (tool prompt, grammar)"].append(
                        run(edge, mj, grammar=True, raw=False, max_tokens=90, prefix="tool"))
                    # what a tool call pays after a plain chat reply used the cache
                    run(edge, m, grammar=False, raw=False, max_tokens=90, prefix="chat")
                    results["tool after chat, state put back"].append(
                        run(edge, tool_msgs[0], grammar=True, raw=False, max_tokens=60,
                            prefix="tool"))
                    run(edge, m, grammar=False, raw=False, max_tokens=90, prefix="chat")
                    results["tool after chat, no state kept"].append(
                        run(edge, tool_msgs[0], grammar=True, raw=False, max_tokens=60))
        print(f"round {r + 1} done", flush=True)

    print(f"{'variant':48} {'p_eval':>6} {'ttft ms':>8} {'tok/s':>6} {'total ms':>9}")
    med: dict[str, dict[str, float]] = {}
    for name, rows in results.items():
        med[name] = {k: statistics.median(row[k] for row in rows) for k in rows[0]}
        m = med[name]
        print(f"{name:48} {m['prompt_eval']:6.0f} {m['ttft_ms']:8.0f} {m['tok_s']:6.1f} "
              f"{m['total_ms']:9.0f}")
    base = med["tool threads2 raw"]["tok_s"]
    for name in med:
        if name.startswith("tool "):
            print(f"tok/s ratio {name} / raw: {med[name]['tok_s'] / base:.2f}")


if __name__ == "__main__":
    main()
