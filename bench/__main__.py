"""Run every bench/bench_*.py module's `run()` in turn, or only those named on the command line.

python -m bench            # all
python -m bench core slack # bench_core.py and bench_slack.py
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(p.stem for p in here.glob("bench_*.py"))
    wanted = [f"bench_{a.removeprefix('bench_')}" for a in argv] or names
    failed = 0
    for name in wanted:
        print(f"\n=== {name.removeprefix('bench_')} ===", flush=True)
        started = time.perf_counter()
        try:
            importlib.import_module(f"bench.{name}").run()
        except Exception:
            failed += 1
            traceback.print_exc()
        print(f"({name} took {time.perf_counter() - started:.1f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
