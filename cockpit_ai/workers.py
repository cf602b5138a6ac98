"""Worker threads with an explicit queue policy, shared by the node shells (no rclpy).

A callback only hands its input over; a worker thread runs the slow part (a model, speech
synthesis, an answer). What happens when inputs come faster than the worker is the policy,
and it lives here, tested without ROS (``test/test_workers.py``):

- ``LatestWorker`` (newest slot, camera nodes): a camera at 30 Hz and a model at 8 FPS; a
  queue would grow without end and every result would describe an older frame. Each new
  item *replaces* the one waiting (counted as dropped), so latency stays bounded by about
  one processing time plus one frame interval.
- ``QueueWorker`` (bounded FIFO, speech and TTS): every item matters and is taken in order;
  a full queue drops its oldest item (``Overflow.DROP_OLDEST``) or refuses the new one
  (``Overflow.REFUSE_NEWEST``), counted either way. ``clear``/``replace`` empty it (an
  urgent answer), ``cancel`` also marks the item in progress (``cancelled()``: a barge-in).
- ``TwoLaneWorker`` (planner): a fast lane (unbounded, answers without the model) and a slow
  lane (the model; bounded, or each new item cancels the older ones, ``BusyPolicy``), one
  thread each, so a quick request never waits behind a slow one.

Every worker calls ``process(item)`` in its own thread, then ``on_result(item, result)``, or
``on_error(item, exc)`` when ``process`` raised (counted, and the worker goes on). ``stop``
ends it after the item in progress; items still waiting are not processed.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, Protocol, Self, TypeVar

T = TypeVar("T")
R = TypeVar("R")
T_co = TypeVar("T_co", covariant=True)


@dataclass
class WorkerStats:
    """Counters since start: items offered, processed, dropped by the queue policy before
    processing, failed, removed by clear/replace/cancel; time spent in ``process``."""

    submitted: int = 0
    processed: int = 0
    dropped: int = 0
    errors: int = 0
    busy_s: float = 0.0
    cleared: int = 0


class _Box(Protocol[T_co]):
    def take(self, timeout: float | None = None) -> tuple[bool, T_co | None]: ...

    def close(self) -> None: ...


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


class Overflow(StrEnum):
    """What a full ``BoundedQueue`` does with one more item."""

    DROP_OLDEST = "drop_oldest"  # make room: the oldest waiting item is dropped
    REFUSE_NEWEST = "refuse_newest"  # keep what waits: the new item is dropped


class BoundedQueue(Generic[T]):
    """Thread-safe FIFO of at most ``maxsize`` items (``None``: unbounded).

    ``cancel`` empties it and marks the item taken last as cancelled (``cancelled()``),
    so a consumer still working on it can drop its result. ``on_drop(item)`` hears of every
    item that will never be taken (overflow, clear, replace, cancel), in the caller's thread
    after the queue's lock is released, so a waiting request can be answered at once.
    """

    def __init__(self, maxsize: int | None, overflow: Overflow = Overflow.DROP_OLDEST, *,
                 on_drop: Callable[[T], None] | None = None) -> None:
        if maxsize is not None and maxsize < 1:
            raise ValueError(f"maxsize must be at least 1 or None, got {maxsize}")
        self.maxsize = maxsize
        self.overflow = Overflow(overflow)
        self._on_drop = on_drop
        self._cond = threading.Condition()
        self._items: collections.deque[T] = collections.deque()
        self._closed = False
        self._generation = 0  # bumped by cancel()
        self._taken_generation = 0  # the generation when the last item was taken

    def put(self, item: T) -> bool:
        """Add ``item``; True when the overflow policy dropped an item (an old one or this)."""
        with self._cond:
            dropped: list[T] = []
            refused = False
            if self.maxsize is not None and len(self._items) >= self.maxsize:
                refused = self.overflow is Overflow.REFUSE_NEWEST
                dropped.append(item if refused else self._items.popleft())
            if not refused:
                self._items.append(item)
                self._cond.notify()
        self._dropped(dropped)
        return bool(dropped)

    def replace(self, item: T, *, cancel: bool = False) -> int:
        """Empty the queue and add ``item`` (``cancel``: as ``cancel()`` does); returns how
        many waiting items were removed."""
        with self._cond:
            removed = self._clear(cancel)
            self._items.append(item)
            self._cond.notify()
        self._dropped(removed)
        return len(removed)

    def clear(self) -> int:
        """Remove every waiting item; returns how many."""
        with self._cond:
            removed = self._clear(False)
        self._dropped(removed)
        return len(removed)

    def cancel(self) -> int:
        """``clear`` and mark the item in progress cancelled; returns how many were waiting."""
        with self._cond:
            removed = self._clear(True)
        self._dropped(removed)
        return len(removed)

    def cancelled(self) -> bool:
        """True when ``cancel`` (or ``replace(cancel=True)``) came after the last ``take``."""
        with self._cond:
            return self._taken_generation != self._generation

    def take(self, timeout: float | None = None) -> tuple[bool, T | None]:
        """Wait for the oldest item: ``(True, item)``, or ``(False, None)`` on timeout or close."""
        with self._cond:
            if not self._cond.wait_for(lambda: bool(self._items) or self._closed, timeout):
                return False, None
            if self._closed:
                return False, None
            self._taken_generation = self._generation
            return True, self._items.popleft()

    def close(self) -> None:
        """Wake every waiter; later ``take`` calls return at once."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)

    def _clear(self, cancel: bool) -> list[T]:
        removed = list(self._items)
        self._items.clear()
        if cancel:
            self._generation += 1
        return removed

    def _dropped(self, items: list[T]) -> None:
        if self._on_drop is not None:
            for item in items:
                self._on_drop(item)


