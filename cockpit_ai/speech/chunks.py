"""AudioChunk messages <-> the core's frames (imports the generated messages, not rclpy).

Shared by capture_node, speech_node and tts_node so all three agree on the encoding.
"""

from __future__ import annotations

import array
from typing import Any

import numpy as np

from cockpit_ai.speech import SpeechError
from cockpit_ai.speech.audio import AudioFrame

ENCODING = "S16LE"


def chunk_message(frame: AudioFrame, *, frame_id: str) -> Any:
    """A cockpit_ai/AudioChunk for one frame; the stamp is the capture time of sample 0."""
    from cockpit_ai.msg import AudioChunk
    from cockpit_ai.ros.stamps import s_to_stamp

    msg = AudioChunk()
    msg.header.stamp = s_to_stamp(frame.start_time)
    msg.header.frame_id = frame_id
    msg.sample_rate_hz = int(frame.sample_rate)
    msg.channels = 1
    msg.encoding = ENCODING
    msg.sequence = int(frame.sequence)
    msg.samples = array.array("h", np.ascontiguousarray(frame.samples, dtype="<i2").tobytes())
    return msg


def chunk_samples(msg: Any) -> np.ndarray:
    """The samples of an AudioChunk as int16 (SpeechError for an unknown encoding)."""
    if msg.encoding not in (ENCODING, ""):
        raise SpeechError(f"audio chunk encoding {msg.encoding!r} is not supported; use S16LE")
    return np.asarray(msg.samples, dtype=np.int16)
