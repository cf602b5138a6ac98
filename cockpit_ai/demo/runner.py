"""``cockpit-ai demo``: the demo drive through the whole stack, live, with a report.

1. the demo bag (generated once from shipped assets, ``drive_bag.py``);
2. the full stack from ``launch/cockpit.launch.xml`` with the package's launcher
   (cameras and microphone replaced by the bag);
3. a recorder writing every output topic to MCAP, and a monitor printing the dialogue,
   fatigue alerts and vehicle commands as they happen;
4. the bag played at its recorded timing; then a report (``report.py``) and ``summary.json``.

Faults (``kills``, ``faults.py``): nodes killed with SIGKILL at moments of the drive come
back through the launch file's respawn; ``summary.json`` ``faults`` says when each died and
how long until it was back. ``window`` plays only a stretch of the drive (a shorter run).
``second_host`` runs part of the stack on another computer (``--two-hosts``: two network
namespaces, ``netns.py``); ``summary.json`` ``network`` then counts what crossed the link.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cockpit_ai.demo import scenario as sc
from cockpit_ai.demo.cpu import cpu_share, node_cpu_seconds, node_rss_bytes
from cockpit_ai.demo.faults import DemoInputError, FaultInjector, Kill
from cockpit_ai.errors import CockpitError
from cockpit_ai.launcher.supervisor import stop_process_group
from cockpit_ai.paths import cockpit_command

OUTPUT_TOPICS = ("transcript", "voice_features", "response", "vehicle_command",
                 "landmarks", "landmarks/nearby", "fatigue_state",
                 "road/detections", "cabin/detections", "tts/audio", "speech_active")
#: (topic, what must subscribe to it) — the stack is ready when every one has a subscriber.
#: After the drive, how long to wait at most for a killed node to come back.
FAULT_WAIT_S = 120.0
READY_WHEN = (("audio", "speech"), ("transcript", "planner"), ("cabin/image_raw", "fatigue"),
              ("road/image_raw", "vision"), ("fix", "landmark"), ("response", "tts"))


class DemoError(CockpitError, RuntimeError):
    """The demo cannot run (missing assets, a node that does not come up)."""


#: The two-host demo (issue 15): the dialogue on one computer (speech, planner, TTS, and
#: trips and home beside them), the camera models and the map on the other; the frames
#: cross JPEG-compressed.
HOST_A_ARGS = ("vision:=false", "fatigue:=false", "landmark:=false", "compress_images:=true")
HOST_B_ARGS = ("speech:=false", "tts:=false", "planner:=false", "trips:=false", "home:=false",
               "decompress_images:=true")


@dataclass
class SecondHost:
    """Part of the stack on another computer: ``prefix`` runs a program there (``ip netns
    exec ...``, ``ssh ...``), with ``env`` (its DDS settings) and ``launch_args`` for its
    launch; ``local_launch_args`` are this computer's. ``capture_iface``: count every packet
    on this link; ``interfaces()``: both computers' interface counters."""

    prefix: list[str]
    env: dict[str, str]
    launch_args: list[str] = field(default_factory=lambda: list(HOST_B_ARGS))
    local_launch_args: list[str] = field(default_factory=lambda: list(HOST_A_ARGS))
    capture_iface: str = ""
    interfaces: Callable[[], dict[str, Any]] | None = None


@dataclass
class DemoResult:
    """What a demo run produced."""

    out: Path
    summary: dict[str, Any]
    exit_code: int



