"""The 7-day report on PostgreSQL at a million cases: the reads bench's store
(bench/bench_reads.py; built first when missing) copied into a PostgreSQL started for the
run with `careops db copy`'s code, vacuumed and analysed as autovacuum would, then the
report read REPEATS times after one read that warms the cache (target: under 100 ms, as
on SQLite). Needs PostgreSQL's binaries (initdb, pg_ctl); says so if not. The copy takes
a minute or two and about 2 GB in the temp dir, removed at the end.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

from bench.bench_reads import CASES, DB, NOW, REPEATS, build_store
from bot.adapters.postgres import PostgresStore
from bot.adapters.postgres._copy import copy_store
from bot.adapters.sqlite import SqliteStore
from bot.core.report_reads import load_report
from bot.core.sla import SlaPolicy
from tests.pg_server import PostgresServer, Unavailable


def run() -> None:
    if not DB.exists():
        print(f"building {DB} ({CASES:,} cases) ...", flush=True)
        print(f"built in {build_store():.0f} s")
    try:
        server = PostgresServer().start()
    except Unavailable as exc:
        print(f"skipped: {exc}")
        return
    try:
        target = PostgresStore(server.empty_database())
        source = SqliteStore(DB)
        started = time.perf_counter()
        copy_store(source, target, replace=True)
        source.close()
        target.db.execute("VACUUM ANALYZE")
        took = time.perf_counter() - started
        print(f"copied {CASES:,} cases into PostgreSQL and vacuumed in {took:.0f} s")
        since, sla = NOW - timedelta(days=7), SlaPolicy()
        report = load_report(target.queries, since, NOW, sla)
        timings = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            load_report(target.queries, since, NOW, sla)
            timings.append((time.perf_counter() - started) * 1000)
        target.close()
    finally:
        server.stop()
    median = statistics.median(timings)
    print(
        f"7-day report, {report.overall.mentions:,} cases in the period: median {median:.1f} ms,"
        f" max {max(timings):.1f} ms  {'ok' if median < 100 else 'OVER'} (target: under 100 ms)"
    )
