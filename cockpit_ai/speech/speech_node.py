"""speech: ``audio`` (AudioChunk) -> VAD -> offline Whisper -> ``transcript`` + ``voice_features``.

A thin ROS shell over ``SpeechPipeline``, and a managed (lifecycle) node
(:class:`~cockpit_ai.ros.managed.ManagedNode`): ``configure`` loads Whisper and the VAD,
``activate`` starts the recogniser thread and then subscribes to ``audio``, ``deactivate``
unsubscribes, recognises what was heard so far and stops the thread (the model stays
loaded), ``cleanup`` frees the model. With ``autostart`` (default true) it configures and
activates itself, so launch files start it like a plain node and a missing model stops it
with one clear line; with ``autostart:=false`` it waits for ``cockpit-ai lifecycle set``.
The audio callback only validates, resamples and
runs the VAD (microseconds per chunk); finished utterances go to a bounded queue that a
worker thread recognises, so Whisper never blocks the callback. When the recogniser falls
behind, the oldest waiting utterance is dropped and counted. ``speech_active`` (Bool) is
published whenever the VAD enters or leaves speech: the TTS node's barge-in signal.
Stamps come from the audio (a replayed bag gives the same transcripts).

Audio arrives reliably (``qos.AUDIO``, 10 s deep) so a CPU-starved node catches up; lost
chunks are still counted, charged to their utterance (``missing_chunks``, doubt "audio
gap") and turn the diagnostics WARN. An utterance whose audio arrived while the co-pilot
talked (``tts/active``) and whose words are what it said (``response``, and
``response/partial``: a streamed answer is spoken before its final arrives) is its own voice from
the speakers and dropped (``own_voice``); other words are the driver barging in (``barge_in``).
The callbacks are cheap, so one executor thread serves them (a multi-threaded executor cost
half as much CPU again per 20 ms chunk).
"""

from __future__ import annotations

import math
import time
from typing import Any

from rcl_interfaces.msg import SetParametersResult
from std_msgs.msg import Bool

from cockpit_ai.brand import BrandError, wake_words_for
from cockpit_ai.landmark.geometry import check_fix
from cockpit_ai.msg import (
    AssistantResponse,
    AudioChunk,
    LandmarkArray,
    Transcript,
    VoiceFeatures,
)
from cockpit_ai.ros import qos
from cockpit_ai.ros.diagnostics import OK, WARN, Health
from cockpit_ai.ros.managed import ManagedNode
from cockpit_ai.ros.run import NodeStartupError, run_node
from cockpit_ai.ros.stamps import s_to_stamp, stamp_to_s
from cockpit_ai.speech import SpeechError
from cockpit_ai.speech.asr import COCKPIT_VOCABULARY, WhisperConfig
from cockpit_ai.speech.chunks import chunk_samples
from cockpit_ai.speech.context import ContextConfig, ContextVocabulary, StreetNames, names_in_text
from cockpit_ai.speech.pipeline import (
    EchoConfig,
    PipelineConfig,
    SpeechPipeline,
    SpeechResult,
    TranscriptChecks,
)
from cockpit_ai.speech.stream import LossMonitor, OwnVoiceGate, StreamEndWatch
from cockpit_ai.speech.vad import Utterance, VadConfig
from cockpit_ai.speech.wake import WakeConfig
from cockpit_ai.workers import Overflow, QueueWorker

NODE = "speech"
#: audio_qos values: our own capture/bag/tts publish reliably; "sensor" for a third-party
#: best-effort microphone driver (a reliable subscriber would not match it).
AUDIO_QOS = {"audio": qos.AUDIO, "sensor": qos.SENSOR}
#: How long ``deactivate`` waits for the recogniser to finish the utterances already heard
#: (Whisper takes about a second per phrase here); what is left then is counted as dropped.
DRAIN_TIMEOUT_S = 10.0
# A forward jump in AudioChunk.sequence worth more audio than this is a new numbering (a
# restarted or misbehaving source), not lost chunks: one chunk numbered 2**64 - 1 would
# otherwise report 1.8e19 lost chunks and mark every later utterance as having a gap.
MAX_SEQUENCE_GAP_S = 600.0

