"""Lost audio chunks (AudioChunk.sequence gaps): counted, charged to the utterance they fall in,
and a hole whose time matches the lost chunks does not split the utterance."""

from __future__ import annotations

import numpy as np

from cockpit_ai.speech.asr import AsrResult
from cockpit_ai.speech.audio import AudioFrame
from cockpit_ai.speech.pipeline import DOUBT_AUDIO_GAP, PipelineConfig, SpeechPipeline
from cockpit_ai.speech.synth import make_speech
from cockpit_ai.speech.vad import Utterance, VoiceActivityDetector

CHUNK = 320  # 20 ms at 16 kHz


class FixedBackend:
    """A recogniser that always hears the same confident text (no Whisper needed)."""

    name = "fixed"

    def transcribe(self, audio: np.ndarray, sample_rate: int) -> AsrResult:
        return AsrResult("find a vegan restaurant", "en", 0.8, 0.01, 0.01, self.name,
                         avg_logprob=-0.2, compression_ratio=1.1)  # fmt: skip

    def set_hotwords(self, words: list[str]) -> None:
        pass


def _phrase() -> tuple[np.ndarray, float, float]:
    s = make_speech("find a vegan restaurant that is open now", leading_silence_s=1.0,
                    trailing_silence_s=1.0)  # fmt: skip
    return s.samples, s.speech_start_s, s.speech_end_s


def _push(pipe: SpeechPipeline, x: np.ndarray, *, t0: float = 0.0, lost: range = range(0),
          sequence: bool = True) -> list[Utterance]:  # fmt: skip
    """20 ms chunks with sample-accurate stamps; the chunks in ``lost`` never arrive."""
    utts: list[Utterance] = []
    for k, i in enumerate(range(0, len(x), CHUNK)):
        if k in lost:
            continue
        utts += pipe.push_chunk(x[i : i + CHUNK], sample_rate=16000, start_time=t0 + i / 16000,
                                sequence=k if sequence else None)  # fmt: skip
    return utts + pipe.flush()


def _mid(start: float, end: float, n: int) -> range:
    k = int((start + end) / 2 / 0.02)
    return range(k, k + n)


def test_vad_fill_keeps_one_utterance_and_counts_the_lost_chunks() -> None:
    x, start, end = _phrase()
    whole: list[Utterance] = []
    vad = VoiceActivityDetector()
    for i in range(0, len(x), CHUNK):
        whole += vad.feed(AudioFrame(x[i : i + CHUNK], 16000, i / 16000))
    whole += vad.flush()
    assert len(whole) == 1 and whole[0].missing_chunks == 0
    vad = VoiceActivityDetector()
    holed: list[Utterance] = []
    hole = _mid(start, end, 10)  # 200 ms lost mid-speech
    for k, i in enumerate(range(0, len(x), CHUNK)):
        if k == hole.start:
            holed += vad.fill(len(hole) * 0.02, missing=len(hole))
        if k in hole:
            continue
        holed += vad.feed(AudioFrame(x[i : i + CHUNK], 16000, i / 16000))
    holed += vad.flush()
    assert len(holed) == 1, [(u.start_time, u.end_time) for u in holed]
    u, w = holed[0], whole[0]
    assert u.missing_chunks == 10 and vad.gaps == 0
    assert abs(u.start_time - w.start_time) < 0.05 and abs(u.end_time - w.end_time) < 0.1
    # Times stay right: the audio is as long as the time it covers.
    u_end = u.audio_start_time + u.audio_duration_s
    assert abs(u_end - (w.audio_start_time + w.audio_duration_s)) < 0.1


def test_a_sequence_gap_does_not_split_the_utterance() -> None:
    x, start, end = _phrase()
    hole = _mid(start, end, 10)  # 200 ms: more than the VAD's 120 ms gap tolerance
    pipe = SpeechPipeline(PipelineConfig(), backend=FixedBackend())
    utts = _push(pipe, x, lost=hole)
    assert len(utts) == 1 and utts[0].missing_chunks == 10
    assert pipe.stats.dropped_frames == 10 and pipe.stats.filled_gaps == 1
    assert abs(utts[0].start_time - start) < 0.3 and abs(utts[0].end_time - end) < 0.3
    # Without sequence numbers the same hole is only a jump in time: the utterance is cut.
    blind = SpeechPipeline(PipelineConfig(), backend=FixedBackend())
    cut = _push(blind, x, lost=hole, sequence=False)
    assert blind.vad.gaps == 1 and (len(cut) > 1 or cut[0].end_time < end - 0.3)


