"""The read side (CareQueries, bot/core/ports.py): what App Home, `/care`, cards and
reports show, each answered by indexed SQL bounded by what is shown, in SQL both stores
read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from bot.adapters.sqlite import _codec as codec
from bot.adapters.sqlite._db import SqlDatabase
from bot.adapters.sqlite._migrations import DECIDED_AT, PG_DECIDED_AT
from bot.core.models import AuditEntry, Case, CaseState, Draft, Network
from bot.core.post_urls import PostRef, same_post


class SqlQueries:
    def __init__(self, db: SqlDatabase) -> None:
        self.db = db
        # spelled as the cases_decided index is, so the query uses it
        self.decided_at = DECIDED_AT if db.dialect == "sqlite" else PG_DECIDED_AT

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
        """The case whose post a link names, when the post cannot be fetched to find out."""
        wanted = url.rstrip("/")
        for row in self.db.query("SELECT * FROM cases ORDER BY posted_at, id"):
            case = codec.case_from_row(row)
            if case.mention.url and case.mention.url.rstrip("/") == wanted:
                return case
            if ref is not None and same_post(case, ref):
                return case
        return None

    def report_inputs(
        self, since: datetime, until: datetime
    ) -> tuple[list[Case], dict[str, Draft]]:
        """Cases posted in [since, until) and their current drafts, in one query each."""
        rows = self.db.query(
            "SELECT * FROM cases WHERE created_at >= ? ORDER BY posted_at, id",
            (codec.iso(since - timedelta(days=1)),),
        )
        cases = [c for c in map(codec.case_from_row, rows) if since <= c.mention.created_at < until]
        drafts = {}
        for case in cases:
            if case.draft_id and (draft := self.draft(case.draft_id)):
                drafts[case.draft_id] = draft
        return cases, drafts

    def count_by_state(self, states: Iterable[CaseState]) -> dict[CaseState, int]:
        wanted = [s.value for s in states]
        rows = self.db.query(
            f"SELECT state, count(*) AS n FROM cases WHERE state IN ({_marks(wanted)})"
            " GROUP BY state",
            wanted,
        )
        return {CaseState(r["state"]): r["n"] for r in rows}

    def oldest(self, states: Iterable[CaseState], limit: int) -> list[Case]:
        wanted = [s.value for s in states]
        rows = self.db.query(
            f"SELECT * FROM cases WHERE state IN ({_marks(wanted)}) ORDER BY posted_at, id LIMIT ?",
            [*wanted, limit],
        )
        return [codec.case_from_row(r) for r in rows]

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
            f" WHERE approved_by IS NOT NULL AND {self.decided_at} >= ?"
            f" AND state IN ({_marks(APPROVED)}) GROUP BY approved_by"
            " ORDER BY n DESC, min(posted_at), min(id)",
            [codec.iso(since), *APPROVED],
        )
        return [(r["who"], r["n"]) for r in rows if r["who"]]

    def approved_by(self, user: str, since: datetime, limit: int) -> list[Case]:
        rows = self.db.query(
            f"SELECT * FROM cases WHERE approved_by = ? AND {self.decided_at} >= ?"
            f" AND state IN ({_marks(APPROVED)}) ORDER BY posted_at, id LIMIT ?",
            [user, codec.iso(since), *APPROVED, limit],
        )
        return [codec.case_from_row(r) for r in rows]


APPROVED = (CaseState.APPROVED.value, CaseState.PUBLISHING.value, CaseState.PUBLISHED.value)


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))
