"""Operations state in the SQLite store: on-call overrides, the crisis switch, once-only
markers, report inputs and data removal (retention, a person's request).

Tables come from migration 20 (bot/adapters/sqlite/_migrations.py). Functions take a
store (SQLite or PostgreSQL: `SqlStore`) and run SQL that both databases read; the
core never sees SQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.adapters.sqlite import _codec as codec
from bot.adapters.sqlite._examples import EXAMPLES_TABLE, FTS_TABLE
from bot.adapters.sqlite._shared import SqlStore
from bot.core.crisis import CrisisState
from bot.core.models import Case, CaseState, Draft
from bot.core.oncall import Override, Roster, Rotation
from bot.core.reports import Report, build_report
from bot.core.sla import SlaPolicy

FINAL_STATES = tuple(s.value for s in CaseState if s.is_final)


# --- overrides -------------------------------------------------------------------------------


def add_override(store: SqlStore, override: Override) -> Override:
    """Store a `/care cover`; the row (who, span, by whom, when) is its audit record."""
    with store.transaction():
        rows = store._rows(
            'INSERT INTO ops_overrides ("user", starts_at, ends_at, created_by, created_at,'
            " reason) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (
                override.user,
                codec.iso(override.start),
                codec.iso(override.end),
                override.created_by,
                codec.iso(override.created_at),
                override.reason,
            ),
        )
    return Override(**{**override.__dict__, "id": int(rows[0]["id"])})


def overrides(store: SqlStore, ending_after: datetime | None = None) -> list[Override]:
    sql, params = "SELECT * FROM ops_overrides", []
    if ending_after is not None:
        sql += " WHERE ends_at > ?"
        params.append(codec.iso(ending_after))
    rows = store._rows(sql + " ORDER BY id", params)
    return [
        Override(
            user=r["user"],
            start=codec._time(r["starts_at"]),
            end=codec._time(r["ends_at"]),
            created_by=r["created_by"],
            created_at=codec._time(r["created_at"]),
            reason=r["reason"],
            id=r["id"],
        )
        for r in rows
    ]


def roster_for(store: SqlStore, ops: Mapping[str, Any]) -> Roster:
    """The rotation from careops.toml plus the overrides stored here (read on every ask)."""
    rotation = Rotation.from_config(ops.get("oncall", {}))
    return Roster(rotation, lambda: overrides(store))


# --- crisis ----------------------------------------------------------------------------------


def crisis_state(store: SqlStore) -> CrisisState:
    rows = store._rows("SELECT * FROM ops_crisis ORDER BY id DESC LIMIT 1")
    if not rows:
        return CrisisState(False)
    r = rows[0]
    return CrisisState(bool(r["active"]), r["reason"], r["user"], codec._time(r["at"]))


def crisis_active(store: SqlStore) -> bool:
    """Plain callable for the rest of the app: `lambda: crisis_active(store)`."""
    return crisis_state(store).active


def set_crisis(store: SqlStore, on: bool, reason: str, user: str, at: datetime) -> bool:
    """Switch crisis mode; every switch is kept (who, when, why). False if already so."""
    with store.transaction():
        if crisis_state(store).active == on:
            return False
        store.conn.execute(
            'INSERT INTO ops_crisis (active, reason, "user", at) VALUES (?, ?, ?, ?)',
            (int(on), reason, user, codec.iso(at)),
        )
    return True


def crisis_history(store: SqlStore) -> list[CrisisState]:
    rows = store._rows("SELECT * FROM ops_crisis ORDER BY id")
    return [
        CrisisState(bool(r["active"]), r["reason"], r["user"], codec._time(r["at"])) for r in rows
    ]


# --- once-only markers -----------------------------------------------------------------------


class SqliteLedger:
    """`Ledger` for the jobs: handoff digests sent, spike alerts, daily digests."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def seen(self, key: str) -> bool:
        return bool(self.store._rows("SELECT 1 FROM ops_sent WHERE key = ?", (key,)))

    def mark(self, key: str, at: datetime, detail: str = "") -> None:
        with self.store.transaction():
            self.store.conn.execute(
                "INSERT INTO ops_sent (key, at, detail) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (key, codec.iso(at), detail),
            )


# --- reports ---------------------------------------------------------------------------------


def drafts_of(store: SqlStore, cases: Iterable[Case]) -> dict[str, Draft]:
    found = {}
    for case in cases:
        if case.draft_id and (draft := store.get_draft(case.draft_id)):
            found[case.draft_id] = draft
    return found


def load_report(store: SqlStore, since: datetime, until: datetime, sla: SlaPolicy) -> Report:
    """Report figures for mentions posted in [since, until), from the store."""
    cases = [
        c
        for c in store.cases(since=since - timedelta(days=1))
        if since <= c.mention.created_at < until
    ]
    return build_report(
        cases, drafts_of(store, cases), since=since, until=until, sla=sla, audit=store.audit
    )