class _Worker(Generic[T, R]):
    """The thread, counters and life cycle shared by the workers; ``_box`` holds the items."""

    _box: _Box[T]

    def __init__(
        self,
        process: Callable[[T], R],
        *,
        on_result: Callable[[T, R], None] | None,
        on_error: Callable[[T, BaseException], None] | None,
        name: str,
    ) -> None:
        self._process = process
        self._on_result = on_result
        self._on_error = on_error
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._stats = WorkerStats()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started = False

    def start(self) -> Self:
        """Start the worker thread (once)."""
        if not self._started:
            self._started = True
            self._thread.start()
        return self

    @property
    def stats(self) -> WorkerStats:
        """A copy of the counters."""
        with self._lock:
            return WorkerStats(**vars(self._stats))

    def signal_stop(self) -> None:
        """Ask the thread to end after the item in progress, without waiting for it."""
        self._stop.set()
        self._box.close()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the item in progress; waits up to ``timeout`` seconds for the thread."""
        self.signal_stop()
        if self._started:
            self._thread.join(timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _counted(self, *, submitted: int = 0, dropped: int = 0, cleared: int = 0) -> None:
        with self._lock:
            self._stats.submitted += submitted
            self._stats.dropped += dropped
            self._stats.cleared += cleared

    def _run(self) -> None:
        while not self._stop.is_set():
            ok, item = self._box.take(timeout=0.5)
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


class LatestWorker(_Worker[T, R]):
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
        super().__init__(process, on_result=on_result, on_error=on_error, name=name)
        self._slot: LatestSlot[T] = LatestSlot()
        self._box = self._slot

    def submit(self, item: T) -> bool:
        """Offer a new item; returns True if it replaced one still waiting (counted as dropped)."""
        replaced = self._slot.put(item)
        self._counted(submitted=1, dropped=int(replaced))
        return replaced


class QueueWorker(_Worker[T, R]):
    """Runs ``process`` on every submitted item in order, in its own thread.

    At most ``maxsize`` items wait (``None``: no bound); one more is handled by ``overflow``
    and counted as dropped. Callbacks as for ``LatestWorker``; ``on_drop`` as for
    ``BoundedQueue`` (each item that will never be processed).
    """

    def __init__(
        self,
        process: Callable[[T], R],
        *,
        maxsize: int | None,
        overflow: Overflow = Overflow.DROP_OLDEST,
        on_result: Callable[[T, R], None] | None = None,
        on_error: Callable[[T, BaseException], None] | None = None,
        on_drop: Callable[[T], None] | None = None,
        name: str = "queue-worker",
    ) -> None:
        super().__init__(process, on_result=on_result, on_error=on_error, name=name)
        self._queue: BoundedQueue[T] = BoundedQueue(maxsize, overflow, on_drop=on_drop)
        self._box = self._queue

    def submit(self, item: T) -> bool:
        """Queue ``item``; True when the overflow policy dropped one (counted as dropped)."""
        dropped = self._queue.put(item)
        self._counted(submitted=1, dropped=int(dropped))
        return dropped

    def replace(self, item: T, *, cancel: bool = False) -> int:
        """Drop every waiting item and queue ``item`` (``cancel``: also mark the one in
        progress cancelled); returns how many were removed (counted as cleared)."""
        removed = self._queue.replace(item, cancel=cancel)
        self._counted(submitted=1, cleared=removed)
        return removed

    def clear(self) -> int:
        """Drop every waiting item; returns how many (counted as cleared)."""
        removed = self._queue.clear()
        self._counted(cleared=removed)
        return removed

    def cancel(self) -> int:
        """``clear``, and the item in progress becomes ``cancelled()``."""
        removed = self._queue.cancel()
        self._counted(cleared=removed)
        return removed

    def cancelled(self) -> bool:
        """Was the item in progress cancelled since it was taken? (Ask it from ``process``.)"""
        return self._queue.cancelled()

    @property
    def pending(self) -> int:
        """Items waiting (not the one in progress)."""
        return len(self._queue)


class Lane(StrEnum):
    """The two lanes of a ``TwoLaneWorker``."""

    FAST = "fast"
    SLOW = "slow"


class BusyPolicy(StrEnum):
    """What a ``TwoLaneWorker``'s slow lane does with a new item while it is busy."""

    QUEUE = "queue"  # wait in line; a full lane drops its oldest waiting item
    CANCEL = "cancel"  # drop every waiting item and cancel the one in progress


