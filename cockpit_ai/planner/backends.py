"""Model back ends behind one small interface: edge (llama.cpp), cloud (OpenAI-compatible
HTTP, stdlib only) and a failover that prefers the cloud while it is healthy.

``generate(messages, schema=...)`` returns a ``Generation`` that says which back end answered
and how long it took. The cloud path accepts text only and redacts every request.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import http.client
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cockpit_ai.planner.config import DEFAULT_CONFIG
from cockpit_ai.planner.errors import PlannerError
from cockpit_ai.planner.privacy import AuditLog, CloudView, Redactor, text_only

log = logging.getLogger("cockpit_ai.planner")


@dataclass
class Generation:
    """One model answer: raw text, who produced it, and timings."""

    text: str
    backend: str
    latency_ms: float
    ttft_ms: float = 0.0
    completion_tokens: int = 0
    fallback_reason: str = ""
    cancelled: bool = False  # stopped early (``cancelled()``): ``text`` is incomplete


class BackendError(PlannerError):
    """A back end could not answer (network, timeout, bad reply)."""


TextSink = Callable[[str], None]  # the raw output so far, while the model streams
StopCheck = Callable[[], bool]  # true = stop generating (the question was withdrawn)


class Backend(Protocol):
    """What the planner needs from a model.

    The planner passes ``on_text`` and ``cancelled`` (keyword arguments) only when the turn
    asks for them, so a back end without streaming need not take them."""

    name: str

    def generate(self, messages: list[dict[str, Any]], *, schema: dict[str, Any] | None,
                 max_tokens: int) -> Generation: ...


@dataclass
class EdgeSettings:
    """llama.cpp settings for the in-car model."""

    model_path: Path
    # 2 threads on 2 cores: 1.5x the tokens/s of 1 (bench/llm_speed_bench.py)
    n_threads: int = int(DEFAULT_CONFIG["n_threads"])
    n_ctx: int = int(DEFAULT_CONFIG["n_ctx"])
    max_tokens: int = int(DEFAULT_CONFIG["max_tokens"])
    n_batch: int = int(DEFAULT_CONFIG["n_batch"])
    seed: int = 0
    # where the warmed-up fixed prompts' states are kept between starts (None: not kept);
    # loading one costs ~0.1 s where evaluating the prompt again costs ~12 s on 2 cores
    state_dir: Path | None = None


@dataclass
class _Prefix:
    """llama.cpp's state right after a fixed prompt: its tokens and the KV cache bytes."""

    tokens: list[int]
    state: bytes


#: Prompt states kept per prompt name (brands, models and settings each have their own;
#: ~20 MB each for the 1.5 B model's tool prompt).
KEEP_STATES = 8


