"""Speech: microphone/file audio -> voice activity -> offline ASR -> transcript, and TTS back.

Plain-Python core (no rclpy): ``sources`` (microphone, files), ``vad`` (webrtcvad
segmentation), ``asr`` (faster-whisper behind a small interface), ``wake`` (wake word,
push-to-talk, always-on), ``voice_features`` (prosody for the fatigue node), ``tts``
(espeak-ng), ``pipeline`` (all of it wired together), ``synth`` (test speech).
Importing this package is cheap; heavy libraries load inside the modules that need them.
"""

from __future__ import annotations

from cockpit_ai.errors import CockpitError


class SpeechError(CockpitError, ValueError):
    """Bad audio input, a missing device/model/program, or an unusable setting.

    The message says what was wrong and what to do; a caller that catches it can keep going.
    """


__all__ = ["SpeechError"]
