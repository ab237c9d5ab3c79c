"""The read side (CareQueries, bot/core/ports.py): what App Home, `/care`, cards and
reports show, each answered by indexed SQL bounded by what is shown, in SQL both stores
read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from bot.adapters.sqlite import _codec as codec
from bot.adapters.sqlite import _reports
from bot.adapters.sqlite._db import SqlDatabase
from bot.adapters.sqlite._migrations import DECIDED_AT, PG_URL, URL
from bot.core.models import AuditEntry, Case, CaseState, Draft, Network, ReportTally
from bot.core.post_urls import PostRef, same_post


class SqlQueries:
    def __init__(self, db: SqlDatabase) -> None:
        self.db = db
        sqlite = db.dialect == "sqlite"
        self.url = URL if sqlite else PG_URL  # spelled as the cases_url index is
        self.seconds = _seconds_sqlite if sqlite else _seconds_pg

    def case(self, case_id: str) -> Case | None:
        row = self.db.one("SELECT * FROM cases WHERE id = ?", (case_id,))
        return codec.case_from_row(row) if row else None

    def case_at(self, ref: str) -> Case | None:
        member = self.db.one("SELECT case_id FROM slack_group_members WHERE card_ref = ?", (ref,))
        if member is not None:
            return self.case(member["case_id"])
        row = self.db.one("SELECT * FROM cases WHERE review_ref = ?", (ref,))
        return codec.case_from_row(row) if row else None

    def draft(self, draft_id: str) -> Draft | None:
        row = self.db.one("SELECT * FROM drafts WHERE id = ?", (draft_id,))
        return codec.draft_from_row(row) if row else None

    def audit(self, case_id: str) -> list[AuditEntry]:
        rows = self.db.query("SELECT * FROM audit WHERE case_id = ? ORDER BY id", (case_id,))
        return [
            AuditEntry(
                r["case_id"],
                codec.required_time(r["at"]),
                r["actor"],
                r["action"],
                r["from_state"],
                r["to_state"],
                r["detail"],
            )
            for r in rows
        ]

    def case_for_link(self, url: str, ref: PostRef | None) -> Case | None:
        """The case whose post a link names, by the link as stored (the cases_url index):
        the link as given and, when it parses, the link's usual forms."""
        wanted = {url.rstrip("/")}
        if ref is not None:
            wanted |= {ref.url, *_other_forms(ref)}
        candidates = sorted(wanted | {f"{link}/" for link in wanted})
        rows = self.db.query(
            f"SELECT * FROM cases WHERE {self.url} IN ({_marks(candidates)})"
            " ORDER BY posted_at, id",
            candidates,
        )
        for case in map(codec.case_from_row, rows):
            if (case.mention.url or "").rstrip("/") == url.rstrip("/"):
                return case
            if ref is not None and same_post(case, ref):
                return case
        return None

    def report_tallies(
        self,
        since: datetime,
        until: datetime,
        limits: Sequence[float],
        targets: Mapping[Network, float],
    ) -> list[tuple[Network, str | None, ReportTally]]:
        return _reports.report_tallies(self.db, self.seconds, since, until, limits, targets)

    def reply_times_at(
        self, since: datetime, until: datetime, ranks: Mapping[tuple[str, str], Sequence[int]]
    ) -> dict[tuple[tuple[str, str], int], float]:
        return _reports.reply_times_at(self.db, self.seconds, since, until, ranks)

    def cases_lacking(self, states: Iterable[CaseState], flag: str) -> list[Case]:
        """Per state (each one indexed range), then in post order."""
        found = []
        for state in states:
            rows = self.db.query(
                "SELECT * FROM cases WHERE state = ? AND flags NOT LIKE ?",
                (state.value, f'%"{flag}"%'),
            )
            found += [codec.case_from_row(r) for r in rows]
        return sorted(found, key=lambda c: (c.mention.created_at, c.id))

    def count_by_state(self, states: Iterable[CaseState]) -> dict[CaseState, int]:
        wanted = [s.value for s in states]
        rows = self.db.query(
            f"SELECT state, count(*) AS n FROM cases WHERE state IN ({_marks(wanted)})"
            " GROUP BY state",
            wanted,
        )
        return {CaseState(r["state"]): r["n"] for r in rows}

    def oldest(self, states: Iterable[CaseState], limit: int) -> list[Case]:
        """Per state (each one indexed range), then the oldest of those."""
        found = []
        for state in states:
            rows = self.db.query(
                "SELECT * FROM cases WHERE state = ? ORDER BY posted_at, id LIMIT ?",
                (state.value, limit),
            )
            found += [codec.case_from_row(r) for r in rows]
        return sorted(found, key=lambda c: (c.mention.created_at, c.id))[:limit]

    def count_posted_before(
        self, states: Iterable[CaseState], network: Network, before: datetime
    ) -> int:
        wanted = [s.value for s in states]
        return int(
            self.db.scalar(
                f"SELECT count(*) FROM cases WHERE state IN ({_marks(wanted)})"
                " AND posted_at <= ? AND network = ?",
                [*wanted, codec.iso(before), network.value],
            )
        )

    def approvers_since(self, since: datetime) -> list[tuple[str, int]]:
        rows = self.db.query(
            f"SELECT approved_by AS who, count(*) AS n FROM cases"
            f" WHERE approved_by IS NOT NULL AND {DECIDED_AT} >= ?"
            f" AND state IN ({_marks(APPROVED)}) GROUP BY approved_by"
            " ORDER BY n DESC, min(posted_at), approved_by",
            [codec.iso(since), *APPROVED],
        )
        return [(r["who"], r["n"]) for r in rows if r["who"]]

    def approved_by(self, user: str, since: datetime, limit: int) -> list[Case]:
        rows = self.db.query(
            f"SELECT * FROM cases WHERE approved_by = ? AND {DECIDED_AT} >= ?"
            f" AND state IN ({_marks(APPROVED)}) ORDER BY posted_at, id LIMIT ?",
            [user, codec.iso(since), *APPROVED, limit],
        )
        return [codec.case_from_row(r) for r in rows]


APPROVED = (CaseState.APPROVED.value, CaseState.PUBLISHING.value, CaseState.PUBLISHED.value)


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))


def _other_forms(ref: PostRef) -> tuple[str, ...]:
    """A Mastodon status is also linked as /users/<user>/statuses/<id>."""
    if ref.network is Network.MASTODON:
        return (f"https://{ref.host}/users/{ref.author}/statuses/{ref.post_id}",)
    return ()


def _seconds_sqlite(later: str, earlier: str) -> str:
    """SQL for the seconds between two ISO times (SQLite: to the millisecond)."""
    return f"round((julianday({later}) - julianday({earlier})) * 86400.0, 3)"


def _seconds_pg(later: str, earlier: str) -> str:
    """SQL for the seconds between two ISO times (PostgreSQL)."""
    return f"extract(epoch FROM ({later})::timestamptz - ({earlier})::timestamptz)::float8"
