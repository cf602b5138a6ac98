"""Mutated MCAP bags to ``bag info`` and ``bag play`` (issue 15, part 2).

A real bag (fix, audio, transcript and image topics, written by the package's BagWriter)
is mutated by Hypothesis: bits flipped, bytes overwritten, the file cut short, a record's
length or opcode changed, a region dropped or repeated, ``metadata.yaml`` edited. Each
mutated bag must be read to its end or refused with one ``BagError`` that names it
(``bag_info`` and ``check_readable``, the reading ``bag play`` does): no other exception, no
hang. A few go through the real CLI: exit 0 or 1, no traceback, a refusal is one line that
names the bag; a bag that ``bag info`` says lasts longer than the wait may still be playing.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from fuzzkit import SCALE, tally
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from inputs import audio, fix, image, transcript

from cockpit_ai.bag.core import BagInfo, BagWriter, bag_info, check_readable
from cockpit_ai.bag.types import BagError
from cockpit_ai.testing import cockpit_cmd

MAGIC = b"\x89MCAP0\r\n"
TOPICS = {"/fz/fix": ("sensor_msgs/msg/NavSatFix", fix),
          "/fz/audio": ("cockpit_ai/msg/AudioChunk", audio),
          "/fz/transcript": ("cockpit_ai/msg/Transcript", transcript),
          "/fz/image": ("sensor_msgs/msg/Image", image)}
READ_TIMEOUT_S = 60.0  # one mutated bag read twice, on a loaded machine
CLI_TIMEOUT_S = 90.0
PLAY_RATE = 100.0  # the fastest bag play allows


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 48-message bag of four topics, about 2.4 s long."""
    from rclpy.serialization import serialize_message

    path = tmp_path_factory.mktemp("bags") / "source"
    writer = BagWriter(path)
    for topic, (msgtype, _) in TOPICS.items():
        writer.add_topic(topic, msgtype)
    for i in range(12):
        for k, (topic, (_, make)) in enumerate(TOPICS.items()):
            writer.write(topic, serialize_message(make(i)), 1_000_000_000 + i * 200_000_000
                         + k * 1_000_000)
    writer.close()
    assert check_readable(path).message_count == 48
    return path


def records(blob: bytes) -> list[tuple[int, int]]:
    """(offset, length) of each MCAP record of an intact file: opcode u8, length u64 LE."""
    out, at = [], len(MAGIC)
    while at + 9 <= len(blob) - len(MAGIC):
        (length,) = struct.unpack_from("<Q", blob, at + 1)
        out.append((at, length))
        at += 9 + length
    return out


LENGTHS = [0, 1, 7, 2**31 - 1, 2**32, 2**63 - 1, 2**64 - 1]


@st.composite
def mutation(draw: st.DrawFn, size: int, n_records: int) -> tuple[str, Any]:
    """One way to damage the bag; applied by ``mutate``."""
    kind = draw(st.sampled_from(["flip", "overwrite", "truncate", "length", "opcode",
                                 "drop", "repeat", "metadata"]))
    pos = st.integers(0, size - 1)
    if kind == "flip":
        return kind, draw(st.lists(st.tuples(pos, st.integers(0, 7)), min_size=1,
                                   max_size=8))
    if kind == "overwrite":
        return kind, (draw(pos), draw(st.binary(min_size=1, max_size=32)))
    if kind == "truncate":
        return kind, draw(st.integers(0, size - 1))
    if kind == "length":
        return kind, (draw(st.integers(0, n_records - 1)),
                      draw(st.one_of(st.sampled_from(LENGTHS), st.integers(0, 2**64 - 1))))
    if kind == "opcode":
        return kind, (draw(st.integers(0, n_records - 1)), draw(st.integers(0, 255)))
    if kind in ("drop", "repeat"):
        a = draw(pos)
        return kind, (a, draw(st.integers(a, min(size, a + 4096))))
    return kind, draw(st.sampled_from([
        ("message_count", -1), ("message_count", 10**12), ("storage_identifier", "sqlite3"),
        ("storage_identifier", "\udcff"), ("relative_file_paths", ["missing.mcap"]),
        ("relative_file_paths", []), ("type", "cockpit_ai/msg/NoSuchType"),
        ("type", "not a type"), ("duration", -5), ("garbage", None)]))


