"""The Store port on SQLite: cases, audit, drafts, outbox, quarantine, cursors, settings.

Every method is its own transaction unless called inside `transaction()`. The
connection belongs to `Database` (bot/adapters/sqlite/_db.py); the other repositories
(`groups`, `ops`, `queries`) share it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.adapters.sqlite import _codec as codec
from bot.adapters.sqlite._db import Database, Row, Transaction
from bot.adapters.sqlite._examples import ExamplesIndex
from bot.adapters.sqlite._groups import SqlGroups
from bot.adapters.sqlite._migrations import migrate
from bot.adapters.sqlite._ops import SqlOps
from bot.adapters.sqlite._people import SqlPeople
from bot.adapters.sqlite._queries import SqlQueries
from bot.adapters.sqlite._reads import record_reads
from bot.adapters.sqlite._wow import SqlWow
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
from bot.core.ports import AlreadyExists

QUARANTINE_PREVIEW = 2_000  # characters of a bad item kept for a person to look at


class SqliteStore:
    dialect = "sqlite"

    def __init__(self, path: str | Path = ":memory:", *, auto_migrate: bool = True) -> None:
        self.db = Database(path)
        self.path = self.db.path
        self.groups = SqlGroups(self.db)
        self.ops = SqlOps(self.db)
        self.queries = SqlQueries(self.db)
        self.people = SqlPeople(self.db)
        self.wow = SqlWow(self.db)
        self.examples = ExamplesIndex(self.db)
        self._recent: tuple[tuple[int, int] | None, list[str]] = (None, [])
        if auto_migrate:
            self.migrate()

    def migrate(self) -> list[int]:
        return [m.version for m in migrate(self.db)]

    def close(self) -> None:
        self.db.close()

    def transaction(self) -> Transaction:
        """Group several calls into one commit (nested calls join the outer one)."""
        return self.db.transaction()

    def _upsert(self, table: str, row: Row, pk: str) -> None:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        updates = ", ".join(f"{c}=excluded.{c}" for c in row if c != pk)
        self.db.execute(
            f"INSERT INTO {table} ({cols}) VALUES ({marks})"
            f" ON CONFLICT({pk}) DO UPDATE SET {updates}",
            list(row.values()),
        )

    def _insert_new(self, table: str, row: Row) -> bool:
        """Insert unless the primary key exists; True when a row was added."""
        marks = ", ".join("?" for _ in row)
        cursor = self.db.execute(
            f"INSERT INTO {table} ({', '.join(row)}) VALUES ({marks}) ON CONFLICT DO NOTHING",
            list(row.values()),
        )
        return cursor.rowcount > 0

    def has_table(self, name: str) -> bool:
        return self.db.table_exists(name)

    # --- cases
    def add_case(self, case: Case, *audits: AuditEntry) -> bool:
        row = codec.case_to_row(case)
        with self.transaction():
            if not self._insert_new("cases", row):
                return False
            self._audit(*audits)
        return True

    def add_new_cases(
        self, cases: Sequence[tuple[Case, Sequence[AuditEntry]]], drafts: Sequence[Draft]
    ) -> None:
        case_rows = [codec.case_to_row(case) for case, _ in cases]
        draft_rows = [codec.draft_to_row(draft) for draft in drafts]
        try:
            with self.transaction():
                self._insert_many("cases", case_rows)
                self._audit(*(entry for _, audits in cases for entry in audits))
                self._insert_many("drafts", draft_rows)
        except sqlite3.IntegrityError as exc:
            raise AlreadyExists(str(exc)) from None

    def _insert_many(self, table: str, rows: list[Row]) -> None:
        if not rows:
            return
        columns = list(rows[0])
        marks = ", ".join("?" for _ in columns)
        self.db.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
            [[row[c] for c in columns] for row in rows],
        )

    def get_case(self, case_id: str) -> Case | None:
        rows = self.db.query("SELECT * FROM cases WHERE id = ?", (case_id,))
        return codec.case_from_row(rows[0]) if rows else None

    def known(self, case_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(case_ids), 500):  # SQLite's limit on parameters
            part = list(case_ids[start : start + 500])
            marks = ", ".join("?" * len(part))
            found |= {
                r["id"] for r in self.db.query(f"SELECT id FROM cases WHERE id IN ({marks})", part)
            }
        return found

    def save_case(self, case: Case, *audits: AuditEntry | None) -> None:
        with self.transaction():
            self._upsert("cases", codec.case_to_row(case), "id")
            self._audit(*audits)

    def cases(
        self, states: Iterable[CaseState] | None = None, since: datetime | None = None
    ) -> list[Case]:
        sql, params = "SELECT * FROM cases WHERE 1=1", list[Any]()
        if states is not None:
            wanted = [s.value for s in states]
            sql += f" AND state IN ({', '.join('?' * len(wanted))})"
            params += wanted
        if since is not None:
            sql += " AND created_at >= ?"
            params.append(codec.iso(since))
        rows = self.db.query(sql + " ORDER BY posted_at, id", params)
        return [codec.case_from_row(r) for r in rows]

    def cases_lacking(self, states: Iterable[CaseState], flag: str) -> list[Case]:
        return self.queries.cases_lacking(states, flag)

    def case_by_ref(self, ref: str) -> Case | None:
        rows = self.db.query("SELECT * FROM cases WHERE review_ref = ?", (ref,))
        return codec.case_from_row(rows[0]) if rows else None

    def count_by_state(self) -> dict[str, int]:
        rows = self.db.query("SELECT state, count(*) AS n FROM cases GROUP BY state")
        return {r["state"]: r["n"] for r in rows}

    # --- audit
    def _audit(self, *entries: AuditEntry | None) -> None:
        self.db.executemany(
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
        with self.transaction():
            self._upsert("drafts", codec.draft_to_row(draft), "id")

    def get_draft(self, draft_id: str) -> Draft | None:
        rows = self.db.query("SELECT * FROM drafts WHERE id = ?", (draft_id,))
        return codec.draft_from_row(rows[0]) if rows else None

    def recent_replies(self, limit: int) -> list[str]:
        """Latest published replies, newest first. Every draft asks, so the answer is kept
        until this connection next changes a row (`total_changes`)."""
        key = (limit, self.db.changes)
        if self._recent[0] != key:
            rows = self.db.query(
                "SELECT text FROM outbox WHERE state = 'published'"
                " ORDER BY published_seq DESC LIMIT ?",
                (limit,),
            )
            self._recent = (key, [r["text"] for r in rows])
        return list(self._recent[1])

    def similar_replies(self, text: str, k: int) -> list[str]:
        """Approved replies to mentions like `text`, best first (drafting examples)."""
        return self.examples.similar(text, k)

    # --- outbox
    def enqueue(self, item: OutboxItem) -> OutboxItem:
        row = codec.outbox_to_row(item)
        with self.transaction():
            self._insert_new("outbox", row)
            stored = self.db.query("SELECT * FROM outbox WHERE draft_id = ?", (item.draft_id,))
        return codec.outbox_from_row(stored[0])

    def save_outbox(self, item: OutboxItem) -> None:
        row = codec.outbox_to_row(item)
        with self.transaction():
            self._upsert("outbox", row, "draft_id")
            if item.state is OutboxState.PUBLISHED:
                self.db.execute(
                    "UPDATE outbox SET published_seq = (SELECT coalesce(max(published_seq), 0) + 1"
                    " FROM outbox) WHERE draft_id = ? AND published_seq IS NULL",
                    (item.draft_id,),
                )

    def outbox(self, states: Sequence[OutboxState]) -> list[OutboxItem]:
        wanted = [s.value for s in states]
        rows = self.db.query(
            f"SELECT * FROM outbox WHERE state IN ({', '.join('?' * len(wanted))})"
            " ORDER BY created_at, draft_id",
            wanted,
        )
        return [codec.outbox_from_row(r) for r in rows]

    # --- quarantine
    def quarantine(self, item: Quarantined) -> None:
        with self.transaction():
            self.db.execute(
                "INSERT INTO quarantine (source, at, reason, raw, raw_bytes)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    item.source,
                    codec.iso(item.at),
                    item.reason,
                    item.raw[:QUARANTINE_PREVIEW],
                    len(item.raw.encode("utf-8", "replace")),
                ),
            )

    def quarantined(self) -> list[Row]:
        return self.db.query(
            "SELECT id, source, at, reason, raw, raw_bytes FROM quarantine ORDER BY id"
        )

    # --- cursors, settings, usage
    def get_cursor(self, source: str) -> str | None:
        rows = self.db.query("SELECT cursor FROM cursors WHERE source = ?", (source,))
        return rows[0]["cursor"] if rows else None

    def set_cursor(self, source: str, cursor: str) -> None:
        with self.transaction():
            self._upsert(
                "cursors", {"source": source, "cursor": cursor, "updated_at": _now()}, "source"
            )

    def get_setting(self, key: str) -> str | None:
        rows = self.db.query("SELECT value FROM settings WHERE key = ?", (key,))
        return rows[0]["value"] if rows else None

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction():
            self._upsert("settings", {"key": key, "value": value, "updated_at": _now()}, "key")

    def record_usage(
        self, network: str, kind: str, count: int = 1, cost: float = 0.0, day: str | None = None
    ) -> None:
        """Add to today's (or `day`'s, YYYY-MM-DD) request count and spend for a network."""
        with self.transaction():
            self.db.execute(
                "INSERT INTO usage (day, network, kind, count, cost) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT(day, network, kind) DO UPDATE SET count = count + excluded.count,"
                " cost = cost + excluded.cost",
                (day or _now()[:10], network, kind, count, cost),
            )

    def record_reads(
        self, network: str, kind: str, ids: Collection[str], cost_each: float, day: str
    ) -> int:
        """Count the resources (ids) not counted on `day` yet; how many were new."""
        return record_reads(self.db, network, kind, ids, cost_each, day)

    def usage_since(self, day: str) -> list[Usage]:
        rows = self.db.query(
            "SELECT * FROM usage WHERE day >= ? ORDER BY day, network, kind", (day,)
        )
        return [Usage(r["day"], r["network"], r["kind"], r["count"], r["cost"]) for r in rows]


def _now() -> str:
    return datetime.now(UTC).isoformat()
