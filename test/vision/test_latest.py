"""Newest-frame worker: a fast producer and a slow consumer give bounded latency."""

from __future__ import annotations

import threading
import time

from cockpit_ai.vision.latest import LatestSlot, LatestWorker


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
