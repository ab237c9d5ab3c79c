"""The care loop: poll → case → triage → draft → review surface (DESIGN §2).

`CareLoop.ingest` turns mentions into drafted cases waiting for review. It is safe to
run twice on the same mentions: a mention already seen is counted as a duplicate and
changes nothing.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta

from bot.core.cases import Transition, note, transition
from bot.core.drafting import DraftingService
from bot.core.models import Case, CaseState, Intent, Mention, Network, Quarantined, Triage
from bot.core.ports import Clock, MentionSource, ReviewSurface, SourceBatch, Store
from bot.core.triage import triage as default_triage

log = logging.getLogger(__name__)

# Older than this, a reply looks odd or the network no longer lets us answer in thread.
DEFAULT_EXPIRY: dict[Network, timedelta] = {
    Network.X: timedelta(days=7),
    Network.BLUESKY: timedelta(days=14),
    Network.MASTODON: timedelta(days=14),
}
MAX_TEXT_CHARS = 25_000


@dataclass
class IntakeSummary:
    new: int = 0
    duplicates: int = 0
    quarantined: int = 0
    expired: int = 0
    spam: int = 0
    own_posts: int = 0
    cases: list[Case] = field(default_factory=list)

    def add(self, other: IntakeSummary) -> None:
        self.new += other.new
        self.duplicates += other.duplicates
        self.quarantined += other.quarantined
        self.expired += other.expired
        self.spam += other.spam
        self.own_posts += other.own_posts
        self.cases.extend(other.cases)


def problem_with(mention: Mention, max_chars: int = MAX_TEXT_CHARS) -> str | None:
    """Why a mention cannot become a case, or None. Kept apart so tests can hit each reason."""
    if not mention.external_id.strip():
        return "missing post id"
    if not mention.author_handle.strip():
        return "missing author"
    if not mention.text.strip():
        return "empty text"
    if len(mention.text) > max_chars:
        return f"text too long ({len(mention.text)} chars > {max_chars})"
    controls = sum(1 for ch in mention.text if unicodedata.category(ch) in ("Cc", "Cs", "Co"))
    if controls > max(3, len(mention.text) // 10):
        return "text looks binary (control characters)"
    return None


def clean_text(text: str) -> str:
    """NFC-normalised, control characters other than newline and tab removed."""
    text = unicodedata.normalize("NFC", text)
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


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
    ) -> None:
        self.store = store
        self.drafting = drafting
        self.clock = clock
        self.surface = surface
        self.own = {h.lower().lstrip("@") for h in brand_handles}
        self.triager = triager
        self.crisis = crisis
        self.expiry = expiry or DEFAULT_EXPIRY
        self.max_chars = max_chars

    def poll(self, sources: Iterable[MentionSource]) -> IntakeSummary:
        summary = IntakeSummary()
        for source in sources:
            cursor = self.store.get_cursor(source.name)
            batch = source.poll(cursor)
            summary.add(self.ingest_batch(batch, source.name))
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
        summary = IntakeSummary()
        for mention in mentions:
            self._ingest_one(mention, source, summary)
        return summary

    def _ingest_one(self, mention: Mention, source: str, summary: IntakeSummary) -> None:
        problem = problem_with(mention, self.max_chars)
        if problem:
            raw = f"{mention.network.value}:{mention.external_id} @{mention.author_handle}"
            self.store.quarantine(Quarantined(source, raw, problem, self.clock.now()))
            summary.quarantined += 1
            log.warning("quarantined %s: %s", raw, problem)
            return
        if mention.author_handle.lower().lstrip("@") in self.own:
            summary.own_posts += 1
            return
        mention = _with_clean_text(mention)
        now = self.clock.now()
        case = Case(mention.case_id, mention, CaseState.NEW, now, now)
        if not self.store.add_case(case, note(case, at=now, actor="system", action="created")):
            summary.duplicates += 1
            return
        summary.new += 1
        summary.cases.append(self.process(case))
        last = summary.cases[-1]
        if last.state is CaseState.EXPIRED:
            summary.expired += 1
        elif last.state is CaseState.DISMISSED:
            summary.spam += 1

    def process(self, case: Case) -> Case:
        """Triage, draft and present a new case; returns it in its resting state."""
        now = self.clock.now()
        if now - case.mention.created_at > self.expiry[case.network]:
            return self._save(
                transition(case, CaseState.EXPIRED, at=now, detail="too old to answer")
            )
        triaged = self._save(
            transition(case, CaseState.TRIAGED, at=now, triage=self.triager(case.mention))
        )
        assert triaged.triage is not None
        if triaged.triage.intent is Intent.SPAM:
            reason = "spam (automatic)"
            return self._save(
                transition(
                    triaged, CaseState.DISMISSED, at=now, detail=reason, dismissed_reason=reason
                )
            )
        draft = self.drafting.draft_for(triaged, crisis=self.crisis())
        self.store.add_draft(draft)
        drafted = self._save(
            transition(
                triaged,
                CaseState.DRAFTED,
                at=now,
                detail=draft.drafter,
                draft_id=draft.id,
                draft_seq=triaged.draft_seq + 1,
            )
        )
        in_review = self._save(transition(drafted, CaseState.IN_REVIEW, at=now))
        return self.show(in_review)

    def show(self, case: Case) -> Case:
        """Present or refresh the case on the review surface and remember where it is."""
        if self.surface is None:
            return case
        draft = self.store.get_draft(case.draft_id) if case.draft_id else None
        ref = self.surface.show(case, draft)
        if ref and ref != case.review_ref:
            case = case.evolve(review_ref=ref)
            self.store.save_case(case, None)
        return case

    def _save(self, step: Transition) -> Case:
        self.store.save_case(step.case, step.audit)
        return step.case


def _with_clean_text(mention: Mention) -> Mention:
    return replace(
        mention, text=clean_text(mention.text), context=tuple(map(clean_text, mention.context))
    )
