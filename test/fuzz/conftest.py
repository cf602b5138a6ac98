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


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On a pytest-xdist worker: its cases, for the table the controller prints
    (test/conftest.py reads ``<basetemp>/fuzz_cases-<worker>.json``)."""
    import sys

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    cases = getattr(sys.modules.get("fuzzkit"), "CASES", None)
    if not worker or not cases:
        return
    base = session.config._tmp_path_factory.getbasetemp().parent  # type: ignore[attr-defined]
    (base / f"fuzz_cases-{worker}.json").write_text(json.dumps(cases))
