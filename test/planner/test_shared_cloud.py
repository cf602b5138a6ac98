"""A shared text reaches a cloud model only when the cloud is on and the driver consented,
and then redacted like every cloud request (a real HTTP endpoint on 127.0.0.1 keeps every
byte it is sent: privacy/capture.py; the local model is SmolLM2)."""

from __future__ import annotations

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
from cockpit_ai.planner.privacy import Redactor
from cockpit_ai.privacy.capture import CaptureServer

NOTE = ("Dinner moved to Friday at 19:00. Call Anna on +358 40 123 4567 or write to "
        "anna.virtanen@example.com if you are late. Bring the red wine.")


@pytest.fixture(scope="module")
def edge(smol_path: Path) -> EdgeBackend:
    return EdgeBackend(EdgeSettings(model_path=smol_path, n_threads=2))


@pytest.fixture
def capture() -> Iterator[CaptureServer]:
    with CaptureServer() as server:
        yield server


def planner(edge: EdgeBackend, capture: CaptureServer, *, enabled: bool,
            consent: bool) -> Planner:
    cloud = CloudBackend(CloudSettings(base_url=capture.url, budget_s=20.0),
                         redactor=Redactor(grid_m=1000.0))
    p = Planner(backend=FailoverBackend(edge, cloud, cloud_enabled=enabled,
                                        consent=lambda: consent))
    p.share(NOTE, title="Dinner", source="phone")
    return p


def posts(capture: CaptureServer) -> list[bytes]:
    return [c.body for c in capture.chat_requests()]


@pytest.mark.parametrize("enabled, consent", [(False, True), (True, False)])
def test_no_cloud_no_text_sent(edge: EdgeBackend, capture: CaptureServer, enabled: bool,
                               consent: bool) -> None:
    turn = planner(edge, capture, enabled=enabled, consent=consent).handle(
        "summarise the document", Context())
    assert turn.backend == "edge" and turn.text.startswith("“Dinner” from your phone:")
    assert posts(capture) == []


def test_with_the_cloud_on_the_text_goes_redacted(edge: EdgeBackend,
                                                  capture: CaptureServer) -> None:
    turn = planner(edge, capture, enabled=True, consent=True).handle(
        "summarise the document", Context())
    assert turn.backend == "cloud" and not turn.commands
    sent = b"".join(posts(capture)).decode()
    assert "Bring the red wine" in sent and "SHARED TEXT" in sent  # fenced, as data
    assert "[phone]" in sent and "[email]" in sent
    assert "123 4567" not in sent and "anna.virtanen@example.com" not in sent
