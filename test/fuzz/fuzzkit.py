"""The fuzz harness: hostile messages for every subscriber of every node (issue 15, part 2).

One real node process per test module; Hypothesis draws batches of hostile messages for one
input (a subscription), each batch followed by a valid message (the *fence*). After every
batch the node's ``/diagnostics`` counters must account for each message (``seen``), count
the ones that had to be refused (``rejected``), and show that the fence was not refused:
a hostile message must not make the node drop what comes after it. The process must be
alive at every step. Cases are tallied per input for the session's table (conftest.py).

Hostile messages are built four ways: one to three fields of a valid message replaced by
extreme values of their type (NaN/inf, integer limits, empty or huge arrays, odd text,
stamps at the ends of time), a whole message of random fields, the input's own "must be
refused" values, and CDR-level corruption of a serialized valid message published raw
(invalid UTF-8 in string bytes, bool bytes other than 0/1, truncated or bit-flipped
buffers; the middleware drops what it cannot deserialize before the node sees it, so those
are not required to be counted).
"""

from __future__ import annotations

import array
import importlib
import math
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]
DIAG_PERIOD = 0.05  # -p diagnostic_updater.period:= for every fuzzed node
WAIT_S = float(os.environ.get("COCKPIT_FUZZ_WAIT_S", "60"))  # a loaded machine: generous

# Examples per input: about 3 minutes for the whole folder on 2 cores. COCKPIT_FUZZ_SCALE
# multiplies them (e.g. 10 for a long run on a quiet machine).
SCALE = float(os.environ.get("COCKPIT_FUZZ_SCALE", "1"))

# -- what was run, for the session's table ------------------------------------------------
CASES: dict[str, dict[str, int]] = {}
_CASES_LOCK = threading.Lock()


def tally(key: str, **counts: int) -> None:
    with _CASES_LOCK:
        row = CASES.setdefault(key, {})
        for k, v in counts.items():
            row[k] = row.get(k, 0) + v


# -- inputs ---------------------------------------------------------------------------------
@dataclass
class Input:
    """One subscription of one node and how its counters must move."""

    node: str                   # node file stem, e.g. "trips_node"
    topic: str                  # relative topic name as in create_subscription
    type_name: str              # "sensor_msgs/msg/NavSatFix"
    qos: str                    # attribute of cockpit_ai.ros.qos
    seen: tuple[str, ...]       # their sum rises by exactly one per message taken
    rejected: tuple[str, ...]   # their sum rises for each refused message
    valid: Callable[[int], Any]  # i -> a valid message the node must accept
    invalid: list[tuple[str, Any]] = field(default_factory=list)  # (path, value): refuse
    examples: int = 40
    raw_ok: bool = True         # CDR-level corruption
    raw_subscriber: bool = False  # the node takes bytes: undecodable data reaches it too
    # state topics kept one deep (qos.LATCHED): a newer value replaces one not yet taken,
    # so each message is sent only after the one before it was counted
    one_at_a_time: bool = False
    # the node takes this input in stamp order (an older stamp than the newest taken is
    # refused): the fence is stamped after any hostile stamp up to ORDER_WINDOW_S ahead
    ordered_by_stamp: bool = False

    @property
    def key(self) -> str:
        return f"{self.node}:{self.topic}"

    def msg_class(self) -> Any:
        pkg, _, name = self.type_name.split("/")
        return getattr(importlib.import_module(f"{pkg}.msg"), name)


ORDER_WINDOW_S = 60.0


def stamp_of(payload: Any, cls: Any) -> int | None:
    """The header stamp (ns) of a message or of decodable CDR bytes; None without one."""
    from rclpy.serialization import deserialize_message

    msg = payload
    if isinstance(payload, bytes):
        try:
            msg = deserialize_message(payload, cls)
        except Exception:
            return None
    stamp = getattr(getattr(msg, "header", None), "stamp", None)
    if stamp is None:
        return None
    return int(stamp.sec) * 1_000_000_000 + int(stamp.nanosec)


