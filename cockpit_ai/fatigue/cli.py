"""``cockpit-ai fatigue measure|replay``: per-frame face measures to CSV, and the core over a CSV.

``measure`` runs the face model on real frames (images, folders, videos) and writes the
measures CSV; ``replay`` feeds such a CSV through the plain-Python core and prints what it
found. The column names and the summary keys are a contract (tests and users rely on them).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``fatigue measure`` and ``fatigue replay``."""
    parser = sub.add_parser(
        "fatigue", help="driver drowsiness: measure faces in frames, replay measures",
        description="Driver drowsiness from the cabin camera: eyes, yawns, nods.")
    actions = parser.add_subparsers(dest="fatigue_command", metavar="ACTION")
    parser.set_defaults(func=lambda args: _usage(parser))

    measure = actions.add_parser(
        "measure", help="face measures of real frames (face model) to a CSV",
        description="Run the face mesh on images, folders of images (name order) and videos; "
                    "write one CSV row per frame: t,ear_left,ear_right,mar,pitch_deg,yaw_deg "
                    "(empty = driver's face not seen), then faces,source.")
    measure.add_argument("inputs", nargs="+", metavar="IMAGE|VIDEO|FOLDER",
                         help="image files, folders of images or video files, in time order")
    measure.add_argument("--fps", type=float, default=None,
                         help="frame rate of image inputs (default 15); videos keep their own "
                              "timing and are sampled down to this rate when given")
    measure.add_argument("--csv", required=True, type=Path, metavar="OUT",
                         help="CSV file to write")
    measure.add_argument("--driver-side", choices=("any", "left", "right"), default="any",
                         help="where the driver sits in the image; 'any' accepts only a single "
                              "face (default any)")
    measure.add_argument("--static", action="store_true",
                         help="detect the face anew in every frame (unrelated photos) instead "
                              "of tracking it as in a video")
    measure.set_defaults(func=_measure)

    replay = actions.add_parser(
        "replay", help="run a measures CSV through the fatigue core and summarise",
        description="Feed a measures CSV through the indicators and the fusion (the first "
                    "minute calibrates the driver's own open eye); print blinks, microsleeps, "
                    "yawns, nods, PERCLOS of the last 60 s, the final and the highest level, "
                    "and the level changes with their times.")
    replay.add_argument("file", type=Path, metavar="FILE.csv", help="measures CSV")
    replay.add_argument("--json", action="store_true", help="print the summary as JSON")
    replay.add_argument("--calibration-s", type=float, default=None, metavar="S",
                        help="seconds of open-eye calibration (default 60)")
    replay.set_defaults(func=_replay)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _fail(message: str) -> int:
    print(f"cockpit-ai fatigue: {message}", file=sys.stderr)
    return 1


def _measure(args: argparse.Namespace) -> int:
    from cockpit_ai.fatigue.common import FatigueError
    from cockpit_ai.fatigue.measures import CSV_COLUMNS, measures_row

    try:
        from cockpit_ai.fatigue.face import FaceAnalyzer, iter_frames
    except ImportError as exc:
        return _fail(f"the face model cannot be loaded ({exc}); run `make setup`")
    frames = 0
    seen = 0
    try:
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        with args.csv.open("w", newline="", encoding="utf-8") as handle, FaceAnalyzer(
                driver_side=args.driver_side, static=args.static) as analyzer:
            writer = csv.writer(handle)
            writer.writerow([*CSV_COLUMNS, "faces", "source"])
            for frame in iter_frames(args.inputs, fps=args.fps):
                result = analyzer.measure(frame.image, t=frame.t)
                writer.writerow([*measures_row(result.measures), result.faces, frame.source])
                frames += 1
                seen += result.face_visible
    except FatigueError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot write {args.csv}: {exc.strerror or exc}")
    print(f"{frames} frames, driver's face in {seen}: {args.csv}")
    return 0


def _replay(args: argparse.Namespace) -> int:
    from cockpit_ai.fatigue.common import FatigueError
    from cockpit_ai.fatigue.fusion import replay
    from cockpit_ai.fatigue.measures import read_measures_csv
    from cockpit_ai.fatigue.settings import IndicatorSettings

    try:
        settings = IndicatorSettings()
        if args.calibration_s is not None:
            # A short calibration (a few test frames) needs only a few visible frames.
            settings = IndicatorSettings(calibration_s=args.calibration_s,
                                         calibration_min_frames=3)
        frames = read_measures_csv(args.file)
        summary = replay(frames, indicator_settings=settings)
    except FatigueError as exc:
        return _fail(str(exc))
    data = summary.to_dict()
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    ear = f", open-eye EAR {summary.ear_open:.3f}" if summary.ear_open is not None else ""
    perclos = "-" if summary.perclos is None else f"{summary.perclos:.3f}"
    lines = [
        f"frames: {summary.frames} ({summary.duration_s:.1f} s)",
        f"calibrated: {'yes' if summary.calibrated else 'no'}{ear}",
        f"blinks: {summary.blinks}",
        f"microsleeps: {summary.microsleeps}",
        f"yawns: {summary.yawns}",
        f"nods: {summary.nods}",
        f"distractions: {summary.distractions}",
        f"perclos: {perclos}",
        f"level: {summary.level}",
        f"max_level: {summary.max_level}",
        "events:",
    ]
    for event in summary.events:
        cues = f"  ({', '.join(event['cues'])})" if event["cues"] else ""  # type: ignore[arg-type]
        lines.append(f"  {event['t']:9.2f} s  {event['kind']:4}  "
                     f"{event['previous_level']} -> {event['level']}{cues}")
    print("\n".join(lines))
    return 0
