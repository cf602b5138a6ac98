"""Worker threads and their queue policies: newest slot, bounded FIFO, two lanes (no ROS)."""

from __future__ import annotations

import threading
import time

import pytest

from cockpit_ai.workers import (
    Admission,
    BoundedQueue,
    BusyPolicy,
    Lane,
    LatestSlot,
    LatestWorker,
    Overflow,
    QueueWorker,
    TwoLaneWorker,
)


def test_slot_keeps_only_the_newest() -> None:
    slot: LatestSlot[int] = LatestSlot()
    assert slot.put(1) is False
    assert slot.put(2) is True  # 1 was never taken: dropped
    assert slot.take(0.1) == (True, 2)
    assert slot.take(0.05) == (False, None)


def test_fast_producer_slow_consumer_bounded_latency_counted_drops() -> None:
    work_s, period_s, duration_s = 0.05, 0.004, 1.0  # 250 Hz camera, 20 FPS model
    latencies: list[float] = []
    processed_ids: list[int] = []
    done = threading.Event()

    def process(item: tuple[int, float]) -> float:
        time.sleep(work_s)
        return time.monotonic()

    def on_result(item: tuple[int, float], finished: float) -> None:
        latencies.append(finished - item[1])
        processed_ids.append(item[0])

    worker: LatestWorker[tuple[int, float], float] = LatestWorker(process, on_result=on_result)
    with worker:
        start, n = time.monotonic(), 0
        while time.monotonic() - start < duration_s:
            worker.submit((n, time.monotonic()))
            n += 1
            time.sleep(period_s)
        time.sleep(2 * work_s)  # let the last frame finish
        done.set()
    stats = worker.stats
    assert stats.submitted == n and n > 150
    # The worker ran back to back: about duration / work_s results, never a backlog.
    assert 0.5 * duration_s / work_s <= stats.processed <= duration_s / work_s + 2
    assert stats.dropped == stats.submitted - stats.processed
    # Each result is at most one processing time plus a frame interval old (+ jitter).
    assert max(latencies) < 2 * work_s + 0.1, latencies
    assert processed_ids == sorted(processed_ids)  # always newer frames


def test_errors_are_counted_and_the_worker_goes_on() -> None:
    seen: list[int] = []
    errors: list[str] = []

    def process(item: int) -> int:
        if item == 1:
            raise ValueError("bad frame")
        return item

    worker: LatestWorker[int, int] = LatestWorker(
        process, on_result=lambda i, r: seen.append(r), on_error=lambda i, e: errors.append(str(e))
    )
    with worker:
        for i in range(3):
            worker.submit(i)
            deadline = time.monotonic() + 2
            while worker.stats.processed + worker.stats.errors <= i and time.monotonic() < deadline:
                time.sleep(0.005)
    assert seen == [0, 2] and errors == ["bad frame"]
    assert worker.stats.errors == 1 and worker.stats.dropped == 0


def _wait(cond: object, timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.005)
    assert cond(), "timed out"  # type: ignore[operator]


# ---- bounded FIFO (speech utterances, TTS answers) -----------------------------------


def test_bounded_queue_drop_oldest_keeps_the_newest_in_order() -> None:
    q: BoundedQueue[int] = BoundedQueue(2)  # speech and TTS: the oldest waiting one goes
    assert [q.put(i) for i in range(4)] == [False, False, True, True]
    assert [q.take(0.01) for _ in range(3)] == [(True, 2), (True, 3), (False, None)]


def test_bounded_queue_refuse_newest_keeps_what_waits() -> None:
    q: BoundedQueue[int] = BoundedQueue(2, Overflow.REFUSE_NEWEST)
    assert [q.put(i) for i in range(4)] == [False, False, True, True]
    assert [q.take(0.01) for _ in range(3)] == [(True, 0), (True, 1), (False, None)]


def test_bounded_queue_unbounded_clear_replace_cancel() -> None:
    q: BoundedQueue[int] = BoundedQueue(None)
    assert not any(q.put(i) for i in range(100)) and len(q) == 100
    assert q.clear() == 100 and len(q) == 0
    q.put(1)
    assert q.take(0.01) == (True, 1) and not q.cancelled()
    q.put(2)
    assert q.replace(3) == 1 and not q.cancelled()  # an urgent answer: the taken one goes on
    assert q.cancel() == 1 and q.cancelled()  # a barge-in: the taken one is dropped too
    assert q.take(0.01) == (False, None)
    q.put(4)
    assert q.take(0.01) == (True, 4) and not q.cancelled()  # a new item is not cancelled
    assert q.replace(5, cancel=True) == 0 and q.cancelled()
    with pytest.raises(ValueError):
        BoundedQueue(0)


def test_bounded_queue_tells_on_drop_of_every_item_never_taken() -> None:
    """A waiting request that will never be processed can be answered at once (the
    planner ends a dropped action goal then, not when the lane next takes a job)."""
    gone: list[int] = []
    q: BoundedQueue[int] = BoundedQueue(2, on_drop=gone.append)
    for i in (1, 1, 2):  # equal values: the oldest 1 goes, the new items stay
        q.put(i)
    assert gone == [1] and len(q) == 2
    q.replace(3)
    assert gone == [1, 1, 2]
    q.put(4)
    q.cancel()
    assert gone == [1, 1, 2, 3, 4] and len(q) == 0
    q.put(5)
    q.clear()
    assert gone[-1] == 5
    refusing: BoundedQueue[int] = BoundedQueue(1, Overflow.REFUSE_NEWEST, on_drop=gone.append)
    refusing.put(6)
    refusing.put(7)  # refused: it is the one dropped
    assert gone[-1] == 7 and refusing.take(0.01) == (True, 6)


