"""Speech benchmark: word error rate per condition on the evaluation set (issue 16), against
the raw recogniser on the same audio; real-time factor; VAD cost per frame; TTS speed.

The evaluation set (test/speech/eval, cockpit_ai/speech/evalset.py): 84 + 84 phrases, 12
espeak-ng voices, 130-190 wpm, brown / pink / engine / babble noise at 0, 5, 10, 20 dB SNR
(each phrase once per SNR, the noise kind rotating). ``--part test`` is only scored; tune on
``--part dev``. Clean espeak-ng audio is cached (``--cache``), so a second run only mixes.

"raw" is the same Whisper model called as the library's defaults do it
(``WhisperModel.transcribe(audio, language="en")``: beam 5, temperature fallback, no prompt,
the whole clip, no VAD); the others run the speech core (front end, VAD, tuned Whisper) as
the node does, 20 ms chunks in, transcripts out.

    python bench/speech_bench.py [--part test] [--every 1] [--configs raw,core] [--threads 2]
    python bench/speech_bench.py --noise-only --configs "core,core asr=moonshine"

"clip asr=moonshine" is the whole clip straight to Moonshine base (its own library call, no
VAD); "core asr=moonshine" the speech core with Moonshine instead of Whisper
(bench/speech_recognisers.py; ``pip install --no-deps moonshine-cpp==0.1.4`` first).
``--noise-only``: brown / pink / engine noise without speech; any text is made up.

"core ctx" gives each utterance the context the speech node would hold (``context_biasing``
on): the places and streets of the extract that the phrase names, among other names of the
extract up to 12 (``evalset.drive_context``); "core ctx-pois" the same with POI names only.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from speech_frontends import make_suppressor  # noqa: E402
from speech_recognisers import RECOGNISERS, make_recogniser  # noqa: E402

from cockpit_ai.speech import evalset  # noqa: E402
from cockpit_ai.speech.asr import (  # noqa: E402
    AsrBackend,
    FasterWhisperBackend,
    WhisperConfig,
    default_model_dir,
)
from cockpit_ai.speech.audio import AudioFrame  # noqa: E402
from cockpit_ai.speech.pipeline import PipelineConfig, SpeechPipeline  # noqa: E402
from cockpit_ai.speech.synth import COCKPIT_PHRASES, SynthSpeech, make_noise  # noqa: E402
from cockpit_ai.speech.text import normalise_for_scoring, word_error_rate  # noqa: E402
from cockpit_ai.speech.tts import synthesize  # noqa: E402
from cockpit_ai.speech.vad import VoiceActivityDetector  # noqa: E402

EVAL_DIR = ROOT / "test" / "speech" / "eval"
DEFAULT_CACHE = Path.home() / ".cache" / "cockpit_ai" / "speech_eval"


@dataclass
class Outcome:
    """One utterance through one configuration."""

    cond: evalset.Condition
    text: str
    wer: float
    busy_s: float  # recognition (and front-end) time
    audio_s: float
    ref_words: int  # reference length after normalisation (for the corpus WER)


Recognise = Callable[[SynthSpeech, evalset.Condition], tuple[str, float]]


def place_names(streets: bool = True) -> list[str]:
    """Every place name in the installed POI database (the bundled Helsinki extract) and,
    with ``streets``, every street name of its street graph: what the context can hold."""
    import sqlite3

    from cockpit_ai.paths import data_dir

    db = data_dir() / "poi" / "helsinki.sqlite"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT DISTINCT CASE WHEN name_en != '' THEN name_en ELSE name END"
                            " FROM poi ORDER BY 1").fetchall()  # fmt: skip
    names = [r[0] for r in rows if r[0]]
    if streets:
        from cockpit_ai.route.graph import default_graph

        g = default_graph().graph
        names += sorted({str(d["name"]) for _, _, d in g.edges(data=True) if d.get("name")})
    return names


def core_runner(config: PipelineConfig, backend: AsrBackend,
                context: Callable[[evalset.Condition], list[str]] | None = None,
                suppressor: str = "") -> Recognise:
    """The speech core as the node runs it: 20 ms chunks, VAD, recogniser; texts joined.
    ``context``: the context vocabulary for each utterance (hotwords), as the node sets it;
    ``suppressor``: a noise suppressor (speech_frontends.py) the chunks go through first."""

    def run(speech: SynthSpeech, cond: evalset.Condition) -> tuple[str, float]:
        backend.set_hotwords(context(cond) if context else [])
        pipe = SpeechPipeline(config, backend=backend)
        ns = make_suppressor(suppressor) if suppressor else None
        t0 = time.perf_counter()
        texts, asr_s = [], 0.0
        utts = []
        for seq, i in enumerate(range(0, len(speech.samples), 320)):
            block = speech.samples[i : i + 320]
            if ns is not None:  # streaming: what is ready, a few ms late
                block = ns.process(block)
                if not len(block):
                    continue
            utts += pipe.push_chunk(block, sample_rate=16000, start_time=i / 16000,
                                    sequence=seq)  # fmt: skip
        utts += pipe.flush()
        front_s = time.perf_counter() - t0
        for u in utts:
            r = pipe.recognise(u)
            if r.transcript is not None:
                texts.append(r.transcript.text)
                asr_s += r.transcript.recognition_time_s
        return " ".join(texts), front_s + asr_s

    return run


def clip_runner(backend: AsrBackend) -> Recognise:
    """The recogniser as the core sets it up, on the whole clip (no echo canceller, no VAD):
    what the VAD's cuts cost or gain, and a recogniser alone."""

    def run(speech: SynthSpeech, cond: evalset.Condition) -> tuple[str, float]:
        backend.set_hotwords([])
        r = backend.transcribe(speech.samples, 16000)
        return r.text, r.recognition_time_s

    return run


