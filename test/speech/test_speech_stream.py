"""The speech node's stream decisions without ROS: end of stream, lost-audio warning, own voice.

Times are given explicitly (no clock is read), so these say nothing about machine speed.
"""

from __future__ import annotations

import pytest

from cockpit_ai.speech.stream import LossMonitor, OwnVoiceGate, StreamEndWatch


def test_stream_end_needs_the_timeout_and_two_idle_ticks() -> None:
    w = StreamEndWatch(2.0)
    assert w.tick_period_s == pytest.approx(1.0)
    w.chunk(now=10.0)
    assert not w.tick(11.0, utterance_open=True)  # the tick right after a chunk
    assert not w.tick(12.0, utterance_open=True)  # one idle tick, timeout just reached
    assert w.tick(13.0, utterance_open=True)  # two idle ticks, 3 s without audio


def test_a_starved_executor_does_not_end_the_utterance() -> None:
    """The callback was not called for 5 s, but chunks were waiting: each tick that follows
    a chunk starts the count again, so no flush while audio keeps coming, however late."""
    w = StreamEndWatch(2.0)
    w.chunk(now=0.0)
    # The executor comes back after 5 s: a tick and the queued chunks run together.
    assert not w.tick(5.0, utterance_open=True)
    w.chunk(now=5.0)
    assert not w.tick(5.01, utterance_open=True)
    # Only one idle tick after the last chunk, however long ago: not yet.
    assert not w.tick(9.0, utterance_open=True)
    w.chunk(now=9.0)  # more queued audio
    assert not w.tick(20.0, utterance_open=True)


def test_stream_end_only_when_an_utterance_is_open() -> None:
    w = StreamEndWatch(1.0)
    w.chunk(now=0.0)
    for t in (1.0, 2.0, 3.0, 4.0):
        assert not w.tick(t, utterance_open=False)
    assert w.tick(5.0, utterance_open=True)  # idle long enough already
    assert not w.tick(5.5, utterance_open=True)  # flushed once, the count starts again
    assert w.tick(6.0, utterance_open=True)
    assert not StreamEndWatch(1.0).tick(10.0, utterance_open=True)  # no audio ever
    with pytest.raises(ValueError):
        StreamEndWatch(0.0)


def test_loss_warns_with_the_count_until_a_clean_stretch() -> None:
    m = LossMonitor(clear_after_s=30.0)
    assert not m.status.warn and m.status.message == "listening"
    for _ in range(100):
        assert not m.chunk(0.02).warn
    s = m.chunk(0.02, lost=13)
    assert s.warn and s.lost == 13 and s.message.startswith("lost 13 audio chunks")
    for _ in range(83):
        m.chunk(0.02)
    s = m.chunk(0.02, lost=2)
    assert s.lost == 15 and "15.0 %" in s.message  # 15 of 100 chunks in the period
    for _ in range(1499):  # 29.98 s of clean audio: still warning
        assert m.chunk(0.02).warn
    assert not m.chunk(0.02).warn  # 30 s clean: OK again
    assert m.total_lost == 15


def test_own_voice_is_the_audio_that_arrived_while_the_copilot_talked() -> None:
    g = OwnVoiceGate(tail_s=0.5)
    t = 100.0  # audio time of the first chunk
    now = 0.0
    for k in range(50):  # 1 s before the co-pilot talks
        g.chunk(t + k * 0.02, t + (k + 1) * 0.02, now + k * 0.02)
    g.set_talking(True, now=1.0)
    for k in range(50, 150):  # 2 s while it talks
        g.chunk(t + k * 0.02, t + (k + 1) * 0.02, k * 0.02)
    g.set_talking(False, now=3.0)
    for k in range(150, 300):  # 3 s after: the first 0.5 s is still its echo
        g.chunk(t + k * 0.02, t + (k + 1) * 0.02, k * 0.02)
    assert g.is_own_voice(t + 1.2, t + 2.8)  # inside
    assert g.overlap(t + 1.0, t + 3.5) == pytest.approx(1.0, abs=0.02)  # tail included
    assert not g.is_own_voice(t + 0.0, t + 0.9)  # before
    assert not g.is_own_voice(t + 4.0, t + 5.5)  # after the tail
    # The driver barges in near the end and keeps talking: mostly outside, kept.
    assert not g.is_own_voice(t + 2.6, t + 5.0)
    assert g.talking(3.4) and not g.talking(3.6)


def test_own_voice_follows_arrival_not_stamps() -> None:
    """A replayed bag has old stamps: what counts is when the chunks arrived."""
    g = OwnVoiceGate(tail_s=0.0)
    g.set_talking(True, now=50.0)
    for k in range(100):
        g.chunk(7.0 + k * 0.02, 7.0 + (k + 1) * 0.02, 50.0 + k * 0.001)  # a fast burst
    g.set_talking(False, now=51.0)
    g.chunk(9.0, 9.02, 51.5)
    assert g.is_own_voice(7.1, 8.9)
    assert g.overlap(9.0, 9.02) == 0.0


def test_an_echo_is_the_copilots_own_words_a_barge_in_is_not() -> None:
    g = OwnVoiceGate(tail_s=0.5)
    g.said("I found 5: 1. Factory Aleksi, 100 metres, ahead, open now.", now=10.0)
    assert g.is_echo("Factory Aleksi, 100 metres ahead.", now=12.0)
    assert g.is_echo("I found five.", now=12.0)  # numbers are compared as words
    assert not g.is_echo("How far is it?", now=12.0)
    assert not g.is_echo("open the window", now=12.0)  # one shared word of three
    assert not g.is_echo("", now=12.0)
    assert not g.is_echo("Factory Aleksi", now=100.0)  # said too long ago