# --- removal ---------------------------------------------------------------------------------


def _delete_cases(store: SqlStore, ids: list[str]) -> dict[str, int]:
    """Every row made from these cases, counted by table (the full-text index counts the
    rows it dropped, one per example)."""
    counts = dict.fromkeys(
        ("cases", "drafts", "outbox", "audit", "slack_group_members", EXAMPLES_TABLE, FTS_TABLE),
        0,
    )
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        examples = _delete_examples(store, chunk, marks)
        counts[EXAMPLES_TABLE] += examples
        counts[FTS_TABLE] += examples
        for table, column in (
            ("slack_group_members", "case_id"),
            ("drafts", "case_id"),
            ("outbox", "case_id"),
            ("audit", "case_id"),
            ("cases", "id"),
        ):
            cursor = store.conn.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)
            counts[table] += cursor.rowcount
    return counts


def _delete_examples(store: SqlStore, case_ids: list[str], marks: str) -> int:
    """Approved replies kept as drafting examples carry the customer's words: remove them too."""
    if not store.has_table(EXAMPLES_TABLE):
        return 0
    store.conn.execute(
        f"DELETE FROM {FTS_TABLE} WHERE rowid IN"
        f" (SELECT rowid FROM {EXAMPLES_TABLE} WHERE case_id IN ({marks}))",
        case_ids,
    )
    cursor = store.conn.execute(
        f"DELETE FROM {EXAMPLES_TABLE} WHERE case_id IN ({marks})", case_ids
    )
    return int(cursor.rowcount)


def purge_before(store: SqlStore, cutoff: datetime) -> dict[str, int]:
    """Retention: remove finished cases posted before `cutoff` and old quarantine rows."""
    states = ", ".join("?" * len(FINAL_STATES))
    with store.transaction():
        ids = [
            r["id"]
            for r in store._rows(
                f"SELECT id FROM cases WHERE posted_at < ? AND state IN ({states})",
                [codec.iso(cutoff), *FINAL_STATES],
            )
        ]
        counts = _delete_cases(store, ids)
        cursor = store.conn.execute("DELETE FROM quarantine WHERE at < ?", (codec.iso(cutoff),))
        counts["quarantine"] = cursor.rowcount
    return counts


def normalise_handle(handle: str) -> str:
    return handle.strip().lstrip("@").lower()


def author_case_ids(store: SqlStore, handle: str) -> list[str]:
    wanted = normalise_handle(handle)
    rows = store._rows("SELECT id, author FROM cases")
    return [r["id"] for r in rows if normalise_handle(r["author"]) == wanted]


# Keys under which a network payload (or an inbox line) names who wrote it.
_AUTHOR_KEYS = "author|handle|username|screen_name|acct|author_handle"


def _names_author(wanted: str) -> re.Pattern[str]:
    """Their @handle in text, or their handle as the value of an author field in the raw
    JSON kept in quarantine (`"author": "maria_g"`, `"handle": "@maria_g"`)."""
    handle = re.escape(wanted)
    return re.compile(
        rf"@{handle}(?![\w.@-])"
        rf'|"(?:{_AUTHOR_KEYS})"\s*:\s*"@?{handle}"',
        re.IGNORECASE,
    )


def purge_author(store: SqlStore, handle: str) -> dict[str, int]:
    """A person's request: delete every case, draft, reply record and audit row of theirs,
    drafting examples and the full-text index rows made from their words, crisis groups'
    copies of their text, and quarantined items that name them. Counts per table."""
    wanted = normalise_handle(handle)
    if not wanted:
        raise ValueError("a handle is needed")
    named = _names_author(wanted)
    sqlite = store.dialect == "sqlite"
    if sqlite:
        store.conn.execute("PRAGMA secure_delete=ON")  # deleted rows are zeroed, not left behind
    with store.transaction():
        ids = author_case_ids(store, wanted)
        leads = _forget_group_leads(store, ids)
        counts = _delete_cases(store, ids)
        counts["slack_groups"] = leads
        bad = [r["id"] for r in store.quarantined() if named.search(r["raw"])]
        for row_id in bad:
            store.conn.execute("DELETE FROM quarantine WHERE id = ?", (row_id,))
        counts["quarantine"] = len(bad)
        if sqlite and counts[FTS_TABLE]:  # merge the index so its segments drop their words
            store.conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")
    if sqlite:
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # old page copies leave the log
    return counts


def _forget_group_leads(store: SqlStore, case_ids: list[str]) -> int:
    """A crisis group keeps its first post's text to match new ones against; when that
    post is theirs, the text goes (the group and its other members stay)."""
    forgotten = 0
    for case_id in case_ids:
        cursor = store.conn.execute(
            "UPDATE slack_groups SET lead_text = '' WHERE lead_text != '' AND id IN"
            " (SELECT group_id FROM slack_group_members WHERE case_id = ? AND seq = 0)",
            (case_id,),
        )
        forgotten += cursor.rowcount
    return forgotten
