"""Cloud failover with a real OpenAI-compatible server (llama_cpp.server + SmolLM2) behind a
capturing stdlib proxy: cloud answers, kill -> edge within the budget and the breaker opens,
restart -> cloud again; the bodies the "cloud" received hold no private data."""

from __future__ import annotations

import http.client
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit_ai.planner.backends import (
    CloudBackend,
    CloudSettings,
    EdgeBackend,
    EdgeSettings,
    FailoverBackend,
)
from cockpit_ai.planner.planner import Context, Planner
from cockpit_ai.planner.privacy import AuditLog, Redactor


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`python -m llama_cpp.server` with SmolLM2 on one thread; start/kill/restart."""

    def __init__(self, model: Path) -> None:
        self.model = model
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model),
               "--host", "127.0.0.1", "--port", str(self.port), "--n_threads", "1",
               "--n_ctx", "2048", "--verbose", "False"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/v1/models",
                                            timeout=1):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("llama_cpp.server exited at start") from None
                time.sleep(0.2)
        raise RuntimeError("llama_cpp.server did not come up in 60 s")

    def warm(self) -> None:
        """One request straight to the server so the planner's system prompt is cached there
        (as it would be on a real service); not through the proxy, so it is not captured."""
        from cockpit_ai.planner.dialogue import system_prompt

        body = json.dumps({"messages": [{"role": "system", "content": system_prompt()},
                                        {"role": "user", "content": "hi"}],
                           "max_tokens": 1}).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/v1/chat/completions",
                                     data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120):
            pass

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None


class Proxy(http.server.ThreadingHTTPServer):
    """Forwards to the server and keeps every request body it saw; can add a delay."""

    def __init__(self, upstream_port: int) -> None:
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.upstream_port = upstream_port
        self.bodies: list[bytes] = []
        self.delay_s = 0.0
        self.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    server: Proxy

    def log_message(self, *args: object) -> None:
        pass

    def _forward(self, method: str) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if body:
            self.server.bodies.append(body)
        time.sleep(self.server.delay_s)
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port, timeout=60)
            conn.request(method, self.path, body=body or None,
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            data, status = resp.read(), resp.status
        except OSError:
            data, status = b'{"error": "upstream down"}', 502
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client gave up (budget exceeded)

    def do_GET(self) -> None:
        self._forward("GET")

    def do_POST(self) -> None:
        self._forward("POST")


@pytest.fixture(scope="module")
def server(smol_path: Path) -> Iterator[Server]:
    s = Server(smol_path)
    s.start()
    s.warm()
    yield s
    s.kill()


@pytest.fixture()
def proxy(server: Server) -> Iterator[Proxy]:
    p = Proxy(server.port)
    t = threading.Thread(target=p.serve_forever, daemon=True)
    t.start()
    yield p
    p.shutdown()
    p.server_close()


@pytest.fixture(scope="module")
def edge(smol_path: Path) -> EdgeBackend:
    """SmolLM2 as the edge model here: which model answers does not matter for failover,
    only which back end does, and the small one keeps this test quick."""
    return EdgeBackend(EdgeSettings(model_path=smol_path, n_threads=1))


def make_planner(edge: EdgeBackend, proxy: Proxy, audit: Path, *, budget_s: float = 30.0,
                 cooldown_s: float = 1.0) -> tuple[Planner, FailoverBackend]:
    cloud = CloudBackend(CloudSettings(base_url=proxy.url, model="smollm2", budget_s=budget_s),
                         redactor=Redactor(grid_m=1000), audit=AuditLog(audit))
    failover = FailoverBackend(edge, cloud, cooldown_s=cooldown_s)
    planner = Planner(backend=failover, config={"fastpath": False})
    return planner, failover


CTX = dict(latitude_deg=60.169912, longitude_deg=24.938379, heading_deg=90.0)
PRIVATE = ("Anna", "Virtanen", "+358 40 123 4567", "123 4567", "anna.virtanen@example.fi",
           "60.169912", "24.938379", "60.1699", "ABC-123")


def test_cloud_kill_restart_and_redaction(edge: EdgeBackend, server: Server, proxy: Proxy,
                                          tmp_path: Path) -> None:
    planner, failover = make_planner(edge, proxy, tmp_path / "audit.jsonl", cooldown_s=120)
    ctx = Context(session_id="cloud", **CTX)
    first = planner.handle("My name is Anna Virtanen, call me on +358 40 123 4567 or "
                           "anna.virtanen@example.fi. We are at 60.169912, 24.938379 in the "
                           "car ABC-123. Tell me a joke.", ctx)
    assert first.backend == "cloud", first
    second = planner.handle("Is Anna's car warm enough?", ctx)
    assert second.backend == "cloud"

    server.kill()
    third = planner.handle("tell me something about Helsinki", ctx)
    assert third.backend == "edge" and third.fallback_reason
    # A dead endpoint is noticed at once (connection refused), far inside the budget.
    assert failover.last_cloud_ms < 1000, failover.last_cloud_ms
    assert failover.breaker.is_open
    sent_before = len(proxy.bodies)
    assert planner.handle("how are you?", ctx).backend == "edge"
    assert len(proxy.bodies) == sent_before  # breaker open: the cloud was not even tried

    server.start()
    server.warm()
    assert planner.handle("and now?", ctx).backend == "edge"  # still cooling down
    failover.breaker.clock = lambda: time.monotonic() + 121  # the cool-down has passed
    assert planner.handle("what's the capital of Finland?", ctx).backend == "cloud"

    sent = b"\n".join(proxy.bodies).decode("utf-8")
    assert "chat/completions" not in sent and '"messages"' in sent
    for secret in PRIVATE:
        assert secret not in sent, secret
    audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    # The audit log holds exactly the bytes the endpoint received, failed requests included.
    assert [a["body"] for a in audit] == [b.decode("utf-8") for b in proxy.bodies]
    assert [a["outcome"] == "ok" for a in audit].count(True) == 3


def test_budget_exceeded_falls_back_to_edge(edge: EdgeBackend, proxy: Proxy,
                                            tmp_path: Path) -> None:
    planner, failover = make_planner(edge, proxy, tmp_path / "audit.jsonl", budget_s=1.0,
                                     cooldown_s=60)
    proxy.delay_s = 3.0
    turn = planner.handle("tell me a joke", Context(session_id="slow"))
    assert turn.backend == "edge" and "budget" in turn.fallback_reason
    assert 1000 <= failover.last_cloud_ms < 1500, failover.last_cloud_ms  # gave up on time
    assert failover.breaker.is_open


def test_cloud_switch_off_sends_nothing(edge: EdgeBackend, proxy: Proxy, tmp_path: Path) -> None:
    planner, failover = make_planner(edge, proxy, tmp_path / "audit.jsonl")
    failover.cloud_enabled = False
    turn = planner.handle("tell me a joke", Context(session_id="off"))
    assert turn.backend == "edge" and proxy.bodies == []


def test_cloud_dying_mid_answer_is_answered_by_the_edge(edge: EdgeBackend,
                                                        tmp_path: Path) -> None:
    """The endpoint hangs up half-way through its answer (http.client.IncompleteRead): the
    turn is answered by the edge model at once, the breaker opens, and after the cool-down
    the cloud is probed and used again. The capture server (cockpit_ai.privacy.capture) is
    a real OpenAI-compatible endpoint on 127.0.0.1 that fails on demand (HTTP 500 and a
    hang-up before any answer: test/privacy/test_capture.py)."""
    mode = "drop_mid"
    from cockpit_ai.privacy.capture import CaptureServer

    with CaptureServer() as capture:
        cloud = CloudBackend(CloudSettings(base_url=capture.url, model="capture", budget_s=20.0),
                             redactor=Redactor(grid_m=1000), audit=AuditLog(tmp_path / "a.jsonl"))
        failover = FailoverBackend(edge, cloud, cooldown_s=60.0)
        planner = Planner(backend=failover, config={"fastpath": False})
        ctx = Context(session_id=mode)
        assert planner.handle("tell me a joke", ctx).backend == "cloud"
        capture.fail_next(mode)
        t0 = time.monotonic()
        turn = planner.handle("tell me another one", ctx)
        assert turn.backend == "edge" and turn.text, turn
        assert "cloud request failed" in turn.fallback_reason, turn.fallback_reason
        assert failover.last_cloud_ms < 5000, failover.last_cloud_ms  # not the 20 s budget
        assert time.monotonic() - t0 < 120
        assert failover.breaker.is_open
        sent = len(capture.chat_requests())
        assert planner.handle("and one more", ctx).backend == "edge"
        assert len(capture.chat_requests()) == sent  # breaker open: not even tried
        failover.breaker.clock = lambda: time.monotonic() + 61  # the cool-down has passed
        assert planner.handle("what's the capital of Finland?", ctx).backend == "cloud"
        assert [r.mode for r in capture.requests][-2:] == ["ok", "ok"]  # probe, then chat
        audit = [json.loads(ln) for ln in (tmp_path / "a.jsonl").read_text().splitlines()]
        assert [a["outcome"].split(":")[0] for a in audit] == ["ok", "error", "ok"]
