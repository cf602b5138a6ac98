"""The capture endpoint (every byte kept; answers, fails or hangs up on demand) and the
leak checker, on hand-made requests."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit_ai.planner.backends import BackendError, CloudBackend, CloudSettings
from cockpit_ai.planner.privacy import AuditLog, coarsen
from cockpit_ai.privacy.capture import (
    Captured,
    CaptureServer,
    assert_no_leaks,
    check_capture,
    load_record,
)


@pytest.fixture()
def capture(tmp_path: Path) -> Iterator[CaptureServer]:
    with CaptureServer(record=tmp_path / "captured.jsonl") as server:
        yield server


def post(url: str, payload: dict[str, object]) -> tuple[int, bytes]:
    req = urllib.request.Request(url + "/chat/completions", data=json.dumps(payload).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, resp.read()


ASK = {"model": "m", "messages": [{"role": "user", "content": "User: tell me a joke"}]}


def test_answers_a_valid_completion_and_keeps_every_byte(capture: CaptureServer,
                                                         tmp_path: Path) -> None:
    status, data = post(capture.url, ASK)
    reply = json.loads(data)
    assert status == 200 and reply["object"] == "chat.completion"
    assert reply["choices"][0]["message"]["content"]
    tool = dict(ASK, messages=[{"role": "user", "content": "User: set the temperature to 21"}],
                response_format={"type": "json_object"})
    call = json.loads(json.loads(post(capture.url, tool)[1])["choices"][0]["message"]["content"])
    assert call["tool"] == "vehicle" and call["value"] == "21"  # the router's answer
    with urllib.request.urlopen(capture.url + "/models", timeout=10) as resp:
        assert json.loads(resp.read())["data"][0]["id"] == "capture"
    first = capture.requests[0]
    assert first.raw.startswith(b"POST /v1/chat/completions HTTP/1.1\r\n")
    assert b"Content-Type: application/json" in first.raw
    assert first.raw.endswith(json.dumps(ASK).encode()) and first.payload() == ASK
    assert [r.raw for r in load_record(tmp_path / "captured.jsonl")] == \
        [r.raw for r in capture.requests]


def test_streams_server_sent_events(capture: CaptureServer) -> None:
    status, data = post(capture.url, dict(ASK, stream=True))
    events = [ln[6:] for ln in data.decode().splitlines() if ln.startswith("data: ")]
    assert status == 200 and events[-1] == "[DONE]"
    text = "".join(json.loads(e)["choices"][0]["delta"]["content"] for e in events[:-1])
    assert text == "Sure. I'm happy to help with that."


def test_fails_on_demand(capture: CaptureServer) -> None:
    capture.fail_next("http_500")
    with pytest.raises(urllib.error.HTTPError) as err:
        post(capture.url, ASK)
    assert err.value.code == 500
    capture.fail_next("drop")
    with pytest.raises(http.client.RemoteDisconnected):
        post(capture.url, ASK)
    capture.fail_next("drop_mid")
    with pytest.raises(http.client.IncompleteRead):
        post(capture.url, ASK)
    capture.fail_next("drop_mid")
    with pytest.raises(http.client.IncompleteRead):  # a stream cut after half its events
        post(capture.url, dict(ASK, stream=True))
    assert post(capture.url, ASK)[0] == 200  # then it answers again
    assert [r.mode for r in capture.requests] == ["http_500", "drop", "drop_mid", "drop_mid",
                                                  "ok"]


@pytest.mark.parametrize("mode", ["http_500", "drop", "drop_mid"])
def test_cloud_backend_turns_each_failure_into_a_backend_error(
        capture: CaptureServer, tmp_path: Path, mode: str) -> None:
    """A connection dropped mid-answer is http.client.IncompleteRead, not an OSError: it
    must still be the cloud's failure (the edge then answers), never a crash."""
    audit = tmp_path / "audit.jsonl"
    cloud = CloudBackend(CloudSettings(base_url=capture.url, budget_s=5.0),
                         audit=AuditLog(audit))
    capture.fail_next(mode)
    with pytest.raises(BackendError, match="cloud request failed"):
        cloud.generate([{"role": "user", "content": "User: hi"}], schema=None)
    entry = json.loads(audit.read_text())
    assert entry["outcome"].startswith("error") and entry["body"] == \
        capture.requests[-1].body.decode()


def _req(text: str) -> Captured:
    body = json.dumps({"messages": [{"role": "user", "content": text}]}).encode()
    return Captured(b"POST /v1/chat/completions HTTP/1.1\r\n\r\n" + body, "POST",
                    "/v1/chat/completions", body, "ok")


def test_checker_finds_each_kind_of_leak() -> None:
    kinds = {
        "coordinate": "we are at 60.169912, 24.938379",
        "distance": "1. Ateneum (museum, 40 m)",
        "place": "is Ateneum open?",
        "street": "we are on Kaivokatu",
        "person": "remind Korhonen",
        "phone": "ring 040-123 4567",
        "email": "write to a.b@example.fi",
        "plate": "the car ABC-123",
    }
    for kind, text in kinds.items():
        leaks = check_capture([_req(text)], near_places=["Ateneum"], streets=["Kaivokatu"],
                              persons=["Korhonen"], phones=["+358 40 1234567"],
                              plates=["ABC 123"])
        assert kind in {leak.kind for leak in leaks}, (kind, leaks)
    lat, lon = coarsen(60.169912, 24.938379, grid_m=1000)
    clean = (f"we are near {lat:.3f}, {lon:.3f}; 1. [museum] (museum, within 1 km); "
             "Kiasma is about 2 km away; on [street]; call [name] on [phone]; lat 60.17")
    assert_no_leaks([_req(clean)], near_places=["Ateneum"], streets=["Kaivokatu"],
                    persons=["Korhonen"], phones=["+358 40 1234567"], plates=["ABC-123"])
    with pytest.raises(AssertionError, match="1 leak"):
        assert_no_leaks([_req("a cafe 300 metres ahead")])
