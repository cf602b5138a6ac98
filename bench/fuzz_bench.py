"""Fuzz benchmark: the test/fuzz harness at ``--scale`` times its examples (issue 15).

``make test`` runs the fuzz suite at scale 1 (about three minutes); this runs the same
harness longer and prints how many cases ran per input, how long it took and the messages
per second the nodes took, from the session's ``fuzz_cases.json``. A failure is printed
with pytest's output and the exit code is pytest's.

    python bench/fuzz_bench.py [--scale 10] [-k EXPR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=10.0, help="examples x this (default 10)")
    ap.add_argument("-k", default="", help="only these tests (pytest -k)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="fuzz-bench-") as tmp:
        # pytest-timeout's 600 s per test (pyproject) grows with the examples
        cmd = [str(ROOT / ".venv" / "bin" / "pytest"), "test/fuzz", "-q", "-p",
               "no:cacheprovider", f"--basetemp={tmp}/pytest",
               f"--timeout={int(600 * max(1.0, args.scale))}"] + (["-k", args.k] if args.k
                                                                   else [])
        env = dict(os.environ, COCKPIT_FUZZ_SCALE=str(args.scale))
        t0 = time.monotonic()
        res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        wall = time.monotonic() - t0
        cases_file = Path(tmp) / "pytest" / "fuzz_cases.json"
        cases = json.loads(cases_file.read_text()) if cases_file.exists() else None
    if res.returncode != 0:
        print(res.stdout[-8000:], res.stderr[-2000:])
    if cases is None:
        print("no fuzz_cases.json: nothing ran")
        return res.returncode or 1
    print(f"fuzz harness at scale {args.scale:g}: {wall:.0f} s wall, pytest exit "
          f"{res.returncode}")
    print(f"{'input':40} {'examples':>9} {'messages':>9} {'refuse':>7} {'CDR':>5} {'MCAP':>5}")
    for key, row in sorted(cases["inputs"].items()):
        print(f"{key:40} {row.get('examples', 0):9d} {row.get('messages', 0):9d} "
              f"{row.get('must_refuse', 0):7d} {row.get('cdr', 0):5d} "
              f"{row.get('mcap_files', 0):5d}")
    total = cases["total"]
    print(f"{'total':40} {total['examples']:9d} {total['messages']:9d} "
          f"{total['must_refuse']:7d} {total['cdr']:5d} {total['mcap_files']:5d}")
    print(f"{total['messages'] / wall:.1f} hostile messages per second of wall time "
          f"(nodes started, checked and stopped included)")
    return res.returncode


if __name__ == "__main__":
    sys.exit(main())
