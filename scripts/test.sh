#!/usr/bin/env bash
# Runs the whole test suite against the installed package, isolated on this machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST
export ROS_DOMAIN_ID="${ROS_DOMAIN_ID:-$(( (RANDOM % 200) + 20 ))}"
echo "[test] ROS_DOMAIN_ID=$ROS_DOMAIN_ID, discovery range LOCALHOST"
# Test module basenames must be unique across test/ (pytest's default import mode refuses a
# second test_x.py at collection, after setup has been paid for): say so at once.
dups="$(find test -name 'test_*.py' -printf '%f\n' | sort | uniq -d)"
if [ -n "$dups" ]; then echo "[test] test module names used twice under test/: $dups" >&2; exit 2; fi
"$ROOT/.venv/bin/ruff" check cockpit_ai test bench
"$ROOT/.venv/bin/mypy" cockpit_ai  # settings in pyproject.toml: strict, with a shrinking list
# .venv/bin/pytest, not `python -m pytest`: the latter puts the source tree first on sys.path,
# hiding the installed package (which has the generated cockpit_ai.msg).
PYTEST="$ROOT/.venv/bin/pytest"
if [ "$#" -gt 0 ]; then exec "$PYTEST" "$@"; fi
# The whole suite in two parts. 1: the tests that start no stack (cores, CLIs, the model
# tests, the fuzz harness, single nodes without timing goals: marker `beside`) on two
# pytest-xdist workers, a module per worker at a time, each worker in its own ROS domain
# (test/conftest.py); stale Fast DDS files are cleaned once here, not by the workers (one's
# cleaning could race the other's new participant).
# 2: the other integration tests (whole stacks, real-time goals, faults, launches) one at a
# time, as the car runs them: alone on the two cores.
"$ROOT/.venv/bin/python" -c "from cockpit_ai.ros.shm import clean_stale_fastdds_files as c; c()"
status=0
echo "[test] part 1/2: tests beside each other, on 2 workers"
"$PYTEST" -m "not integration or beside" -n 2 --dist loadfile --durations=15 || status=$?
echo "[test] part 2/2: integration tests one at a time"
"$PYTEST" -m "integration and not beside" --durations=25 || status=$?
exit "$status"
