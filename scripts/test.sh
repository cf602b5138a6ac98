#!/usr/bin/env bash
# Runs the whole test suite against the installed package, isolated on this machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST
export ROS_DOMAIN_ID="${ROS_DOMAIN_ID:-$(( (RANDOM % 200) + 20 ))}"
echo "[test] ROS_DOMAIN_ID=$ROS_DOMAIN_ID, discovery range LOCALHOST"
"$ROOT/.venv/bin/ruff" check cockpit_ai test bench
"$ROOT/.venv/bin/mypy" cockpit_ai  # settings in pyproject.toml: strict, with a shrinking list
# .venv/bin/pytest, not `python -m pytest`: the latter puts the source tree first on sys.path,
# hiding the installed package (which has the generated cockpit_ai.msg).
exec "$ROOT/.venv/bin/pytest" "$@"
