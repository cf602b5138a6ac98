"""espeak-ng voice out: synthesis, framing, playback that barge-in can stop."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from cockpit_ai.speech import SpeechError
from cockpit_ai.speech.audio import AudioFrame, dbfs
from cockpit_ai.speech.synth import speech_span
from cockpit_ai.speech.tts import TtsConfig, TtsPlayback, frames, synthesize


def test_synthesize_gives_16k_speech_of_plausible_length() -> None:
    a = synthesize("The nearest vegan restaurant is two hundred metres ahead on the right.")
    assert a.sample_rate == 16000 and a.samples.dtype == np.int16
    assert 2.5 < a.duration_s < 8.0
    assert dbfs(a.samples) > -35
    slow = synthesize("The nearest vegan restaurant.", TtsConfig(rate_wpm=100))
    fast = synthesize("The nearest vegan restaurant.", TtsConfig(rate_wpm=300))
    assert slow.duration_s > 1.8 * fast.duration_s


def test_text_that_looks_like_an_option_is_spoken_not_obeyed() -> None:
    a = synthesize("--help -v xx")
    start, end = speech_span(a.samples, a.sample_rate)
    assert end - start > 0.5  # it said the words; espeak-ng's help text would be no audio


def test_bad_tts_input_is_refused() -> None:
    with pytest.raises(SpeechError, match="empty"):
        synthesize("   ")
    with pytest.raises(SpeechError, match="too long"):
        synthesize("word " * 2000)
    with pytest.raises(SpeechError, match="voice"):
        synthesize("hello", TtsConfig(voice="-x"))
    with pytest.raises(SpeechError, match="no voice"):
        synthesize("hello", TtsConfig(voice="no-such-voice-xx"))
    assert synthesize("hello", TtsConfig(voice="en-gb+f3")).duration_s > 0.2  # variants work
    with pytest.raises(SpeechError, match="rate"):
        synthesize("hello", TtsConfig(rate_wpm=5))


def test_frames_cover_the_audio_with_running_times() -> None:
    a = synthesize("play some jazz")
    fr = list(frames(a, frame_ms=20, start_time=10.0))
    assert all(len(f.samples) == 320 for f in fr)
    assert len(fr) == -(-len(a.samples) // 320)
    assert fr[1].start_time == pytest.approx(10.02) and fr[-1].sequence == len(fr) - 1
    assert np.array_equal(np.concatenate([f.samples for f in fr])[: len(a.samples)], a.samples)


def test_playback_runs_at_audio_pace_and_stops_on_barge_in() -> None:
    a = synthesize("Turning left in two hundred metres, then keep right at the fork.")
    got: list[AudioFrame] = []
    play = TtsPlayback(a, got.append, frame_ms=20, realtime=True).start()
    time.sleep(0.5)
    play.stop()  # the driver started talking
    result = play.wait(2.0)
    assert result is not None and result.stopped and not play.playing
    assert 0.3 <= result.played_s <= 0.8  # paced like real audio, cut within a frame or two
    assert len(got) == result.frames_played < result.frames_total


def test_playback_without_pacing_plays_everything() -> None:
    a = synthesize("play some jazz")
    got: list[AudioFrame] = []
    r = TtsPlayback(a, got.append, realtime=False).run()
    assert not r.stopped and r.frames_played == r.frames_total == len(got)


def test_stop_from_another_thread_before_start_plays_nothing() -> None:
    a = synthesize("hello")
    play = TtsPlayback(a, lambda f: None)
    threading.Thread(target=play.stop).start()
    time.sleep(0.05)
    assert play.run().frames_played == 0
