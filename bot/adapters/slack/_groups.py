"""Crisis groups in the store, SQLite or PostgreSQL (migrations 40, 41): the core's
GroupRepo plus where the group card and each member's card (in the group card's thread)
are in Slack, and when each group card was last rendered."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.adapters.sqlite import SqlStore
from bot.adapters.sqlite import _codec as codec
from bot.core.crisis_groups import CaseGroup


class SqliteGroups:
    def __init__(self, store: SqlStore) -> None:
        self.store = store

    # --- GroupRepo
    def group_of(self, case_id: str) -> CaseGroup | None:
        rows = self.store._rows(
            "SELECT group_id FROM slack_group_members WHERE case_id = ?", (case_id,)
        )
        return self.get(rows[0]["group_id"]) if rows else None

    def groups_since(self, since: datetime) -> list[CaseGroup]:
        rows = self.store._rows(
            "SELECT * FROM slack_groups WHERE started_at >= ? ORDER BY started_at, id",
            (codec.iso(since),),
        )
        return [self._group(row) for row in rows]

    def start_group(self, group: CaseGroup, at: datetime) -> None:
        with self.store.transaction():
            self.store.conn.execute(
                "INSERT INTO slack_groups (id, lead_text, ref, started_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (group.id, group.lead_text, group.ref, codec.iso(at)),
            )
            for seq, case_id in enumerate(group.members):
                self._add_member(group.id, case_id, seq, at)

    def join_group(self, group_id: str, case_id: str, at: datetime) -> CaseGroup:
        with self.store.transaction():
            rows = self.store._rows(
                "SELECT coalesce(max(seq), -1) + 1 AS next FROM slack_group_members"
                " WHERE group_id = ?",
                (group_id,),
            )
            self._add_member(group_id, case_id, int(rows[0]["next"]), at)
        group = self.get(group_id)
        assert group is not None, f"no group {group_id}"
        return group

    # --- Slack places
    def get(self, group_id: str) -> CaseGroup | None:
        rows = self.store._rows("SELECT * FROM slack_groups WHERE id = ?", (group_id,))
        return self._group(rows[0]) if rows else None

    def group_at(self, ref: str) -> CaseGroup | None:
        """The group whose card is at `ref` (channel/ts)."""
        rows = self.store._rows("SELECT * FROM slack_groups WHERE ref = ?", (ref,))
        return self._group(rows[0]) if rows else None

    def set_ref(self, group_id: str, ref: str) -> None:
        with self.store.transaction():
            self.store.conn.execute("UPDATE slack_groups SET ref = ? WHERE id = ?", (ref, group_id))

    def mark_rendered(self, group_id: str, at: datetime) -> None:
        """The card shows the group as stored at `at` (read just before rendering)."""
        with self.store.transaction():
            self.store.conn.execute(
                "UPDATE slack_groups SET rendered_at = ? WHERE id = ?", (codec.iso(at), group_id)
            )

    def stale(self) -> list[str]:
        """Groups with a card whose members joined or changed since it was last rendered
        (an update still pending when the process stopped), oldest first. A change in the
        same instant as the render counts as newer: one update too many, never one lost."""
        rows = self.store._rows(
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
        rows = self.store._rows(
            "SELECT card_ref FROM slack_group_members WHERE case_id = ?", (case_id,)
        )
        return rows[0]["card_ref"] if rows else None

    def set_card_ref(self, case_id: str, ref: str) -> None:
        with self.store.transaction():
            self.store.conn.execute(
                "UPDATE slack_group_members SET card_ref = ? WHERE case_id = ?", (ref, case_id)
            )

    def case_at(self, card_ref: str) -> str | None:
        """The member whose own card (in a group card's thread) is at `card_ref`."""
        rows = self.store._rows(
            "SELECT case_id FROM slack_group_members WHERE card_ref = ?", (card_ref,)
        )
        return rows[0]["case_id"] if rows else None

    def _add_member(self, group_id: str, case_id: str, seq: int, at: datetime) -> None:
        self.store.conn.execute(
            "INSERT INTO slack_group_members (case_id, group_id, seq, joined_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (case_id, group_id, seq, codec.iso(at)),
        )

    def _group(self, row: dict[str, Any]) -> CaseGroup:
        members = self.store._rows(
            "SELECT case_id FROM slack_group_members WHERE group_id = ? ORDER BY seq", (row["id"],)
        )
        return CaseGroup(
            row["id"], row["lead_text"], tuple(m["case_id"] for m in members), row["ref"]
        )
