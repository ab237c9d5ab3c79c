"""The Store port on PostgreSQL (psycopg 3 + psycopg-pool), for two or more instances.

Rows are the SQLite store's rows (the same codec, ISO text times), so the two stores
answer alike and `careops db copy` moves rows as they are. Every method is its own
transaction unless called inside `transaction()`; each thread has its own connection
from the pool, which checks a connection before lending it, so the store carries on by
itself after the server restarts.

Fencing: with a `fence` (this instance's leader epoch, None when it does not lead),
every outbox move by the publisher (to or from `publishing`, and to `published`)
checks the lease row's epoch in the same transaction and raises `OutboxConflict`
when this instance no longer leads. The row itself is locked with `FOR UPDATE SKIP
LOCKED`: a row another transaction is moving is not claimed twice.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from bot.adapters.postgres._connect import CONNECT_TIMEOUT, check_url, classify, connect
from bot.adapters.postgres._examples import PostgresExamples
from bot.adapters.postgres._migrations import migrate
from bot.adapters.postgres._sql import PgDatabase, Row, Sql, SqlConnection
from bot.adapters.sqlite import SqlGroups, SqlOps, SqlPeople, SqlQueries, SqlWow, record_reads
from bot.adapters.sqlite import _codec as codec
from bot.core.models import (
    AuditEntry,
    Case,
    CaseState,
    Draft,
    OutboxItem,
    OutboxState,
    Quarantined,
    Usage,
)
from bot.core.ports import AlreadyExists, OutboxConflict

QUARANTINE_PREVIEW = 2_000
OUTBOX_CHANNEL = "careops_outbox"  # NOTIFY on every enqueue: wakes the leader's publisher
_FENCED = (OutboxState.PUBLISHING, OutboxState.PUBLISHED)


class PostgresStore:
    dialect = "postgresql"

    def __init__(
        self,
        url: str,
        *,
        auto_migrate: bool = True,
        max_connections: int = 8,
        fence: Callable[[], int | None] | None = None,
    ) -> None:
        self.url = check_url(url)
        self.fence = fence
        connect(url).close()  # wrong settings or no server: one clear error, at once
        pool: ConnectionPool[Any] = ConnectionPool(
            url,
            min_size=1,
            max_size=max_connections,
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT},
            configure=_without_jit,
            check=ConnectionPool.check_connection,
            timeout=CONNECT_TIMEOUT,  # waiting for a connection while the server is away
            open=False,
            name="careops",
            # the pool doubles its wait between reconnects (1, 2, 4 ... s): giving up after
            # 10 s starts it over, so careops is back within seconds of a long outage
            reconnect_timeout=10.0,
        )
        try:
            pool.open(wait=True, timeout=CONNECT_TIMEOUT + 1)
        except psycopg.Error as exc:
            pool.close()
            raise classify(exc, url) from None
        self.pool = pool
        self.sql = Sql(pool)
        self.conn = SqlConnection(self.sql)
        self.db = PgDatabase(self.sql)
        self.groups = SqlGroups(self.db)
        self.ops = SqlOps(self.db)
        self.queries = SqlQueries(self.db)
        self.people = SqlPeople(self.db)
        self.wow = SqlWow(self.db)
        self.examples = PostgresExamples(self.sql)
        if auto_migrate:
            self.migrate()

    def migrate(self) -> list[int]:
        with self.pool.connection() as conn:
            return migrate(conn)

    def close(self) -> None:
        self.pool.close()

    def transaction(self) -> AbstractContextManager[Any]:
        return self.sql.transaction()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self.sql.rows(sql, params)

    def has_table(self, name: str) -> bool:
        return self.db.table_exists(name)

    def _upsert(self, table: str, row: dict[str, Any], pk: str) -> None:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        updates = ", ".join(f"{c} = excluded.{c}" for c in row if c != pk)
        self.sql.run(
            f"INSERT INTO {table} ({cols}) VALUES ({marks})"
            f" ON CONFLICT ({pk}) DO UPDATE SET {updates}",
            list(row.values()),
        )

    def _insert_new(self, table: str, row: dict[str, Any]) -> bool:
        marks = ", ".join("?" for _ in row)
        done = self.sql.run(
            f"INSERT INTO {table} ({', '.join(row)}) VALUES ({marks}) ON CONFLICT DO NOTHING",
            list(row.values()),
        )
        return done.rowcount > 0

    def _insert_many(self, table: str, rows: list[dict[str, Any]]) -> None:
        if rows:
            columns = list(rows[0])
            marks = ", ".join("?" for _ in columns)
            self.sql.many(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                [[row[c] for c in columns] for row in rows],
            )

    # --- cases
    def add_case(self, case: Case, *audits: AuditEntry) -> bool:
        with self.transaction():
            if not self._insert_new("cases", codec.case_to_row(case)):
                return False
            self._audit(*audits)
        return True

    def add_new_cases(
        self, cases: Sequence[tuple[Case, Sequence[AuditEntry]]], drafts: Sequence[Draft]
    ) -> None:
        try:
            with self.transaction():
                self._insert_many("cases", [codec.case_to_row(case) for case, _ in cases])
                self._audit(*(entry for _, audits in cases for entry in audits))
                self._insert_many("drafts", [codec.draft_to_row(d) for d in drafts])
        except psycopg.errors.UniqueViolation as exc:
            raise AlreadyExists(str(exc).splitlines()[0]) from None

    def get_case(self, case_id: str) -> Case | None:
        rows = self._rows("SELECT * FROM cases WHERE id = ?", (case_id,))
        return codec.case_from_row(rows[0]) if rows else None

    def known(self, case_ids: Sequence[str]) -> set[str]:
        rows = self._rows("SELECT id FROM cases WHERE id = ANY(?)", (list(case_ids),))
        return {r["id"] for r in rows}

    def save_case(self, case: Case, *audits: AuditEntry | None) -> None:
        with self.transaction():
            self._upsert("cases", codec.case_to_row(case), "id")
            self._audit(*audits)

    def cases(
        self, states: Iterable[CaseState] | None = None, since: datetime | None = None
    ) -> list[Case]:
        sql, params = "SELECT * FROM cases WHERE true", list[Any]()
        if states is not None:
            sql += " AND state = ANY(?)"
            params.append([s.value for s in states])
        if since is not None:
            sql += " AND created_at >= ?"
            params.append(codec.iso(since))
        rows = self._rows(sql + " ORDER BY posted_at, id", params)
        return [codec.case_from_row(r) for r in rows]

    def cases_lacking(self, states: Iterable[CaseState], flag: str) -> list[Case]:
        return self.queries.cases_lacking(states, flag)

    def case_by_ref(self, ref: str) -> Case | None:
        rows = self._rows("SELECT * FROM cases WHERE review_ref = ?", (ref,))
        return codec.case_from_row(rows[0]) if rows else None

    def count_by_state(self) -> dict[str, int]:
        rows = self._rows("SELECT state, count(*) AS n FROM cases GROUP BY state")
        return {r["state"]: int(r["n"]) for r in rows}

    # --- audit
    def _audit(self, *entries: AuditEntry | None) -> None:
        self.sql.many(
            "INSERT INTO audit (case_id, at, actor, action, from_state, to_state, detail)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (e.case_id, codec.iso(e.at), e.actor, e.action, e.from_state, e.to_state, e.detail)
                for e in entries
                if e is not None
            ],
        )

    def audit(self, case_id: str) -> list[AuditEntry]:
        return self.queries.audit(case_id)

    # --- drafts
    def add_draft(self, draft: Draft) -> None:
        self._upsert("drafts", codec.draft_to_row(draft), "id")

    def get_draft(self, draft_id: str) -> Draft | None:
        rows = self._rows("SELECT * FROM drafts WHERE id = ?", (draft_id,))
        return codec.draft_from_row(rows[0]) if rows else None

    def similar_replies(self, text: str, k: int) -> list[str]:
        """Approved replies to mentions like `text`, best first (drafting examples)."""
        return self.examples.similar(text, k)

    def recent_replies(self, limit: int) -> list[str]:
        rows = self._rows(
            "SELECT text FROM outbox WHERE state = 'published' ORDER BY published_seq DESC LIMIT ?",
            (limit,),
        )
        return [r["text"] for r in rows]

    # --- outbox
    def enqueue(self, item: OutboxItem) -> OutboxItem:
        with self.transaction():
            if self._insert_new("outbox", codec.outbox_to_row(item)):
                self.sql.run("SELECT pg_notify(?, ?)", (OUTBOX_CHANNEL, item.draft_id))
            stored = self._rows("SELECT * FROM outbox WHERE draft_id = ?", (item.draft_id,))
        return codec.outbox_from_row(stored[0])

    def save_outbox(self, item: OutboxItem) -> None:
        with self.transaction():
            if self.fence is not None:
                self._check_claim(item)
            self._upsert("outbox", codec.outbox_to_row(item), "draft_id")
            if item.state is OutboxState.PUBLISHED:
                self.sql.run(
                    "UPDATE outbox SET published_seq = (SELECT coalesce(max(published_seq), 0) + 1"
                    " FROM outbox) WHERE draft_id = ? AND published_seq IS NULL",
                    (item.draft_id,),
                )

    def _check_claim(self, item: OutboxItem) -> None:
        """Fencing (see the module's docstring), inside save_outbox's transaction."""
        rows = self._rows(
            "SELECT state FROM outbox WHERE draft_id = ? FOR UPDATE SKIP LOCKED", (item.draft_id,)
        )
        stored = rows[0]["state"] if rows else None
        if stored != OutboxState.PUBLISHING.value and item.state not in _FENCED:
            return  # a person's move (Retry) or a row that is new: any instance may
        assert self.fence is not None
        mine = self.fence()
        lease = self._rows("SELECT epoch FROM leader_lease WHERE name = 'leader' FOR SHARE")
        current = int(lease[0]["epoch"]) if lease else None
        if mine is None or mine != current:
            raise OutboxConflict(f"this instance no longer leads (epoch {mine}, now {current})")
        if not rows:
            raise OutboxConflict(f"outbox row {item.draft_id} is being moved by another session")

    def outbox(self, states: Sequence[OutboxState]) -> list[OutboxItem]:
        rows = self._rows(
            "SELECT * FROM outbox WHERE state = ANY(?) ORDER BY created_at, draft_id",
            ([s.value for s in states],),
        )
        return [codec.outbox_from_row(r) for r in rows]

    # --- quarantine
    def quarantine(self, item: Quarantined) -> None:
        self.sql.run(
            "INSERT INTO quarantine (source, at, reason, raw, raw_bytes) VALUES (?, ?, ?, ?, ?)",
            (
                item.source,
                codec.iso(item.at),
                item.reason,
                _text(item.raw[:QUARANTINE_PREVIEW]),
                len(item.raw.encode("utf-8", "replace")),
            ),
        )

    def quarantined(self) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT id, source, at, reason, raw, raw_bytes FROM quarantine ORDER BY id"
        )

    # --- cursors, settings, usage
    def get_cursor(self, source: str) -> str | None:
        rows = self._rows("SELECT cursor FROM cursors WHERE source = ?", (source,))
        return rows[0]["cursor"] if rows else None

    def set_cursor(self, source: str, cursor: str) -> None:
        self._upsert(
            "cursors", {"source": source, "cursor": cursor, "updated_at": _now()}, "source"
        )

    def get_setting(self, key: str) -> str | None:
        rows = self._rows("SELECT value FROM settings WHERE key = ?", (key,))
        return rows[0]["value"] if rows else None

    def set_setting(self, key: str, value: str) -> None:
        self._upsert("settings", {"key": key, "value": value, "updated_at": _now()}, "key")

    def record_usage(
        self, network: str, kind: str, count: int = 1, cost: float = 0.0, day: str | None = None
    ) -> None:
        self.sql.run(
            "INSERT INTO usage (day, network, kind, count, cost) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (day, network, kind) DO UPDATE SET"
            " count = usage.count + excluded.count, cost = usage.cost + excluded.cost",
            (day or _now()[:10], network, kind, count, cost),
        )

    def record_reads(
        self, network: str, kind: str, ids: Collection[str], cost_each: float, day: str
    ) -> int:
        return record_reads(self.db, network, kind, ids, cost_each, day)

    def usage_since(self, day: str) -> list[Usage]:
        rows = self._rows("SELECT * FROM usage WHERE day >= ? ORDER BY day, network, kind", (day,))
        return [Usage(r["day"], r["network"], r["kind"], r["count"], r["cost"]) for r in rows]


def _text(value: str) -> str:
    """PostgreSQL text cannot hold NUL; SQLite keeps it. A quarantined preview loses it."""
    return value.replace("\x00", "\ufffd")


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _without_jit(conn: psycopg.Connection[Any]) -> None:
    """careops asks short questions: compiling a plan (JIT, on by default since PostgreSQL
    12) took 60-100 ms of the 7-day report's 200 ms at 1M cases, more than it saved."""
    conn.execute("SET jit = off")
