"""Fixtures of the fuzz harness and the table of cases run per input (end of the session).

The table is printed in the terminal summary and written as JSON to
``<pytest basetemp>/fuzz_cases.json`` (the path is printed under the table).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cockpit_ai.testing import Processes


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fuzz: property-based fuzzing of node inputs and bags "
                                       "(test/fuzz; -m 'not fuzz' skips it)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.fuzz)


@pytest.fixture(scope="session")
def fuzz_probe() -> Iterator[Any]:
    """One probe node for every fuzz module (publishers, /diagnostics). Its subscriptions
    are never destroyed while it spins: rclpy then raises InvalidHandle in the spin thread,
    which ends it, and every later module would see no /diagnostics."""
    from cockpit_ai.ros.probe import Probe

    p = Probe(f"fuzz_probe_{os.getpid()}")
    yield p
    p.close()


@pytest.fixture(scope="session")
def diagnostics(fuzz_probe: Any) -> Any:
    from fuzzkit import Diagnostics

    return Diagnostics(fuzz_probe)


@pytest.fixture(scope="module")
def module_processes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Processes]:
    """Processes living for one test module (one node, many Hypothesis examples)."""
    procs = Processes(tmp_path_factory.mktemp("fuzz"))
    yield procs
    procs.stop_all()
    from cockpit_ai.ros.shm import clean_stale_fastdds_files

    clean_stale_fastdds_files()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int,
                            config: pytest.Config) -> None:
    import sys

    kit = sys.modules.get("fuzzkit")
    cases: dict[str, dict[str, int]] = dict(getattr(kit, "CASES", {}) or {})
    if not cases:
        return
    tr = terminalreporter
    tr.section("fuzz cases per input")
    cols = ["examples", "messages", "must_refuse", "cdr", "cdr_undecodable", "unpublishable",
            "mcap_files"]
    width = max(len(k) for k in cases) + 2

    def line(label: str, values: list[object]) -> str:
        return label.ljust(width) + "".join(str(v).rjust(len(c) + 2)
                                            for c, v in zip(cols, values, strict=True))

    tr.write_line(line("input", list(cols)))
    for key in sorted(cases):
        tr.write_line(line(key, [cases[key].get(c, "") for c in cols]))
    sums = {c: sum(r.get(c, 0) for r in cases.values()) for c in cols}
    tr.write_line(line("total", [sums[c] for c in cols]))
    try:
        out = config._tmp_path_factory.getbasetemp() / "fuzz_cases.json"  # type: ignore[attr-defined]
    except Exception:
        return
    out.write_text(json.dumps({"inputs": cases, "total": sums}, indent=2, sort_keys=True))
    tr.write_line(f"written to {out}")
