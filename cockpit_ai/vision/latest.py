from cockpit_ai.workers import LatestSlot, LatestWorker, WorkerStats

__all__ = ["LatestSlot", "LatestWorker", "WorkerStats"]  # re-export until vision imports workers