def raw_runner(backend: FasterWhisperBackend) -> Recognise:
    """The same model through ``WhisperModel.transcribe`` with the library's defaults."""
    model = backend._model  # the loaded model; only the call differs

    def run(speech: SynthSpeech, cond: evalset.Condition) -> tuple[str, float]:
        x = speech.samples.astype(np.float32) / 32768.0
        t0 = time.perf_counter()
        segs, _ = model.transcribe(x, language="en")
        text = " ".join(s.text.strip() for s in segs)
        return text, time.perf_counter() - t0

    return run


def evaluate(run: Recognise, conds: list[evalset.Condition], cache: Path) -> list[Outcome]:
    out = []
    for cond in conds:
        speech = evalset.render(cond, cache)
        text, busy = run(speech, cond)
        out.append(Outcome(cond, text, word_error_rate(cond.item.text, text), busy,
                           len(speech.samples) / 16000,
                           len(normalise_for_scoring(cond.item.text))))  # fmt: skip
    return out


def table(name: str, outs: list[Outcome], key: Callable[[Outcome], str]) -> dict[str, float]:
    groups: dict[str, list[float]] = defaultdict(list)
    for o in outs:
        groups[key(o)].append(o.wer)
    def order(k: str) -> tuple[str, float]:  # "5 dB" before "10 dB", "clean" last
        m = re.search(r"(-?[\d.]+) dB", k)
        return (k[: m.start()] if m else k, float(m.group(1)) if m else float("inf"))

    return {k: float(np.mean(groups[k])) for k in sorted(groups, key=order)}


def corpus_wer(outs: list[Outcome]) -> float:
    """All word errors / all reference words (short phrases weigh less than in the mean)."""
    return sum(o.wer * o.ref_words for o in outs) / max(1, sum(o.ref_words for o in outs))


def snr_key(o: Outcome) -> str:
    return "clean" if o.cond.snr_db is None else f"{o.cond.snr_db:g} dB"


