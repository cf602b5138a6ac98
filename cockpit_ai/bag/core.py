"""Plain-Python bag reading, writing and timed playback (no rclpy here).

Built on ``rosbags``: MCAP is the default storage for new bags; sqlite3 bags are read too.
Every rosbags or file error becomes a ``BagError`` that names the bag and what is wrong.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from cockpit_ai.bag.types import BagError, make_typestore

if TYPE_CHECKING:
    from rosbags.rosbag2 import Writer

STORAGES = ("mcap", "sqlite3")


@dataclass(frozen=True)
class TopicInfo:
    """One topic in a bag."""

    name: str
    msgtype: str
    count: int
    offered_qos: str = ""


@dataclass(frozen=True)
class BagInfo:
    """What ``cockpit-ai bag info`` prints."""

    path: Path
    storage: str
    start_ns: int
    end_ns: int
    message_count: int
    topics: tuple[TopicInfo, ...]

    @property
    def duration_s(self) -> float:
        return max(0, self.end_ns - self.start_ns) / 1e9


@dataclass(frozen=True)
class BagMessage:
    """A serialized (CDR) message with its receive time in the bag."""

    topic: str
    msgtype: str
    timestamp_ns: int
    data: bytes


def one_line(exc: BaseException, limit: int = 300) -> str:
    """A library's error text as one short line (a YAML parser's is several, with a caret
    drawing): what a CLI prints on stderr."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[:limit] + " …"


def _open_reader(path: Path) -> Any:
    from rosbags.rosbag2 import Reader

    path = Path(path)
    if not path.exists():
        raise BagError(f"{path}: no such bag (a rosbag2 folder or .mcap/.db3 file)")
    try:
        reader = Reader(path)
        reader.open()
    except Exception as exc:  # rosbags raises several types; all mean "unreadable bag"
        raise BagError(f"{path}: cannot open bag: {one_line(exc)}") from None
    return reader


def _storage_of(path: Path) -> str:
    if path.is_file():
        return "mcap" if path.suffix == ".mcap" else "sqlite3"
    return "mcap" if any(path.glob("*.mcap")) else "sqlite3"


def bag_info(path: Path) -> BagInfo:
    """Topics, types, counts and time span of a bag."""
    reader = _open_reader(path)
    try:
        counts: dict[str, int] = {}
        for conn in reader.connections:
            counts[conn.topic] = counts.get(conn.topic, 0) + conn.msgcount
        topics = []
        seen = set()
        for conn in reader.connections:
            if conn.topic in seen:
                continue
            seen.add(conn.topic)
            qos = getattr(conn.ext, "offered_qos_profiles", "") if conn.ext else ""
            topics.append(TopicInfo(conn.topic, conn.msgtype, counts[conn.topic],
                                    qos if isinstance(qos, str) else ""))
        storage = _storage_of(Path(path))
        return BagInfo(Path(path), storage, reader.start_time if reader.message_count else 0,
                       reader.end_time if reader.message_count else 0, reader.message_count,
                       tuple(sorted(topics, key=lambda t: t.name)))
    except BagError:
        raise
    except Exception as exc:  # rosbags raises many types for a damaged bag: one clear error
        raise BagError(f"{path}: cannot read bag metadata: {one_line(exc)}") from None
    finally:
        reader.close()


def read_messages(path: Path, *, topics: list[str] | None = None) -> Iterator[BagMessage]:
    """Messages in time order; a corrupt chunk ends the iteration with a BagError."""
    reader = _open_reader(path)
    try:
        conns = [c for c in reader.connections if not topics or c.topic in topics]
        if topics:
            missing = set(topics) - {c.topic for c in reader.connections}
            if missing:
                raise BagError(f"{path}: topic(s) not in bag: {', '.join(sorted(missing))}")
        try:
            for conn, timestamp, data in reader.messages(connections=conns):
                yield BagMessage(conn.topic, conn.msgtype, timestamp, bytes(data))
        except BagError:
            raise
        except Exception as exc:  # as above: any reader failure mid-bag is a damaged bag
            raise BagError(f"{path}: bag is corrupt or truncated: {one_line(exc)}") from None
    finally:
        reader.close()


def check_readable(path: Path) -> BagInfo:
    """Open the bag and decode every record once, so a player fails before it starts."""
    info = bag_info(path)
    n = 0
    for _ in read_messages(path):
        n += 1
    if n != info.message_count:
        raise BagError(f"{path}: metadata says {info.message_count} messages, found {n} "
                       "(truncated bag?)")
    return info