Job = tuple[Utterance, str, bool]  # utterance, frame_id, heard while the co-pilot talked


def pipeline_config(p: dict[str, Any]) -> PipelineConfig:
    """The core's configuration from the node's parameters."""
    return PipelineConfig(
        vad=VadConfig(
            aggressiveness=p["vad_aggressiveness"],
            frame_ms=p["vad_frame_ms"],
            padding_ms=p["vad_padding_ms"],
            min_speech_ms=p["min_speech_ms"],
            max_utterance_s=p["max_utterance_s"],
            preemphasis=p["preemphasis"],
        ),
        wake=WakeConfig(
            mode=p["activation_mode"],
            phrases=wake_words_for(p["brand"], p["wake_phrases"]),
            threshold=p["wake_threshold"],
            follow_up_s=p["follow_up_s"],
        ),
        whisper=WhisperConfig(
            model_dir=p["model_dir"],
            beam_size=p["beam_size"],
            language=p["language"],
            cpu_threads=p["cpu_threads"],
            use_prompt=p["use_prompt"],
            vocabulary=p["vocabulary"] or COCKPIT_VOCABULARY,
            no_speech_threshold=p["no_speech_threshold"],
            log_prob_threshold=p["no_speech_below_logprob"],
        ),
        checks=TranscriptChecks(
            no_speech_prob=p["no_speech_threshold"],
            no_speech_logprob=p["no_speech_below_logprob"],
            doubt_above_compression_ratio=p["doubt_above_compression_ratio"],
            doubt_below_logprob=p["doubt_below_logprob"],
            min_confidence=p["min_confidence"],
        ),
        max_chunk_s=p["max_chunk_s"],
        echo=EchoConfig(
            enabled=p["echo_cancellation"], tail_ms=p["echo_tail_ms"], gate_db=p["echo_gate_db"]
        ),
    )


def context_config(p: dict[str, Any]) -> ContextConfig:
    """The context vocabulary's bounds from the node's parameters."""
    return ContextConfig(
        max_names=p["context_max_names"],
        nearby_keep_s=p["context_nearby_keep_s"],
        results_keep_s=p["context_results_keep_s"],
    )


def landmark_names(msg: Any) -> list[str]:
    """The names in a LandmarkArray, English where tagged, best first."""
    return [str(lm.name_en or lm.name) for lm in msg.landmarks if (lm.name_en or lm.name)]


def transcript_message(result: SpeechResult, *, frame_id: str) -> Any:
    """A cockpit_ai/Transcript from a recognised utterance (stamp = speech start)."""
    t = result.transcript
    assert t is not None
    msg = Transcript()
    msg.header.stamp = s_to_stamp(t.start_time)
    msg.header.frame_id = frame_id
    msg.utterance_id = t.utterance_id
    msg.text = t.text
    msg.raw_text = t.raw_text
    msg.language = t.language
    msg.confidence = float(t.confidence)
    msg.is_final = t.is_final
    msg.wake_word_heard = t.wake_word_heard
    msg.audio_duration_s = float(t.audio_duration_s)
    msg.recognition_time_s = float(t.recognition_time_s)
    msg.backend = t.backend
    msg.missing_chunks = int(t.missing_chunks)
    msg.avg_logprob = float(t.avg_logprob)
    msg.compression_ratio = float(t.compression_ratio)
    msg.no_speech_prob = float(t.no_speech_prob)
    msg.doubt = t.doubt
    return msg


def features_message(result: SpeechResult, *, frame_id: str) -> Any:
    """A cockpit_ai/VoiceFeatures from an utterance's prosody (stamp = speech start)."""
    f = result.features
    assert f is not None
    msg = VoiceFeatures()
    msg.header.stamp = s_to_stamp(f.start_time)
    msg.header.frame_id = frame_id
    msg.utterance_id = f.utterance_id
    msg.duration_s = float(f.duration_s)
    msg.speech_rate_wps = float(f.speech_rate_wps)
    msg.pause_ratio = float(f.pause_ratio)
    msg.pitch_mean_hz = float(f.pitch_mean_hz)
    msg.pitch_std_hz = float(f.pitch_std_hz)
    msg.loudness_dbfs = float(f.loudness_dbfs)
    return msg


