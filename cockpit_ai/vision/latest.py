"""Newest-frame worker: a one-slot mailbox so a slow model never builds a backlog.

A camera at 30 Hz and a model at 8 FPS: a queue would grow without end and every result
would describe an older frame. Here each new frame *replaces* the one waiting, so the
worker always processes the newest frame; replaced frames are counted as dropped. Latency
stays bounded by about one processing time plus one frame interval.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class WorkerStats:
    """Counters since start: frames offered, processed, replaced before processing, failed."""

    submitted: int = 0
    processed: int = 0
    dropped: int = 0
    errors: int = 0
    busy_s: float = 0.0


class LatestSlot(Generic[T]):
    """Thread-safe single slot: ``put`` overwrites, ``take`` waits for a value and empties."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: T | None = None
        self._full = False
        self._closed = False

    def put(self, item: T) -> bool:
        """Store ``item``; returns True when it replaced one that was never taken (a drop)."""
        with self._cond:
            replaced = self._full
            self._item, self._full = item, True
            self._cond.notify()
            return replaced

    def take(self, timeout: float | None = None) -> tuple[bool, T | None]:
        """Wait for an item: ``(True, item)``, or ``(False, None)`` on timeout or close."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._full or self._closed, timeout):
                return False, None
            if not self._full:
                return False, None
            item, self._item, self._full = self._item, None, False
            return True, item

    def close(self) -> None:
        """Wake every waiter; later ``take`` calls return at once."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class LatestWorker(Generic[T, R]):
    """Runs ``process`` on the newest submitted item in its own thread.

    ``on_result(item, result)`` and ``on_error(item, exc)`` are called in the worker thread.
    An exception in ``process`` is counted and reported, and the worker goes on.
    """

    def __init__(
        self,
        process: Callable[[T], R],
        *,
        on_result: Callable[[T, R], None] | None = None,
        on_error: Callable[[T, BaseException], None] | None = None,
        name: str = "latest-worker",
    ) -> None:
        self._process = process
        self._on_result = on_result
        self._on_error = on_error
        self._slot: LatestSlot[T] = LatestSlot()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._stats = WorkerStats()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started = False

    def start(self) -> LatestWorker[T, R]:
        """Start the worker thread (once)."""
        if not self._started:
            self._started = True
            self._thread.start()
        return self

    def submit(self, item: T) -> bool:
        """Offer a new item; returns True if it replaced one still waiting (counted as dropped)."""
        replaced = self._slot.put(item)
        with self._lock:
            self._stats.submitted += 1
            if replaced:
                self._stats.dropped += 1
        return replaced

    @property
    def stats(self) -> WorkerStats:
        """A copy of the counters."""
        with self._lock:
            return WorkerStats(**vars(self._stats))

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the item in progress; waits up to ``timeout`` seconds for the thread."""
        self._stop.set()
        self._slot.close()
        if self._started:
            self._thread.join(timeout)

    def __enter__(self) -> LatestWorker[T, R]:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stop.is_set():
            ok, item = self._slot.take(timeout=0.5)
            if not ok:
                continue
            start = time.perf_counter()
            try:
                result = self._process(item)  # type: ignore[arg-type]
            except Exception as exc:  # reported; the worker must survive
                with self._lock:
                    self._stats.errors += 1
                    self._stats.busy_s += time.perf_counter() - start
                if self._on_error is not None:
                    self._on_error(item, exc)  # type: ignore[arg-type]
                continue
            with self._lock:
                self._stats.processed += 1
                self._stats.busy_s += time.perf_counter() - start
            if self._on_result is not None:
                self._on_result(item, result)  # type: ignore[arg-type]