class BagWriter:
    """Writes serialized messages into a new rosbag2 folder (MCAP unless told otherwise)."""

    def __init__(self, path: Path, *, storage: str = "mcap") -> None:
        from rosbags.rosbag2 import StoragePlugin, Writer

        if storage not in STORAGES:
            raise BagError(f"unknown storage '{storage}'; use one of {', '.join(STORAGES)}")
        self.path = Path(path)
        if self.path.exists():
            raise BagError(f"{self.path}: already exists; choose a new output folder")
        plugin = StoragePlugin.MCAP if storage == "mcap" else StoragePlugin.SQLITE3
        self._writer: Writer | None = Writer(self.path, version=9, storage_plugin=plugin)
        self._writer.open()
        self._conns: dict[str, Any] = {}
        self._types: Any = None
        self._lock = threading.Lock()
        self.count = 0

    def _open_writer(self) -> Writer:
        """The writer; a late message after close() is an error, not a crash."""
        if self._writer is None:
            raise BagError(f"{self.path}: bag already closed")
        return self._writer

    def add_topic(self, topic: str, msgtype: str) -> None:
        """Declare a topic before writing to it (idempotent)."""
        with self._lock:
            if topic in self._conns:
                return
            if self._types is None or msgtype not in self._types.fielddefs:
                self._types = make_typestore([msgtype])
            self._conns[topic] = self._open_writer().add_connection(
                topic, msgtype, typestore=self._types)

    def write(self, topic: str, data: bytes, timestamp_ns: int) -> None:
        """Write one serialized message received at ``timestamp_ns``."""
        with self._lock:
            self._open_writer().write(self._conns[topic], timestamp_ns, data)
            self.count += 1

    def close(self) -> None:
        """Finish the bag (writes metadata.yaml); safe to call twice."""
        with self._lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None


@dataclass
class PlayStats:
    """How a playback went: messages sent and timing error against the bag's timing."""

    published: int = 0
    loops: int = 0
    lateness_s: list[float] = field(default_factory=list)
    per_topic: dict[str, int] = field(default_factory=dict)  # messages published per topic

    def summary(self) -> dict[str, Any]:
        lat = np.asarray(self.lateness_s or [0.0], dtype=float)
        return {
            "published": self.published,
            "per_topic": dict(sorted(self.per_topic.items())),
            "loops": self.loops,
            "timing_error_mean_ms": 1000 * float(lat.mean()),
            "timing_error_p95_ms": 1000 * float(np.percentile(lat, 95)),
            "timing_error_max_ms": 1000 * float(lat.max()),
        }


def play(path: Path, publish: Callable[[BagMessage], None], *, rate: float = 1.0,
         loop: bool = False, topics: list[str] | None = None,
         clock: Callable[[int], None] | None = None, clock_period_s: float = 0.01,
         stop: threading.Event | None = None) -> PlayStats:
    """Send every message to ``publish`` at the bag's own timing, scaled by ``rate``.

    ``clock`` receives the bag time (ns) before each message and at least every
    ``clock_period_s`` while waiting, for ``/clock`` and ``use_sim_time``.
    """
    if rate <= 0:
        raise BagError(f"rate must be > 0, got {rate}")
    stop = stop or threading.Event()
    stats = PlayStats()
    while not stop.is_set():
        first_ns: int | None = None
        t0 = 0.0
        for msg in read_messages(path, topics=topics):
            if stop.is_set():
                break
            if first_ns is None:
                first_ns, t0 = msg.timestamp_ns, time.perf_counter()
            target = t0 + (msg.timestamp_ns - first_ns) / 1e9 / rate
            while True:
                now = time.perf_counter()
                remaining = target - now
                if remaining <= 0 or stop.is_set():
                    break
                if clock is not None:
                    clock(first_ns + int((now - t0) * rate * 1e9))
                    stop.wait(min(remaining, clock_period_s))
                else:
                    stop.wait(remaining)
            if stop.is_set():
                break
            if clock is not None:
                clock(msg.timestamp_ns)
            publish(msg)
            stats.published += 1
            stats.per_topic[msg.topic] = stats.per_topic.get(msg.topic, 0) + 1
            stats.lateness_s.append(max(0.0, time.perf_counter() - target))
        stats.loops += 1
        if not loop:
            break
    return stats