class EdgeBackend:
    """llama-cpp-python with a GGUF file; the model loads at construction.

    llama.cpp reuses the longest common token prefix of consecutive prompts, so the fixed
    system prompt is evaluated once (``warm_up``) and then stays cached. With two fixed
    prompts (tool calls, plain chat) each one's state is kept by name (``prefix``) and put
    back before a request that needs it: one chat reply would otherwise cost the next tool
    call the whole tool prompt again (about 700 tokens).
    """

    name = "edge"

    def __init__(self, settings: EdgeSettings) -> None:
        path = Path(settings.model_path)
        if not path.is_file():
            raise PlannerError(
                f"edge model not found: {path}; run `make setup` (or `cockpit-ai assets "
                "install`) to install it, or set the model path in the planner config"
            )
        # OpenMP threads that spin while waiting collapse when other processes share the
        # cores (measured here under load: 5x slower); passive waiting costs little alone.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            from llama_cpp import Llama
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise PlannerError("llama-cpp-python is not installed; run `make setup`") from exc
        self.settings = settings
        self.llm = Llama(model_path=str(path), n_ctx=settings.n_ctx, n_threads=settings.n_threads,
                         n_threads_batch=settings.n_threads, n_batch=settings.n_batch,
                         seed=settings.seed, verbose=False)
        self._grammars: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._prefixes: dict[str, _Prefix] = {}
        self._holds: str | None = None  # the prefix whose state is in the KV cache now

    def _save(self) -> _Prefix:
        from llama_cpp import llama_cpp as c

        ctx = self.llm.ctx
        size = c.llama_state_get_size(ctx)
        buf = (c.ctypes.c_uint8 * int(size))()
        n = int(c.llama_state_get_data(ctx, buf, size))
        return _Prefix(list(self.llm._input_ids), bytes(buf)[:n])

    def _restore(self, prefix: _Prefix) -> None:
        """Put a saved state back. The logits are not restored: llama-cpp-python decodes
        at least one prompt token again after a restore (``_requires_eval``)."""
        from llama_cpp import llama_cpp as c

        buf = (c.ctypes.c_uint8 * len(prefix.state)).from_buffer_copy(prefix.state)
        if c.llama_state_set_data(self.llm.ctx, buf, len(prefix.state)) != len(prefix.state):
            raise BackendError("llama.cpp refused a saved prompt state")
        n = len(prefix.tokens)
        self.llm.input_ids[:n] = prefix.tokens
        self.llm.n_tokens = n
        self.llm._requires_eval = True

    def _grammar(self, schema: dict[str, Any]) -> Any:
        """The compiled grammar for a schema, built once (compact GBNF when it applies)."""
        from llama_cpp import LlamaGrammar

        from cockpit_ai.planner.tools import schema_to_gbnf

        key = json.dumps(schema, sort_keys=True)
        if key not in self._grammars:
            try:
                grammar = LlamaGrammar.from_string(schema_to_gbnf(schema), verbose=False)
            except ValueError:
                grammar = LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
            self._grammars[key] = grammar
        return self._grammars[key]

    def warm_up(self, messages: list[dict[str, Any]], prefix: str | None = None) -> None:
        """Evaluate a prompt once so its prefix (the system prompt) is in the cache; with a
        ``prefix`` name its state is also kept for ``generate(prefix=...)`` and, with a
        ``state_dir``, on disk for the next start (keyed by the model file, llama.cpp's
        version, the context settings and the prompt)."""
        with self._lock:
            path = self._state_file(messages, prefix)
            saved = self._load_state(path) if path is not None else None
            if saved is not None and prefix is not None:  # restored by _load_state
                self._prefixes[prefix] = saved
                self._holds = prefix
                log.info("planner: the %s prompt's state loaded from %s", prefix, path)
                return
            self.llm.create_chat_completion(messages=messages, max_tokens=1, temperature=0.0)
            self._holds = prefix
            if prefix is not None:
                self._prefixes[prefix] = self._save()
                if path is not None:
                    self._store_state(path, self._prefixes[prefix])

    def _state_file(self, messages: list[dict[str, Any]], prefix: str | None) -> Path | None:
        folder = self.settings.state_dir
        if folder is None or prefix is None:
            return None
        import llama_cpp

        st = Path(self.settings.model_path).stat()
        key = json.dumps([Path(self.settings.model_path).name, st.st_size, st.st_mtime_ns,
                          llama_cpp.__version__, self.settings.n_ctx, self.settings.n_batch,
                          self.settings.n_threads, messages], sort_keys=True)
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        return Path(folder) / f"prompt-state-{prefix}-{digest}.bin"

    def _load_state(self, path: Path) -> _Prefix | None:
        """A state kept by an earlier start, or None (none, unreadable or refused)."""
        try:
            blob = path.read_bytes()
            size = int.from_bytes(blob[:8], "little")
            head = json.loads(blob[8:8 + size])
            state = blob[8 + size:]
            if hashlib.sha256(state).hexdigest() != head["sha256"]:
                raise ValueError("damaged (checksum)")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            if path.exists():
                log.info("planner: prompt state %s not used: %s", path, exc)
            return None
        saved = _Prefix([int(t) for t in head["tokens"]], state)
        try:
            self._restore(saved)
        except BackendError as exc:
            log.info("planner: prompt state %s not used: %s", path, exc)
            return None
        with contextlib.suppress(OSError):  # used now: the last to go (KEEP_STATES)
            os.utime(path)
        return saved

    def _store_state(self, path: Path, saved: _Prefix) -> None:
        """Keep a prompt's state for the next start (written whole, then renamed, so a
        reader never sees half a file; the ``KEEP_STATES`` last used of each prompt name kept)."""
        head = json.dumps({"tokens": [int(t) for t in saved.tokens],
                           "sha256": hashlib.sha256(saved.state).hexdigest()}).encode()
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(len(head).to_bytes(8, "little") + head + saved.state)
            tmp.replace(path)
            kept = sorted(path.parent.glob(path.name.rsplit("-", 1)[0] + "-*.bin"),
                          key=lambda f: f.stat().st_mtime, reverse=True)
            for old in kept[KEEP_STATES:]:
                old.unlink(missing_ok=True)
        except OSError as exc:  # a read-only data folder: evaluated again next time
            log.info("planner: prompt state not kept: %s", exc)

    def generate(self, messages: list[dict[str, Any]], *, schema: dict[str, Any] | None,
                 max_tokens: int | None = None, on_text: TextSink | None = None,
                 cancelled: StopCheck | None = None, prefix: str | None = None) -> Generation:
        """Stream the answer; ``on_text`` gets the text so far after each chunk, and a true
        ``cancelled()`` (asked between chunks) stops the model at once. ``prefix`` names
        the warmed-up fixed prompt ``messages`` start with (its state is put back first if
        another prompt used the cache since)."""
        grammar = self._grammar(schema) if schema is not None else None
        t0 = time.perf_counter()
        ttft = 0.0
        parts: list[str] = []
        stopped = False
        with self._lock:
            saved = self._prefixes.get(prefix) if prefix is not None else None
            if saved is not None and self._holds != prefix:
                self._restore(saved)
            self._holds = prefix
            stream = self.llm.create_chat_completion(
                messages=messages, grammar=grammar, temperature=0.0,
                max_tokens=max_tokens or self.settings.max_tokens, stream=True,
            )
            try:
                for chunk in stream:
                    if cancelled is not None and cancelled():
                        stopped = True
                        break
                    delta = chunk["choices"][0].get("delta", {}).get("content")
                    if delta:
                        if not parts:
                            ttft = (time.perf_counter() - t0) * 1000
                        parts.append(delta)
                        if on_text is not None:
                            on_text("".join(parts))
            finally:
                close = getattr(stream, "close", None)
                if close is not None:
                    close()  # ends llama.cpp's generator now, not at garbage collection
        latency = (time.perf_counter() - t0) * 1000
        return Generation("".join(parts), self.name, latency, ttft, len(parts),
                          cancelled=stopped)