def configs(threads: int, names: list[str]) -> dict[str, Callable[[], Recognise]]:
    """Named configurations; built lazily so only the asked ones load a model."""
    tiny = WhisperConfig(cpu_threads=threads)
    backends: dict[str, FasterWhisperBackend] = {}

    def backend(cfg: WhisperConfig) -> FasterWhisperBackend:
        key = repr(cfg)
        if key not in backends:
            backends[key] = FasterWhisperBackend(cfg, wake_words=["hey qwen"])
        return backends[key]

    core = PipelineConfig(whisper=tiny)
    table_: dict[str, Callable[[], Recognise]] = {
        "raw": lambda: raw_runner(backend(tiny)),
        "core": lambda: core_runner(core, backend(tiny)),
        "core beam1": lambda: core_runner(core, backend(replace(tiny, beam_size=1))),
        "core no-prompt": lambda: core_runner(core, backend(replace(tiny, use_prompt=False))),
        "core no-vocabulary": lambda: core_runner(core, backend(replace(tiny, vocabulary=""))),
        "clip": lambda: clip_runner(backend(tiny)),
    }
    for rec in RECOGNISERS:  # other recognisers (speech_recognisers.py), built when asked
        table_[f"core asr={rec}"] = lambda rec=rec: core_runner(core, make_recogniser(rec))
        table_[f"clip asr={rec}"] = lambda rec=rec: clip_runner(make_recogniser(rec))
    places: dict[bool, list[str]] = {}

    def context(streets: bool) -> Callable[[evalset.Condition], list[str]]:
        def ctx(cond: evalset.Condition) -> list[str]:
            if streets not in places:
                places[streets] = place_names(streets)
            return evalset.drive_context(cond.item, places[streets])

        return ctx

    ctx = context(True)
    table_["core ctx"] = lambda: core_runner(core, backend(tiny), ctx)
    table_["core ctx-pois"] = lambda: core_runner(core, backend(tiny), context(False))
    for ns in ("webrtc", "rnnoise", "deepfilternet"):
        table_[f"core ns={ns}"] = lambda ns=ns: core_runner(core, backend(tiny), suppressor=ns)
    for extra in names:
        if extra.startswith("core model="):  # a CTranslate2 model folder
            cfg = replace(tiny, model_dir=extra.split("=", 1)[1])
            table_[extra] = lambda cfg=cfg: core_runner(replace(core, whisper=cfg), backend(cfg))
            table_[extra + " ctx"] = (
                lambda cfg=cfg: core_runner(replace(core, whisper=cfg), backend(cfg), ctx))
    unknown = [n for n in names if n not in table_]
    if unknown:
        raise SystemExit(f"unknown configs {unknown}; known: {sorted(table_)}")
    return {n: table_[n] for n in names}


NOISE_ONLY_KINDS = ("brown", "pink", "engine")
NOISE_ONLY_DBFS = (-30.0, -20.0, -14.0)


def noise_only_clips(seeds: int = 2, seconds: float = 4.0) -> list[tuple[str, SynthSpeech]]:
    """Cabin noise with nobody talking (no babble: that is talkers), seeded: (label, clip)."""
    clips = []
    for kind in NOISE_ONLY_KINDS:
        for level in NOISE_ONLY_DBFS:
            for seed in range(1, seeds + 1):
                x = make_noise(kind, int(seconds * 16000), seed=seed) * 32768 * 10 ** (level / 20)
                x = np.clip(np.round(x), -32768, 32767).astype(np.int16)
                clips.append((f"{kind} {level:g} dBFS s{seed}",
                              SynthSpeech(x, 16000, "", 0.0, 0.0, None)))  # fmt: skip
    return clips


def bench_noise_only(name: str, run: Recognise) -> None:
    """Prints what a configuration writes for noise alone: every text is made up."""
    clips = noise_only_clips()
    made_up = []
    for label, speech in clips:
        cond = evalset.Condition(evalset.EvalItem("noise-only", ""), "", 0, label.split()[0], None)
        text, _ = run(speech, cond)
        if text.strip():
            made_up.append(f"{label}: {text!r}")
    print(f"{name:28s} noise only: text on {len(made_up)} of {len(clips)} clips "
          f"({', '.join(NOISE_ONLY_KINDS)} at {'/'.join(f'{d:g}' for d in NOISE_ONLY_DBFS)}"
          " dBFS, 4 s)", flush=True)  # fmt: skip
    for m in made_up:
        print(f"  {m}")


def bench_vad(speech: list[SynthSpeech]) -> tuple[float, float]:
    """(µs per 30 ms frame through VoiceActivityDetector.feed, raw webrtcvad.is_speech)."""
    import webrtcvad

    stream = np.concatenate([s.samples for s in speech])
    n = 480
    frames = [stream[i : i + n] for i in range(0, len(stream) - n + 1, n)]
    vad = VoiceActivityDetector()
    t0 = time.perf_counter()
    for i, f in enumerate(frames):
        vad.feed(AudioFrame(f, 16000, i * 0.03))
    ours = (time.perf_counter() - t0) / len(frames)
    raw = webrtcvad.Vad(2)
    data = [f.tobytes() for f in frames]
    t0 = time.perf_counter()
    for d in data:
        raw.is_speech(d, 16000)
    lib = (time.perf_counter() - t0) / len(frames)
    return ours * 1e6, lib * 1e6


