"""Start-up of the commands people type often: `careops --help`, `careops lint` and
`careops triage`, each run RUNS times as a fresh process (min and median wall time, as
hyperfine would), then `python -X importtime`'s heaviest imports of one run. Target:
under 300 ms.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 10
REPLY = "Thanks for telling us! DM us your order number: https://help.parcelly.example/track"
POST = "@parcelly my parcel 5521 is three days late and tracking hasn't moved"
COMMANDS = {
    "careops --help": ["--help"],
    "careops lint": ["lint", REPLY],
    "careops triage": ["triage", POST],
}


def wall(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot", *argv], capture_output=True, check=False)
    return time.perf_counter() - started


def heaviest(argv: list[str], count: int = 4) -> list[tuple[str, float]]:
    """The top-level imports that took longest (cumulative, ms) in one run."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", *argv],
        capture_output=True,
        text=True,
        check=False,
    )
    found = []
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2].rstrip()
        if not name.startswith("  "):  # imported by the command itself, not by another module
            found.append((name.strip(), int(parts[1]) / 1000))
    return sorted(found, key=lambda item: -item[1])[:count]


def run() -> None:
    baseline = [wall_python() for _ in range(RUNS)]
    alone = statistics.median(baseline) * 1000
    print(f"python -c pass (the interpreter alone): median {alone:.0f} ms")
    print(f"{'command':<16} {'min':>7} {'median':>7}  heaviest imports (cumulative)")
    for label, argv in COMMANDS.items():
        times = [wall(argv) for _ in range(RUNS)]
        median = statistics.median(times) * 1000
        verdict = "ok" if median < 300 else "OVER"
        top = ", ".join(f"{name} {ms:.0f} ms" for name, ms in heaviest(argv))
        print(f"{label:<16} {min(times) * 1000:>5.0f}ms {median:>5.0f}ms  {verdict}  {top}")
    print("target: under 300 ms each")


def wall_python() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], capture_output=True, check=False)
    return time.perf_counter() - started
