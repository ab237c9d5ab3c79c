"""Crisis groups (migrations 40, 41), in SQL both stores read: which cases share one
card, where the group card and each member's own card are on the review surface, and
when the group card was last rendered. The core decides who joins which group
(bot/core/crisis_groups.py); this only keeps it."""

from __future__ import annotations

from datetime import datetime

from bot.adapters.sqlite import _codec as codec
from bot.adapters.sqlite._db import Row, SqlDatabase
from bot.core.models import CaseGroup


class SqlGroups:
    """The GroupRepo, GroupPlaces and GroupCardMarks ports (bot/core/ports.py), on either
    store."""

    def __init__(self, db: SqlDatabase) -> None:
        self.db = db

    def group_of(self, case_id: str) -> CaseGroup | None:
        row = self.db.one("SELECT group_id FROM slack_group_members WHERE case_id = ?", (case_id,))
        return self.group(row["group_id"]) if row else None

    def groups_since(self, since: datetime) -> list[CaseGroup]:
        rows = self.db.query(
            "SELECT * FROM slack_groups WHERE started_at >= ? ORDER BY started_at, id",
            (codec.iso(since),),
        )
        return [self._group(row) for row in rows]

    def start_group(self, group: CaseGroup, at: datetime) -> None:
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO slack_groups (id, lead_text, ref, started_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (group.id, group.lead_text, group.ref, codec.iso(at)),
            )
            for seq, case_id in enumerate(group.members):
                self._add_member(group.id, case_id, seq, at)

    def join_group(self, group_id: str, case_id: str, at: datetime) -> CaseGroup:
        with self.db.transaction():
            seq = self.db.scalar(
                "SELECT coalesce(max(seq), -1) + 1 FROM slack_group_members WHERE group_id = ?",
                (group_id,),
            )
            self._add_member(group_id, case_id, int(seq), at)
        group = self.group(group_id)
        assert group is not None, f"no group {group_id}"
        return group

    def group(self, group_id: str) -> CaseGroup | None:
        row = self.db.one("SELECT * FROM slack_groups WHERE id = ?", (group_id,))
        return self._group(row) if row else None

    def group_at(self, ref: str) -> CaseGroup | None:
        """The group whose card is at `ref`."""
        row = self.db.one("SELECT * FROM slack_groups WHERE ref = ?", (ref,))
        return self._group(row) if row else None

    def set_ref(self, group_id: str, ref: str) -> None:
        self.db.execute("UPDATE slack_groups SET ref = ? WHERE id = ?", (ref, group_id))

    def mark_rendered(self, group_id: str, at: datetime) -> None:
        """The card shows the group as stored at `at` (read just before rendering)."""
        self.db.execute(
            "UPDATE slack_groups SET rendered_at = ? WHERE id = ?", (codec.iso(at), group_id)
        )

    def stale(self) -> list[str]:
        """Groups with a card whose members joined or changed since it was last rendered
        (an update still pending when the process stopped), oldest first. A change in the
        same instant as the render counts as newer: one update too many, never one lost."""
        rows = self.db.query(
            "SELECT g.id FROM slack_groups g WHERE g.ref IS NOT NULL"
            " AND (SELECT count(*) FROM slack_group_members n WHERE n.group_id = g.id) > 1"
            " AND (g.rendered_at IS NULL"
            " OR EXISTS (SELECT 1 FROM slack_group_members m JOIN cases c ON c.id = m.case_id"
            " WHERE m.group_id = g.id"
            " AND (c.updated_at >= g.rendered_at OR m.joined_at >= g.rendered_at)))"
            " ORDER BY g.started_at, g.id"
        )
        return [row["id"] for row in rows]

    def card_ref(self, case_id: str) -> str | None:
        """Where a member's own card is (in the group card's thread), if it was shown."""
        row = self.db.one("SELECT card_ref FROM slack_group_members WHERE case_id = ?", (case_id,))
        return row["card_ref"] if row else None

    def set_card_ref(self, case_id: str, ref: str) -> None:
        self.db.execute(
            "UPDATE slack_group_members SET card_ref = ? WHERE case_id = ?", (ref, case_id)
        )

    def case_at(self, card_ref: str) -> str | None:
        """The member whose own card (in a group card's thread) is at `card_ref`."""
        row = self.db.one("SELECT case_id FROM slack_group_members WHERE card_ref = ?", (card_ref,))
        return row["case_id"] if row else None

    def _add_member(self, group_id: str, case_id: str, seq: int, at: datetime) -> None:
        self.db.execute(
            "INSERT INTO slack_group_members (case_id, group_id, seq, joined_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (case_id, group_id, seq, codec.iso(at)),
        )

    def _group(self, row: Row) -> CaseGroup:
        members = self.db.query(
            "SELECT case_id FROM slack_group_members WHERE group_id = ? ORDER BY seq", (row["id"],)
        )
        return CaseGroup(
            row["id"], row["lead_text"], tuple(m["case_id"] for m in members), row["ref"]
        )