@dataclass
class CloudSettings:
    """An OpenAI-compatible chat endpoint; the key is read from the named env variable."""

    base_url: str
    model: str = "default"
    api_key_env: str = "COCKPIT_AI_CLOUD_KEY"
    budget_s: float = 4.0
    probe_timeout_s: float = 0.5
    response_format: str = "json_object_schema"  # or "json_schema", "json_object", "none"
    max_tokens: int = 160


class CloudBackend:
    """Chat completions over HTTP with the stdlib; text only, redacted, audited."""

    name = "cloud"

    def __init__(self, settings: CloudSettings, *, redactor: Redactor | None = None,
                 audit: AuditLog | None = None) -> None:
        self.settings = settings
        self.redactor = redactor or Redactor()
        self.audit = audit or AuditLog(None)

    def _url(self, path: str) -> str:
        return self.settings.base_url.rstrip("/") + path

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(self.settings.api_key_env, "")
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def body(self, messages: list[dict[str, Any]], *, schema: dict[str, Any] | None,
             max_tokens: int | None = None, view: CloudView | None = None) -> bytes:
        """The exact request body: text-only messages, coarsened (``view``: the places and
        streets around the car; without one, distances are still coarsened to the grid)
        and redacted. The fixed system prompt is sent as it is."""
        plain = text_only(messages)
        view = view or CloudView(grid_m=self.redactor.grid_m)
        for m in plain:  # learn names from the whole dialogue before redacting any of it
            self.redactor.learn(m["content"])
        clean = [{"role": m["role"],
                  "content": self.redactor.redact(
                      m["content"] if m["role"] == "system"
                      else view.message(m["role"], m["content"]))}
                 for m in plain]
        payload: dict[str, Any] = {
            "model": self.settings.model, "messages": clean, "temperature": 0.0,
            "max_tokens": max_tokens or self.settings.max_tokens,
        }
        fmt = self.settings.response_format
        if schema is not None and fmt == "json_object_schema":
            payload["response_format"] = {"type": "json_object", "schema": schema}
        elif schema is not None and fmt == "json_schema":
            payload["response_format"] = {"type": "json_schema",
                                          "json_schema": {"name": "tool_call", "schema": schema}}
        elif schema is not None and fmt == "json_object":
            payload["response_format"] = {"type": "json_object"}
        return json.dumps(payload, ensure_ascii=False).encode("utf-8")

    def probe(self) -> bool:
        """Cheap health check (GET /models) with a short timeout."""
        req = urllib.request.Request(self._url("/models"), headers=self._headers())
        try:
            with urllib.request.urlopen(req, timeout=self.settings.probe_timeout_s) as resp:
                return 200 <= resp.status < 300
        except (OSError, urllib.error.URLError, ValueError):
            return False

    def generate(self, messages: list[dict[str, Any]], *, schema: dict[str, Any] | None,
                 max_tokens: int | None = None, timeout_s: float | None = None,
                 view: CloudView | None = None) -> Generation:
        body = self.body(messages, schema=schema, max_tokens=max_tokens, view=view)
        url = self._url("/chat/completions")
        timeout = timeout_s or self.settings.budget_s
        t0 = time.perf_counter()
        req = urllib.request.Request(url, data=body, headers=self._headers(), method="POST")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                reply = json.loads(resp.read().decode("utf-8"))
            text = reply["choices"][0]["message"]["content"] or ""
        except (OSError, urllib.error.URLError, http.client.HTTPException, ValueError,
                KeyError, IndexError, TypeError) as exc:
            # HTTPException: the connection dropped mid-answer (IncompleteRead) or the
            # reply was not HTTP at all. A socket timeout is the budget running out (the
            # failover's own wait and this one end together; either may notice first).
            timed_out = isinstance(exc, TimeoutError) or isinstance(
                getattr(exc, "reason", None), TimeoutError)
            why = (f"cloud exceeded its {timeout:.1f} s budget (timed out)" if timed_out
                   else f"{type(exc).__name__}: {exc}")
            self.audit.record(url=url, body=body, outcome=f"error: {why}")
            raise BackendError(f"cloud request failed: {why}") from exc
        self.audit.record(url=url, body=body, outcome="ok")
        latency = (time.perf_counter() - t0) * 1000
        tokens = int(reply.get("usage", {}).get("completion_tokens", 0) or 0)
        return Generation(text, self.name, latency, latency, tokens)


