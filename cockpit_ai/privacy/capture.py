"""A local OpenAI-compatible endpoint that keeps every byte it is sent, and the leak check.

``CaptureServer`` (stdlib ``http.server`` on 127.0.0.1) answers ``GET /v1/models`` and
``POST /v1/chat/completions`` (also ``"stream": true``, as server-sent events) and records
each request as the raw bytes read from the socket: request line, headers and body. What it
answers is chosen per request (``mode``, or a queue with ``fail_next``):

- ``ok``: a valid chat completion; the text comes from ``responder`` (default
  ``router_reply``: the planner's own router answers the request's last question, so a
  dialogue through the "cloud" finds places and has precise results in its context);
- ``http_500``: an HTTP 500 with a JSON error;
- ``drop``: the connection is closed before any reply;
- ``drop_mid``: the reply starts (status, headers, half of the body or the first events
  of a stream) and the connection is then closed: the endpoint died mid-answer.

``check_capture`` asserts on the captured bytes: no coordinate finer than the grid, no
distance under it, no name of a place near the drive, no street there, no person's name,
phone number, e-mail address or plate (``Leak`` per finding). ``near_places`` lists the
places within the grid of a drive (the input the check needs).

Run standalone (the whole-drive check): ``cockpit-ai privacy capture-server --port 8765
--record captured.jsonl`` and afterwards ``cockpit-ai privacy leak-check captured.jsonl
--demo`` (docs/privacy.md).
"""

from __future__ import annotations

import http.server
import json
import math
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cockpit_ai.privacy import PrivacyInputError

MODES = ("ok", "http_500", "drop", "drop_mid")

Responder = Callable[[dict[str, Any]], str]


@dataclass
class Captured:
    """One request as it arrived: every byte read from the connection, and what was done."""

    raw: bytes
    method: str
    path: str
    body: bytes
    mode: str
    at: float = field(default_factory=time.time)

    def payload(self) -> dict[str, Any]:
        """The JSON body ({} when there is none or it is not JSON)."""
        try:
            value = json.loads(self.body.decode("utf-8")) if self.body else {}
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


def _last_user_text(payload: dict[str, Any]) -> tuple[str, int]:
    """The newest question in a planner request ("User: ..." line of the last user message)
    and how many earlier results its context lists."""
    messages = [m for m in payload.get("messages") or [] if isinstance(m, dict)]
    last = next((str(m.get("content") or "") for m in reversed(messages)
                 if m.get("role") == "user"), "")
    lines = last.splitlines()
    question = next((ln[len("User: "):] for ln in reversed(lines) if ln.startswith("User: ")),
                    last)
    results = 0
    for ln in lines:
        if ln.startswith("Earlier results:"):
            results = len(re.findall(r"(?:^|; |: )\d+\. ", ln))
    return question, results


def router_reply(payload: dict[str, Any]) -> str:
    """What a sensible cloud model would answer, from the planner's router: the tool call
    (JSON) for a request with a response format, a short plain reply otherwise."""
    from cockpit_ai.planner import fastpath

    question, results = _last_user_text(payload)
    if not payload.get("response_format"):
        return "Sure. I'm happy to help with that."
    try:
        call = fastpath.parse(question, results=results)
    except Exception:
        call = None
    if call is None:
        return json.dumps({"tool": "chat", "reply": "Sure, I can help with that."})
    return call.to_json()


