"""A stand-in for the landmark node's ``search_landmarks`` service in planner tests.

It runs in its own Probe (own context and spin thread), so a request held until the test
answers it does not stop the test's probe from receiving responses and ``turn_active``.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from typing import Any

from cockpit_ai.ros.probe import Collector, Probe


class FakeLandmarkService:
    """Collects every ``LandmarkQuery`` the planner sends (``queries``, a Collector) and
    answers it with ``answer(query)``, or, with ``answer=None``, with what the test passes
    to ``reply()`` (in order)."""

    def __init__(self, service: str,
                 answer: Callable[[Any], Any] | None = None) -> None:
        from cockpit_ai.srv import SearchLandmarks

        self.queries = Collector()
        self._answer = answer
        self._replies: queue.Queue[Any] = queue.Queue()
        self._closed = False
        self.probe = Probe("fake_landmark")
        self.probe.node.create_service(SearchLandmarks, service, self._on_request)

    def _on_request(self, request: Any, response: Any) -> Any:
        self.queries.add(request.query)
        if self._answer is not None:
            response.result = self._answer(request.query)
        elif not self._closed:
            try:
                answer = self._replies.get(timeout=120)
            except queue.Empty:  # the test gave up; answer so nothing hangs
                answer = None
            if answer is not None:
                response.result = answer
        return response

    def reply(self, answer: Any) -> None:
        """Answer the oldest held request with ``answer`` (a LandmarkArray)."""
        self._replies.put(answer)

    def close(self) -> None:
        self._closed = True
        self._replies.put(None)  # a request still held is let go
        self.probe.close()


def ok_for(query: Any) -> Any:
    """An empty STATUS_OK answer to ``query``."""
    from cockpit_ai.enums import LandmarkStatus
    from cockpit_ai.msg import LandmarkArray

    return LandmarkArray(request_id=query.request_id, status=int(LandmarkStatus.OK))


def start_fake(request: Any, service: str,
               answer: Callable[[Any], Any] | None = None) -> FakeLandmarkService:
    """A FakeLandmarkService closed when the test ends (``request``: pytest's fixture)."""
    fake = FakeLandmarkService(service, answer)
    request.addfinalizer(fake.close)
    return fake

