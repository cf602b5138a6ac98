"""Writes the demo drive as a rosbag2 (MCAP) from assets that ship in packages.

- GPS (``fix``) and odometry (``odom``) along real streets of the OSM extract
  (``route.py``), with GNSS noise and a stop at a red light;
- road camera (``road/image_raw``): windows sliding over Ultralytics' ``bus.jpg``;
- cabin camera (``cabin/image_raw``): matplotlib's ``grace_hopper.jpg`` whose eyes are
  painted shut (``fatigue.synth``) at the blinks and growing closures of ``scenario.py``;
- microphone (``audio``): cabin noise with the questions spoken by espeak-ng.

It also writes ``expected.json``: what the landmark core says from the true positions at
each question, which the replay regression test checks the dialogue against.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from cockpit_ai.demo import scenario as sc
from cockpit_ai.demo.route import drive, load_streets, noisy_fix, route_points

BAG_VERSION = "drive-v2"  # v2: the home question (issue 13)


def demo_bag_dir(data: Path) -> Path:
    """Where the generated demo drive lives."""
    return data / "demo" / BAG_VERSION


def _stamp(msg: Any, t: float) -> None:
    ns = int(sc.START.timestamp() * 1e9) + int(round(t * 1e9))
    msg.header.stamp.sec, msg.header.stamp.nanosec = ns // 10**9, ns % 10**9


def _t_ns(t: float) -> int:
    return int(sc.START.timestamp() * 1e9) + int(round(t * 1e9))


def _cabin_frames() -> tuple[np.ndarray, np.ndarray]:
    """An open-eyed and a shut-eyed cabin frame of a real face (Grace Hopper)."""
    import cv2
    from matplotlib import cbook

    from cockpit_ai.fatigue.face import FaceAnalyzer
    from cockpit_ai.fatigue.synth import close_eyes

    path = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    img = cv2.imread(str(path))
    if img is None:
        raise RuntimeError(f"cannot read {path}")
    w, h = sc.CABIN_SIZE
    # Crop the face region with a 4:3 aspect, like a cabin camera in front of the driver.
    ih, iw = img.shape[:2]
    crop_h = int(ih * 0.8)
    crop_w = min(iw, int(crop_h * w / h))
    x0 = (iw - crop_w) // 2
    frame = cv2.resize(img[0:crop_h, x0:x0 + crop_w], (w, h), interpolation=cv2.INTER_AREA)
    with FaceAnalyzer(static=True) as fa:
        faces = fa.landmarks(frame)
    if len(faces) != 1:
        raise RuntimeError(f"expected one face in the cabin frame, found {len(faces)}")
    shut = close_eyes(frame, faces[0])
    return frame, shut


def _road_frames(n: int) -> list[np.ndarray]:
    """Windows sliding over a real street photo (bus and pedestrians)."""
    import cv2
    import ultralytics

    path = Path(ultralytics.__file__).parent / "assets" / "bus.jpg"
    img = cv2.imread(str(path))
    if img is None:
        raise RuntimeError(f"cannot read {path}")
    w, h = sc.ROAD_SIZE
    scale = (w * 1.25) / img.shape[1]
    big = cv2.resize(img, (int(img.shape[1] * scale), int(img.shape[0] * scale)))
    frames = []
    max_x, max_y = big.shape[1] - w, big.shape[0] - h
    for i in range(n):
        phase = (i % 40) / 40.0
        x = int(max_x * (0.5 + 0.5 * math.sin(2 * math.pi * phase)))
        y = int(max_y * 0.55)
        frames.append(big[y:y + h, x:x + w].copy())
    return frames


def _odometry(p: Any, origin: tuple[float, float]) -> Any:
    from geographiclib.geodesic import Geodesic
    from nav_msgs.msg import Odometry

    g = Geodesic.WGS84.Inverse(origin[0], origin[1], p.lat, p.lon)
    east = g["s12"] * math.sin(math.radians(g["azi1"]))
    north = g["s12"] * math.cos(math.radians(g["azi1"]))
    msg = Odometry()
    msg.header.frame_id = "odom"
    msg.child_frame_id = "base_link"
    msg.pose.pose.position.x, msg.pose.pose.position.y = east, north
    yaw = math.radians(90.0 - p.heading_deg)  # ENU yaw from a compass heading
    msg.pose.pose.orientation.z = math.sin(yaw / 2)
    msg.pose.pose.orientation.w = math.cos(yaw / 2)
    msg.twist.twist.linear.x = p.speed_mps
    return msg


def expected_answers(track: list[Any], data: Path) -> dict[str, Any]:
    """What the landmark core answers from the true position at each question."""
    from datetime import timedelta

    from cockpit_ai.landmark.geometry import Side
    from cockpit_ai.landmark.query import LandmarkFinder, PoiQuery

    out: dict[str, Any] = {"questions": []}
    with LandmarkFinder(data / "poi" / "helsinki.sqlite") as finder:
        for q in sc.QUESTIONS:
            when = q.t + 2.0
            p = min(track, key=lambda tp: abs(float(tp.t) - when))
            at = sc.START + timedelta(seconds=q.t)
            item: dict[str, Any] = {"t": q.t, "text": q.text, "kind": q.kind,
                                    "lat": p.lat, "lon": p.lon, "heading_deg": p.heading_deg}
            if q.kind == "landmark":
                res = finder.query(PoiQuery(p.lat, p.lon, p.heading_deg, at, side=Side.RIGHT,
                                            radius_m=300, limit=5, min_prominence=0.3))
                item["right_side_names"] = [r.name_en or r.name for r in res] + [
                    r.name for r in res]
            elif q.kind == "poi":
                res = finder.query(PoiQuery(p.lat, p.lon, p.heading_deg, at, radius_m=1500,
                                            categories=("restaurant",), diets=("vegetarian",),
                                            open_now=True, limit=20))
                item["matching_names"] = [r.name for r in res]
            out["questions"].append(item)
    out["drowsy_from_s"] = sc.DROWSY_FROM_S
    out["climate"] = {"function": "climate", "action": "set", "value": "21",
                      "unit": "celsius"}
    return out


def make_drive_bag(data: Path, *, log: Callable[[str], None] = print,
                   force: bool = False) -> Path:
    """Generate the demo bag (idempotent: kept when already complete)."""
    from rclpy.serialization import serialize_message
    from sensor_msgs.msg import NavSatFix, NavSatStatus

    from cockpit_ai.bag.core import BagWriter
    from cockpit_ai.msg import AudioChunk
    from cockpit_ai.speech.synth import make_speech, noise_only
    from cockpit_ai.vision.images import array_to_image

    out = demo_bag_dir(data)
    if (out / "expected.json").exists() and not force:
        return out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    ns = sc.NAMESPACE
    log("demo bag: planning the route on the OSM street network")
    streets = load_streets(data / "osm" / "helsinki.osm.pbf")
    points = route_points(streets, list(sc.WAYPOINTS))
    track = drive(points, cruise_mps=sc.CRUISE_MPS, stop_at_m=sc.STOP_AT_M, stop_s=sc.STOP_S,
                  rate_hz=sc.ODOM_HZ)
    duration = track[-1].t
    log(f"demo bag: {track[-1].distance_m:.0f} m in {duration:.0f} s")
    writer = BagWriter(out / "bag")
    topics = {
        "fix": "sensor_msgs/msg/NavSatFix", "odom": "nav_msgs/msg/Odometry",
        "road/image_raw": "sensor_msgs/msg/Image", "cabin/image_raw": "sensor_msgs/msg/Image",
        "audio": "cockpit_ai/msg/AudioChunk",
    }
    for name, msgtype in topics.items():
        writer.add_topic(f"{ns}/{name}", msgtype)
    records: list[tuple[int, str, bytes]] = []

    rng = np.random.default_rng(7)
    origin = (track[0].lat, track[0].lon)
    step = int(round(sc.ODOM_HZ / sc.FIX_HZ))
    for i, p in enumerate(track):
        odom = _odometry(p, origin)
        _stamp(odom, p.t)
        records.append((_t_ns(p.t), f"{ns}/odom", serialize_message(odom)))
        if i % step == 0:
            lat, lon = noisy_fix(p, rng, sigma_m=sc.GNSS_SIGMA_M)
            fix = NavSatFix(latitude=lat, longitude=lon, altitude=20.0)
            fix.header.frame_id = "gnss"
            fix.status.status = NavSatStatus.STATUS_FIX
            fix.status.service = NavSatStatus.SERVICE_GPS
            fix.position_covariance = [sc.GNSS_SIGMA_M**2, 0, 0, 0, sc.GNSS_SIGMA_M**2, 0,
                                       0, 0, 9.0]
            fix.position_covariance_type = NavSatFix.COVARIANCE_TYPE_DIAGONAL_KNOWN
            _stamp(fix, p.t)
            records.append((_t_ns(p.t), f"{ns}/fix", serialize_message(fix)))

    log("demo bag: road camera frames")
    n_road = int(duration * sc.ROAD_HZ)
    for i, frame in enumerate(_road_frames(n_road)):
        t = i / sc.ROAD_HZ
        msg = array_to_image(frame, encoding="bgr8")
        msg.header.frame_id = "road_camera"
        _stamp(msg, t)
        records.append((_t_ns(t), f"{ns}/road/image_raw", serialize_message(msg)))

    log("demo bag: cabin camera frames (eyes painted shut at the closures)")
    open_frame, shut_frame = _cabin_frames()
    closures = sc.eye_closures(duration)
    n_cabin = int(duration * sc.CABIN_HZ)
    for i in range(n_cabin):
        t = i / sc.CABIN_HZ
        shut = any(e.t <= t < e.t + e.duration for e in closures)
        msg = array_to_image(shut_frame if shut else open_frame, encoding="bgr8")
        msg.header.frame_id = "cabin_camera"
        _stamp(msg, t)
        records.append((_t_ns(t), f"{ns}/cabin/image_raw", serialize_message(msg)))

    log("demo bag: microphone (cabin noise and spoken questions, espeak-ng)")
    rate = 16000
    audio = noise_only(duration + 1.0, level_dbfs=-50.0, seed=3).astype(np.int32)
    spoken = []
    for q in sc.QUESTIONS:
        speech = make_speech(q.text, trailing_silence_s=0.0)
        a = int(q.t * rate)
        seg = speech.samples.astype(np.int32)
        audio[a:a + len(seg)] += seg[: len(audio) - a]
        spoken.append({"t": q.t, "speech_start_s": q.t + speech.speech_start_s,
                       "speech_end_s": q.t + speech.speech_end_s})
    audio = np.clip(audio, -32768, 32767).astype(np.int16)
    chunk = int(sc.AUDIO_CHUNK_S * rate)
    for k in range(int(duration / sc.AUDIO_CHUNK_S)):
        t = k * sc.AUDIO_CHUNK_S
        msg = AudioChunk(sample_rate_hz=rate, channels=1, encoding=AudioChunk.ENCODING_S16LE,
                         sequence=k, samples=audio[k * chunk:(k + 1) * chunk].tolist())
        msg.header.frame_id = "cabin_microphone"
        _stamp(msg, t)
        records.append((_t_ns(t), f"{ns}/audio", serialize_message(msg)))

    log(f"demo bag: writing {len(records)} messages")
    records.sort(key=lambda r: r[0])
    for t_ns, topic, data_bytes in records:
        writer.write(topic, data_bytes, t_ns)
    writer.close()

    expected = expected_answers(track, data)
    expected["speech"] = spoken
    expected["duration_s"] = duration
    expected["start"] = sc.START.isoformat()
    expected["track"] = [[p.t, p.lat, p.lon] for p in track[:: int(sc.ODOM_HZ)]]
    (out / "expected.json").write_text(json.dumps(expected, indent=1))
    log(f"demo bag: ready in {out}")
    return out


def cut_bag(src: Path, dst: Path, start_s: float, end_s: float) -> Path:
    """A copy of the drive's bag with only its messages from ``start_s`` to ``end_s`` of
    drive time (a shorter run: the stamps stay those of the whole drive)."""
    from cockpit_ai.bag.core import BagWriter, bag_info, read_messages
    from cockpit_ai.demo.faults import DemoInputError

    if not 0.0 <= start_s < end_s:
        raise DemoInputError(f"drive window {start_s:g}..{end_s:g} s: need 0 <= from < to")
    if dst.exists():
        shutil.rmtree(dst)
    t0 = _t_ns(0.0)
    writer = BagWriter(dst)
    try:
        for topic in bag_info(src).topics:
            writer.add_topic(topic.name, topic.msgtype)
        for m in read_messages(src):
            if start_s <= (m.timestamp_ns - t0) / 1e9 <= end_s:
                writer.write(m.topic, m.data, m.timestamp_ns)
    finally:
        writer.close()
    return dst