def bench_tts(texts: tuple[str, ...]) -> tuple[float, float, float]:
    """(s per sentence through synthesize(), s for the bare espeak-ng program, audio s)."""
    ours, raw, audio = [], [], 0.0
    for t in texts:
        t0 = time.perf_counter()
        a = synthesize(t)
        ours.append(time.perf_counter() - t0)
        audio += a.duration_s
        t0 = time.perf_counter()
        subprocess.run(["espeak-ng", "--stdout", t], capture_output=True, check=True)
        raw.append(time.perf_counter() - t0)
    return statistics.mean(ours), statistics.mean(raw), audio / len(texts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=evalset.PARTS, default="test")
    ap.add_argument("--every", type=int, default=1, help="score every N-th phrase (default all)")
    ap.add_argument("--configs", default="raw,core", help="comma-separated configuration names")
    ap.add_argument("--threads", type=int, default=2, help="Whisper CPU threads (default 2)")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="clean-speech cache folder")
    ap.add_argument("--json", type=Path, help="write every outcome here")
    ap.add_argument("--clean", action="store_true", help="also each phrase without noise")
    ap.add_argument("--no-micro", action="store_true", help="skip the VAD and TTS figures")
    ap.add_argument("--noise-only", action="store_true",
                    help="only run noise without speech through the configurations")  # fmt: skip
    args = ap.parse_args()

    items = evalset.load_part(EVAL_DIR / f"{args.part}.yaml")[:: max(1, args.every)]
    conds = evalset.design(items, clean=args.clean)
    names = [n.strip() for n in args.configs.split(",") if n.strip()]
    if args.noise_only:
        for name, make in configs(args.threads, names).items():
            bench_noise_only(name, make())
        return 0
    print(f"speech evaluation, {args.part} part: {len(items)} phrases x {len(conds) // len(items)} "
          f"conditions = {len(conds)} utterances; Whisper {default_model_dir().name}, "
          f"{args.threads} threads; mean WER (RTF)", flush=True)  # fmt: skip
    results: dict[str, list[Outcome]] = {}
    for name, make in configs(args.threads, names).items():
        t0 = time.perf_counter()
        outs = evaluate(make(), conds, args.cache)
        results[name] = outs
        by_snr = table(name, outs, snr_key)
        rtf = sum(o.busy_s for o in outs) / sum(o.audio_s for o in outs)
        cells = "  ".join(f"{k} {v:.3f}" for k, v in by_snr.items())
        print(f"{name:28s} {cells}  all {np.mean([o.wer for o in outs]):.3f}  "
              f"corpus {corpus_wer(outs):.3f}  RTF {rtf:.2f}  "
              f"({time.perf_counter() - t0:.0f} s)", flush=True)  # fmt: skip
    for name, outs in results.items():
        print(f"\n{name}: WER by noise kind x SNR")
        by = table(name, outs, lambda o: f"{o.cond.kind:7s} {snr_key(o)}")
        for k, v in by.items():
            print(f"  {k:18s} {v:.3f}")
        print(f"{name}: WER by voice (all SNRs)")
        for k, v in table(name, outs, lambda o: o.cond.voice).items():
            print(f"  {k:22s} {v:.3f}")
    if args.json:
        args.json.write_text(json.dumps({
            name: [{"id": o.cond.item.id, "label": o.cond.label, "voice": o.cond.voice,
                    "rate": o.cond.rate_wpm, "text": o.text, "wer": o.wer,
                    "busy_s": o.busy_s, "audio_s": o.audio_s} for o in outs]
            for name, outs in results.items()}, indent=1))  # fmt: skip
    if args.part == "test":
        print("(test part: misses are not printed; tune on --part dev)")
    elif args.part == "dev":
        for name, outs in results.items():
            worst = sorted(outs, key=lambda o: -o.wer)[:15]
            print(f"\n{name}: worst dev utterances")
            for o in worst:
                print(f"  {o.wer:.2f} {o.cond.label:10s} {o.cond.voice:18s} "
                      f"{o.cond.item.text!r} -> {o.text!r}")
    if not args.no_micro:
        speech = [evalset.render(c, args.cache) for c in conds[:24]]
        vad_ours, vad_raw = bench_vad(speech)
        print(f"\nVAD per 30 ms frame: core {vad_ours:.1f} µs, raw webrtcvad.is_speech "
              f"{vad_raw:.1f} µs, ratio {vad_ours / vad_raw:.1f}")
        t_ours, t_raw, t_audio = bench_tts(COCKPIT_PHRASES[:6])
        print(f"TTS per sentence ({t_audio:.1f} s of audio): synthesize() {t_ours * 1000:.0f} ms,"
              f" bare espeak-ng {t_raw * 1000:.0f} ms, ratio {t_ours / t_raw:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