class _Tee:
    """The handler's input file, keeping a copy of every byte read from it."""

    def __init__(self, inner: Any, sink: bytearray) -> None:
        self._inner = inner
        self._sink = sink

    def readline(self, limit: int = -1) -> bytes:
        data: bytes = self._inner.readline(limit)
        self._sink.extend(data)
        return data

    def read(self, n: int = -1) -> bytes:
        data: bytes = self._inner.read(n)
        self._sink.extend(data)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: CaptureServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self._raw = bytearray()
        self.rfile = _Tee(self.rfile, self._raw)  # type: ignore[assignment]

    def log_message(self, *args: object) -> None:
        pass

    def _take(self) -> tuple[bytes, str]:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        mode = self.server.next_mode()
        self.server.keep(Captured(bytes(self._raw), self.command, self.path, body, mode))
        self._raw.clear()
        return body, mode

    def _send(self, status: int, data: bytes, *, content_type: str = "application/json",
              cut: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2] if cut else data)
        self.wfile.flush()
        if cut:
            self._hang_up()

    def _hang_up(self) -> None:
        """Close the connection now, mid-answer (no more bytes, no proper end)."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_GET(self) -> None:
        _, mode = self._take()
        if mode == "drop":
            self._hang_up()
            return
        if mode == "http_500":
            self._send(500, b'{"error": {"message": "capture server told to fail"}}')
            return
        if self.path.rstrip("/").endswith("/models"):
            self._send(200, json.dumps({"object": "list", "data": [
                {"id": "capture", "object": "model", "owned_by": "cockpit_ai"}]}).encode())
        else:
            self._send(404, b'{"error": {"message": "not found"}}')

    def do_POST(self) -> None:
        body, mode = self._take()
        if mode == "drop":
            self._hang_up()
            return
        if mode == "http_500":
            self._send(500, b'{"error": {"message": "capture server told to fail"}}')
            return
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send(404, b'{"error": {"message": "not found"}}')
            return
        try:
            payload = json.loads(body.decode("utf-8"))
            if not isinstance(payload, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            self._send(400, json.dumps({"error": {"message": f"bad JSON: {exc}"}}).encode())
            return
        text = self.server.responder(payload)
        if payload.get("stream"):
            self._stream(text, cut=mode == "drop_mid")
            return
        reply = {
            "id": f"capture-{len(self.server.requests)}", "object": "chat.completion",
            "created": int(time.time()), "model": str(payload.get("model") or "capture"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 0, "completion_tokens": max(1, len(text) // 4),
                      "total_tokens": max(1, len(text) // 4)},
        }
        self._send(200, json.dumps(reply).encode("utf-8"), cut=mode == "drop_mid")

    def _stream(self, text: str, *, cut: bool) -> None:
        """Server-sent events in chunked encoding; ``cut`` hangs up after half the events."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        pieces = [text[i:i + 8] for i in range(0, len(text), 8)] or [""]
        events = [{"choices": [{"index": 0, "delta": {"content": p}}]} for p in pieces]
        for i, event in enumerate(events):
            if cut and i >= max(1, len(events) // 2):
                self._hang_up()
                return
            self._chunk(f"data: {json.dumps(event)}\n\n".encode())
        self._chunk(b"data: [DONE]\n\n")
        self._chunk(b"")

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


class CaptureServer(http.server.ThreadingHTTPServer):
    """The capture endpoint on 127.0.0.1 (``port`` 0 = any free one); ``start()``/``stop()``
    or a ``with`` block. ``record``: also append each request to this JSONL file."""

    daemon_threads = True

    def __init__(self, *, port: int = 0, record: Path | None = None,
                 responder: Responder = router_reply, mode: str = "ok") -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.responder = responder
        self.mode = check_mode(mode)
        self.record = record
        self.requests: list[Captured] = []
        self._queue: deque[str] = deque()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL a client is given (``cloud_base_url``)."""
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def fail_next(self, mode: str, n: int = 1) -> None:
        """Answer the next ``n`` requests with ``mode``, then ``self.mode`` again."""
        with self._lock:
            self._queue.extend([check_mode(mode)] * n)

    def next_mode(self) -> str:
        with self._lock:
            return self._queue.popleft() if self._queue else self.mode

    def keep(self, item: Captured) -> None:
        with self._lock:
            self.requests.append(item)
            if self.record is not None:
                entry = {"at": item.at, "method": item.method, "path": item.path,
                         "mode": item.mode,
                         "raw": item.raw.decode("utf-8", errors="backslashreplace")}
                with self.record.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def chat_requests(self) -> list[Captured]:
        """The chat completion requests (what carries dialogue), in order."""
        with self._lock:
            return [r for r in self.requests if r.method == "POST"]

    def start(self) -> CaptureServer:
        self._thread = threading.Thread(target=self.serve_forever, name="capture",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> CaptureServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise PrivacyInputError(f"capture mode {mode!r}: use one of {', '.join(MODES)}")
    return mode


def load_record(path: Path) -> list[Captured]:
    """Requests from a ``record`` JSONL file (the standalone server's output)."""
    out: list[Captured] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise PrivacyInputError(f"{path}: {exc}") from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            e = json.loads(line)
            raw = str(e["raw"]).encode("utf-8")
        except (ValueError, KeyError, TypeError):
            raise PrivacyInputError(f"{path}:{n}: not a capture record") from None
        _, _, body = raw.partition(b"\r\n\r\n")
        out.append(Captured(raw, str(e.get("method", "")), str(e.get("path", "")), body,
                            str(e.get("mode", "ok")), float(e.get("at", 0.0))))
    return out


# -- the leak check ------------------------------------------------------------------------

_PAIR = re.compile(r"(?<![\w.])(-?\d{1,2}\.\d{2,})\s*[,;]?\s+(-?\d{1,3}\.\d{2,})(?![\w.])")
_DECIMAL = re.compile(r"(?<![\w.])-?\d{1,3}\.(\d+)(?![\w.])")
_DISTANCE = re.compile(
    r"(?<![\w.,])(within |about )?(\d+(?:[.,]\d+)?)\s?"
    r"(kilometres|kilometers|kilometre|kilometer|km|metres|meters|metre|meter|m)(?!\w)",
    re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass(frozen=True)
class Leak:
    """One precise or personal thing found in a request."""

    kind: str  # coordinate, distance, place, street, person, phone, email, plate
    value: str
    request: int  # index into the checked requests
    context: str  # the text around it

    def __str__(self) -> str:
        return f"request {self.request}: {self.kind} {self.value!r} in …{self.context}…"


def _around(text: str, start: int, end: int) -> str:
    return text[max(0, start - 40):end + 40].replace("\n", " ")


def _fixed_prompts() -> list[str]:
    """The planner's fixed system prompts (default brand): known text, no data in it."""
    from cockpit_ai.planner.dialogue import chat_system_prompt, system_prompt

    return [system_prompt(), chat_system_prompt()]


def _dialogue_text(req: Captured, fixed: Sequence[str]) -> str:
    """What the dialogue put into a request: every message's content except the fixed
    system prompts (the JSON schema and the prompts are the same for every car)."""
    messages = req.payload().get("messages")
    if not isinstance(messages, list):
        return req.body.decode("utf-8", errors="replace")
    parts = []
    for m in messages:
        content = m.get("content") if isinstance(m, dict) else None
        text = content if isinstance(content, str) else json.dumps(content)
        if text not in fixed:
            parts.append(text)
    return "\n".join(parts)


def _name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    words = sorted({" ".join(n.split()) for n in names if len(n.strip()) >= 3},
                   key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)",
                      re.IGNORECASE)


def _digits_pattern(phone: str) -> re.Pattern[str] | None:
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 6:
        return None
    tail = digits[-7:]  # the subscriber part: country/area prefixes are written many ways
    return re.compile(r"\D{0,3}".join(re.escape(d) for d in tail))


def check_capture(requests: Sequence[Captured], *, grid_m: float = 1000.0,
                  near_places: Iterable[str] = (), streets: Iterable[str] = (),
                  persons: Iterable[str] = (), phones: Iterable[str] = (),
                  emails: Iterable[str] = (), plates: Iterable[str] = (),
                  fixed_texts: Sequence[str] | None = None) -> list[Leak]:
    """Every leak in the captured ``requests`` (empty list: nothing precise was sent).

    On all bytes of each request: coordinates (a latitude/longitude pair must be the centre
    of its grid cell, a lone number with more decimals than the grid has is a leak), the
    given phones (their last 7 digits, any separators), e-mail addresses (any), the given
    plates. On what the dialogue put into the request (message contents but the fixed
    system prompts): distances under the grid, the given place, street and person names.
    """
    from cockpit_ai.planner.privacy import coarsen, grid_decimals

    fixed = list(_fixed_prompts() if fixed_texts is None else fixed_texts)
    place_re, street_re, person_re = (_name_pattern(near_places), _name_pattern(streets),
                                      _name_pattern(persons))
    phone_res = [p for p in (_digits_pattern(x) for x in phones) if p is not None]
    plate_res = [re.compile(r"(?<!\w)" + r"[\s-]?".join(re.escape(c) for c in
                                                        re.sub(r"[\s-]", "", p)) + r"(?!\w)",
                            re.IGNORECASE) for p in plates if p.strip()]
    allowed = grid_decimals(grid_m)
    leaks: list[Leak] = []
    for i, req in enumerate(requests):
        raw = req.raw.decode("utf-8", errors="replace")
        centres: set[tuple[int, int]] = set()
        for m in _PAIR.finditer(raw):
            lat, lon = float(m.group(1)), float(m.group(2))
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                continue
            clat, clon = coarsen(lat, lon, grid_m=grid_m)
            if math.isclose(clat, lat, abs_tol=1e-9) and math.isclose(clon, lon, abs_tol=1e-9):
                centres.add(m.span(1))
                centres.add(m.span(2))
            else:
                leaks.append(Leak("coordinate", m.group(0), i, _around(raw, *m.span())))
        for m in _DECIMAL.finditer(raw):
            if len(m.group(1)) > allowed and m.span() not in centres \
                    and not any(a <= m.start() < b for a, b in centres):
                leaks.append(Leak("coordinate", m.group(0), i, _around(raw, *m.span())))
        for m in _EMAIL.finditer(raw):
            leaks.append(Leak("email", m.group(0), i, _around(raw, *m.span())))
        for addr in emails:
            if addr and addr.lower() in raw.lower():
                leaks.append(Leak("email", addr, i, addr))
        for pat in phone_res:
            for m in pat.finditer(raw):
                leaks.append(Leak("phone", m.group(0), i, _around(raw, *m.span())))
        for pat in plate_res:
            for m in pat.finditer(raw):
                leaks.append(Leak("plate", m.group(0), i, _around(raw, *m.span())))
        said = _dialogue_text(req, fixed)
        for m in _DISTANCE.finditer(said):
            metres = float(m.group(2).replace(",", "."))
            metres *= 1000.0 if m.group(3).lower().startswith("k") else 1.0
            if m.group(1) and m.group(1).lower().startswith("within") and metres >= grid_m:
                continue  # "within 1 km": the grid itself
            if metres < grid_m:
                leaks.append(Leak("distance", m.group(0), i, _around(said, *m.span())))
        for kind, names in (("place", place_re), ("street", street_re),
                            ("person", person_re)):
            if names is not None:
                for found in names.finditer(said):
                    leaks.append(Leak(kind, found.group(0), i,
                                      _around(said, *found.span())))
    return leaks


def assert_no_leaks(requests: Sequence[Captured], **kwargs: Any) -> None:
    """``check_capture`` as an assertion: the message lists every leak found."""
    leaks = check_capture(requests, **kwargs)
    if leaks:
        raise AssertionError(f"{len(leaks)} leak(s) in {len(requests)} request(s):\n"
                             + "\n".join(str(leak) for leak in leaks[:40]))


def near_places(track: Iterable[tuple[float, float]], *, grid_m: float = 1000.0,
                db: Path | None = None, every_m: float = 100.0) -> list[str]:
    """Names of every place within ``grid_m`` of any point of a drive (``track``: positions
    in order; sampled about every ``every_m``), from the POI database (None = bundled)."""
    from cockpit_ai.landmark.query import default_db
    from cockpit_ai.planner.privacy import Surroundings, _metres_between

    around = Surroundings(grid_m=grid_m, poi_db=db or default_db(), streets=False)
    names: set[str] = set()
    last: tuple[float, float] | None = None
    points = list(track)
    for k, p in enumerate(points):
        if last is not None and _metres_between(last, p) < every_m and k != len(points) - 1:
            continue
        last = p
        names.update(around.view(p).near)
    return sorted(names)


def near_streets(track: Iterable[tuple[float, float]], *, grid_m: float = 1000.0,
                 every_m: float = 100.0) -> list[str]:
    """Street names within ``grid_m`` of any point of a drive (the bundled street graph)."""
    from cockpit_ai.planner.privacy import Surroundings, _metres_between

    around = Surroundings(grid_m=grid_m, poi_db=None, streets=True)
    names: set[str] = set()
    last: tuple[float, float] | None = None
    for p in track:
        if last is not None and _metres_between(last, p) < every_m:
            continue
        last = p
        names.update(around.view(p).streets)
    return sorted(names)


def demo_track() -> list[tuple[float, float]]:
    """The demo drive's positions (the same streets as its bag)."""
    from cockpit_ai.demo import scenario as sc
    from cockpit_ai.demo.route import load_streets, route_points
    from cockpit_ai.paths import data_dir

    streets = load_streets(data_dir() / "osm" / "helsinki.osm.pbf")
    return route_points(streets, list(sc.WAYPOINTS))


def cloud_planner_params(folder: Path, url: str, *, driver: str = "demo",
                         consent: bool = True, base: Path | None = None) -> Path:
    """A planner parameter file with the cloud on at ``url`` (the capture server), its own
    privacy record (``consent``: the driver gave it) and audit log, in ``folder``; the
    rest as ``base`` (default the installed config/planner.param.yaml). For a demo drive
    through the cloud: ``cockpit-ai launch ... planner_param_file:=<this file>``."""
    import yaml

    from cockpit_ai.paths import config_dir
    from cockpit_ai.privacy.consent import ConsentStore

    folder.mkdir(parents=True, exist_ok=True)
    doc = yaml.safe_load((base or config_dir() / "planner.param.yaml").read_text())
    params = next(iter(doc.values()))["ros__parameters"]
    db = (folder / "privacy.sqlite").resolve()
    params.update(cloud_enabled=True, cloud_base_url=url, cloud_model="capture",
                  driver=driver, consent_db=str(db),
                  audit_log=str((folder / "cloud-audit.jsonl").resolve()))
    if consent:
        ConsentStore(db).give(driver)
    path = (folder / "planner.param.yaml").resolve()
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path
