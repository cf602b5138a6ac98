"""Voice cues count only for the driver's utterances: by the microphone that heard them."""

from __future__ import annotations

from cockpit_ai.fatigue.voice import from_driver


def test_one_cabin_microphone_is_the_drivers() -> None:
    assert from_driver("cabin_microphone", [])
    assert from_driver("", [])


def test_zone_microphones_keep_the_drivers_only() -> None:
    driver = ["mic_driver"]
    assert from_driver("mic_driver", driver)
    assert not from_driver("mic_passenger", driver)
    assert not from_driver("", driver)
    assert from_driver("mic_driver", ["", "mic_driver"])  # an empty entry is no source