@dataclass(frozen=True)
class Admission:
    """What making room for a submitted item removed from the slow lane."""

    dropped: int = 0  # the oldest waiting item, the lane being full (BusyPolicy.QUEUE)
    cancelled: int = 0  # every waiting item (BusyPolicy.CANCEL)


class TwoLaneWorker(Generic[T, R]):
    """A fast lane and a slow lane, FIFO each, one thread each: ``process(item, lane)``.

    The fast lane is unbounded (its work is quick). The slow lane holds at most
    ``slow_maxsize`` waiting items under ``BusyPolicy.QUEUE`` (a full lane drops the oldest);
    under ``BusyPolicy.CANCEL`` each new slow item drops those waiting and cancels the one
    in progress (``cancelled(Lane.SLOW)`` turns true, so its result can be dropped).
    ``on_drop(item)`` hears of each slow item dropped so (the fast lane drops nothing).
    """

    def __init__(
        self,
        process: Callable[[T, Lane], R],
        *,
        slow_maxsize: int,
        busy_policy: BusyPolicy = BusyPolicy.QUEUE,
        on_result: Callable[[T, R], None] | None = None,
        on_error: Callable[[T, BaseException], None] | None = None,
        on_drop: Callable[[T], None] | None = None,
        name: str = "two-lane",
    ) -> None:
        self.busy_policy = BusyPolicy(busy_policy)
        self.lanes: dict[Lane, QueueWorker[T, R]] = {
            Lane.FAST: QueueWorker(
                lambda item: process(item, Lane.FAST), maxsize=None,
                on_result=on_result, on_error=on_error, name=f"{name}-fast"),
            Lane.SLOW: QueueWorker(
                lambda item: process(item, Lane.SLOW), maxsize=slow_maxsize,
                overflow=Overflow.DROP_OLDEST, on_result=on_result, on_error=on_error,
                on_drop=on_drop, name=f"{name}-slow"),
        }  # fmt: skip

    def start(self) -> Self:
        """Start both threads (once)."""
        for worker in self.lanes.values():
            worker.start()
        return self

    def submit(self, item: T, lane: Lane) -> Admission:
        """Queue ``item`` on ``lane``; says what was removed from the slow lane for it."""
        worker = self.lanes[Lane(lane)]
        if lane is Lane.FAST:
            worker.submit(item)
            return Admission()
        if self.busy_policy is BusyPolicy.CANCEL:
            return Admission(cancelled=worker.replace(item, cancel=True))
        return Admission(dropped=int(worker.submit(item)))

    def cancelled(self, lane: Lane) -> bool:
        """Was ``lane``'s item in progress cancelled since it was taken? (From ``process``.)"""
        return self.lanes[Lane(lane)].cancelled()

    def stats(self, lane: Lane) -> WorkerStats:
        """A copy of ``lane``'s counters."""
        return self.lanes[Lane(lane)].stats

    def stop(self, timeout: float = 5.0) -> None:
        """Stop both lanes after their items in progress; ``timeout`` per thread."""
        for worker in self.lanes.values():
            worker.signal_stop()
        for worker in self.lanes.values():
            worker.stop(timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
