"""``cockpit-ai bag record|play|info`` — rosbag2 (MCAP by default) without ros2bag."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``bag`` subcommands."""
    bag = sub.add_parser("bag", help="record, replay and inspect rosbag2 files (MCAP, sqlite3)",
                         description="Record, replay and inspect rosbag2 files.")
    bsub = bag.add_subparsers(dest="bag_command", metavar="SUBCOMMAND")

    rec = bsub.add_parser("record", help="record topics into a new bag",
                          description="Record topics (all when --topics is not given) into OUT.")
    rec.add_argument("output", metavar="OUT", help="new bag folder")
    rec.add_argument("--topics", nargs="+", default=[], metavar="T", help="topics to record")
    rec.add_argument("--duration", type=float, default=0.0, metavar="S",
                     help="stop after S seconds (default: until Ctrl-C)")
    rec.add_argument("--storage", choices=("mcap", "sqlite3"), default="mcap")
    rec.set_defaults(func=_record)

    play = bsub.add_parser("play", help="replay a bag at its recorded timing",
                           description="Replay a bag's messages onto their topics.")
    play.add_argument("bag", metavar="BAG")
    play.add_argument("--rate", type=float, default=1.0, metavar="R", help="speed factor")
    play.add_argument("--loop", action="store_true", help="play again and again")
    play.add_argument("--topics", nargs="+", default=[], metavar="T", help="only these topics")
    play.add_argument("--clock", action="store_true", help="publish /clock for use_sim_time")
    play.add_argument("--wait-for-subscribers", type=float, default=0.0, metavar="S",
                      help="wait up to S seconds for a subscriber on every topic first")
    play.add_argument("--stats-json", default="", metavar="FILE",
                      help="when done, write messages published per topic and the timing "
                           "error as JSON to FILE")
    play.set_defaults(func=_play)

    audio = bsub.add_parser(
        "audio", help="write a bag's audio (AudioChunk) topic to a WAV file",
        description="Joins the AudioChunk messages of one topic into a 16-bit WAV file, lost "
                    "chunks (sequence gaps) filled with silence, to transcribe offline or listen.")
    audio.add_argument("bag", metavar="BAG")
    audio.add_argument("out", metavar="OUT.wav")
    audio.add_argument("--topic", default="", metavar="T",
                       help="the AudioChunk topic (default: the only one in the bag)")
    audio.add_argument("--json", action="store_true", help="print what was written as JSON")
    audio.set_defaults(func=_audio)

    info = bsub.add_parser("info", help="topics, types, counts and duration of a bag")
    info.add_argument("bag", metavar="BAG")
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(func=_info)
    bag.set_defaults(func=lambda a: (bag.print_help(), 2)[1])


def _run(factory: object) -> int:
    from cockpit_ai.ros.run import run_node

    return run_node(factory, args=[])  # type: ignore[arg-type]


def _record(args: argparse.Namespace) -> int:
    from cockpit_ai.bag.bag_recorder_node import BagRecorderNode

    overrides = {"output": args.output, "topics": list(args.topics), "storage": args.storage,
                 "duration_s": float(args.duration)}
    return _run(lambda: BagRecorderNode(overrides=overrides))


def _play(args: argparse.Namespace) -> int:
    from cockpit_ai.bag.bag_player_node import BagPlayerNode
    from cockpit_ai.bag.types import BagError

    if args.rate <= 0:
        print("cockpit-ai bag play: --rate must be > 0", file=sys.stderr)
        return 2
    try:
        from cockpit_ai.bag.core import bag_info

        bag_info(args.bag)  # metadata and index; a chunk corrupt further in fails in play
    except BagError as exc:
        print(f"cockpit-ai bag play: {exc}", file=sys.stderr)
        return 1
    overrides = {"bag": args.bag, "rate": float(args.rate), "loop": bool(args.loop),
                 "topics": list(args.topics), "clock": bool(args.clock),
                 "wait_for_subscribers_s": float(args.wait_for_subscribers),
                 "stats_file": str(args.stats_json)}
    return _run(lambda: BagPlayerNode(overrides=overrides))


def _audio(args: argparse.Namespace) -> int:
    from cockpit_ai.bag.audio import export_wav
    from cockpit_ai.bag.types import BagError

    try:
        res = export_wav(args.bag, args.out, topic=args.topic)
    except BagError as exc:
        print(f"cockpit-ai bag audio: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(res.as_dict(), indent=2))
    else:
        print(f"{args.out}: {res.chunks} chunks from {res.topic}, {res.duration_s:.2f} s at "
              f"{res.sample_rate_hz} Hz, first sample at stamp {res.start_time_s:.3f} s, "
              f"{res.missing_chunks} lost chunks filled with silence")
    return 0


def _info(args: argparse.Namespace) -> int:
    from cockpit_ai.bag.core import bag_info
    from cockpit_ai.bag.types import BagError

    try:
        info = bag_info(args.bag)
    except BagError as exc:
        print(f"cockpit-ai bag info: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({
            "path": str(info.path), "storage": info.storage, "duration_s": info.duration_s,
            "start_ns": info.start_ns, "end_ns": info.end_ns,
            "message_count": info.message_count,
            "topics": [{"name": t.name, "type": t.msgtype, "count": t.count} for t in info.topics],
        }, indent=2))
        return 0
    print(f"Bag:          {info.path}")
    print(f"Storage:      {info.storage}")
    print(f"Duration:     {info.duration_s:.3f} s")
    print(f"Messages:     {info.message_count}")
    print("Topics:")
    width = max((len(t.name) for t in info.topics), default=0)
    for t in info.topics:
        print(f"  {t.name:<{width}}  {t.count:>8}  {t.msgtype}")
    return 0