def fence_for(inp: Input, batch: list[Case], seq: int, newest: list[int]) -> Any:
    """The valid message after a batch. For an input taken in stamp order it is stamped
    after the newest stamp sent so far that is a little ahead of now (``newest``, updated;
    a stamp far ahead of now is another timeline, which the next one restarts)."""
    from cockpit_ai.ros.stamps import ns_to_stamp

    fence = inp.valid(seq)
    if inp.ordered_by_stamp:
        now = time.time_ns()
        window = int(ORDER_WINDOW_S * 1e9)
        stamps = [t for c in batch if c.published
                  and (t := stamp_of(c.payload, inp.msg_class())) is not None]
        ahead = [t for t in [*stamps, newest[0]] if now < t <= now + window]
        if ahead:
            fence.header.stamp = ns_to_stamp(max(ahead) + 1_000_000)
        newest[0] = stamp_of(fence, None) or now
    return fence


def now_stamp(offset_s: float = 0.0) -> Any:
    from cockpit_ai.ros.stamps import ns_to_stamp

    return ns_to_stamp(time.time_ns() + int(offset_s * 1e9))


# -- values ---------------------------------------------------------------------------------
_INT = {
    "int8": (-(2**7), 2**7 - 1), "uint8": (0, 2**8 - 1), "char": (0, 255),
    "int16": (-(2**15), 2**15 - 1), "uint16": (0, 2**16 - 1),
    "int32": (-(2**31), 2**31 - 1), "uint32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1), "uint64": (0, 2**64 - 1),
}
_TYPECODE = {"int8": "b", "uint8": "B", "int16": "h", "uint16": "H", "int32": "i",
             "uint32": "I", "int64": "q", "uint64": "Q", "float": "f", "double": "d"}
HUGE_STRINGS = (1_000, 65_536, 1_000_000)
HUGE_ITEMS = (10_000, 200_000)


def _int_strategy(kind: str) -> st.SearchStrategy[int]:
    lo, hi = _INT[kind]
    edges = [lo, hi, 0, 1, lo + 1, hi - 1] + ([-1] if lo < 0 else [])
    return st.one_of(st.sampled_from(edges), st.integers(lo, hi))


def _float_strategy(kind: str) -> st.SearchStrategy[float]:
    width = 32 if kind == "float" else 64
    edges = [math.nan, math.inf, -math.inf, 0.0, -0.0,
             3.4028234663852886e38 if width == 32 else 1.7976931348623157e308,
             -3.4028234663852886e38 if width == 32 else -1.7976931348623157e308,
             1.401298464324817e-45 if width == 32 else 5e-324]
    return st.one_of(st.sampled_from(edges), st.floats(width=width))