def mutate(src: Path, dst: Path, how: tuple[str, Any]) -> None:
    """Copy the bag ``src`` to ``dst`` with one mutation."""
    shutil.copytree(src, dst)
    mcap = next(dst.glob("*.mcap"))
    blob = bytearray(mcap.read_bytes())
    kind, arg = how
    recs = records(bytes(blob))
    if kind == "flip":
        for at, bit in arg:
            blob[at] ^= 1 << bit
    elif kind == "overwrite":
        at, data = arg
        blob[at:at + len(data)] = data
    elif kind == "truncate":
        del blob[arg:]
    elif kind == "length":
        at, _ = recs[arg[0] % len(recs)]
        blob[at + 1:at + 9] = struct.pack("<Q", arg[1])
    elif kind == "opcode":
        at, _ = recs[arg[0] % len(recs)]
        blob[at] = arg[1]
    elif kind == "drop":
        del blob[arg[0]:arg[1]]
    elif kind == "repeat":
        blob[arg[1]:arg[1]] = blob[arg[0]:arg[1]]
    elif kind == "metadata":
        meta = dst / "metadata.yaml"
        key, value = arg
        if key == "garbage":
            meta.write_text("rosbag2_bagfile_information: {version: [9\n")
        else:
            doc = yaml.safe_load(meta.read_text())
            info = doc["rosbag2_bagfile_information"]
            if key == "type":
                info["topics_with_message_count"][0]["topic_metadata"]["type"] = value
            elif key == "duration":
                info["duration"]["nanoseconds"] = value
            else:
                info[key] = value
            meta.write_text(yaml.safe_dump(doc, allow_unicode=True), errors="surrogatepass")
    mcap.write_bytes(bytes(blob))


def within(seconds: float, fn: Any, *args: Any) -> Any:
    """``fn(*args)`` in a thread: its result or exception; AssertionError if it hangs."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # handed to the caller as it is
            box["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"{fn.__name__} still running after {seconds:g} s"
    if "error" in box:
        raise box["error"]
    return box["value"]


def refused(path: Path, fn: Any) -> bool:
    """``fn(path)`` returns (False) or refuses with a BagError naming the bag (True)."""
    try:
        within(READ_TIMEOUT_S, fn, path)
    except BagError as exc:
        assert str(path) in str(exc) and "\n" not in str(exc), exc
        return True
    return False


def read_or_refuse(path: Path) -> tuple[BagInfo | None, bool]:
    """bag_info (None: refused) and whether every message reads (check_readable)."""
    info = None if refused(path, bag_info) else bag_info(path)
    return info, info is not None and not refused(path, check_readable)


def test_mutated_bags_are_read_or_refused(source: Path) -> None:
    size = len(next(source.glob("*.mcap")).read_bytes())
    n_records = len(records(next(source.glob("*.mcap")).read_bytes()))

    @settings(max_examples=max(10, int(150 * SCALE)), derandomize=True, deadline=None,
              database=None, phases=(Phase.explicit, Phase.generate),
              suppress_health_check=list(HealthCheck))
    @given(mutation(size, n_records))
    def run(how: tuple[str, Any]) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            bag = Path(tmp) / "bag"
            mutate(source, bag, how)
            _, readable = read_or_refuse(bag)
        tally("bag info + read (in process)", examples=1, mcap_files=1,
              must_refuse=int(not readable))

    run()


CLI_CASES = [("truncate", 700), ("length", (3, 2**63 - 1)), ("opcode", (5, 0xEE)),
             ("flip", [(900, 3), (1500, 6), (2500, 0)]), ("metadata", ("garbage", None)),
             ("metadata", ("type", "cockpit_ai/msg/NoSuchType")), ("repeat", (2000, 3000)),
             ("overwrite", (1200, b"\xff" * 24))]


@pytest.mark.parametrize("how", CLI_CASES, ids=[f"{k}-{i}" for i, (k, _) in
                                                 enumerate(CLI_CASES)])
def test_bag_cli_on_mutated_bags(source: Path, tmp_path: Path, how: tuple[str, Any]) -> None:
    bag = tmp_path / "bag"
    mutate(source, bag, how)
    info, readable = read_or_refuse(bag)
    res = subprocess.run(cockpit_cmd() + ["bag", "info", str(bag)], capture_output=True,
                         text=True, timeout=CLI_TIMEOUT_S)
    assert res.returncode == (0 if info is not None else 1), res
    assert "Traceback" not in res.stdout + res.stderr
    if res.returncode:
        assert res.stderr.count("\n") == 1 and str(bag) in res.stderr, res.stderr
    tally("cli: bag info", examples=1, mcap_files=1, must_refuse=int(info is None))
    play = subprocess.Popen(cockpit_cmd() + ["bag", "play", str(bag), "--rate",
                                             str(PLAY_RATE)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = play.communicate(timeout=CLI_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        play.kill()
        out, _ = play.communicate()
        # a damaged timestamp can make the bag years long: it plays at the bag's timing
        assert info is not None and info.duration_s / PLAY_RATE > CLI_TIMEOUT_S / 2, out
    else:
        assert "Traceback" not in out, out
        # a bag that cannot be read to its end never plays "successfully"
        assert play.returncode == 1 or (play.returncode == 0 and readable), out
        if play.returncode:
            assert str(bag) in out, out
    tally("cli: bag play", examples=1, mcap_files=1, must_refuse=int(play.returncode == 1))
