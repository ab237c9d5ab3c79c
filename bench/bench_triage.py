"""Triage per mention: the intent model, VADER, word tables and risk, on real tweets.

Prints the one-off cost of reading the model and the lexicon, then microseconds per
mention over the twcs customer tweets (or generated ones when the corpus is absent),
the median of five rounds. Target: under 1 ms a mention. Also how long `careops triage`
takes to start and answer one post, as a person typing it would wait.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bot.cli.triage import mention_for
from bot.core.intent import shipped_model
from bot.core.sentiment import compound
from bot.core.triage import triage

PAIRS = Path(__file__).resolve().parents[2] / "shared" / "data" / "twcs" / "pairs.jsonl"
ROUNDS = 5


def _texts() -> tuple[str, list[str]]:
    if PAIRS.exists():
        rows = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]
        return "twcs customer tweets", [r["inbound_text"] for r in rows]
    base = ["my parcel {n} is late and the tracking is stuck", "love the app, thanks!",
            "how do I change my address?", "it would be nice to pick a slot"]  # fmt: skip
    return "generated posts", [t.format(n=i) for i in range(500) for t in base][:2000]


def run() -> None:
    started = time.perf_counter()
    shipped_model()
    compound("warm up")
    print(f"first use (model + VADER lexicon): {(time.perf_counter() - started) * 1000:.0f} ms")
    name, texts = _texts()
    mentions = [mention_for(t) for t in texts]
    rounds, cpu = [], []
    for _ in range(ROUNDS):
        started, cpu_started = time.perf_counter(), time.process_time()
        for mention in mentions:
            triage(mention)
        rounds.append((time.perf_counter() - started) / len(mentions) * 1e6)
        cpu.append((time.process_time() - cpu_started) / len(mentions) * 1e6)
    print(
        f"triage: {statistics.median(rounds):.0f} us a mention wall, "
        f"{statistics.median(cpu):.0f} us CPU (median of {ROUNDS} rounds) over "
        f"{len(mentions)} {name}; target < 1000 us"
    )
    if hasattr(os, "getloadavg"):
        print(f"load average while measuring: {os.getloadavg()[0]:.1f}")
    command = [sys.executable, "-m", "bot", "triage", "--json", "my parcel is late"]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    wall = (time.perf_counter() - started) * 1000
    print(f"careops triage TEXT, start to answer: {wall:.0f} ms wall")
