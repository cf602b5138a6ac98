"""`cockpit-ai fatigue measure` on real frames -> CSV -> `fatigue replay` (keys are a contract)."""

from __future__ import annotations

import csv
import json

import pytest

from cockpit_ai.cli import main
from cockpit_ai.fatigue import write_measures_csv

from .sim import DriverSim

SUMMARY_KEYS = {"blinks", "microsleeps", "yawns", "nods", "perclos", "level", "max_level",
                "events"}


def test_measure_folder_then_replay_json(tmp_path, capsys) -> None:
    cv2 = pytest.importorskip("cv2")
    pytest.importorskip("mediapipe", reason="mediapipe==0.10.14 is installed by `make setup`")
    from cockpit_ai.fatigue.face import FaceAnalyzer
    from cockpit_ai.fatigue.synth import close_eyes

    from .test_face import face_photos

    image = face_photos()["zidane"]
    with FaceAnalyzer(static=True) as analyzer:
        shut = close_eyes(image, analyzer.measure(image, t=0.0).landmarks)
    folder = tmp_path / "frames"
    folder.mkdir()
    # 10 FPS: 1.5 s open, 1.5 s shut (a microsleep), 0.8 s open.
    sequence = [image] * 15 + [shut] * 15 + [image] * 8
    for i, frame in enumerate(sequence):
        cv2.imwrite(str(folder / f"frame{i}.png"), frame)     # natural order: 2 before 10
    out = tmp_path / "m.csv"
    assert main(["fatigue", "measure", str(folder), "--fps", "10", "--csv", str(out)]) == 0
    assert "38 frames, driver's face in 38" in capsys.readouterr().out
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0])[:6] == ["t", "ear_left", "ear_right", "mar", "pitch_deg", "yaw_deg"]
    assert [float(r["t"]) for r in rows[:3]] == pytest.approx([0.0, 0.1, 0.2])
    assert float(rows[5]["ear_left"]) > 0.2 and float(rows[20]["ear_left"]) < 0.15
    assert rows[20]["source"].endswith("frame20.png")

    assert main(["fatigue", "replay", str(out), "--json", "--calibration-s", "1"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary) >= SUMMARY_KEYS
    assert summary["microsleeps"] == 1 and summary["blinks"] == 0
    assert summary["max_level"] == "severe" and summary["level"] == "severe"
    events = summary["events"]
    assert events[0] == {"t": pytest.approx(1.0), "kind": "rise", "level": "alert",
                         "previous_level": "unknown", "cues": []}
    # In so short a recording PERCLOS climbs fast; by the time the closure has lasted 1 s
    # (shut at 1.5 s; the tracking mesh may lag the lids by a frame) the level is severe.
    assert all(e["kind"] == "rise" for e in events)
    assert events[-1]["level"] == "severe" and events[-1]["t"] <= 2.6 + 1e-6
    assert {"perclos", "microsleep"} & set(events[-1]["cues"])

    # Default calibration (60 s) is not reached by 3.5 s of frames: unknown, never alert.
    assert main(["fatigue", "replay", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary) >= SUMMARY_KEYS
    assert summary["level"] == "unknown" and summary["perclos"] is None


def test_replay_text_summary(tmp_path, capsys) -> None:
    sim = DriverSim(130.0, fps=10.0)
    sim.close_eyes(100.0, 1.5)
    sim.yawn(110.0, 4.0)
    path = tmp_path / "drive.csv"
    write_measures_csv(path, sim.frames())
    assert main(["fatigue", "replay", str(path)]) == 0
    text = capsys.readouterr().out
    for key in ("blinks: ", "microsleeps: 1", "yawns: 1", "nods: 0", "perclos: 0.025",
                "level: severe", "max_level: severe", "events:"):
        assert key in text, text
    assert "101.00 s  rise  alert -> severe  (microsleep)" in text


def test_user_errors_are_one_line_without_traceback(tmp_path, capsys) -> None:
    assert main(["fatigue", "replay", str(tmp_path / "absent.csv")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("cockpit-ai fatigue: cannot read") and "Traceback" not in err
    bad = tmp_path / "bad.csv"
    bad.write_text("time,ear\n1,2\n")
    assert main(["fatigue", "replay", str(bad)]) == 1
    assert "missing column(s) t, ear_left" in capsys.readouterr().err
    pytest.importorskip("mediapipe", reason="mediapipe==0.10.14 is installed by `make setup`")
    (tmp_path / "notes.txt").write_text("hello")
    assert main(["fatigue", "measure", str(tmp_path / "notes.txt"), "--csv",
                 str(tmp_path / "o.csv")]) == 1
    assert "not an image" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["fatigue", "measure", str(empty), "--csv", str(tmp_path / "o.csv")]) == 1
    assert "no images" in capsys.readouterr().err


def test_help_lists_both_actions(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["fatigue", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "measure" in out and "replay" in out
    assert main(["fatigue"]) == 2
    assert "ACTION" in capsys.readouterr().out


def test_measure_video_keeps_its_timing_and_samples_down(tmp_path, capsys) -> None:
    cv2 = pytest.importorskip("cv2")
    pytest.importorskip("mediapipe", reason="mediapipe==0.10.14 is installed by `make setup`")
    from .test_face import face_photos

    image = face_photos()["grace"]
    frame = cv2.resize(image, (512, 600))
    video = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 20.0,
                             (frame.shape[1], frame.shape[0]))
    assert writer.isOpened()
    for _ in range(20):
        writer.write(frame)
    writer.release()
    out = tmp_path / "v.csv"
    assert main(["fatigue", "measure", str(video), "--csv", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 20
    assert float(rows[1]["t"]) == pytest.approx(0.05)
    assert all(0.2 < float(r["ear_left"]) < 0.33 for r in rows)
    assert main(["fatigue", "measure", str(video), "--fps", "10", "--csv", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert [float(r["t"]) for r in rows] == pytest.approx([i / 10 for i in range(10)])
    capsys.readouterr()