def text_strategy() -> st.SearchStrategy[str]:
    odd = st.sampled_from(["", " ", "\x00", "\x00abc", "\ufffd", "\u202eevil", "\r\n\t",
                           "a" * 300, "é" * 3, "😀" * 10, "\u0000" * 5, "{}", "%s%n",
                           "'; DROP TABLE trips; --", "\\x00\\xff"])
    huge = st.sampled_from(HUGE_STRINGS).map(lambda n: ("Ab1 " * (n // 4 + 1))[:n])
    return st.one_of(odd, st.text(max_size=40), huge)


def _raw_numeric_array(kind: str, n: int, seed: int) -> array.array[Any]:
    """``n`` items of random bits (floats include NaN payloads and infinities)."""
    code = _TYPECODE[kind]
    size = array.array(code).itemsize
    return array.array(code, random.Random(seed).randbytes(n * size))


def value_strategy(kind: str, depth: int = 0) -> st.SearchStrategy[Any]:
    """Hostile values of a rosidl field type (as ``get_fields_and_field_types`` spells it)."""
    if kind.startswith("sequence<"):
        inner = kind[len("sequence<"):-1].split(",")[0]
        bounded = "," in kind[len("sequence<"):-1]
        if inner in _TYPECODE:
            small = st.lists(value_strategy(inner, depth + 1), max_size=8).map(
                lambda v, c=_TYPECODE[inner]: array.array(c, v))
            if bounded:
                return small
            huge = st.tuples(st.sampled_from(HUGE_ITEMS), st.integers(0, 2**32)).map(
                lambda t, k=inner: _raw_numeric_array(k, *t))
            return st.one_of(st.just(array.array(_TYPECODE[inner])), small, huge)
        elem = value_strategy(inner, depth + 1)
        if depth > 1:
            return st.just([])
        return st.one_of(st.just([]), st.lists(elem, max_size=6),
                         st.lists(elem, min_size=200, max_size=300) if depth == 0
                         else st.just([]))
    if kind.endswith("]"):
        inner, n = kind[:-1].split("[")
        return st.lists(value_strategy(inner, depth + 1), min_size=int(n), max_size=int(n))
    if kind in _INT:
        return _int_strategy(kind)
    if kind in ("float", "double"):
        return _float_strategy(kind)
    if kind == "boolean":
        return st.booleans()
    if kind == "octet":
        return st.binary(min_size=1, max_size=1)
    if kind.startswith("string") or kind.startswith("wstring"):
        return text_strategy()
    cls = msg_class_of(kind)
    return random_message(cls, depth + 1)


def msg_class_of(kind: str) -> Any:
    pkg, name = kind.split("/")[0], kind.split("/")[-1]
    return getattr(importlib.import_module(f"{pkg}.msg"), name)


@st.composite
def random_message(draw: st.DrawFn, cls: Any, depth: int = 0) -> Any:
    """A message of ``cls`` with every field hostile."""
    msg = cls()
    for name, kind in cls.get_fields_and_field_types().items():
        if depth > 3:
            break
        _assign(msg, name, draw(value_strategy(kind, depth)))
    return msg


def _assign(msg: Any, name: str, value: Any) -> None:
    try:
        setattr(msg, name, value)
    except (AssertionError, TypeError, ValueError):  # rclpy's own range checks: leave it
        pass


def leaf_paths(cls: Any, prefix: str = "", depth: int = 0) -> list[tuple[str, str]]:
    """(dotted path, type) of every field to mutate; nested messages are walked."""
    out: list[tuple[str, str]] = []
    for name, kind in cls.get_fields_and_field_types().items():
        path = f"{prefix}{name}"
        is_msg = "/" in kind and not kind.startswith("sequence<") and not kind.endswith("]")
        if is_msg and depth < 3:
            out += leaf_paths(msg_class_of(kind), f"{path}.", depth + 1)
        else:
            out.append((path, kind))
    return out


def set_path(msg: Any, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    target = msg
    for p in parents:
        target = getattr(target, p)
    _assign(target, last, value)


# -- CDR-level corruption ---------------------------------------------------------------------
MARK = "FZ"


def _corrupt_utf8(cls: Any, base: Any, strings: list[str], seed: int) -> bytes | None:
    """Serialize with marker strings, then overwrite their bytes with invalid UTF-8."""
    from rclpy.serialization import serialize_message

    if not strings:
        return None
    rng = random.Random(seed)
    path = rng.choice(strings)
    marker = f"{MARK}{seed:08d}{MARK}"
    set_path(base, path, marker)
    buf = bytearray(serialize_message(base))
    at = buf.find(marker.encode())
    if at < 0:
        return None
    bad = [b"\xff", b"\xfe", b"\xc3\x28", b"\xe2\x82", b"\xf0\x9f\x98", b"\xed\xa0\x80",
           b"\xc0\xaf", b"\x80"]
    junk = b""
    while len(junk) < len(marker):
        junk += rng.choice(bad)
    buf[at:at + len(marker)] = junk[:len(marker)]
    return bytes(buf)


def _corrupt_bool(cls: Any, base: Any, bools: list[str], seed: int) -> bytes | None:
    """Find a bool's byte by serializing it False and True, then store 2..255 there."""
    from rclpy.serialization import serialize_message

    if not bools:
        return None
    rng = random.Random(seed)
    path = rng.choice(bools)
    set_path(base, path, False)
    a = serialize_message(base)
    set_path(base, path, True)
    b = bytearray(serialize_message(base))
    diff = [i for i in range(min(len(a), len(b))) if a[i] != b[i]]
    if len(diff) != 1:
        return None
    b[diff[0]] = rng.randint(2, 255)
    return bytes(b)


def decodes(data: bytes, cls: Any) -> bool:
    """Whether the middleware can deserialize ``data`` (the same type support decides on the
    node's side: what fails here is dropped there before any callback)."""
    from rclpy.serialization import deserialize_message

    try:
        deserialize_message(data, cls)
    except Exception:
        return False
    return True


def _mangle(buf: bytes, seed: int) -> bytes:
    """Truncated, bit-flipped or zeroed CDR (may be undecodable)."""
    rng = random.Random(seed)
    b = bytearray(buf)
    how = rng.randrange(4)
    if how == 0:
        return bytes(b[:rng.randrange(0, max(1, len(b)))])
    if how == 1:
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(4, len(b)) if len(b) > 4 else 0
            b[i] ^= 1 << rng.randrange(8)
        return bytes(b)
    if how == 2:
        i = rng.randrange(4, len(b)) if len(b) > 4 else 0
        n = rng.randint(1, 16)
        b[i:i + n] = bytes(len(b[i:i + n]))
        return bytes(b)
    return bytes(b) + rng.randbytes(rng.randint(1, 64))


# -- one hostile case -----------------------------------------------------------------------
class Case:
    """One hostile message (a plain class: its repr stays short in Hypothesis' report)."""

    def __init__(self, payload: Any, kind: str, *, must_reject: bool = False,
                 counted: bool = True) -> None:
        self.payload = payload          # a message or raw CDR bytes
        self.kind = kind
        self.must_reject = must_reject
        self.counted = counted          # the middleware delivers it: the node must count it
        self.published = True

    def __repr__(self) -> str:
        p = self.payload
        text = f"<{len(p)} bytes CDR>" if isinstance(p, bytes | bytearray) else repr(p)
        if len(text) > 600:
            text = text[:300] + f" …[{len(text)} chars]… " + text[-200:]
        return f"Case({self.kind}, must_reject={self.must_reject}, {text})"


def case_strategy(inp: Input) -> st.SearchStrategy[Case]:
    cls = inp.msg_class()
    leaves = leaf_paths(cls)
    strings = [p for p, k in leaves if k.startswith("string")]
    bools = [p for p, k in leaves if k == "boolean"]

    @st.composite
    def fields(draw: st.DrawFn) -> Case:
        msg = inp.valid(draw(st.integers(0, 10**6)))
        chosen = draw(st.lists(st.sampled_from(leaves), min_size=1, max_size=3,
                               unique_by=lambda t: t[0]))
        for path, kind in chosen:
            set_path(msg, path, draw(value_strategy(kind)))
        return Case(msg, "fields")

    @st.composite
    def refused(draw: st.DrawFn) -> Case:
        msg = inp.valid(draw(st.integers(0, 10**6)))
        path, value = draw(st.sampled_from(inp.invalid))
        set_path(msg, path, value)
        return Case(msg, "must_refuse", must_reject=True)

    @st.composite
    def whole(draw: st.DrawFn) -> Case:
        return Case(draw(random_message(cls)), "random")

    @st.composite
    def raw(draw: st.DrawFn) -> Case:
        from rclpy.serialization import serialize_message

        seed = draw(st.integers(0, 99_999_999))
        how = draw(st.sampled_from(["utf8", "bool", "mangle"]))
        base = inp.valid(seed)
        if how == "utf8":
            data = _corrupt_utf8(cls, base, strings, seed)
            if data is not None:
                return Case(data, "cdr_utf8")
        if how == "bool":
            data = _corrupt_bool(cls, base, bools, seed)
            if data is not None:
                return Case(data, "cdr_bool")
        data = _mangle(serialize_message(inp.valid(seed)), seed)
        return Case(data, "cdr_mangled", counted=decodes(data, cls))

    options = [fields(), fields(), whole()]
    if inp.invalid:
        options.append(refused())
    if inp.raw_ok:
        options.append(raw())
    return st.one_of(*options)


# -- the node under fuzz --------------------------------------------------------------------
class Diagnostics:
    """The newest counters of each node on /diagnostics, by fully qualified name."""

    def __init__(self, probe: Any) -> None:
        from diagnostic_msgs.msg import DiagnosticArray

        self._latest: dict[str, dict[str, str]] = {}
        self._cv = threading.Condition()
        probe.node.create_subscription(DiagnosticArray, "/diagnostics", self._on, 50)

    def _on(self, msg: Any) -> None:
        with self._cv:
            for status in msg.status:
                self._latest[status.name] = {kv.key: kv.value for kv in status.values}
            self._cv.notify_all()

    def values(self, name: str) -> dict[str, str]:
        with self._cv:
            return dict(self._latest.get(name, {}))

    def wait_for(self, name: str, pred: Callable[[dict[str, str]], bool], *,
                 alive: Callable[[], None], timeout: float = WAIT_S) -> dict[str, str]:
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                got = self._latest.get(name)
                if got is not None and pred(got):
                    return dict(got)
                alive()
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{name}: diagnostics never met the condition in "
                                         f"{timeout:g} s; last values {got}")
                self._cv.wait(min(left, 0.2))


def total(values: dict[str, str], keys: tuple[str, ...]) -> float:
    return sum(float(values.get(k, 0) or 0) for k in keys)


class FuzzedNode:
    """A node process started once per module, its diagnostics and publishers."""

    def __init__(self, processes: Any, probe: Any, diagnostics: Diagnostics, *,
                 executable: str, namespace: str, node_name: str, args: list[str],
                 env: dict[str, str] | None = None) -> None:
        from cockpit_ai.testing import node_exec

        self.processes, self.probe, self.diag = processes, probe, diagnostics
        self.namespace = namespace
        self.fqn = f"{namespace}/{node_name}"
        cmd = [node_exec(executable), "--ros-args", "-r", f"__ns:={namespace}",
               "-p", f"diagnostic_updater.period:={DIAG_PERIOD}", *args]
        self.proc = processes.start(cmd, name=executable, env=env)
        # models load before the first /diagnostics: minutes on a loaded 2-core machine
        self.diag.wait_for(self.fqn, lambda v: True, alive=self.check_alive, timeout=300)

    def log(self) -> str:
        return str(self.processes.log(self.proc))[-4000:]

    def check_alive(self) -> None:
        code = self.proc.poll()
        if code is not None:
            raise AssertionError(f"{self.fqn} died (exit {code}); log:\n{self.log()}")

    def counters(self) -> dict[str, str]:
        return self.diag.values(self.fqn)

    def publisher(self, inp: Input) -> Any:
        from cockpit_ai.ros import qos

        topic = f"{self.namespace}/{inp.topic}"
        return self.probe.wait_for_subscribers(inp.msg_class(), topic, 1, timeout=60,
                                               qos=getattr(qos, inp.qos))


def prime(node: FuzzedNode, inp: Input, pub: Any, *, tries: int = 30) -> None:
    """Send valid messages until the node counts one: discovery can match our writer
    before the node's reader matched it, and best effort drops what comes before that."""
    if not inp.seen:
        return
    s0 = total(node.counters(), inp.seen)
    for i in range(tries):
        pub.publish(inp.valid(10**8 + i))
        try:
            node.diag.wait_for(node.fqn, lambda v: total(v, inp.seen) > s0,
                               alive=node.check_alive, timeout=2.0)
        except AssertionError:
            node.check_alive()
            continue
        sent = s0 + i + 1
        try:  # the earlier ones may still come (reliable): all counted before the fuzzing
            node.diag.wait_for(node.fqn, lambda v, n=sent: total(v, inp.seen) >= n,
                               alive=node.check_alive, timeout=2.0)
        except AssertionError:
            node.check_alive()  # best effort lost them: they will not come
        return
    raise AssertionError(f"{inp.key}: none of {tries} valid messages was counted as "
                         f"{inp.seen}: {node.counters()}")


def fuzz_input(node: FuzzedNode, inp: Input, *, examples: int | None = None) -> None:
    """Run Hypothesis on one input of ``node``; every property is asserted per batch."""
    n = max(3, int((examples if examples is not None else inp.examples) * SCALE))
    pub = node.publisher(inp)
    prime(node, inp, pub)
    sequence = [0]
    newest = [0]  # the newest stamp of a fence (inputs taken in stamp order)

    @settings(max_examples=n, derandomize=True, deadline=None, database=None,
              phases=(Phase.explicit, Phase.generate),  # no shrinking: the node has state
              suppress_health_check=list(HealthCheck))
    @given(st.lists(case_strategy(inp), min_size=1, max_size=3))
    def run(batch: list[Case]) -> None:
        node.check_alive()
        before = node.counters()  # the last batch was counted before it returned
        s0, r0 = total(before, inp.seen), total(before, inp.rejected)
        sent = [0]  # messages the node must count so far

        def send(payload: Any, counts: bool) -> bool:
            try:
                pub.publish(payload)
            except Exception:  # rmw refuses raw data longer than a bounded type's
                if not isinstance(payload, bytes):
                    raise
                tally(inp.key, unpublishable=1)
                return False
            sent[0] += counts
            if inp.one_at_a_time and counts and inp.seen:
                node.diag.wait_for(node.fqn, lambda v: total(v, inp.seen) - s0 >= sent[0],
                                   alive=node.check_alive)
            return True

        for case in batch:
            counts = case.counted or (inp.raw_subscriber and isinstance(case.payload, bytes))
            if not send(case.payload, counts):
                case.counted = case.published = False
        sequence[0] += 1
        send(fence_for(inp, batch, 10**7 + sequence[0], newest), True)  # the fence
        counted = sent[0]
        must = sum(1 for c in batch if c.must_reject)
        tally(inp.key, examples=1, messages=len(batch), must_refuse=must,
              cdr=sum(1 for c in batch if c.kind.startswith("cdr")),
              cdr_undecodable=sum(1 for c in batch if not c.counted))
        if not inp.seen:
            node.check_alive()
            return
        # a refusal may be counted a moment after the message (a worker thread decides)
        after = node.diag.wait_for(
            node.fqn, lambda v: (total(v, inp.seen) - s0 >= counted
                                 and total(v, inp.rejected) - r0 >= must),
            alive=node.check_alive)
        seen, refused = total(after, inp.seen) - s0, total(after, inp.rejected) - r0
        assert seen == counted, (
            f"{inp.key}: {len(batch)} hostile + 1 valid sent, {seen:g} counted as "
            f"{inp.seen}: {after}")
        assert refused <= seen - 1, (
            f"{inp.key}: the valid message after the hostile ones was refused "
            f"({refused:g} refused of {seen:g}): {after}")
        node.check_alive()

    try:
        run()
    finally:
        node.check_alive()


def skip_without(path: Path, why: str) -> None:
    if not path.exists():
        pytest.skip(why)
