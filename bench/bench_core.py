"""The local loop at volume: ingest + triage + offline draft + lint + store.

Prints mentions/second for 20,000 generated mentions on one core (three rounds, each
into a fresh database, and their median), and beside it the
raw sqlite-utils insert speed of the same case rows, so the cost of the loop's own work
is visible as a ratio. Target: at least 2,000 mentions/s.
"""

from __future__ import annotations

import random
import resource
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

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


def raw_insert_rates(rows: list[dict[str, Any]], tmp: Path) -> tuple[float, float]:
    """sqlite-utils on the same rows: one insert per row, then batched insert_all."""
    raw = sqlite_utils.Database(tmp / "raw.db")
    raw.conn.execute("PRAGMA journal_mode=WAL")
    raw.conn.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    for row in rows:  # one commit per row, as the loop commits per case
        raw["cases"].insert(row, pk="id")
    one_by_one = len(rows) / (time.perf_counter() - started)
    started = time.perf_counter()
    raw["batched"].insert_all(rows, pk="id", batch_size=OFFLINE_CHUNK)
    return one_by_one, len(rows) / (time.perf_counter() - started)


def run() -> None:
    clock = FakeClock()
    mentions = generate(COUNT, clock)
    rates = []
    for _ in range(ROUNDS):
        with tempfile.TemporaryDirectory() as tmp:
            summary, seconds, store = ingest_once(mentions, clock, Path(tmp))
            rates.append(COUNT / seconds)
            passed = sum(
                1 for c in summary.cases if c.draft_id and store.get_draft(c.draft_id).lint.ok
            )
            store.close()
    with tempfile.TemporaryDirectory() as tmp:
        raw_rate, batch_rate = raw_insert_rates([case_to_row(c) for c in summary.cases], Path(tmp))
    rate = statistics.median(rates)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"mentions: {COUNT:,} generated; cases {summary.new:,}, spam {summary.spam:,}")
    print(
        f"loop (ingest+triage+draft+lint+store), {ROUNDS} rounds: "
        + " / ".join(f"{r:,.0f}" for r in rates)
        + f" mentions/s; median {rate:,.0f}"
        f"  (target >= 2,000/s: {'met' if rate >= 2_000 else 'MISSED'})"
    )
    print(f"raw sqlite-utils insert of the same rows, one per commit: {raw_rate:,.0f} rows/s")
    print(f"raw sqlite-utils insert_all in batches of {OFFLINE_CHUNK}: {batch_rate:,.0f} rows/s")
    print(
        f"ratio loop/raw: {rate / raw_rate:.2f} against one insert per row,"
        f" {rate / batch_rate:.3f} against batched inserts"
    )
    print(f"drafts passing every text rule: {passed:,}/{summary.new - summary.spam:,}")
    print(f"peak RSS: {peak_mb:.0f} MB")
