"""A customer's history at a million cases (target: under 50 ms a read).

The store is bench_reads.py's (built there on first use and kept in .careops/bench/):
2,000 customers across three networks over about two years, so each handle has some 170
earlier cases, far more than a real customer, which is the case the read must stay
bounded for. Timed in a process of its own, each read REPEATS times:

- intake: the history of a new post by a customer whose three handles are linked
  (three handles: a count, the first post and the 20 latest cases each), what triage
  reads for the repeat complainer and wow checks;
- card: the card's notes for one of their cases (the history line and the wow line).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

from bench.bench_reads import DB, NOW, build_store
from bot.core.models import Mention, Network

REPEATS = 20
WHO = "customer7"


def measure() -> dict[str, float]:
    from bot.app import build_app
    from bot.config import Settings
    from bot.core.clock import FakeClock
    from bot.core.people import Person

    settings = Settings(CAREOPS_DB=DB, OPENAI_API_KEY=None)
    care = build_app(settings, clock=FakeClock(NOW), sources=[], publishers={}, offline=True)
    relations = care.services.relations
    handles = [Person(network, WHO) for network in (Network.X, Network.BLUESKY, Network.MASTODON)]
    care.store.people.link(handles, "UBENCH", NOW)
    try:
        row = care.store.db.one(
            "SELECT id FROM cases WHERE author = ? AND network = 'x' ORDER BY posted_at DESC"
            " LIMIT 1",
            (WHO,),
        )
        assert row is not None
        case = care.store.get_case(row["id"])
        assert case is not None
        post = Mention(Network.X, "99", WHO, "@brand where is my parcel?", NOW)
        history = relations.history(post)
        line = relations.card_notes(case).history
        figures = {"earlier": float(history.contacts.count)}
        for name, read in (("intake", lambda: relations.history(post)),
                           ("card", lambda: relations.card_notes(case))):  # fmt: skip
            read()  # warm: the first read pays for opening the pages
            timings = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                read()
                timings.append((time.perf_counter() - started) * 1000)
            figures[f"{name}_median_ms"] = statistics.median(timings)
            figures[f"{name}_max_ms"] = max(timings)
        print(line, file=sys.stderr)
        return figures
    finally:
        for person in handles:
            care.store.people.unlink(person, "UBENCH", NOW)
        care.store.close()


def run() -> None:
    if not DB.exists():
        print(f"building {DB} ...", flush=True)
        print(f"built in {build_store():.0f} s")
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_history"], capture_output=True, text=True, check=False
    )
    if done.returncode:
        print(f"history read failed:\n{done.stderr[-2000:]}")
        return
    got = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{WHO}, three linked handles, {got['earlier']:,.0f} earlier cases")
    print(f"card line: {done.stderr.strip().splitlines()[-1]}")
    for name in ("intake", "card"):
        median, worst = got[f"{name}_median_ms"], got[f"{name}_max_ms"]
        verdict = "ok" if median < 50 else "OVER"
        print(f"history read at {name:<7} {median:>6.1f} ms median {worst:>6.1f} ms max  {verdict}")
    print("target: under 50 ms at 1M cases")


if __name__ == "__main__":
    print(json.dumps(measure()))
