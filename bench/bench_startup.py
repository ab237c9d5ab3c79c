"""Start-up of the commands people type often: `careops --help`, `careops lint` and
`careops triage`, each run RUNS times as a fresh process: wall time (min and median, as
hyperfine would) and CPU time (user + sys, median), which stays true on a machine that
other work keeps busy; then `python -X importtime`'s heaviest imports of one run, and what
reading the intent model costs (`careops triage` reads it when it triages). Target: under
300 ms.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time

RUNS = 10
REPLY = "Thanks for telling us! DM us your order number: https://help.parcelly.example/track"
POST = "@parcelly my parcel 5521 is three days late and tracking hasn't moved"
COMMANDS = {
    "careops --help": ["-m", "bot", "--help"],
    "careops lint": ["-m", "bot", "lint", REPLY],
    "careops triage": ["-m", "bot", "triage", POST],
}


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + sys) seconds of one fresh `python ARGV` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, *argv], capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def heaviest(argv: list[str], count: int = 4) -> list[tuple[str, float]]:
    """The top-level imports that took longest (cumulative, ms) in one run."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *argv],
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


def model_read_ms() -> float:
    """CPU time of reading the shipped intent model, in a fresh process (median of 5)."""
    code = (
        "import time\nfrom bot.core.intent import MODEL_PATH, read_model\n"
        "t = time.process_time(); read_model(MODEL_PATH); print(time.process_time() - t)"
    )
    runs = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout)
        for _ in range(5)
    ]
    return statistics.median(runs) * 1000


def run() -> None:
    alone = [timed(["-c", "pass"]) for _ in range(RUNS)]
    print(
        f"python -c pass (the interpreter alone): wall median"
        f" {statistics.median(w for w, _ in alone) * 1000:.0f} ms,"
        f" CPU median {statistics.median(c for _, c in alone) * 1000:.0f} ms"
    )
    print(f"{'command':<16} {'wall min':>8} {'median':>7} {'CPU med':>8}  heaviest imports")
    for label, argv in COMMANDS.items():
        runs = [timed(argv) for _ in range(RUNS)]
        wall = statistics.median(w for w, _ in runs) * 1000
        cpu = statistics.median(c for _, c in runs) * 1000
        verdict = "ok" if cpu < 300 else "OVER"  # CPU: wall depends on what else runs
        top = ", ".join(f"{name} {ms:.0f} ms" for name, ms in heaviest(argv))
        print(
            f"{label:<16} {min(w for w, _ in runs) * 1000:>6.0f}ms {wall:>5.0f}ms"
            f" {cpu:>6.0f}ms  {verdict}  {top}"
        )
    print(f"of which reading the intent model (careops triage): {model_read_ms():.0f} ms CPU")
    print("target: under 300 ms each (wall on a quiet machine; CPU time when others load it)")
