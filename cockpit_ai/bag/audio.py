"""A bag's AudioChunk stream as one WAV file (no rclpy): what the microphone heard, offline.

Used to check that the live speech node hears what the offline core hears in the same audio
(``cockpit-ai bag audio`` then ``cockpit-ai transcribe``). Lost chunks (gaps in
``AudioChunk.sequence``) become silence of the same length, so times in the WAV stay the
times of the drive.
"""

from __future__ import annotations

import wave
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cockpit_ai.bag.core import bag_info, read_messages
from cockpit_ai.bag.types import BagError, make_typestore

AUDIO_TYPE = "cockpit_ai/msg/AudioChunk"


@dataclass(frozen=True)
class AudioExport:
    """What ``export_wav`` wrote."""

    topic: str
    chunks: int
    missing_chunks: int
    sample_rate_hz: int
    channels: int
    duration_s: float
    start_time_s: float  # header stamp of the first chunk: WAV time 0 in stamp time

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _audio_topic(bag: Path, topic: str) -> str:
    topics = [t.name for t in bag_info(bag).topics if t.msgtype == AUDIO_TYPE]
    if topic:
        if topic not in topics:
            raise BagError(f"{bag}: no AudioChunk topic '{topic}' (audio topics: "
                           f"{', '.join(topics) or 'none'})")
        return topic
    if len(topics) != 1:
        raise BagError(f"{bag}: {len(topics)} AudioChunk topics ({', '.join(topics) or 'none'}); "
                       "name one with --topic")
    return topics[0]


def export_wav(bag: str | Path, out: str | Path, *, topic: str = "") -> AudioExport:
    """Write the chunks of ``topic`` (default: the bag's only audio topic) to ``out``."""
    bag = Path(bag)
    name = _audio_topic(bag, topic)
    store = make_typestore([AUDIO_TYPE])
    parts: list[np.ndarray] = []
    rate = channels = 0
    start_s: float | None = None
    last_seq: int | None = None
    chunks = missing = 0
    for msg in read_messages(bag, topics=[name]):
        m = store.deserialize_cdr(msg.data, AUDIO_TYPE)
        if m.encoding not in ("S16LE", ""):
            raise BagError(f"{bag}: {name}: encoding {m.encoding!r} is not S16LE")
        if rate == 0:
            rate, channels = int(m.sample_rate_hz), max(1, int(m.channels))
            start_s = m.header.stamp.sec + m.header.stamp.nanosec * 1e-9
        elif (int(m.sample_rate_hz), max(1, int(m.channels))) != (rate, channels):
            raise BagError(f"{bag}: {name}: the format changes mid-stream "
                           f"({rate} Hz x{channels} -> {m.sample_rate_hz} Hz x{m.channels})")
        samples = np.asarray(m.samples, dtype=np.int16)
        seq = int(m.sequence)
        if last_seq is not None and seq > last_seq + 1:
            lost = seq - last_seq - 1
            missing += lost
            parts.append(np.zeros(lost * len(samples), dtype=np.int16))
        last_seq = seq
        parts.append(samples)
        chunks += 1
    if chunks == 0 or rate <= 0:
        raise BagError(f"{bag}: {name} holds no audio")
    pcm = np.concatenate(parts)
    with wave.open(str(out), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.astype("<i2").tobytes())
    return AudioExport(name, chunks, missing, rate, channels, len(pcm) / channels / rate,
                       float(start_s or 0.0))
