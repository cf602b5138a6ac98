"""CPU time, memory and pids per node of a running stack, read from /proc (Linux).

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


def _tree(root_pid: int) -> dict[int, float]:
    """CPU seconds of every process under ``root_pid`` (itself included), by pid."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        st = _stat(int(entry.name))
        if st is not None:
            parents[int(entry.name)], cpu[int(entry.name)] = st
    out: dict[int, float] = {}
    for pid in cpu:
        p, hops = pid, 0
        while p not in (0, 1, root_pid) and p in parents and hops < 64:
            p, hops = parents[p], hops + 1
        if p == root_pid:
            out[pid] = cpu[pid]
    return out


def node_cpu_seconds(root_pid: int) -> dict[str, float]:
    """CPU seconds of every process under ``root_pid`` (itself included), by node name."""
    out: dict[str, float] = {}
    for pid, seconds in _tree(root_pid).items():
        name = _name(pid)
        out[name] = out.get(name, 0.0) + seconds
    return out


def node_processes(root_pid: int) -> dict[str, list[int]]:
    """Pids of every process under ``root_pid`` (itself excluded), by node name."""
    out: dict[str, list[int]] = {}
    for pid in sorted(_tree(root_pid)):
        if pid != root_pid:
            out.setdefault(_name(pid), []).append(pid)
    return out


def node_rss_bytes(root_pid: int) -> dict[str, int]:
    """Resident memory (RSS) of every node under ``root_pid``, summed over its processes."""
    page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
    out: dict[str, int] = {}
    for name, pids in node_processes(root_pid).items():
        for pid in pids:
            try:
                resident = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
            out[name] = out.get(name, 0) + resident * page
    return out


def cpu_share(before: dict[str, float], after: dict[str, float],
              wall_s: float) -> dict[str, float]:
    """Percent of one core each node used between two readings (as ``top`` shows it)."""
    if wall_s <= 0:
        return {}
    return {name: round(100.0 * (after[name] - before.get(name, 0.0)) / wall_s, 1)
            for name in sorted(after)}
