"""Wow moments and the gestures made for them (migration 50), in SQL both stores read:
the WowRepo port (bot/core/ports.py). One row each per case; a gesture's audit row is
written in its commit, so the audit, the budget and `/care wow` always agree."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.adapters.sqlite import _codec as codec
from bot.adapters.sqlite._db import SqlDatabase
from bot.core.models import AuditEntry, Network
from bot.core.wow import Gesture, WowKind, WowMoment

WEEK_LIMIT = 500  # moments `/care wow` and the report list at most


class SqlWow:
    def __init__(self, db: SqlDatabase) -> None:
        self.db = db

    def add_moment(self, moment: WowMoment, audit: AuditEntry) -> bool:
        with self.db.transaction():
            added = self._insert_moment(moment)
            if added:
                self._audit(audit)
        return added

    def moment(self, case_id: str) -> WowMoment | None:
        row = self.db.one("SELECT * FROM wow_moments WHERE case_id = ?", (case_id,))
        return _moment(row) if row else None

    def moments_since(self, since: datetime) -> list[tuple[WowMoment, Gesture | None]]:
        rows = self.db.query(
            'SELECT m.*, g.offer, g.label, g.cost, g."user" AS gift_user, g.at AS gift_at,'
            " g.over_budget FROM wow_moments m LEFT JOIN wow_gestures g ON g.case_id = m.case_id"
            " WHERE m.at >= ? ORDER BY m.at DESC, m.case_id LIMIT ?",
            (codec.iso(since), WEEK_LIMIT),
        )
        return [
            (_moment(r), _gesture(r, "gift_user", "gift_at") if r["offer"] else None) for r in rows
        ]

    def add_gesture(self, gesture: Gesture, moment: WowMoment, audit: AuditEntry) -> bool:
        with self.db.transaction():
            self._insert_moment(moment)
            done = self.db.execute(
                'INSERT INTO wow_gestures (case_id, offer, label, cost, "user", at, over_budget)'
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    gesture.case_id, gesture.offer, gesture.label, gesture.cost, gesture.user,
                    codec.iso(gesture.at), int(gesture.over_budget),
                ),
            )  # fmt: skip
            if done.rowcount:
                self._audit(audit)
        return bool(done.rowcount)

    def moment_counts(self, since: datetime, until: datetime) -> dict[WowKind, int]:
        rows = self.db.query(
            "SELECT kind, count(*) AS n FROM wow_moments WHERE at >= ? AND at < ? GROUP BY kind",
            (codec.iso(since), codec.iso(until)),
        )
        return {WowKind(r["kind"]): int(r["n"]) for r in rows}

    def gesture(self, case_id: str) -> Gesture | None:
        row = self.db.one("SELECT * FROM wow_gestures WHERE case_id = ?", (case_id,))
        return _gesture(row) if row else None

    def gestures_since(self, since: datetime) -> list[Gesture]:
        rows = self.db.query(
            "SELECT * FROM wow_gestures WHERE at >= ? ORDER BY at, case_id", (codec.iso(since),)
        )
        return [_gesture(r) for r in rows]

    def _insert_moment(self, m: WowMoment) -> bool:
        done = self.db.execute(
            "INSERT INTO wow_moments (case_id, kind, why, at, network, author)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (m.case_id, m.kind.value, m.why, codec.iso(m.at), m.network.value, m.author),
        )
        return bool(done.rowcount)

    def _audit(self, e: AuditEntry) -> None:
        self.db.execute(
            "INSERT INTO audit (case_id, at, actor, action, from_state, to_state, detail)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (e.case_id, codec.iso(e.at), e.actor, e.action, e.from_state, e.to_state, e.detail),
        )


def _moment(r: dict[str, Any]) -> WowMoment:
    return WowMoment(
        r["case_id"], WowKind(r["kind"]), r["why"], codec.required_time(r["at"]),
        Network(r["network"]), r["author"],
    )  # fmt: skip


def _gesture(r: dict[str, Any], user: str = "user", at: str = "at") -> Gesture:
    return Gesture(
        r["case_id"], r["offer"], r["label"], float(r["cost"]), r[user],
        codec.required_time(r[at]), bool(r["over_budget"]),
    )  # fmt: skip