@dataclass
class Breaker:
    """Circuit breaker state: open after a failure, probe again after ``cooldown_s``."""

    cooldown_s: float = 30.0
    open_until: float = 0.0
    failures: int = 0
    last_error: str = ""
    clock: Callable[[], float] = field(default=time.monotonic)

    @property
    def is_open(self) -> bool:
        return self.clock() < self.open_until

    def trip(self, reason: str) -> None:
        self.failures += 1
        self.last_error = reason
        self.open_until = self.clock() + self.cooldown_s

    def reset(self) -> None:
        self.failures = 0
        self.open_until = 0.0


class FailoverBackend:
    """Cloud when configured, enabled and healthy, else edge.

    A cloud request that fails or exceeds its latency budget is answered by the edge model
    instead, and opens the breaker; after the cool-down the cloud is probed (GET /models)
    before it is used again. ``consent`` (asked before every request) says whether the
    driver agreed to the cloud; without it nothing is sent.
    """

    name = "failover"

    def __init__(self, edge: Backend, cloud: CloudBackend | None, *,
                 cloud_enabled: bool = True, cooldown_s: float = 30.0,
                 consent: Callable[[], bool] | None = None) -> None:
        self.edge = edge
        self.cloud = cloud
        self.cloud_enabled = cloud_enabled
        self.consent = consent
        self.breaker = Breaker(cooldown_s=cooldown_s)
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=2,
                                                           thread_name_prefix="cloud")
        self._probe_needed = False
        self.last_cloud_ms = 0.0  # time the last request spent on the cloud before answering

    def use_cloud(self) -> bool:
        """Whether the next request goes to the cloud (may probe after a cool-down)."""
        if self.cloud is None or not self.cloud_enabled or self.breaker.is_open:
            return False
        if self.consent is not None and not self._consented():
            return False
        if self._probe_needed:
            if not self.cloud.probe():
                self.breaker.trip("probe failed")
                return False
            self._probe_needed = False
            self.breaker.reset()
        return True

    def _consented(self) -> bool:
        assert self.consent is not None
        try:
            return bool(self.consent())
        except Exception as exc:  # an unreadable consent record is no consent
            log.warning("planner: consent unknown (%s); the cloud stays off", exc)
            return False

    def generate(self, messages: list[dict[str, Any]], *, schema: dict[str, Any] | None,
                 max_tokens: int | None = None,
                 cloud_view: Callable[[], CloudView] | None = None,
                 **hooks: Any) -> Generation:
        """``hooks`` (``on_text``, ``cancelled``) go to the edge model; the cloud answers in
        one piece (``on_text`` once) and is not stopped: the planner drops a cancelled one.
        ``cloud_view`` makes the coarse view of the car's surroundings, asked only when the
        request goes to the cloud."""
        reason = ""
        self.last_cloud_ms = 0.0
        t_start = time.perf_counter()
        if self.use_cloud():
            assert self.cloud is not None
            budget = self.cloud.settings.budget_s
            t0 = time.perf_counter()
            try:
                view = cloud_view() if cloud_view is not None else None
            except Exception as exc:  # without the coarse view nothing may be sent
                log.error("planner: no coarse view for the cloud (%s); edge answers", exc)
                return self.edge.generate(messages, schema=schema, max_tokens=max_tokens,
                                          **hooks)
            future = self._pool.submit(self.cloud.generate, messages, schema=schema,
                                       max_tokens=max_tokens, timeout_s=budget, view=view)
            try:
                gen = future.result(timeout=budget)
                self.last_cloud_ms = (time.perf_counter() - t_start) * 1000
                on_text = hooks.get("on_text")
                if on_text is not None and gen.text:
                    on_text(gen.text)
                return gen
            except concurrent.futures.TimeoutError:
                reason = f"cloud exceeded its {budget:.1f} s budget"
            except PlannerError as exc:
                reason = str(exc)
            self.breaker.trip(reason)
            self._probe_needed = True
            log.warning("planner: %s; answering on the edge model", reason)
            spent = (time.perf_counter() - t0) * 1000
            self.last_cloud_ms = (time.perf_counter() - t_start) * 1000
            gen = self.edge.generate(messages, schema=schema, max_tokens=max_tokens, **hooks)
            gen.fallback_reason = reason
            gen.latency_ms += spent
            if gen.completion_tokens:
                gen.ttft_ms += spent  # the first token came after the cloud's wasted time
            return gen
        self.last_cloud_ms = (time.perf_counter() - t_start) * 1000  # probe time, if any
        return self.edge.generate(messages, schema=schema, max_tokens=max_tokens, **hooks)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