class SpeechNode(ManagedNode):
    """Audio in; transcripts, voice features and the speech-active flag out (managed).

    ``configure`` loads the pipeline (Whisper, VAD) and creates the publishers and the
    co-pilot subscriptions (``tts/active``, ``response``: known before the first audio);
    ``activate`` starts the recogniser thread and the end-of-stream timer, then subscribes
    to ``push_to_talk`` and, last, ``audio``: the first chunk already finds a VAD, a worker
    and active publishers. ``deactivate`` unsubscribes first, ends the open utterance and
    waits for the recogniser (``DRAIN_TIMEOUT_S``), so what was heard is still published;
    audio sent while inactive is not listened to (and not counted as lost).
    """

    def __init__(self, *, overrides: dict[str, Any] | None = None) -> None:
        super().__init__(NODE, overrides=overrides)  # schema enums enforced (audio_qos, ...)
        p = self.p
        try:
            self.config = pipeline_config(p)
            self.config.vad.validate()
        except (SpeechError, BrandError) as exc:
            raise NodeStartupError(f"speech: {exc}") from None
        self.health = Health(self)
        self.health.set("mode", p["activation_mode"])
        self.health.set("audio_qos", p["audio_qos"])
        self.pipeline: SpeechPipeline | None = None
        self.pub_transcript: Any = None
        self.pub_features: Any = None
        self.pub_active: Any = None
        self.sub_audio: Any = None
        self.sub_ptt: Any = None
        self.sub_tts: Any = None
        self.sub_response: Any = None
        self.sub_partial: Any = None
        self.sub_tts_audio: Any = None
        self.sub_nearby: Any = None
        self.sub_landmarks: Any = None
        self.sub_fix: Any = None
        self._streets: StreetNames | None = None
        self._streets_at: tuple[float, float] | None = None  # where they were last looked up
        self.vocabulary = ContextVocabulary(context_config(p))
        self.vocabulary.set_static(p["hotwords"])
        self._context_words: list[str] | None = None
        self._idle_timer: Any = None
        self._worker: QueueWorker[Job, SpeechResult] | None = None
        self.add_on_set_parameters_callback(self._on_params)
        self._active = False
        self._frame_id = "microphone"
        self._seen_dropped = 0
        self._last_sequence: int | None = None
        self._loss = LossMonitor()
        self._loss_warn = False
        self._asr_failed = ""
        self._closing = False
        self._own = OwnVoiceGate(p["own_voice_tail_s"])
        # Audio that stops mid-utterance (end of a file, a dead mic) must still end it; a
        # starved executor (chunks waiting in the queue) must not.
        self._stream = StreamEndWatch(p["stream_timeout_s"])
        self._state = "unconfigured"
        self._update_status()

    # ---- lifecycle (ManagedNode) ------------------------------------------------------
    def load(self) -> None:
        try:
            pipeline = SpeechPipeline(self.config)
            # the hotwords parameter may have been set since the constructor
            self.vocabulary.set_static(list(self.get_parameter("hotwords").value or []))
        except SpeechError as exc:
            raise NodeStartupError(f"speech: {exc}") from None
        self.pipeline = pipeline
        self._context_words = None
        self._refresh_context()
        model = getattr(pipeline.backend, "model_dir", "")
        self.health.set("model", model)
        self.pub_transcript = self.create_lifecycle_publisher(
            Transcript, "transcript", qos.RELIABLE)
        self.pub_features = self.create_lifecycle_publisher(
            VoiceFeatures, "voice_features", qos.RELIABLE)
        self.pub_active = self.create_lifecycle_publisher(Bool, "speech_active", qos.RELIABLE)
        # tts_node latches tts/active: a late start still learns whether it is talking.
        self.sub_tts = self.create_subscription(Bool, "tts/active", self._on_tts, qos.LATCHED)
        # what the co-pilot says: an utterance heard while it talked is dropped only when its
        # words are the co-pilot's own (echo); other words are the driver barging in
        self.sub_response = self.create_subscription(
            AssistantResponse, "response", self._on_response, qos.RELIABLE)
        # a streamed answer is spoken sentence by sentence before its final arrives
        self.sub_partial = self.create_subscription(
            AssistantResponse, "response/partial", self._on_response, qos.RELIABLE)
        # what the speakers play: the echo canceller's reference
        if self.config.echo.enabled:
            self.sub_tts_audio = self.create_subscription(
                AudioChunk, "tts/audio", self._on_tts_audio, qos.AUDIO)
        # context biasing: the places around the car and the places just found
        if self.p["context_biasing"]:
            self.sub_nearby = self.create_subscription(
                LandmarkArray, "landmarks/nearby", self._on_nearby, qos.RELIABLE)
            self.sub_landmarks = self.create_subscription(
                LandmarkArray, "landmarks", self._on_landmarks, qos.RELIABLE)
            if self.p["context_streets_radius_m"] > 0:
                self._load_streets()
        self._state = "configured (inactive)"
        self._update_status()
        self.get_logger().info(f"Whisper from {model} loaded ({self.p['activation_mode']})")

    def start(self) -> None:
        pipeline = self.pipeline
        assert pipeline is not None  # on_activate only follows a successful configure
        self._seen_dropped = pipeline.stats.dropped_frames
        self._last_sequence = None
        self._loss = LossMonitor()
        self._stream = StreamEndWatch(self.p["stream_timeout_s"])
        self._active = False
        # Utterances wait in order; a recogniser that falls behind drops the oldest.
        self._worker = QueueWorker(
            lambda job: pipeline.recognise(job[0]), maxsize=int(self.p["queue_utterances"]),
            overflow=Overflow.DROP_OLDEST, on_result=self._on_result,
            on_error=self._on_asr_error, name="asr").start()
        self._idle_timer = self.create_timer(self._stream.tick_period_s, self._on_tick)
        self.sub_ptt = self.create_subscription(Bool, "push_to_talk", self._on_ptt, qos.RELIABLE)
        # Last: from the first chunk on, the VAD, the worker and the publishers are ready.
        self.sub_audio = self.create_subscription(
            AudioChunk, "audio", self._on_audio, AUDIO_QOS[self.p["audio_qos"]])
        self._state = "listening"
        self._update_status()
        self.get_logger().info(
            f"listening on {self.sub_audio.topic_name} ({self.p['activation_mode']})")

    def stop(self) -> None:
        # No more input first, then what was heard is recognised while the publishers are
        # still active (ManagedNode deactivates them after stop()).
        for sub in (self.sub_audio, self.sub_ptt):
            if sub is not None:
                self.destroy_subscription(sub)
        self.sub_audio = self.sub_ptt = None
        if self._idle_timer is not None:
            self.destroy_timer(self._idle_timer)
            self._idle_timer = None
        worker, pipeline = self._worker, self.pipeline
        if worker is None:
            return
        if pipeline is not None and not self._closing:
            self._enqueue(pipeline.end_stream())  # the phrase so far still counts
            self._last_sequence = None
            self._publish_active()
            if not _wait_idle(worker, DRAIN_TIMEOUT_S):
                self.get_logger().warning(
                    f"deactivate: the recogniser did not finish within {DRAIN_TIMEOUT_S:g} s")
        left = worker.pending
        worker.stop(timeout=5.0)  # joins the thread: the last result is published by now
        self._worker = None
        if self._closing:
            return
        if left:
            self.health.count("dropped_utterances", left)
            self.get_logger().warning(f"deactivate: {left} utterances left unrecognised")
        if pipeline is not None:
            self._state = "configured (inactive)"
            self._update_status()
            self.get_logger().info("inactive: not listening")

    def unload(self) -> None:
        for sub in (self.sub_tts, self.sub_response, self.sub_partial, self.sub_tts_audio,
                    self.sub_nearby, self.sub_landmarks, self.sub_fix):
            if sub is not None:
                self.destroy_subscription(sub)
        self.sub_tts = self.sub_response = self.sub_partial = None
        self.sub_tts_audio = self.sub_nearby = self.sub_landmarks = self.sub_fix = None
        self._streets = self._streets_at = None
        for pub in (self.pub_transcript, self.pub_features, self.pub_active):
            if pub is not None:
                self.destroy_lifecycle_publisher(pub)
        self.pub_transcript = self.pub_features = self.pub_active = None
        self.pipeline = None
        self._state = "unconfigured"
        self._update_status()

    def close(self) -> None:
        """Shutting down (SIGINT): stop the recogniser thread without waiting for the queue."""
        self._closing = True
        super().close()

    # ---- callbacks (cheap) ---------------------------------------------------------
    def _on_audio(self, msg: Any) -> None:
        pipeline = self.pipeline
        if pipeline is None:
            return  # unsubscribed in stop(); no callback runs after it
        now = time.monotonic()
        self.health.count("chunks")
        self._stream.chunk(now)
        self._frame_id = msg.header.frame_id or self._frame_id
        start = stamp_to_s(msg.header.stamp)
        sequence = int(msg.sequence)
        if self._renumbered(msg, sequence):
            self.health.count("sequence_restarts")
            self._warn(f"audio sequence jumped from {self._last_sequence} to {sequence}: "
                       "a new stream, not lost chunks")
            self._enqueue(pipeline.end_stream())
        try:
            samples = chunk_samples(msg)
            utts = pipeline.push_chunk(
                samples,
                sample_rate=int(msg.sample_rate_hz),
                channels=int(msg.channels),
                start_time=start,
                sequence=int(msg.sequence),
            )
        except SpeechError as exc:
            self.health.count("bad_chunks")
            self._warn(f"audio chunk refused: {exc}")
            return
        self._last_sequence = sequence
        duration = len(samples) / int(msg.channels) / float(msg.sample_rate_hz)
        self._own.chunk(start, start + duration, now)
        dropped = pipeline.stats.dropped_frames
        lost = dropped - self._seen_dropped
        if lost > 0:
            self.health.count("dropped_frames", lost)
            self._seen_dropped = dropped
        if self._loss.chunk(duration, max(lost, 0)).warn != self._loss_warn or lost > 0:
            self._update_status()
        self._publish_active()
        self._enqueue(utts)

    def _renumbered(self, msg: Any, sequence: int) -> bool:
        """The chunk's sequence number is further ahead than MAX_SEQUENCE_GAP_S of chunks."""
        last = self._last_sequence
        if last is None or sequence <= last + 1:
            return False
        rate, channels = int(msg.sample_rate_hz), int(msg.channels)
        chunk_s = len(msg.samples) / channels / rate if rate > 0 and channels > 0 else 0.0
        return (sequence - last - 1) * max(chunk_s, 0.001) > MAX_SEQUENCE_GAP_S

    def _on_tick(self) -> None:
        pipeline = self.pipeline
        if pipeline is None:
            return
        self._refresh_context()  # old nearby places and results expire
        stats = pipeline.stats
        if stats.reference_chunks:
            self.health.set("echo_frames", str(stats.echo_frames))
            self.health.set("echo_muted", str(stats.echo_muted))
        if self._stream.tick(time.monotonic(), utterance_open=pipeline.speech_active):
            self.health.count("stream_ends")
            self._enqueue(pipeline.flush())
            self._publish_active()

    def _on_response(self, msg: Any) -> None:
        self.health.count("responses")
        now = time.monotonic()
        self._own.said(msg.text, now)
        if self.p["context_biasing"]:
            self.vocabulary.add_results(names_in_text(msg.text), now)
            self._refresh_context()

    def _on_tts_audio(self, msg: Any) -> None:
        """What the speakers play: the echo canceller's reference, by its stamps."""
        pipeline = self.pipeline
        if pipeline is None:
            return
        self.health.count("reference_chunks")
        try:
            pipeline.push_reference(chunk_samples(msg), sample_rate=int(msg.sample_rate_hz),
                                    channels=int(msg.channels),
                                    start_time=stamp_to_s(msg.header.stamp))  # fmt: skip
        except SpeechError as exc:
            self.health.count("bad_reference_chunks")
            self._warn(f"tts/audio chunk refused: {exc}")

    def _on_nearby(self, msg: Any) -> None:
        self.health.count("nearby_updates")
        self.vocabulary.add_nearby(landmark_names(msg), time.monotonic())
        self._refresh_context()

    def _load_streets(self) -> None:
        """The street graph for the names of the streets around the car (``fix``)."""
        from sensor_msgs.msg import NavSatFix

        from cockpit_ai.route import RouteError
        from cockpit_ai.route.graph import default_graph

        try:
            self._streets = StreetNames(default_graph(),
                                        radius_m=self.p["context_streets_radius_m"])
        except RouteError as exc:  # no street graph: the rest of the context still works
            self.get_logger().warning(f"no street names for the context: {exc}")
            return
        self.sub_fix = self.create_subscription(NavSatFix, "fix", self._on_fix, qos.MOTION)

    def _on_fix(self, msg: Any) -> None:
        """Streets around the car, looked up again after every 50 m."""
        streets = self._streets
        lat, lon = float(msg.latitude), float(msg.longitude)
        # the one fix policy of every node (no fix or unknown status, NaN, 0,0: ignored)
        if streets is None or not check_fix(lat, lon, status=int(msg.status.status)).ok:
            self.health.count("fixes_ignored")
            return
        self.health.count("fixes")
        last = self._streets_at
        moved = (math.inf if last is None else
                 math.hypot(lat - last[0], (lon - last[1]) * math.cos(math.radians(lat)))
                 * 111_195.0)  # fmt: skip
        now = time.monotonic()
        if moved >= 50.0:
            self._streets_at = (lat, lon)
            self.vocabulary.add_nearby(streets.near(lat, lon), now)
            self.health.count("street_lookups")
            self._refresh_context()

    def _on_landmarks(self, msg: Any) -> None:
        self.health.count("landmark_results")
        self.vocabulary.add_results(landmark_names(msg), time.monotonic())
        self._refresh_context()

    def _refresh_context(self) -> None:
        """Give the recogniser the context vocabulary when it changed."""
        pipeline = self.pipeline
        if pipeline is None:
            return
        words = self.vocabulary.words(time.monotonic())
        if words == self._context_words:
            return
        self._context_words = words
        pipeline.set_hotwords(words)
        self.health.count("context_updates")
        self.health.set("context_names", str(len(words)))

    def _on_tts(self, msg: Any) -> None:
        self.health.count("tts_active")
        self._own.set_talking(bool(msg.data), time.monotonic())
        self.health.set("copilot_talking", "true" if msg.data else "false")

    def _on_ptt(self, msg: Any) -> None:
        pipeline = self.pipeline
        if pipeline is None:
            return
        self.health.count("push_to_talk")
        if pipeline.config.wake.mode != "push_to_talk":
            self.health.count("push_to_talk_ignored")
            self._warn("push_to_talk received but activation_mode is not push_to_talk; ignored")
            return
        self._enqueue(pipeline.set_push_to_talk(bool(msg.data)))
        self._publish_active()

    def _on_params(self, params: list[Any]) -> SetParametersResult:
        for param in params:
            if param.name == "hotwords":
                self.vocabulary.set_static(list(param.value or []))
                self._refresh_context()  # before configure: load() reads the parameter
                self.get_logger().info(f"hotwords now: {list(param.value or [])}")
            elif param.name != "use_sim_time":
                return SetParametersResult(
                    successful=False, reason=f"{param.name} is read at start only; restart the node"
                )
        return SetParametersResult(successful=True)

    def _publish_active(self) -> None:
        pipeline, pub = self.pipeline, self.pub_active
        if pipeline is None or pub is None:
            return
        active = pipeline.speech_active
        if active != self._active:
            self._active = active
            pub.publish(Bool(data=active))

    def _update_status(self) -> None:
        if self._state != "listening":
            self.health.status(OK, self._state)
            return
        loss = self._loss.status
        self._loss_warn = loss.warn
        if loss.warn:
            self.health.status(WARN, loss.message)
        elif self._asr_failed:
            self.health.status(WARN, f"recogniser failed: {self._asr_failed}")
        else:
            self.health.status(OK, "listening")

    def _enqueue(self, utts: list[Utterance]) -> None:
        if not utts:
            return
        worker = self._worker
        for u in utts:
            during_tts = self._own.is_own_voice(u.start_time, u.end_time)
            if worker is None or worker.submit((u, self._frame_id, during_tts)):
                self.health.count("dropped_utterances")

    def _own_voice(self, text: str) -> bool:
        """Heard while the co-pilot talked: its own voice when the words are its own."""
        if not self._own.is_echo(text, time.monotonic()):
            self.health.count("barge_in")
            return False
        self.health.count("own_voice")
        self.get_logger().info(f"ignored the co-pilot's own voice: {text!r}")
        return True

    def _warn(self, text: str) -> None:
        """Bad input warns at most every 2 s (the counters count every one)."""
        self.get_logger().warning(text, throttle_duration_sec=2.0)

    # ---- worker (heavy) --------------------------------------------------------------
    def _on_asr_error(self, job: Job, exc: BaseException) -> None:
        # one bad utterance must not end recognition (the worker goes on)
        self.health.count("asr_errors")
        self._asr_failed = str(exc)
        self._update_status()
        self.get_logger().error(f"recogniser failed: {exc}")

    def _on_result(self, job: Job, result: SpeechResult) -> None:
        _, frame_id, during_tts = job
        pub_transcript, pub_features = self.pub_transcript, self.pub_features
        if pub_transcript is None or pub_features is None:
            return  # cleaned up meanwhile (a deactivate that timed out)
        if self._asr_failed:
            self._asr_failed = ""
            self._update_status()
        self.health.count("utterances")
        if (during_tts and result.transcript is not None
                and self._own_voice(result.transcript.raw_text)):
            return  # neither a request nor the driver's voice (fatigue cues)
        # Voice cues are the driver's only: what was heard while the co-pilot talked (a
        # barge-in) has its voice mixed in, so it gives no features (fatigue_node also
        # keeps only the driver's microphones: driver_voice_frames).
        if (result.features is not None and result.reason in ("ok", "not addressed")
                and not during_tts):
            pub_features.publish(features_message(result, frame_id=frame_id))
        elif result.features is not None and during_tts:
            self.health.count("features_withheld_tts")
        if result.transcript is not None:
            pub_transcript.publish(transcript_message(result, frame_id=frame_id))
            self.health.count("transcripts")
            t = result.transcript
            self.health.set("last_rtf", f"{t.recognition_time_s / t.audio_duration_s:.2f}")
            if t.doubt:
                self.health.count("doubtful")
                self.get_logger().info(f"doubtful transcript ({t.doubt}): {t.text!r}")
        elif result.reason == "not addressed":
            self.health.count("not_addressed")
        else:
            self.health.count("rejected")
            if result.reason in ("no speech", "hallucination"):
                self.health.count(
                    "no_speech" if result.reason == "no speech" else "hallucinations"
                )


def _wait_idle(worker: QueueWorker[Job, SpeechResult], timeout: float) -> bool:
    """Wait until every submitted utterance was recognised (or dropped); False on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        s = worker.stats
        if s.processed + s.errors + s.dropped + s.cleared >= s.submitted:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)


def main(args: list[str] | None = None) -> int:
    """Entry point of the ``speech_node`` executable."""
    return run_node(SpeechNode, args=args, threads=1)
