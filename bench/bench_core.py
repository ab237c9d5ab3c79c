"""The local loop at volume: ingest + triage + offline draft + lint + store.

Prints mentions/second for 20,000 generated mentions on one core, and beside it a raw
reference: the same case rows inserted with plain sqlite3, OFFLINE_CHUNK rows per
commit as the loop commits them. The two alternate, ROUNDS times each, each round into
a fresh database (the VM's speed drifts from minute to minute), and the medians give
the ratio: how much of the time is careops' own work. Target: at least 2,000 mentions/s.
"""

from __future__ import annotations

import random
import resource
import sqlite3
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.adapters.drafters import OfflineDrafter, load_links
from bot.adapters.sqlite import SqliteStore
from bot.adapters.sqlite._codec import case_to_row
from bot.app import OFFLINE_CHUNK
from bot.config import PACKAGE_DIR
from bot.core.clock import FakeClock
from bot.core.drafting import DraftingService
from bot.core.loop import CareLoop
from bot.core.models import Mention, Network

COUNT = 20_000
OPENERS = ["@parcelly", "Hey @parcelly", "hi @parcelly,", "@parcelly help!", "Dear @parcelly"]
PROBLEMS = [
    "my parcel {n} is three days late and tracking hasn't moved",
    "I was charged twice for order {n}, please refund",
    "the app crashes every time I open my orders",
    "can't log in to my account since the update",
    "love how fast delivery {n} was, thank you!",
    "is there a way to change the delivery address for {n}?",
    "you delivered the wrong item AGAIN. order {n}",
    "suggestion: let us pick a delivery slot in the app",
    "website is down?? can't check out",
    "how do I delete my data from your service?",
]
CLOSERS = ["", " 😡", " thanks", " #fail", " 🙏", " any update?"]


def generate(count: int, clock: FakeClock) -> list[Mention]:
    rng = random.Random(7)
    networks = list(Network)
    mentions = []
    for i in range(count):
        text = f"{rng.choice(OPENERS)} {rng.choice(PROBLEMS)}{rng.choice(CLOSERS)}"
        mentions.append(
            Mention(
                network=networks[i % 3],
                external_id=f"bench{i}",
                author_handle=f"customer{rng.randrange(5_000)}",
                author_name=rng.choice(["Maria Lopez", "sam", "Jürgen", "Aiko Tanaka", ""]),
                text=text.format(n=rng.randrange(10_000, 99_999)),
                created_at=clock.now() - timedelta(seconds=rng.randrange(3_600)),
            )
        )
    return mentions


ROUNDS = 3  # the VM's speed drifts from minute to minute: one run alone says little


def ingest_once(mentions: list[Mention], clock: FakeClock, tmp: Path) -> tuple[Any, float, Any]:
    """One full intake into a fresh database: (summary, seconds, store)."""
    links = load_links(PACKAGE_DIR.parent / "prompts")
    store = SqliteStore(tmp / "careops.db")
    offline = OfflineDrafter(links, clock)
    drafting = DraftingService(offline, offline, links, clock, recent_replies=store.recent_replies)
    loop = CareLoop(store, drafting, clock, brand_handles=["parcelly"], chunk_size=OFFLINE_CHUNK)
    started = time.perf_counter()
    summary = loop.ingest(mentions)
    return summary, time.perf_counter() - started, store


def raw_insert_rate(rows: list[dict[str, Any]], tmp: Path) -> float:
    """The case rows into a bare table with plain sqlite3 (WAL, synchronous=NORMAL, as the
    store), OFFLINE_CHUNK rows per commit: what storing alone costs."""
    conn = sqlite3.connect(tmp / "raw.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    columns = list(rows[0])
    conn.execute(f"CREATE TABLE cases ({', '.join(columns)}, PRIMARY KEY (id))")
    insert = f"INSERT INTO cases VALUES ({', '.join('?' * len(columns))})"
    started = time.perf_counter()
    for start in range(0, len(rows), OFFLINE_CHUNK):
        conn.execute("BEGIN")
        conn.executemany(insert, [list(r.values()) for r in rows[start : start + OFFLINE_CHUNK]])
        conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return len(rows) / seconds


def run() -> None:
    clock = FakeClock()
    mentions = generate(COUNT, clock)
    rates, raw_rates = [], []
    rows: list[dict[str, Any]] = []
    for _ in range(ROUNDS):  # loop, then raw, then loop again ...: alternated in one run
        with tempfile.TemporaryDirectory() as tmp:
            summary, seconds, store = ingest_once(mentions, clock, Path(tmp))
            rates.append(COUNT / seconds)
            passed = sum(
                1 for c in summary.cases if c.draft_id and store.get_draft(c.draft_id).lint.ok
            )
            rows = rows or [case_to_row(c) for c in summary.cases]
            store.close()
        with tempfile.TemporaryDirectory() as tmp:
            raw_rates.append(raw_insert_rate(rows, Path(tmp)))
    rate, raw = statistics.median(rates), statistics.median(raw_rates)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"mentions: {COUNT:,} generated; cases {summary.new:,}, spam {summary.spam:,}")
    print(
        f"loop (ingest+triage+draft+lint+store), {ROUNDS} rounds: "
        + " / ".join(f"{r:,.0f}" for r in rates)
        + f" mentions/s; median {rate:,.0f}"
        f"  (target >= 2,000/s: {'met' if rate >= 2_000 else 'MISSED'})"
    )
    print(
        f"raw sqlite3 insert of the same rows, {OFFLINE_CHUNK} per commit, alternated: "
        + " / ".join(f"{r:,.0f}" for r in raw_rates)
        + f" rows/s; median {raw:,.0f}"
    )
    print(f"ratio loop/raw: {rate / raw:.3f} (storing is {rate / raw:.1%} of the loop's time)")
    print(f"drafts passing every text rule: {passed:,}/{summary.new - summary.spam:,}")
    print(f"peak RSS: {peak_mb:.0f} MB")
