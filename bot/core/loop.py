"""The care loop: poll → case → triage → draft → review surface (DESIGN §2).

`CareLoop.ingest` turns mentions into drafted cases waiting for review. It is safe to
run twice on the same mentions: a mention already seen is counted as a duplicate and
changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from bot.core.cases import Transition, note, transition
from bot.core.crisis_groups import CrisisGrouper
from bot.core.drafting import DraftingService
from bot.core.intake import MAX_TEXT_CHARS, problem_with, with_clean_text
from bot.core.models import (
    AuditEntry,
    Case,
    CaseState,
    Draft,
    Intent,
    Mention,
    Network,
    Quarantined,
    Triage,
)
from bot.core.ports import AlreadyExists, Clock, MentionSource, ReviewSurface, SourceBatch, Store
from bot.core.relations import Relations
from bot.core.triage import triage as default_triage

log = logging.getLogger(__name__)

# Older than this, a reply looks odd or the network no longer lets us answer in thread.
DEFAULT_EXPIRY: dict[Network, timedelta] = {
    Network.X: timedelta(days=7),
    Network.BLUESKY: timedelta(days=14),
    Network.MASTODON: timedelta(days=14),
    Network.THREADS: timedelta(days=14),
    Network.FACEBOOK: timedelta(days=14),
    Network.INSTAGRAM: timedelta(days=14),
}


@dataclass
class IntakeSummary:
    new: int = 0
    duplicates: int = 0
    quarantined: int = 0
    expired: int = 0
    spam: int = 0
    own_posts: int = 0
    cases: list[Case] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # from sources: gaps, rate limits

    def add(self, other: IntakeSummary) -> None:
        self.new += other.new
        self.duplicates += other.duplicates
        self.quarantined += other.quarantined
        self.expired += other.expired
        self.spam += other.spam
        self.own_posts += other.own_posts
        self.cases.extend(other.cases)
        self.notices.extend(other.notices)


@dataclass
class _Planned:
    """A case's moves decided (triage, draft) but not yet written."""

    case: Case
    created: bool
    steps: list[Transition]
    draft: Draft | None = None