def run_demo(*, out: Path | None = None, rate: float = 1.0, report: bool = True,
             ready_timeout_s: float = 300.0, settle_s: float = 25.0,
             launch_args: list[str] | None = None, echo: bool = True,
             kills: list[Kill] | None = None,
             window: tuple[float, float] | None = None,
             second_host: SecondHost | None = None, loops: int = 1,
             on_loop: Callable[[int, dict[str, Any]], None] | None = None) -> DemoResult:
    """Run the demo drive end to end and return the summary.

    ``kills``: nodes to SIGKILL at drive times (respawn brings them back); ``window``:
    (from, to) seconds of the drive to play instead of all of it; ``second_host``: run part
    of the stack on another computer; ``loops``: play the drive that many times through the
    same stack (the soak bench), ``on_loop(i, data)`` after each with that loop's summary,
    audio counts, CPU and resident memory per node (the summary returned is the last
    loop's)."""
    from cockpit_ai.demo.drive_bag import make_drive_bag
    from cockpit_ai.demo.monitor import Monitor
    from cockpit_ai.paths import data_dir
    from cockpit_ai.ros.probe import Probe

    def say(msg: str) -> None:
        print(f"[demo] {msg}", flush=True)

    data = data_dir()
    for needed in ("poi/helsinki.sqlite", "osm/helsinki.osm.pbf"):
        if not (data / needed).exists():
            raise DemoError(f"{data / needed} is missing: run `make setup` first")
    bag_dir = make_drive_bag(data, log=say)
    expected = json.loads((bag_dir / "expected.json").read_text())
    out = out or Path("out") / datetime.now().strftime("demo-%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    ns = sc.NAMESPACE
    say(f"output folder: {out}")
    play_bag = bag_dir / "bag"
    first, last = window or (0.0, float(expected["duration_s"]))
    last = min(last, float(expected["duration_s"]))
    for kill in kills or []:
        if not first <= kill.t < last:
            raise DemoInputError(f"--kill {kill.node}@{kill.t:g}: the drive played runs from "
                                 f"{first:g} to {last:.0f} s")
    if window is not None:
        from cockpit_ai.demo.drive_bag import cut_bag

        play_bag = cut_bag(play_bag, out / "drive-window", *window)
        say(f"playing the drive from {window[0]:g} s to {window[1]:g} s only")

    from cockpit_ai.ros.shm import NO_CLEAN_ENV, clean_stale_fastdds_files

    removed = clean_stale_fastdds_files()  # before any participant of ours exists
    if removed:
        say(f"removed {len(removed)} stale Fast DDS shared-memory files (killed processes)")
    procs: list[subprocess.Popen[bytes]] = []
    home = DemoHome(out, log=say)
    launch_args = (list(launch_args or []) + home.launch_args()
                   + demo_trips(out, expected, log=say))
    base_launch = ["launch", "cockpit_ai", "cockpit.launch.xml", "live_sensors:=false",
                   f"namespace:={ns.strip('/')}"]
    if second_host is not None:
        launch_args += second_host.local_launch_args
    launch_log = (out / "launch.log").open("wb")
    # the launcher must not clean while this process's monitor is creating its own files
    env = dict(os.environ, **{NO_CLEAN_ENV: "1"})
    capture: Any = None
    if second_host is not None and second_host.capture_iface:
        from cockpit_ai.demo.netns import LinkCapture

        # from before the first process: every packet the link carries is counted
        capture = LinkCapture(second_host.capture_iface).start()
    launcher = subprocess.Popen(
        cockpit_command() + base_launch + launch_args,
        stdout=launch_log, stderr=subprocess.STDOUT, start_new_session=True, env=env)
    procs.append(launcher)
    launchers = [launcher]
    if second_host is not None:
        say("starting the other computer's part: " + " ".join(second_host.launch_args))
        remote = subprocess.Popen(
            second_host.prefix + cockpit_command() + base_launch + second_host.launch_args,
            stdout=(out / "launch-b.log").open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True, env=dict(os.environ, **second_host.env))
        procs.append(remote)
        launchers.append(remote)
    probe = Probe("demo_monitor")
    started = time.monotonic()
    injector: FaultInjector | None = None
    try:
        monitor = Monitor(probe, ns, echo=echo)
        say("starting the stack (speech, vision x2, landmark, fatigue, planner, tts); "
            "loading models…")
        waiting = dict(READY_WHEN)
        if second_host is not None and "decompress_images:=true" in second_host.launch_args:
            # vision and fatigue read the decoded frames (the compressors read the raw ones)
            waiting = {(t + "/decompressed" if t.endswith("image_raw") else t): who
                       for t, who in READY_WHEN}
        last_note = 0.0
        me = probe.node.get_name()

        def others_subscribed(topic: str) -> bool:
            # the monitor itself subscribes to some of these topics: count the others only
            infos = probe.node.get_subscriptions_info_by_topic(f"{ns}/{topic}")
            return any(i.node_name != me for i in infos)

        while waiting:
            for topic in list(waiting):
                if others_subscribed(topic):
                    say(f"  {waiting.pop(topic)} ready ({time.monotonic() - started:.1f} s)")
            for proc in launchers:
                if proc.poll() is not None:
                    raise DemoError(f"a launcher exited ({proc.returncode}); see "
                                    f"{out / 'launch.log'}"
                                    + (f" and {out / 'launch-b.log'}" if second_host else ""))
            if time.monotonic() - started > ready_timeout_s:
                raise DemoError(f"not ready after {ready_timeout_s:.0f} s: "
                                f"{', '.join(waiting.values())}; see {out / 'launch.log'}")
            if time.monotonic() - last_note > 15:
                last_note = time.monotonic()
                if waiting:
                    say(f"  waiting for {', '.join(waiting.values())}…")
            time.sleep(0.1)
        if kills:
            injector = _injector(kills, launcher.pid, ns, monitor, probe, rate, say)
            injector.check_nodes()
        recorder = subprocess.Popen(
            cockpit_command() + ["bag", "record", str(out / "outputs"), "--topics"]
            + [f"{ns}/{t}" for t in OUTPUT_TOPICS],
            stdout=(out / "record.log").open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True)
        procs.append(recorder)
        time.sleep(1.0)  # the recorder finds the topics (discovery period 0.2 s)
        drive_s = (window[1] - window[0]) if window else expected["duration_s"]
        speech_before: dict[str, Any] | None = None
        for loop in range(loops):
            say(f"playing the drive ({drive_s:.0f} s of recording at rate {rate})"
                + (f", loop {loop + 1} of {loops}" if loops > 1 else ""))
            monitor.clock_origin = None  # set again by this loop's first fix
            loop_wall, first_event = time.time(), len(monitor.snapshot())
            play_json = out / ("play.json" if loops == 1 else f"play-{loop + 1}.json")
            cpu_before, cpu_t0 = _cpu(launchers), time.monotonic()
            player = subprocess.Popen(
                # waits for the DDS match of every topic first: audio published before the
                # speech node's reader is matched would be lost (76 chunks, 1.5 s, in a run)
                cockpit_command() + ["bag", "play", str(play_bag), "--rate", str(rate),
                                     "--wait-for-subscribers", "30",
                                     "--stats-json", str(play_json)],
                stdout=(out / "play.log").open("ab"), stderr=subprocess.STDOUT,
                start_new_session=True)
            procs.append(player)
            if injector is not None and loop == 0:
                injector.start()
            player.wait()
            cpu = cpu_share(cpu_before, _cpu(launchers), time.monotonic() - cpu_t0)
            say(f"drive finished; waiting up to {settle_s:.0f} s for the last answers")
            _settle(monitor, injector, settle_s, first_event)
            time.sleep(1.5)  # one more /diagnostics period: the speech node's final counters
            events = monitor.snapshot()[first_event:]
            fatigue = list(monitor.fatigue)
            speech = monitor.node_health("speech")
            audio = audio_summary(play_json, _since(speech, speech_before), f"{ns}/audio")
            speech_before = speech
            play_start = loop_wall
            if monitor.clock_origin is not None:  # when the player really published t = 0
                wall, t_bag = monitor.clock_origin
                play_start = wall - t_bag / rate
            if on_loop is not None:
                on_loop(loop, {
                    "summary": summarize(events, [], expected, play_start=play_start,
                                         rate=rate),
                    "audio": audio, "cpu_percent": cpu,
                    "rss_bytes": _rss(launchers), "wall": time.time()})
    finally:
        faults = injector.stop() if injector is not None else []
        probe.close()
        for proc in reversed(procs):
            stop_process_group(proc, timeout=30.0)  # > the launcher's 2 x GRACE_S
        network = capture.stop() if capture is not None else None  # the goodbyes too
        launch_log.close()
        mqtt = home.close()
    summary = summarize(events, fatigue, expected, play_start=play_start, rate=rate)
    summary["home"] = home_summary(events, mqtt)
    summary["audio"] = audio
    summary["cpu_percent"] = cpu
    summary["faults"] = [f.summary() for f in faults]
    if second_host is not None:
        summary["network"] = {
            "link": network,
            "interfaces": second_host.interfaces() if second_host.interfaces else None,
            "hosts": {"a": list(second_host.local_launch_args),
                      "b": list(second_host.launch_args)}}
    if report:
        from cockpit_ai.demo.report import write_report

        page = write_report(out, summary, expected)  # adds the latency table to summary
        say(f"report: {page}")
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    say(f"outputs recorded in {out / 'outputs'} (MCAP)")
    return DemoResult(out, summary, 0)


def _settle(monitor: Any, injector: FaultInjector | None, settle_s: float,
            first_event: int) -> None:
    """After a drive: wait until every question heard is answered (at least 3 s, at most
    ``settle_s``), and for a killed node still loading up to ``FAULT_WAIT_S``."""
    ended = time.monotonic()
    deadline = ended + settle_s
    while True:
        ev = monitor.snapshot()[first_event:]
        asked = {e["data"]["id"] for e in ev if e["kind"] == "transcript"}
        answered = {e["data"]["request_id"] for e in ev if e["kind"] == "response"}
        restarting = injector is not None and injector.pending()
        now = time.monotonic()
        if asked and asked <= answered and now > ended + 3 and not restarting:
            return
        if now > deadline and not (restarting and now < ended + FAULT_WAIT_S):
            return
        time.sleep(0.2)


def _since(now: dict[str, Any] | None, before: dict[str, Any] | None) -> dict[str, Any] | None:
    """A node's /diagnostics counters since an earlier reading (one loop of a soak)."""
    if now is None or before is None:
        return now
    values = dict(now.get("values", {}))
    for key in ("chunks", "dropped_frames"):
        if key in values and key in before.get("values", {}):
            values[key] = str(float(values[key]) - float(before["values"][key]))
    return {**now, "values": values}


def _rss(launchers: list[subprocess.Popen[bytes]]) -> dict[str, int]:
    """Resident memory per node under every launcher."""
    total: dict[str, int] = {}
    for proc in launchers:
        for name, size in node_rss_bytes(proc.pid).items():
            total[name] = total.get(name, 0) + size
    return total


def _cpu(launchers: list[subprocess.Popen[bytes]]) -> dict[str, float]:
    """CPU seconds per node under every launcher (both computers of a two-host run)."""
    total: dict[str, float] = {}
    for proc in launchers:
        for name, seconds in node_cpu_seconds(proc.pid).items():
            total[name] = total.get(name, 0.0) + seconds
    return total


def _injector(kills: list[Kill], launcher_pid: int, ns: str, monitor: Any, probe: Any,
              rate: float, say: Any) -> FaultInjector:
    """The kills of this drive, timed by the drive's clock (the monitor's first fix)."""

    def drive_time() -> float | None:
        origin = monitor.clock_origin
        if origin is None:
            return None
        wall, t_bag = origin
        return float(t_bag + (time.time() - wall) * rate)

    def endpoints(topic: str) -> list[tuple[str, bytes]]:
        return [(i.node_name, bytes(i.endpoint_gid))
                for i in probe.node.get_subscriptions_info_by_topic(topic)]

    return FaultInjector(list(kills), launcher_pid, ns, drive_time, endpoints, log=say)


def demo_trips(out: Path, expected: dict[str, Any], *, log: Any = print) -> list[str]:
    """The trips node's history for the demo: the same drive home on earlier Fridays
    (``scenario.HABIT_WEEKS``), in ``out/trips.sqlite``; returns the launch arguments."""
    from datetime import timedelta

    import yaml

    from cockpit_ai.paths import package_share
    from cockpit_ai.trips.detector import Trip, distance_m
    from cockpit_ai.trips.places import StreetLookup
    from cockpit_ai.trips.store import StoredTrip, TripStore

    # the same streets as this drive (its true track, 1 Hz), so it is the usual route
    track = [(float(lat), float(lon)) for _, lat, lon in expected["track"]]
    start, duration = track[0], float(expected["duration_s"])
    usual = Trip(start_ns=0, start=start)
    streets = StreetLookup()
    for point in track:
        usual.add_way(streets(*point))
    length = sum(distance_m(a, b) for a, b in zip(track, track[1:], strict=False))
    db = (out / "trips.sqlite").resolve()
    store = TripStore(db, retention_days=36500)  # the demo drive is in the past
    for weeks, minutes in zip(sc.HABIT_WEEKS, sc.HABIT_MINUTES_OFF, strict=True):
        t = sc.START - timedelta(weeks=weeks) + timedelta(minutes=minutes)
        store.add(StoredTrip(t, t + timedelta(seconds=duration), start, sc.HOME, length,
                             duration, "Home", list(usual.ways), list(usual.streets)))
    store.close()
    doc = yaml.safe_load((package_share() / "config" / "trips.param.yaml").read_text())
    doc["/**"]["ros__parameters"].update(history_db=str(db), retention_days=36500.0)
    params = (out / "trips.param.yaml").resolve()
    params.write_text(yaml.safe_dump(doc, sort_keys=False))
    log(f"trips: history with {len(sc.HABIT_WEEKS)} earlier drives home in {db}")
    return [f"trips_param_file:={params}"]


class DemoHome:
    """The driver's home for the demo: a private Mosquitto on 127.0.0.1 (what reaches it is
    recorded) and the home node's parameters: this broker, the home place at the end of the
    drive, the demo's lead time. Without Mosquitto the home node is not started."""

    def __init__(self, out: Path, *, log: Any = print) -> None:
        import yaml

        from cockpit_ai.home import BrokerError
        from cockpit_ai.home.broker import Listener, Mosquitto
        from cockpit_ai.paths import package_share

        self.broker: Any = None
        self.listener: Any = None
        self.params: Path | None = None
        try:
            self.broker = Mosquitto(out / "mqtt").start()
            self.listener = Listener(self.broker.port, "#")
        except (BrokerError, OSError) as exc:
            log(f"no home broker ({exc}): the home node is not started")
            self.close()
            return
        doc = yaml.safe_load((package_share() / "config" / "home.param.yaml").read_text())
        p = doc["/**"]["ros__parameters"]
        p.update(broker_port=self.broker.port, home_lat=sc.HOME[0], home_lon=sc.HOME[1],
                 lead_time_s=sc.HOME_LEAD_TIME_S, client_id="cockpit_ai_demo_home")
        self.params = (out / "home.param.yaml").resolve()  # the launch file is elsewhere
        self.params.write_text(yaml.safe_dump(doc, sort_keys=False))
        log(f"home: Mosquitto on 127.0.0.1:{self.broker.port} (messages in summary.json)")

    def launch_args(self) -> list[str]:
        if self.params is None:
            return ["home:=false"]
        return [f"home_param_file:={self.params}"]

    def close(self) -> list[tuple[str, str]]:
        """Stop the broker; returns the (topic, payload) messages it carried."""
        messages = list(self.listener.messages) if self.listener is not None else []
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        if self.broker is not None:
            self.broker.stop()
            self.broker = None
        return messages


def home_summary(events: list[dict[str, Any]],
                 mqtt: list[tuple[str, str]]) -> dict[str, Any]:
    """Home requests, what became of them, and what the broker carried."""
    return {
        "requests": [{"t": round(e["t"], 2), **e["data"]} for e in events
                     if e["kind"] == "home"],
        "status": [{"t": round(e["t"], 2), **e["data"]} for e in events
                   if e["kind"] == "home_status"],
        "mqtt": [{"topic": topic, "payload": payload} for topic, payload in mqtt
                 if not topic.endswith("/state")],
    }


def audio_summary(play_stats: Path, speech: dict[str, Any] | None,
                  topic: str) -> dict[str, Any]:
    """What happened to the microphone stream: chunks the player sent, chunks the speech node
    took, chunks it found missing (sequence gaps); ``None`` where a count is unknown."""
    published = None
    if play_stats.exists():
        published = json.loads(play_stats.read_text()).get("per_topic", {}).get(topic)
    values = (speech or {}).get("values", {})

    def count(key: str) -> int | None:
        return int(float(values[key])) if key in values else (0 if speech else None)

    return {"chunks_published": published, "chunks_received": count("chunks"),
            "gaps": count("dropped_frames"),
            "speech_status": (speech or {}).get("message")}


def _spoken_question(speech: list[dict[str, Any]], t: float) -> dict[str, Any] | None:
    """The question whose speech span holds a transcript's start (nearest start otherwise)."""
    inside = [s for s in speech if s["speech_start_s"] - 0.5 <= t <= s["speech_end_s"] + 0.5]
    pool = inside or speech
    return min(pool, key=lambda s: abs(s["speech_start_s"] - t), default=None)


def summarize(events: list[dict[str, Any]], fatigue: list[tuple[float, int, float, float]],
              expected: dict[str, Any], *, play_start: float, rate: float) -> dict[str, Any]:
    """Dialogue turns with latencies per stage, commands, fatigue alerts."""
    turns = []
    speech = expected.get("speech", [])
    for e in [e for e in events if e["kind"] == "transcript"]:
        rid = e["data"]["id"]
        resp = next((r for r in events if r["kind"] == "response"
                     and r["data"]["request_id"] == rid), None)
        tts = next((r for r in events if r["kind"] == "tts"
                    and r["data"]["request_id"] == rid), None)
        cmds = [c["data"] for c in events if c["kind"] == "command"
                and c["data"]["request_id"] == rid]
        lms = [c["data"] for c in events if c["kind"] == "landmarks"
               and c["data"]["request_id"].startswith(rid)]
        # speech end in wall time: when the player published the end of what this transcript
        # covers (the question's end; an utterance split mid-question ends earlier)
        spoken = _spoken_question(speech, e["t"])
        end_t = min(spoken["speech_end_s"], e["data"]["end_t"]) if spoken else None
        end_wall = (play_start + end_t / rate) if end_t is not None else None
        turn = {
            "t": round(e["t"], 2), "question": e["data"]["text"],
            "doubt": e["data"].get("doubt", ""),
            "missing_chunks": e["data"].get("missing_chunks", 0),
            "answer": resp["data"]["text"] if resp else None,
            "awaiting_confirmation": bool(resp and resp["data"].get("awaiting_confirmation")),
            "backend": resp["data"]["backend"] if resp else None,
            "tool_calls": resp["data"]["tool_calls"] if resp else [],
            "commands": cmds,
            "landmarks": lms[0]["names"] if lms else [],
            "landmarks_en": lms[0]["names_en"] if lms else [],
            "landmark_points": lms[0]["points"] if lms else [],
            "latency_ms": {
                "speech_end_to_transcript": (e["wall"] - end_wall) * 1000 if end_wall else None,
                "transcript_to_response": (resp["wall"] - e["wall"]) * 1000 if resp else None,
                "response_to_voice": (tts["wall"] - resp["wall"]) * 1000
                if (tts and resp) else None,
                "speech_end_to_response": (resp["wall"] - end_wall) * 1000
                if (resp and end_wall) else None,
                "speech_end_to_voice": (tts["wall"] - end_wall) * 1000
                if (tts and end_wall) else None,
                "planner_reported": resp["data"]["latency_ms"] if resp else None,
            },
        }
        turns.append(turn)
    alerts = [{"t": round(e["t"], 2), **e["data"]} for e in events if e["kind"] == "fatigue"]
    proactive = [{"t": round(e["t"], 2), "text": e["data"]["text"]} for e in events
                 if e["kind"] == "response" and e["data"]["proactive"]]
    commands = [{"t": round(e["t"], 2), **e["data"]} for e in events if e["kind"] == "command"]
    return {"turns": turns, "fatigue_alerts": alerts, "proactive": proactive,
            "commands": commands, "fatigue_series": fatigue,
            "max_fatigue_level": max((f[1] for f in fatigue), default=0)}
