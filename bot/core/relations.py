"""Relations: what careops knows of a customer beyond one post.

- At intake (`assess`), the customer's history (bot/core/people.py) raises the priority
  of a repeat complainer (a complaint within a week of another) and feeds wow detection
  (bot/core/wow.py); a moment found is kept with the case's own commit (`remember`).
- On the card (`card_notes`): the history line, and the wow line with the suggested
  gesture and its budget (bot/core/gestures.py), or what was done.
- `/care link` / `/care unlink`: the team's links between one customer's handles.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import replace

from bot.core.card import CardNotes, WowLine
from bot.core.cases import note
from bot.core.gestures import Gifts
from bot.core.models import Case, Intent, Mention, Priority, Triage
from bot.core.people import (
    RECENT,
    REPEAT_TAG,
    History,
    Person,
    PersonError,
    history_line,
    merged,
    parse_person,
)
from bot.core.ports import Clock, PeopleRepo, WowRepo
from bot.core.wow import Wow, WowMoment, detect

log = logging.getLogger(__name__)

WOW_TAG = "wow"


class Relations:
    def __init__(self, people: PeopleRepo, wow: WowRepo, gifts: Gifts, clock: Clock) -> None:
        self.people = people
        self.wow = wow
        self.gifts = gifts
        self.clock = clock
        self._found: dict[str, Wow] = {}  # case id -> moment found at intake, until written
        self._lock = threading.Lock()

    # --- intake ---------------------------------------------------------------------------

    def history(self, mention: Mention) -> History:
        """Every earlier case of the author's handle and the handles linked to it."""
        person = Person.of(mention)
        linked = self.people.linked(person)
        parts = [self.people.contacts(p, mention.created_at, RECENT) for p in (person, *linked)]
        return History(person, merged(parts), linked)

    def assess(self, mention: Mention, triage: Triage, *, crisis: bool = False) -> Triage:
        """Triage with what the history adds: `repeat` (priority high), `wow`."""
        history = self.history(mention)
        tags, priority = list(triage.tags), triage.priority
        if triage.intent is Intent.COMPLAINT and history.repeat_complainer(mention.created_at):
            tags.append(REPEAT_TAG)
            priority = Priority.HIGH
        found = detect(mention, triage, history, mention.created_at, crisis=crisis)
        if found is not None:
            tags.append(WOW_TAG)
            with self._lock:
                self._found[mention.case_id] = found
        return replace(triage, tags=tuple(tags), priority=priority)

    def remember(self, cases: Sequence[Case]) -> None:
        """Keep the moments found for these cases (called inside the cases' own commit)."""
        for case in cases:
            with self._lock:
                found = self._found.pop(case.id, None)
            if found is None:
                continue
            mention = case.mention
            moment = WowMoment(
                case.id, found.kind, found.why, case.created_at, mention.network,
                mention.author_handle,
            )  # fmt: skip
            detail = f"{found.kind.label}: {found.why}"
            self.wow.add_moment(
                moment, note(case, at=case.created_at, actor="system", action="wow", detail=detail)
            )

    def forget(self, case_id: str) -> None:
        """Drop what assessing found for a case that was not written (a duplicate)."""
        with self._lock:
            self._found.pop(case_id, None)

    # --- the card -------------------------------------------------------------------------

    def card_notes(self, case: Case) -> CardNotes:
        now = self.clock.now()
        line = history_line(self.history(case.mention), now)
        moment = self.wow.moment(case.id)
        if moment is None:
            return CardNotes(line)
        done = self.wow.gesture(case.id)
        if done is not None:
            wow = WowLine(moment.why, done=done.label, done_by=done.user, over=done.over_budget)
        else:
            wow = WowLine(moment.why, suggestion=self.gifts.suggestion(moment.kind))
        return CardNotes(line, wow)

    # --- links between handles ------------------------------------------------------------

    def link(self, words: str, user: str) -> str:
        """`x:alice bluesky:alice.bsky.social`: one customer from now on."""
        try:
            people = _people(words)
        except PersonError as exc:
            return f"Not linked: {exc}."
        if len(set(people)) < 2:
            return "Usage: `/care link x:alice bluesky:alice.bsky.social` (two handles or more)."
        group = self.people.link(people, user, self.clock.now())
        log.info("linked %s (by %s)", ", ".join(map(str, group)), user)
        return f"Linked as one customer: {', '.join(map(str, group))}. {self._summary(group)}"

    def unlink(self, words: str, user: str) -> str:
        """`x:alice`: out of its group; `x:alice bluesky:alice`: the second (and more) out
        of the first one's group."""
        try:
            people = _people(words)
        except PersonError as exc:
            return f"Not unlinked: {exc}."
        if not people:
            return "Usage: `/care unlink x:alice` or `/care unlink x:alice bluesky:alice`."
        anchor, now = people[0], self.clock.now()
        if len(people) == 1:
            if not self.people.unlink(anchor, user, now):
                return f"{anchor} is linked to nobody."
            log.info("unlinked %s (by %s)", anchor, user)
            return f"Unlinked {anchor}."
        group = set(self.people.linked(anchor))
        done = [p for p in people[1:] if p in group and self.people.unlink(p, user, now)]
        kept = [str(p) for p in people[1:] if p not in done]
        log.info("unlinked %s from %s (by %s)", ", ".join(map(str, done)), anchor, user)
        answer = f"Unlinked {', '.join(map(str, done))} from {anchor}." if done else ""
        if kept:
            answer += f" Not linked to {anchor}: {', '.join(kept)}."
        return answer.strip()

    def _summary(self, group: Sequence[Person]) -> str:
        now = self.clock.now()
        total = merged(self.people.contacts(p, now, RECENT) for p in group)
        if not total.count or total.first_seen is None:
            return "No cases yet."
        return f"{total.count} cases so far, first seen {total.first_seen:%d %B %Y}."


def _people(words: str) -> list[Person]:
    return [parse_person(word) for word in words.split()]
