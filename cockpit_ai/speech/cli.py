"""Speech subcommands: `transcribe FILE` (the VAD + ASR core on a file) and `say TEXT --out`."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict


def register(sub: argparse._SubParsersAction) -> None:
    """Add `transcribe` and `say` to the `cockpit-ai` command line."""
    p = sub.add_parser(
        "transcribe",
        help="transcribe an audio file with the speech core (VAD + offline Whisper)",
        description="Runs the same VAD + ASR core as speech_node on a WAV/FLAC file and "
        "prints each utterance with its start/end time in seconds from the file start.",
    )
    p.add_argument("file", help="audio file (WAV; FLAC and others via sox)")
    p.add_argument("--json", action="store_true", help="one JSON object per utterance")
    p.add_argument("--beam", type=int, default=5, help="beam size (1 = greedy; default 5)")
    p.add_argument("--no-prompt", action="store_true", help="no cockpit vocabulary prompt")
    p.add_argument("--hotword", action="append", default=[], help="a name to expect (repeatable)")
    p.add_argument("--wake", action="append", default=[], help="wake phrase (default hey qwen)")
    p.add_argument("--vad", type=int, default=2, choices=(0, 1, 2, 3), help="VAD aggressiveness")
    p.add_argument("--threads", type=int, default=2, help="CPU threads for Whisper")
    p.set_defaults(func=_transcribe)

    s = sub.add_parser(
        "say",
        help="speak text with espeak-ng into a 16 kHz WAV file",
        description="Text to speech with espeak-ng (the tts_node's voice), written to a WAV "
        "file; with --snr adds brown (car-cabin) noise, for tests and demos.",
    )
    s.add_argument("text", help="what to say")
    s.add_argument("--out", required=True, help="output WAV file")
    s.add_argument("--voice", default="en-us", help="espeak-ng voice (default en-us)")
    s.add_argument("--rate", type=int, default=165, help="words per minute (default 165)")
    s.add_argument("--pitch", type=int, default=50, help="pitch 0..99 (default 50)")
    s.add_argument("--lead", type=float, default=0.0, help="seconds of silence before speech")
    s.add_argument("--snr", type=float, default=None, help="add brown noise at this SNR (dB)")
    s.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    s.set_defaults(func=_say)


def _transcribe(args: argparse.Namespace) -> int:
    from cockpit_ai.speech import SpeechError
    from cockpit_ai.speech.asr import WhisperConfig
    from cockpit_ai.speech.pipeline import PipelineConfig, transcribe_file
    from cockpit_ai.speech.vad import VadConfig
    from cockpit_ai.speech.wake import WakeConfig

    try:
        cfg = PipelineConfig(
            vad=VadConfig(aggressiveness=args.vad),
            wake=WakeConfig(phrases=tuple(args.wake) or ("hey qwen",)),
            whisper=WhisperConfig(
                beam_size=args.beam, use_prompt=not args.no_prompt, cpu_threads=args.threads
            ),
        )
        from cockpit_ai.speech.pipeline import SpeechPipeline

        pipe = SpeechPipeline(cfg)
        if args.hotword:
            pipe.set_hotwords(args.hotword)
        results = transcribe_file(args.file, pipeline=pipe)
    except SpeechError as exc:
        print(f"cockpit-ai transcribe: {exc}", file=sys.stderr)
        return 1
    for r in results:
        t = r.transcript
        if t is None:
            continue
        if args.json:
            out = asdict(t)
            if r.features is not None:
                out["voice_features"] = asdict(r.features)
            print(json.dumps(out), flush=True)
        else:
            wake = " [wake]" if t.wake_word_heard else ""
            print(f"{t.start_time:7.2f} {t.end_time:7.2f}  {t.text}{wake}", flush=True)
    return 0


def _say(args: argparse.Namespace) -> int:
    from cockpit_ai.speech import SpeechError
    from cockpit_ai.speech.synth import make_speech_wav
    from cockpit_ai.speech.tts import TtsConfig

    try:
        speech = make_speech_wav(
            args.out,
            args.text,
            leading_silence_s=max(0.0, args.lead),
            trailing_silence_s=0.3,
            snr_db=args.snr,
            seed=args.seed,
            tts=TtsConfig(voice=args.voice, rate_wpm=args.rate, pitch=args.pitch),
        )
    except (SpeechError, OSError) as exc:
        print(f"cockpit-ai say: {exc}", file=sys.stderr)
        return 1
    print(
        f"{args.out}: {len(speech.samples) / speech.sample_rate:.2f} s, speech "
        f"{speech.speech_start_s:.2f}-{speech.speech_end_s:.2f} s"
    )
    return 0
