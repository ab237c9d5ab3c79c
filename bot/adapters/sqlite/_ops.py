"""Operations state (migration 20): on-call overrides, the crisis switch, once-only
markers, and data removal (retention, a person's request). The SQL reads the same on
SQLite and PostgreSQL (`SqlDatabase`); the few steps only one database has ask `dialect`."""

from __future__ import annotations

import re
from datetime import datetime

from bot.adapters.sqlite import _codec as codec
from bot.adapters.sqlite._db import Row, SqlDatabase
from bot.adapters.sqlite._examples import EXAMPLES_TABLE, FTS_TABLE
from bot.adapters.sqlite._people import dissolve
from bot.core.models import CaseState, CrisisState, normalise_handle
from bot.core.oncall import Override

FINAL_STATES = tuple(s.value for s in CaseState if s.is_final)
CHUNK = 500  # ids per statement: SQLite's limit on parameters


class SqlOps:
    """The OpsRepo port (bot/core/ports.py) and the jobs' Ledger, on either store."""

    def __init__(self, db: SqlDatabase) -> None:
        self.db = db

    # --- overrides
    def add_override(self, override: Override) -> Override:
        """Store a `/care cover`; the row (who, span, by whom, when) is its audit record."""
        row = self.db.one(
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
        assert row is not None
        return Override(**{**override.__dict__, "id": int(row["id"])})

    def overrides(self, ending_after: datetime | None = None) -> list[Override]:
        sql, params = "SELECT * FROM ops_overrides", list[str | None]()
        if ending_after is not None:
            sql += " WHERE ends_at > ?"
            params.append(codec.iso(ending_after))
        return [_override(r) for r in self.db.query(sql + " ORDER BY id", params)]

    # --- crisis
    def crisis_state(self) -> CrisisState:
        row = self.db.one("SELECT * FROM ops_crisis ORDER BY id DESC LIMIT 1")
        return _crisis(row) if row else CrisisState(False)

    def crisis_active(self) -> bool:
        return self.crisis_state().active

    def set_crisis(self, on: bool, reason: str, user: str, at: datetime) -> bool:
        """Switch crisis mode; every switch is kept (who, when, why). False if already so."""
        with self.db.transaction():
            if self.crisis_state().active == on:
                return False
            self.db.execute(
                'INSERT INTO ops_crisis (active, reason, "user", at) VALUES (?, ?, ?, ?)',
                (int(on), reason, user, codec.iso(at)),
            )
        return True

    def crisis_history(self) -> list[CrisisState]:
        return [_crisis(r) for r in self.db.query("SELECT * FROM ops_crisis ORDER BY id")]

    # --- once-only markers (the jobs' Ledger)
    def seen(self, key: str) -> bool:
        return self.db.one("SELECT 1 FROM ops_sent WHERE key = ?", (key,)) is not None

    def mark(self, key: str, at: datetime, detail: str = "") -> None:
        self.db.execute(
            "INSERT INTO ops_sent (key, at, detail) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (key, codec.iso(at), detail),
        )

    # --- removal
    def purge_before(self, cutoff: datetime) -> dict[str, int]:
        """Retention: remove finished cases posted before `cutoff` and old quarantine rows."""
        states = ", ".join("?" * len(FINAL_STATES))
        with self.db.transaction():
            rows = self.db.query(
                f"SELECT id FROM cases WHERE posted_at < ? AND state IN ({states})",
                [codec.iso(cutoff), *FINAL_STATES],
            )
            counts = self._delete_cases([r["id"] for r in rows])
            cursor = self.db.execute("DELETE FROM quarantine WHERE at < ?", (codec.iso(cutoff),))
            counts["quarantine"] = cursor.rowcount
        return counts

    def author_case_ids(self, handle: str) -> list[str]:
        """The cases of one author (the cases_author index; stored handles are lower case)."""
        wanted = normalise_handle(handle)
        rows = self.db.query(
            "SELECT id FROM cases WHERE author IN (?, ?) ORDER BY id", (wanted, f"@{wanted}")
        )
        return [r["id"] for r in rows]

    def purge_author(self, handle: str) -> dict[str, int]:
        """A person's request: delete every case, draft, reply record and audit row of theirs,
        drafting examples and the full-text index rows made from their words, crisis groups'
        copies of their text, wow moments and gestures, the links of their handle to others
        and the log rows naming it, and quarantined items that name them. Counts per table."""
        wanted = normalise_handle(handle)
        if not wanted:
            raise ValueError("a handle is needed")
        named = _names_author(wanted)
        sqlite = self.db.dialect == "sqlite"
        if sqlite:
            self.db.execute("PRAGMA secure_delete=ON")  # deleted rows are zeroed, not kept
        with self.db.transaction():
            ids = self.author_case_ids(wanted)
            leads = self._forget_group_leads(ids)
            counts = self._delete_cases(ids)
            counts["slack_groups"] = leads
            rows = self.db.query(
                "SELECT id, raw FROM quarantine WHERE lower(raw) LIKE ?", (f"%{wanted}%",)
            )
            bad = [r["id"] for r in rows if named.search(r["raw"])]
            for row_id in bad:
                self.db.execute("DELETE FROM quarantine WHERE id = ?", (row_id,))
            counts["quarantine"] = len(bad)
            counts["people_links"], counts["people_link_log"] = self._forget_links(wanted)
            if sqlite and counts[FTS_TABLE]:  # merge the index: its segments drop the words
                self.db.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")
        if sqlite:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # old page copies leave the log
        return counts

    def _forget_links(self, wanted: str) -> tuple[int, int]:
        """Their handle on any network leaves the customer links it was in (a group left
        with one handle goes too), and so do the log rows that name it."""
        rows = self.db.query("SELECT person FROM people_links WHERE handle = ?", (wanted,))
        links = self.db.execute("DELETE FROM people_links WHERE handle = ?", (wanted,)).rowcount
        for group in {r["person"] for r in rows}:
            dissolve(self.db, group)
        logged = self.db.query(
            "SELECT id, handles FROM people_link_log WHERE handles LIKE ?", (f"%{wanted}%",)
        )
        mine = [r["id"] for r in logged if _names_handle(wanted).search(r["handles"])]
        for row_id in mine:
            self.db.execute("DELETE FROM people_link_log WHERE id = ?", (row_id,))
        return links, len(mine)

    def _forget_group_leads(self, case_ids: list[str]) -> int:
        """A crisis group keeps its first post's text to match new ones against; when that
        post is theirs, the text goes (the group and its other members stay)."""
        forgotten = 0
        for start in range(0, len(case_ids), CHUNK):
            chunk = case_ids[start : start + CHUNK]
            cursor = self.db.execute(
                "UPDATE slack_groups SET lead_text = '' WHERE lead_text != '' AND id IN"
                " (SELECT group_id FROM slack_group_members"
                f" WHERE seq = 0 AND case_id IN ({', '.join('?' * len(chunk))}))",
                chunk,
            )
            forgotten += cursor.rowcount
        return forgotten

    def _delete_cases(self, ids: list[str]) -> dict[str, int]:
        """Every row made from these cases, counted by table (the full-text index counts the
        rows it dropped, one per example)."""
        tables = (
            "cases", "drafts", "outbox", "audit", "slack_group_members", "wow_moments",
            "wow_gestures",
        )  # fmt: skip
        counts = dict.fromkeys((*tables, EXAMPLES_TABLE, FTS_TABLE), 0)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            marks = ", ".join("?" * len(chunk))
            examples = self._delete_examples(chunk, marks)
            counts[EXAMPLES_TABLE] += examples
            counts[FTS_TABLE] += examples
            for table, column in (
                ("slack_group_members", "case_id"),
                ("wow_moments", "case_id"),
                ("wow_gestures", "case_id"),
                ("drafts", "case_id"),
                ("outbox", "case_id"),
                ("audit", "case_id"),
                ("cases", "id"),
            ):
                cursor = self.db.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)
                counts[table] += cursor.rowcount
        return counts

    def _delete_examples(self, case_ids: list[str], marks: str) -> int:
        """Approved replies kept as drafting examples carry the customer's words: remove them."""
        if not self.db.table_exists(EXAMPLES_TABLE):
            return 0
        self.db.execute(
            f"DELETE FROM {FTS_TABLE} WHERE rowid IN"
            f" (SELECT rowid FROM {EXAMPLES_TABLE} WHERE case_id IN ({marks}))",
            case_ids,
        )
        cursor = self.db.execute(
            f"DELETE FROM {EXAMPLES_TABLE} WHERE case_id IN ({marks})", case_ids
        )
        return int(cursor.rowcount)


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


def _names_handle(wanted: str) -> re.Pattern[str]:
    """`x:maria_g` among the handles of a link log row (any network)."""
    return re.compile(rf"(?:^|\s)\w+:{re.escape(wanted)}(?=\s|$)")


def _override(r: Row) -> Override:
    return Override(
        user=r["user"],
        start=codec.required_time(r["starts_at"]),
        end=codec.required_time(r["ends_at"]),
        created_by=r["created_by"],
        created_at=codec.required_time(r["created_at"]),
        reason=r["reason"],
        id=r["id"],
    )


def _crisis(r: Row) -> CrisisState:
    return CrisisState(bool(r["active"]), r["reason"], r["user"], codec.required_time(r["at"]))