class CareLoop:
    def __init__(
        self,
        store: Store,
        drafting: DraftingService,
        clock: Clock,
        *,
        surface: ReviewSurface | None = None,
        brand_handles: Sequence[str] = (),
        triager: Callable[[Mention], Triage] = default_triage,
        crisis: Callable[[], bool] = lambda: False,
        expiry: dict[Network, timedelta] | None = None,
        max_chars: int = MAX_TEXT_CHARS,
        chunk_size: int = 1,
        grouper: CrisisGrouper | None = None,
        relations: Relations | None = None,
    ) -> None:
        """`grouper` places each case shown during a crisis in a group of similar ones;
        `relations` adds what the customer's history says (repeat complainer, wow)."""
        self.store = store
        self.drafting = drafting
        self.clock = clock
        self.surface = surface
        self.own = {h.lower().lstrip("@") for h in brand_handles}
        self.triager = triager
        self.crisis = crisis
        self.expiry = expiry or DEFAULT_EXPIRY
        self.max_chars = max_chars
        self.chunk_size = max(1, chunk_size)  # cases per commit: >1 for fast drafters
        self.grouper = grouper
        self.relations = relations

    def poll(self, sources: Iterable[MentionSource]) -> IntakeSummary:
        summary = IntakeSummary()
        for source in sources:
            cursor = self.store.get_cursor(source.name)
            batch = source.poll(cursor)
            summary.add(self.ingest_batch(batch, source.name))
            summary.notices.extend(batch.notices)
            if batch.cursor is not None and batch.cursor != cursor:
                self.store.set_cursor(source.name, batch.cursor)
        return summary

    def ingest_batch(self, batch: SourceBatch, source: str = "batch") -> IntakeSummary:
        for item in batch.quarantined:
            self.store.quarantine(item)
        summary = self.ingest(batch.mentions, source)
        summary.quarantined += len(batch.quarantined)
        return summary

    def ingest(self, mentions: Iterable[Mention], source: str = "batch") -> IntakeSummary:
        """Turn mentions into cases waiting for review, `chunk_size` cases per commit.

        Triage and drafting happen outside the transaction (a model may be slow); the
        writes of a chunk go in one commit, and cards are shown after it.
        """
        summary = IntakeSummary()
        seen: set[str] = set()
        for batch in _chunks(mentions, self.chunk_size):
            seen |= self.store.known([m.case_id for m in batch])  # one query per chunk
            crisis = self.crisis()  # once per chunk: it is a lookup, and it rarely changes
            planned = [self._plan_new(m, source, summary, seen, crisis) for m in batch]
            chunk = [p for p in planned if p is not None]
            if chunk:
                self._write_chunk(chunk, summary)
        return summary

    def _plan_new(
        self, mention: Mention, source: str, summary: IntakeSummary, seen: set[str], crisis: bool
    ) -> _Planned | None:
        problem = problem_with(mention, self.max_chars)
        if problem:
            raw = f"{mention.network.value}:{mention.external_id} @{mention.author_handle}"
            self.store.quarantine(Quarantined(source, raw, problem, self.clock.now()))
            summary.quarantined += 1
            log.warning("quarantined %s: %s", raw, problem)
            return None
        if mention.author_handle.lower().lstrip("@") in self.own:
            summary.own_posts += 1
            return None
        if mention.case_id in seen:
            summary.duplicates += 1
            return None
        seen.add(mention.case_id)
        now = self.clock.now()
        mention = with_clean_text(mention)
        case = Case(mention.case_id, mention, CaseState.NEW, now, now)
        return self._plan(case, created=True, crisis=crisis)

    def _plan(self, case: Case, *, created: bool = False, crisis: bool | None = None) -> _Planned:
        """Decide a new case's way to its resting state: expired, spam, or drafted for review."""
        now = self.clock.now()
        if now - case.mention.created_at > self.expiry[case.network]:
            expired = transition(case, CaseState.EXPIRED, at=now, detail="too old to answer")
            return _Planned(case, created, [expired])
        crisis = self.crisis() if crisis is None else crisis
        triage = self.triager(case.mention)
        if self.relations is not None and triage.intent is not Intent.SPAM:
            triage = self.relations.assess(case.mention, triage, crisis=crisis)
        triaged = transition(case, CaseState.TRIAGED, at=now, triage=triage)
        assert triaged.case.triage is not None
        if triaged.case.triage.intent is Intent.SPAM:
            reason = "spam (automatic)"
            dismissed = transition(
                triaged.case, CaseState.DISMISSED, at=now, detail=reason, dismissed_reason=reason
            )
            return _Planned(case, created, [triaged, dismissed])
        draft = self.drafting.draft_for(triaged.case, crisis=crisis)
        drafted = transition(
            triaged.case, CaseState.DRAFTED, at=now, detail=draft.drafter,
            draft_id=draft.id, draft_seq=triaged.case.draft_seq + 1,
        )  # fmt: skip
        in_review = transition(drafted.case, CaseState.IN_REVIEW, at=now)
        return _Planned(case, created, [triaged, drafted, in_review], draft)

    def _write_chunk(self, chunk: list[_Planned], summary: IntakeSummary) -> None:
        try:  # the common case: every case is new, so one bulk write
            written = self._write_all_new(chunk)
        except AlreadyExists:  # another writer took one in meanwhile: case by case
            written = []
            with self.store.transaction():
                for planned in chunk:
                    case = self._write(planned)
                    if case is None:
                        summary.duplicates += 1
                        if self.relations is not None:  # its moment is the other writer's
                            self.relations.forget(planned.case.id)
                        continue
                    written.append(case)
                self._remember(written)
        for case in written:
            summary.new += 1
            summary.expired += case.state is CaseState.EXPIRED
            summary.spam += case.state is CaseState.DISMISSED
            summary.cases.append(self.show(case) if case.state is CaseState.IN_REVIEW else case)

    def _write_all_new(self, chunk: list[_Planned]) -> list[Case]:
        entries: list[tuple[Case, list[AuditEntry]]] = []
        for planned in chunk:
            created = note(
                planned.case, at=planned.case.created_at, actor="system", action="created"
            )
            audits = [created, *(step.audit for step in planned.steps if step.audit is not None)]
            entries.append((planned.steps[-1].case, audits))
        drafts = [planned.draft for planned in chunk if planned.draft is not None]
        cases = [case for case, _ in entries]
        with self.store.transaction():
            self.store.add_new_cases(entries, drafts)
            self._remember(cases)
        return cases

    def _write(self, planned: _Planned) -> Case | None:
        """One row for the case as it rests, an audit row for each move that got it there."""
        final = planned.steps[-1].case
        audits = [step.audit for step in planned.steps if step.audit is not None]
        if planned.created:
            created = note(
                planned.case, at=planned.case.created_at, actor="system", action="created"
            )
            if not self.store.add_case(final, created, *audits):
                return None
        else:
            self.store.save_case(final, *audits)
        if planned.draft is not None:
            self.store.add_draft(planned.draft)
        return final

    def process(self, case: Case) -> Case:
        """Triage, draft and present a stored case; after a crash a case is either still
        `new` (and `resume` picks it up) or wholly in review."""
        planned = self._plan(case)
        with self.store.transaction():
            resting = self._write(planned)
            self._remember([resting] if resting is not None else [])
        assert resting is not None
        return self.show(resting) if resting.state is CaseState.IN_REVIEW else resting

    def resume(self) -> list[Case]:
        """At start-up: finish cases a crash left before review (taken in, not yet drafted)."""
        resumed = []
        for case in self.store.cases([CaseState.NEW, CaseState.TRIAGED, CaseState.DRAFTED]):
            if case.state is CaseState.DRAFTED:
                step = transition(case, CaseState.IN_REVIEW, at=self.clock.now())
                resumed.append(self.show(self._save(step)))
            else:
                resumed.append(self.process(case.evolve(state=CaseState.NEW)))
        return resumed

    def show(self, case: Case) -> Case:
        """Present or refresh the case on the review surface and remember where it is.

        During a crisis the case is first placed in a group of similar ones (or found in
        the one it joined); a surface that groups shows the group's card, whose place then
        is the group's (a lone lead's own card becomes its group's card)."""
        if self.surface is None:
            return case
        group = self.grouper.place(case) if self.grouper is not None else None
        draft = self.store.get_draft(case.draft_id) if case.draft_id else None
        ref = self.surface.show(case, draft, group)
        if group is not None and self.grouper is not None and ref and group.ref != ref:
            self.grouper.placed(group, ref)
        if ref and ref != case.review_ref:
            case = case.evolve(review_ref=ref)
            self.store.save_case(case, None)
        return case

    def _remember(self, cases: list[Case]) -> None:
        """Keep what assessing found of these cases (wow moments), in their commit."""
        if self.relations is not None and cases:
            self.relations.remember(cases)

    def _save(self, step: Transition) -> Case:
        self.store.save_case(step.case, step.audit)
        return step.case


def _chunks(items: Iterable[Mention], size: int) -> Iterator[list[Mention]]:
    chunk: list[Mention] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