def test_lost_chunks_make_the_transcript_doubtful() -> None:
    x, start, end = _phrase()
    pipe = SpeechPipeline(PipelineConfig(), backend=FixedBackend())
    utts = _push(pipe, x, lost=_mid(start, end, 3))
    t = pipe.recognise(utts[0]).transcript
    assert t is not None and t.missing_chunks == 3 and t.doubt == DOUBT_AUDIO_GAP
    assert pipe.stats.doubtful == 1
    clean = SpeechPipeline(PipelineConfig(), backend=FixedBackend())
    t = clean.recognise(_push(clean, x)[0]).transcript
    assert t is not None and t.missing_chunks == 0 and t.doubt == ""


def test_gaps_in_silence_are_counted_but_charged_to_no_utterance() -> None:
    x, _, _ = _phrase()
    pipe = SpeechPipeline(PipelineConfig(), backend=FixedBackend())
    utts = _push(pipe, x, lost=range(5, 9))  # 0.1-0.18 s: long before the speech
    assert len(utts) == 1 and utts[0].missing_chunks == 0
    assert pipe.stats.dropped_frames == 4


def test_lost_chunks_at_speech_onset_belong_to_the_utterance() -> None:
    x, start, _ = _phrase()
    k = int(start / 0.02)
    pipe = SpeechPipeline(PipelineConfig(), backend=FixedBackend())
    utts = _push(pipe, x, lost=range(k, k + 3))  # the first 60 ms of the voice
    assert len(utts) == 1 and utts[0].missing_chunks == 3


def test_a_long_or_mismatched_hole_ends_the_utterance_and_marks_it() -> None:
    x, start, end = _phrase()
    k = _mid(start, end, 1).start
    first, second = x[: k * CHUNK], x[k * CHUNK :]
    # The stream pauses 5 s (a paused bag) and 3 chunks are lost: the times do not match.
    pipe = SpeechPipeline(PipelineConfig(), backend=FixedBackend())
    utts: list[Utterance] = []
    for j, i in enumerate(range(0, len(first), CHUNK)):
        utts += pipe.push_chunk(first[i : i + CHUNK], sample_rate=16000, start_time=i / 16000,
                                sequence=j)  # fmt: skip
    n = len(first) // CHUNK
    for j, i in enumerate(range(0, len(second), CHUNK)):
        utts += pipe.push_chunk(second[i : i + CHUNK], sample_rate=16000,
                                start_time=5.0 + (k * CHUNK + i) / 16000, sequence=n + 3 + j)
    utts += pipe.flush()
    assert pipe.stats.dropped_frames == 3 and pipe.stats.filled_gaps == 0
    assert utts[0].end_time < 5.0 and utts[0].missing_chunks == 3  # its tail was lost
    assert sum(u.missing_chunks for u in utts) == 3
    # Lost chunks longer than max_fill_s (here 1.5 s) are not filled either.
    pipe = SpeechPipeline(PipelineConfig(), backend=FixedBackend())
    utts = _push(pipe, x, lost=_mid(start, end, 75))
    assert pipe.stats.filled_gaps == 0 and utts[0].missing_chunks == 75


def test_sequence_restart_is_not_a_loss() -> None:
    pipe = SpeechPipeline(PipelineConfig(), backend=FixedBackend())
    z = np.zeros(CHUNK, dtype=np.int16)
    for t, seq in enumerate((10, 11, 12, 0, 1, 2)):  # the source restarted its counter
        pipe.push_chunk(z, sample_rate=16000, start_time=t * 0.02, sequence=seq)
    assert pipe.stats.dropped_frames == 0


def test_end_stream_gives_the_open_utterance_and_the_next_stream_counts_no_loss() -> None:
    """Deactivated mid-phrase: the phrase so far is one utterance; the chunks not listened
    to before the next activation are not lost chunks."""
    x, start, end = _phrase()
    pipe = SpeechPipeline(PipelineConfig(), backend=FixedBackend())
    cut = int((start + end) / 2 * 16000) // CHUNK * CHUNK
    utts: list[Utterance] = []
    for k, i in enumerate(range(0, cut, CHUNK)):
        utts += pipe.push_chunk(x[i : i + CHUNK], sample_rate=16000, start_time=i / 16000,
                                sequence=k)  # fmt: skip
    assert utts == [] and pipe.speech_active
    utts = pipe.end_stream()
    assert len(utts) == 1 and not pipe.speech_active
    assert abs(utts[0].start_time - start) < 0.4 and utts[0].missing_chunks == 0
    # 500 chunks (10 s) later the source goes on counting: a new stream, nothing lost.
    z, last = np.zeros(CHUNK, dtype=np.int16), cut // CHUNK - 1
    for k in range(1, 4):
        pipe.push_chunk(z, sample_rate=16000, start_time=20.0 + k * 0.02, sequence=last + 500 + k)
    assert pipe.stats.dropped_frames == 0
    # Without end_stream the same jump is 500 lost chunks.
    pipe.push_chunk(z, sample_rate=16000, start_time=40.0, sequence=last + 1004)
    assert pipe.stats.dropped_frames == 500
