"""Store throughput on SQLite and PostgreSQL, and failover time between two instances.

Throughput, the same work on both stores: intake writes cases with their audit rows
and drafts in batches of 100 (one commit each), review saves each case with an audit
row, publishing queues a reply and moves it to publishing and to published (three
commits), and a read of every open case. Failover: two `careops run --http` on one
PostgreSQL publishing to the fake Mastodon; the leader is SIGKILLed five times while it
publishes; the figure is kill -> the first reply request sent by the new leader, with
the default 15 s lease. Needs PostgreSQL's binaries (initdb, pg_ctl); says so if not.
"""

from __future__ import annotations

import contextlib
import logging
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.adapters.postgres import PostgresStore
from bot.adapters.sqlite import SqliteStore
from bot.core.cases import note
from bot.core.models import Case, CaseState, Draft, Network, OutboxItem, OutboxState
from tests.conftest import make_mention
from tests.e2e.cluster import cluster, kill_leader_while_publishing, seed_approved
from tests.pg_server import PostgresServer, Unavailable

CASES = 2_000
BATCH = 100
KILLS = 5
OUTAGES = (18.0, 42.0)  # seconds PostgreSQL is down (a restart, a failover of its host)
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _cases() -> list[tuple[Case, Draft]]:
    made = []
    for n in range(CASES):
        m = make_mention(str(n), now=NOW)
        case = Case(m.case_id, m, CaseState.IN_REVIEW, NOW, NOW, draft_id=f"d{n}")
        made.append((case, Draft(f"d{n}", case.id, f"Thanks {n}!", "offline", NOW)))
    return made


def _timed(work: Callable[[], Any], count: int) -> float:
    started = time.perf_counter()
    work()
    return count / (time.perf_counter() - started)


def throughput(store: Any) -> dict[str, float]:
    made = _cases()

    def intake() -> None:
        for start in range(0, CASES, BATCH):
            part = made[start : start + BATCH]
            store.add_new_cases(
                [(c, [note(c, at=NOW, actor="system", action="created")]) for c, _ in part],
                [d for _, d in part],
            )

    def review() -> None:
        for case, _ in made:
            store.save_case(case, note(case, at=NOW, actor="U1", action="claim"))

    def publish() -> None:
        for case, draft in made:
            item = OutboxItem(
                draft.id, case.id, Network.X, "1", draft.text, OutboxState.PENDING, NOW
            )
            store.enqueue(item)
            store.save_outbox(item.evolve(state=OutboxState.PUBLISHING, attempts=1))
            store.save_outbox(item.evolve(state=OutboxState.PUBLISHED, attempts=1, remote_id="r"))

    return {
        "intake cases/s": _timed(intake, CASES),
        "review saves/s": _timed(review, CASES),
        "publish cycles/s": _timed(publish, CASES),
        "open-case reads/s": _timed(lambda: store.cases([CaseState.IN_REVIEW]), CASES),
    }


def failover(server: PostgresServer, workdir: Path) -> list[float]:
    url = server.fresh_database()
    with cluster(url, workdir, lease_seconds=15.0, post_seconds=0.05) as running:
        seed_approved(url, running.mastodon, 400)
        running.start("a", "b")
        return [kill_leader_while_publishing(running, after_posts=3)[1] for _ in range(KILLS)]


def back_after_outage(server: PostgresServer, away: float) -> float:
    """Seconds from the server's start, after `away` seconds down while careops kept
    asking (as its tick does), to the store's first answer."""
    logging.getLogger("psycopg.pool").setLevel(logging.ERROR)  # a warning per attempt
    store = PostgresStore(server.fresh_database())
    server.ctl("stop", "-m", "fast")
    try:
        until = time.monotonic() + away
        while time.monotonic() < until:
            with contextlib.suppress(Exception):
                store.count_by_state()
    finally:
        server.ctl("start")
    started = time.monotonic()
    while True:
        try:
            store.count_by_state()
            break
        except Exception:
            time.sleep(0.05)
    store.close()
    return time.monotonic() - started


def run() -> None:
    server = PostgresServer(durable=True)  # fsync on, as in production
    try:
        server.start()
        server.make_template(lambda url: PostgresStore(url).close())
    except Unavailable as exc:
        print(f"PostgreSQL figures skipped: {exc}")
        server.stop()
        return
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sqlite = SqliteStore(Path(tmp) / "careops.db")
            lite = throughput(sqlite)
            sqlite.close()
            pg = PostgresStore(server.fresh_database())
            post = throughput(pg)
            pg.close()
            print(
                f"store throughput, {CASES:,} cases, one commit per step (SQLite file, WAL,"
                " synchronous=NORMAL | PostgreSQL 15 on loopback, fsync on):"
            )
            for name in lite:
                print(f"  {name:<18} {lite[name]:>9,.0f} | {post[name]:>9,.0f}")
            seconds = failover(server, Path(tmp))
        outages = {away: back_after_outage(server, away) for away in OUTAGES}
        print(
            f"failover (kill -9 of the leader -> first reply by the new one, lease 15 s),"
            f" {KILLS} kills: "
            + ", ".join(f"{s:.2f}" for s in seconds)
            + f" s; median {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s"
        )
        print(
            "PostgreSQL away, then back: the store answers again after "
            + ", ".join(f"{back:.1f} s ({away:.0f} s down)" for away, back in outages.items())
        )
    finally:
        server.stop()
