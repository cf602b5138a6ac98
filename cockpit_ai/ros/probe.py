"""A small blocking API over ROS for scripts and tests (publish, wait, collect).

For engineers who want "publish this, give me the next 3 messages on that topic" without
writing callbacks, in the spirit of nav2_simple_commander. Owns its own context and
executor thread and cleans both up on ``close()`` (or at the end of a ``with`` block).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import rclpy
from rclpy.context import Context
from rclpy.executors import SingleThreadedExecutor
from rclpy.qos import QoSProfile

from cockpit_ai.errors import CockpitError
from cockpit_ai.ros import qos as qos_profiles


class ProbeTimeout(CockpitError, TimeoutError):
    """What was waited for did not happen in time."""


class Probe:
    """One node in its own context, spun in a background thread."""

    def __init__(self, name: str = "cockpit_probe", *, namespace: str = "") -> None:
        from cockpit_ai.ros.env import apply_dds_defaults

        apply_dds_defaults()
        self.context = Context()
        rclpy.init(args=[], context=self.context)
        self.node = rclpy.create_node(name, namespace=namespace, context=self.context,
                                      start_parameter_services=False)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)
        self._stop = threading.Event()
        self._spinning = threading.Lock()  # held around each spin; paused() takes it
        self._pause = threading.Event()
        self._thread = threading.Thread(target=self._spin, daemon=True, name="probe-spin")
        self._thread.start()
        self._pubs: dict[tuple[str, Any], Any] = {}
        self._lock = threading.Lock()

    def _spin(self) -> None:
        while not self._stop.is_set() and self.context.ok():
            try:
                with self._spinning:
                    self.executor.spin_once(timeout_sec=0.02)
            except Exception:  # expected only while shutting down; anything else is raised
                if self._stop.is_set() or not self.context.ok():
                    return
                raise
            if self._pause.is_set():
                time.sleep(0.001)  # let paused() take the lock

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The spin thread held between two spins: for adding or removing what rclpy does
        not guard against a spinning executor (an ActionClient joins the node's waitables
        before its own lock exists: the executor thread died on it once)."""
        self._pause.set()
        try:
            with self._spinning:
                yield
        finally:
            self._pause.clear()

    def __enter__(self) -> Probe:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop spinning and shut the context down (no daemon thread left spinning)."""
        self._stop.set()
        self._thread.join(timeout=2.0)
        self.executor.shutdown()
        self.node.destroy_node()
        if self.context.ok():
            rclpy.shutdown(context=self.context)

    def publisher(self, msg_type: Any, topic: str, qos: QoSProfile | None = None) -> Any:
        """A cached publisher for ``topic``."""
        key = (topic, msg_type)
        if key not in self._pubs:
            self._pubs[key] = self.node.create_publisher(msg_type, topic,
                                                         qos or qos_profiles.RELIABLE)
        return self._pubs[key]

    def wait_for_subscribers(self, msg_type: Any, topic: str, count: int = 1, *,
                             timeout: float = 10.0, qos: QoSProfile | None = None) -> Any:
        """Wait until ``count`` subscribers matched our publisher on ``topic``."""
        pub = self.publisher(msg_type, topic, qos)
        wait_until(lambda: pub.get_subscription_count() >= count, timeout,
                   f"{count} subscriber(s) on {topic}")
        return pub

    def publish(self, topic: str, msg: Any, *, qos: QoSProfile | None = None,
                wait_subscribers: int = 0, timeout: float = 10.0) -> None:
        """Publish ``msg`` (optionally after subscribers matched)."""
        pub = self.publisher(type(msg), topic, qos)
        if wait_subscribers:
            wait_until(lambda: pub.get_subscription_count() >= wait_subscribers, timeout,
                       f"{wait_subscribers} subscriber(s) on {topic}")
        pub.publish(msg)

    def subscribe(self, msg_type: Any, topic: str, *, qos: QoSProfile | None = None,
                  raw: bool = False) -> Collector:
        """Start collecting messages of ``topic`` now; returns the collector."""
        col = Collector()
        sub = self.node.create_subscription(msg_type, topic, col.add,
                                            qos or qos_profiles.RELIABLE, raw=raw)
        col.subscription = sub
        return col

    def wait_for_publishers(self, topic: str, count: int = 1, *, timeout: float = 10.0) -> None:
        """Wait until ``topic`` has ``count`` publishers in the graph."""
        wait_until(lambda: self.node.count_publishers(topic) >= count, timeout,
                   f"{count} publisher(s) on {topic}")

    def call(self, srv_type: Any, name: str, request: Any, *, timeout: float = 20.0) -> Any:
        """Call a service and return its response (ProbeTimeout when none comes)."""
        client: Any = self.node.create_client(srv_type, name)
        try:
            if not client.wait_for_service(timeout_sec=timeout):
                raise ProbeTimeout(f"no service {name} in {timeout:g} s")
            future = client.call_async(request)
            wait_until(future.done, timeout, f"no response from {name} in {timeout:g} s")
            return future.result()
        finally:
            self.node.destroy_client(client)

    def topics(self) -> dict[str, list[str]]:
        """Topic names and types currently in the graph."""
        return dict(self.node.get_topic_names_and_types())


class Collector:
    """Thread-safe list of received messages with their receive times."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.times: list[float] = []
        self._cv = threading.Condition()
        self.subscription: Any = None

    def add(self, msg: Any) -> None:
        with self._cv:
            self.messages.append(msg)
            self.times.append(time.perf_counter())
            self._cv.notify_all()

    def wait(self, count: int = 1, *, timeout: float = 10.0,
             where: Callable[[Any], bool] | None = None) -> list[Any]:
        """Wait until ``count`` messages (matching ``where``) arrived; returns them."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                got = [m for m in self.messages if where is None or where(m)]
                if len(got) >= count:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ProbeTimeout(f"got {len(got)} of {count} messages in {timeout} s")
                self._cv.wait(left)


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``predicate`` every 10 ms until true; raise ProbeTimeout naming ``what``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise ProbeTimeout(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)