def test_two_lane_worker_on_drop_hears_the_slow_lane_drops() -> None:
    gone: list[str] = []
    done: list[str] = []
    release = threading.Event()

    def process(item: str, lane: Lane) -> None:
        if item == "busy":
            release.wait(5)
        done.append(item)

    with TwoLaneWorker(process, slow_maxsize=1, on_drop=gone.append) as worker:
        worker.submit("busy", Lane.SLOW)
        _wait(lambda: worker.lanes[Lane.SLOW].pending == 0, 10)  # "busy" is in progress
        worker.submit("a", Lane.SLOW)
        assert worker.submit("b", Lane.SLOW).dropped == 1  # "a" waited: the oldest goes
        assert gone == ["a"]
        release.set()
        _wait(lambda: done == ["busy", "b"], 10)
    assert gone == ["a"]


def test_queue_worker_processes_every_item_in_order_and_counts_drops() -> None:
    gate = threading.Event()
    seen: list[int] = []

    def process(item: int) -> int:
        gate.wait(2)
        return item * 10

    worker: QueueWorker[int, int] = QueueWorker(
        process, maxsize=2, on_result=lambda i, r: seen.append(r))
    with worker:
        worker.submit(0)
        _wait(lambda: worker.pending == 0)  # 0 is in progress, held by the gate
        dropped = [worker.submit(i) for i in (1, 2, 3, 4)]
        assert dropped == [False, False, True, True] and worker.pending == 2
        gate.set()
        _wait(lambda: worker.stats.processed == 3)
    assert seen == [0, 30, 40]
    s = worker.stats
    assert (s.submitted, s.processed, s.dropped, s.errors) == (5, 3, 2, 0)


def test_queue_worker_cancel_marks_the_item_in_progress() -> None:
    started, gate = threading.Event(), threading.Event()
    outcome: list[tuple[int, bool]] = []

    def process(item: int) -> None:
        started.set()
        gate.wait(2)
        outcome.append((item, worker.cancelled()))

    worker: QueueWorker[int, None] = QueueWorker(process, maxsize=5)
    with worker:
        worker.submit(1)
        assert started.wait(2)
        worker.submit(2)
        assert worker.cancel() == 1  # 2 never runs, 1 learns it was cancelled
        worker.submit(3)
        gate.set()
        _wait(lambda: len(outcome) == 2)
    assert outcome == [(1, True), (3, False)]
    assert worker.stats.cleared == 1 and worker.stats.dropped == 0


def test_queue_worker_errors_are_reported_and_stop_leaves_the_rest() -> None:
    errors: list[tuple[int, str]] = []
    gate = threading.Event()

    def process(item: int) -> int:
        if item == 0:
            raise RuntimeError("no voice")
        gate.wait(2)
        return item

    worker: QueueWorker[int, int] = QueueWorker(
        process, maxsize=10, on_error=lambda i, e: errors.append((i, str(e))))
    worker.start()
    for i in range(4):
        worker.submit(i)
    _wait(lambda: worker.stats.errors == 1 and worker.pending == 2)  # 1 in progress
    worker.signal_stop()
    gate.set()
    worker.stop()
    assert errors == [(0, "no voice")]
    assert worker.stats.processed == 1 and worker.pending == 2  # waiting ones not processed


# ---- two lanes (planner: fast path beside the model) ---------------------------------


def _lanes(policy: BusyPolicy, slow_maxsize: int = 2) -> tuple[
        TwoLaneWorker[str, None], list[tuple[str, Lane, bool]], threading.Event,
        threading.Event]:
    slow_started, gate = threading.Event(), threading.Event()
    done: list[tuple[str, Lane, bool]] = []

    def process(item: str, lane: Lane) -> None:
        if lane is Lane.SLOW:
            slow_started.set()
            gate.wait(2)
        done.append((item, lane, worker.cancelled(lane)))

    worker: TwoLaneWorker[str, None] = TwoLaneWorker(
        process, slow_maxsize=slow_maxsize, busy_policy=policy)
    return worker, done, slow_started, gate


def test_two_lanes_fast_never_waits_behind_slow_and_queue_drops_oldest() -> None:
    worker, done, slow_started, gate = _lanes(BusyPolicy.QUEUE)
    with worker:
        assert worker.submit("explain", Lane.SLOW) == Admission()
        assert slow_started.wait(2)
        assert worker.submit("warmer", Lane.FAST) == Admission()
        _wait(lambda: len(done) == 1)
        assert done == [("warmer", Lane.FAST, False)]  # while the model is still busy
        admitted = [worker.submit(q, Lane.SLOW) for q in ("a", "b", "c")]
        assert admitted == [Admission(), Admission(), Admission(dropped=1)]  # "a" dropped
        gate.set()
        _wait(lambda: len(done) == 4)
    assert [d[0] for d in done] == ["warmer", "explain", "b", "c"]
    assert not any(d[2] for d in done)
    assert worker.stats(Lane.SLOW).dropped == 1 and worker.stats(Lane.FAST).processed == 1


def test_two_lanes_cancel_drops_waiting_and_marks_the_running_slow_item() -> None:
    worker, done, slow_started, gate = _lanes(BusyPolicy.CANCEL)
    with worker:
        worker.submit("first", Lane.SLOW)
        assert slow_started.wait(2)
        assert worker.submit("second", Lane.SLOW) == Admission(cancelled=0)
        assert worker.submit("third", Lane.SLOW) == Admission(cancelled=1)  # second dropped
        worker.submit("yes", Lane.FAST)
        _wait(lambda: len(done) == 1)
        gate.set()
        _wait(lambda: len(done) == 3)
    assert done == [("yes", Lane.FAST, False), ("first", Lane.SLOW, True),
                    ("third", Lane.SLOW, False)]
