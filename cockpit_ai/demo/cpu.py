"""CPU time per node of a running stack, read from /proc (Linux): who took the 2 cores.

A node is named by its ``__node:=NAME`` remap (how the launcher starts every node), else by
its executable. Times are cumulative user + system seconds of each process and its threads.
"""

from __future__ import annotations

import os
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user+system seconds) of a process, None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after its last ')'
    fields = raw[raw.rfind(")") + 2:].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def _name(pid: int) -> str:
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace").split("\0")
    except OSError:
        return f"pid {pid}"
    for a in args:
        if a.startswith("__node:="):
            return a.split(":=", 1)[1]
    exe = next((a for a in args if a and not a.endswith(("python", "python3"))), "")
    return Path(exe).name or f"pid {pid}"


def node_cpu_seconds(root_pid: int) -> dict[str, float]:
    """CPU seconds of every process under ``root_pid`` (itself included), by node name."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        st = _stat(int(entry.name))
        if st is not None:
            parents[int(entry.name)], cpu[int(entry.name)] = st
    out: dict[str, float] = {}
    for pid in cpu:
        p, hops = pid, 0
        while p not in (0, 1, root_pid) and p in parents and hops < 64:
            p, hops = parents[p], hops + 1
        if p == root_pid:
            name = _name(pid)
            out[name] = out.get(name, 0.0) + cpu[pid]
    return out


def cpu_share(before: dict[str, float], after: dict[str, float],
              wall_s: float) -> dict[str, float]:
    """Percent of one core each node used between two readings (as ``top`` shows it)."""
    if wall_s <= 0:
        return {}
    return {name: round(100.0 * (after[name] - before.get(name, 0.0)) / wall_s, 1)
            for name in sorted(after)}
