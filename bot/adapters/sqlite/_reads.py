"""Resources a network bills once per UTC day (X: each post and user an answer returns),
counted once a day even across restarts (migration 10). The SQL reads the same on
SQLite and PostgreSQL (`SqlDatabase`).

Only the current day's ids are kept: each call forgets earlier days, so the table holds
one day of ids at most (a few thousand rows on a busy day)."""

from __future__ import annotations

from collections.abc import Collection

from bot.adapters.sqlite._db import SqlDatabase

CHUNK = 200  # ids per statement: four parameters each, under SQLite's limit of 999

_ADD_USAGE = (
    "INSERT INTO usage (day, network, kind, count, cost) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (day, network, kind) DO UPDATE SET"
    " count = usage.count + excluded.count, cost = usage.cost + excluded.cost"
)


def record_reads(
    db: SqlDatabase, network: str, kind: str, ids: Collection[str], cost_each: float, day: str
) -> int:
    """Count the ids not counted on `day` yet, at `cost_each`, in the day's usage; the ids
    and the count are written in one transaction. Returns how many were new."""
    fresh = sorted(set(ids))
    new = 0
    with db.transaction():
        db.execute("DELETE FROM usage_reads WHERE day < ?", (day,))
        for start in range(0, len(fresh), CHUNK):
            chunk = fresh[start : start + CHUNK]
            values = ", ".join("(?, ?, ?, ?)" for _ in chunk)
            params = [value for i in chunk for value in (day, network, kind, i)]
            added = db.execute(
                f"INSERT INTO usage_reads (day, network, kind, id) VALUES {values}"
                " ON CONFLICT DO NOTHING",
                params,
            )
            new += added.rowcount
        if new:
            db.execute(_ADD_USAGE, (day, network, kind, new, round(cost_each * new, 6)))
    return new
