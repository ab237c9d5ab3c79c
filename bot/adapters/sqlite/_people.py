"""Customers across cases and networks (migration 50), in SQL both stores read: the
PeopleRepo port (bot/core/ports.py).

History reads go by the `cases_person` index (author, network, posted_at): a count and
the first post from the index alone, then the latest `limit` cases, however many the
customer has. Links are groups: each linked handle has a row naming its group (the
group's first handle); every change is kept in `people_link_log` (who, when, what).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.adapters.sqlite import _codec as codec
from bot.adapters.sqlite._db import SqlDatabase
from bot.core.models import CaseState, Intent, Network
from bot.core.people import REPEAT_TAG, Contacts, LinkSummary, PastCase, Person

_TRIAGE_SQLITE = "json_extract(body, '$.triage.{0}')"
_TRIAGE_PG = "body::jsonb #>> '{{triage,{0}}}'"
_REPEAT_SQLITE = (
    "EXISTS (SELECT 1 FROM json_each(body, '$.triage.tags') WHERE value = '" + REPEAT_TAG + "')"
)
_REPEAT_PG = "jsonb_exists(body::jsonb -> 'triage' -> 'tags', '" + REPEAT_TAG + "')"


class SqlPeople:
    def __init__(self, db: SqlDatabase) -> None:
        self.db = db
        triage = _TRIAGE_SQLITE if db.dialect == "sqlite" else _TRIAGE_PG
        self._intent, self._topic = triage.format("intent"), triage.format("topic")
        self._repeat = _REPEAT_SQLITE if db.dialect == "sqlite" else _REPEAT_PG

    def contacts(self, person: Person, before: datetime, limit: int) -> Contacts:
        where = "author = ? AND network = ? AND posted_at < ?"
        params = (person.handle, person.network.value, codec.iso(before))
        head = self.db.one(
            f"SELECT count(*) AS n, min(posted_at) AS first FROM cases WHERE {where}", params
        )
        if head is None or not head["n"]:
            return Contacts()
        rows = self.db.query(
            f"SELECT id, network, state, posted_at, published_at, {self._intent} AS intent,"
            f" {self._topic} AS topic FROM cases WHERE {where} ORDER BY posted_at DESC LIMIT ?",
            (*params, limit),
        )
        return Contacts(int(head["n"]), codec.parse_time(head["first"]), tuple(map(_past, rows)))

    def linked(self, person: Person) -> tuple[Person, ...]:
        rows = self.db.query(
            "SELECT network, handle FROM people_links WHERE person ="
            " (SELECT person FROM people_links WHERE network = ? AND handle = ?)"
            " ORDER BY network, handle",
            (person.network.value, person.handle),
        )
        return tuple(p for p in map(_person, rows) if p != person)

    def link(self, people: Sequence[Person], user: str, at: datetime) -> tuple[Person, ...]:
        with self.db.transaction():
            groups = {g for g in map(self._group, people) if g is not None}
            group = min(groups) if groups else str(min(people))
            for old in sorted(groups - {group}):
                self.db.execute("UPDATE people_links SET person = ? WHERE person = ?", (group, old))
            for p in sorted(set(people)):
                self.db.execute(
                    "INSERT INTO people_links (network, handle, person, linked_by, linked_at)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (network, handle) DO UPDATE SET"
                    " person = excluded.person, linked_by = excluded.linked_by,"
                    " linked_at = excluded.linked_at",
                    (p.network.value, p.handle, group, user, codec.iso(at)),
                )
            self._log("link", people, user, at)
            rows = self.db.query(
                "SELECT network, handle FROM people_links WHERE person = ?"
                " ORDER BY network, handle",
                (group,),
            )
        return tuple(map(_person, rows))

    def unlink(self, person: Person, user: str, at: datetime) -> bool:
        with self.db.transaction():
            group = self._group(person)
            if group is None:
                return False
            self.db.execute(
                "DELETE FROM people_links WHERE network = ? AND handle = ?",
                (person.network.value, person.handle),
            )
            dissolve(self.db, group)
            self._log("unlink", [person], user, at)
        return True

    def _group(self, person: Person) -> str | None:
        row = self.db.one(
            "SELECT person FROM people_links WHERE network = ? AND handle = ?",
            (person.network.value, person.handle),
        )
        return None if row is None else str(row["person"])

    def _log(self, action: str, people: Sequence[Person], user: str, at: datetime) -> None:
        self.db.execute(
            'INSERT INTO people_link_log (action, handles, "user", at) VALUES (?, ?, ?, ?)',
            (action, " ".join(sorted(map(str, set(people)))), user, codec.iso(at)),
        )

    def link_summary(self, since: datetime) -> LinkSummary:
        """Customers linked now (groups, handles) and the link changes since `since`."""
        row = self.db.one(
            "SELECT count(DISTINCT person) AS customers, count(*) AS handles FROM people_links"
        )
        changes = self.db.scalar(
            "SELECT count(*) FROM people_link_log WHERE at >= ?", (codec.iso(since),)
        )
        customers, handles = (int(row["customers"]), int(row["handles"])) if row else (0, 0)
        return LinkSummary(customers, handles, int(changes or 0))

    def repeat_complaints(self, since: datetime, until: datetime) -> int:
        """Cases posted in [since, until) raised as a repeat complaint."""
        found = self.db.scalar(
            f"SELECT count(*) FROM cases WHERE posted_at >= ? AND posted_at < ? AND {self._repeat}",
            (codec.iso(since), codec.iso(until)),
        )
        return int(found or 0)

    def link_log(self) -> list[tuple[str, str, str, datetime]]:
        """Every link and unlink: (action, handles, by whom, when), oldest first."""
        rows = self.db.query('SELECT action, handles, "user", at FROM people_link_log ORDER BY id')
        return [(r["action"], r["handles"], r["user"], codec.required_time(r["at"])) for r in rows]


def dissolve(db: SqlDatabase, group: str) -> None:
    """A group left with one handle links nothing: its last row goes."""
    left = db.scalar("SELECT count(*) FROM people_links WHERE person = ?", (group,))
    if int(left or 0) == 1:
        db.execute("DELETE FROM people_links WHERE person = ?", (group,))


def _person(row: dict[str, str]) -> Person:
    return Person(Network(row["network"]), row["handle"])


def _past(row: dict[str, object]) -> PastCase:
    posted = codec.required_time(str(row["posted_at"]))
    published = codec.parse_time(row["published_at"]) if row["published_at"] else None  # type: ignore[arg-type]
    intent = row["intent"]
    return PastCase(
        case_id=str(row["id"]),
        network=Network(str(row["network"])),
        posted_at=posted,
        state=CaseState(str(row["state"])),
        intent=Intent(intent) if isinstance(intent, str) and intent in set(Intent) else None,
        topic=str(row["topic"] or "general"),
        reply_seconds=(published - posted).total_seconds() if published else None,
    )
