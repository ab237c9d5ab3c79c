"""Crisis groups: similar cases that arrive during a crisis share one card (DESIGN §7).

The decision (join which group, or lead a new one) is made here, one case at a time,
with the same similarity as `bot.core.crisis.group_similar`; a `GroupRepo` remembers it
so it survives restarts. The loop places each case as it is shown (`CareLoop.show`);
surfaces only render a group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot.core.crisis import similarity, word_set
from bot.core.link_policy import XLinkRules, group_send_costs
from bot.core.models import AuditEntry, Case, CaseGroup, CaseState, Network
from bot.core.ports import Clock, GroupPlaces, GroupRepo
from bot.core.review import ReviewOutcome


class GroupPlacesRepo(GroupRepo, GroupPlaces, Protocol):
    """Where groups are kept and where the surface shows them."""


def awaiting_review(cases: Iterable[Case]) -> list[Case]:
    """Members a bulk approve acts on: those whose draft waits for (more) approvals."""
    return [c for c in cases if c.state is CaseState.IN_REVIEW]


class CrisisGrouper:
    """Decides, case by case, which group a new case belongs to while crisis mode is on.

    A case joins the oldest recent group whose lead it resembles (as `group_similar`)
    and that still has a case waiting for review; otherwise it leads a new group. Only
    cases never shown before are grouped, so a card already in the channel stays put, and
    with crisis mode off nothing new is grouped.
    """

    def __init__(
        self,
        repo: GroupPlacesRepo,
        get_case: Callable[[str], Case | None],
        clock: Clock,
        crisis: Callable[[], bool],
        *,
        threshold: float = 0.4,
        window: timedelta = timedelta(hours=24),
    ) -> None:
        self.repo = repo
        self.get_case = get_case
        self.clock = clock
        self.crisis = crisis
        self.threshold = threshold
        self.window = window

    def place(self, case: Case) -> CaseGroup | None:
        known = self.repo.group_of(case.id)
        if known is not None:
            return known
        if case.review_ref is not None or case.state is not CaseState.IN_REVIEW:
            return None
        if not self.crisis():
            return None
        now = self.clock.now()
        words = word_set(case.mention.text)
        for group in self.repo.groups_since(now - self.window):
            if similarity(words, word_set(group.lead_text)) >= self.threshold and self._open(group):
                return self.repo.join_group(group.id, case.id, now)
        group = CaseGroup(f"g:{case.id}", case.mention.text, (case.id,))
        self.repo.start_group(group, now)
        return group

    def placed(self, group: CaseGroup, ref: str) -> None:
        """The surface shows `group` at `ref` from now on."""
        self.repo.set_ref(group.id, ref)

    def members(self, group: CaseGroup) -> list[Case]:
        return [c for c in map(self.get_case, group.members) if c is not None]

    def _open(self, group: CaseGroup) -> bool:
        return bool(awaiting_review(self.members(group)))


def shared_pattern(lead: str, others: Iterable[str]) -> str:
    """The lead draft with words that not every other draft has replaced by '…'.

    Drafts for similar mentions differ in names and order numbers; what they share is
    what a bulk approve really approves.
    """
    common = [set(text.split()) for text in others]
    out: list[str] = []
    for word in lead.split():
        kept = word if all(word in words for words in common) else "…"
        if not (kept == "…" and out and out[-1] == "…"):
            out.append(kept)
    return " ".join(out)


@dataclass(frozen=True)
class GroupView:
    """What a surface shows for a group: counts, samples, the shared draft, the lead."""

    group_id: str
    lead: Case
    size: int
    by_state: tuple[tuple[CaseState, int], ...]
    awaiting: int  # members a bulk approve acts on
    samples: tuple[str, ...]  # raw customer text: each surface escapes it
    pattern: str
    x_sending: str = ""  # what Approve all sends on X and costs (link_policy.group_send_costs)


def group_view(
    group: CaseGroup,
    members: list[Case],
    drafts: dict[str, str],
    samples: int = 3,
    costs: XLinkRules | None = None,
) -> GroupView:
    """`drafts` maps case id to its current draft text; `costs`: X's link rules and
    prices, for what Approve all sends on X."""
    lead = next((c for c in members if c.id == group.members[0]), members[0])
    counts: dict[CaseState, int] = {}
    for case in members:
        counts[case.state] = counts.get(case.state, 0) + 1
    waiting = awaiting_review(members)
    others = [drafts[c.id] for c in members if c.id != lead.id and c.id in drafts]
    return GroupView(
        group_id=group.id,
        lead=lead,
        size=len(members),
        by_state=tuple(sorted(counts.items(), key=lambda kv: -kv[1])),
        awaiting=len(waiting),
        samples=tuple(c.mention.text for c in members[-samples:]),
        pattern=shared_pattern(drafts.get(lead.id, ""), others),
        x_sending=group_send_costs(x_replies(waiting, drafts), costs) if costs else "",
    )


def x_replies(waiting: Iterable[Case], drafts: dict[str, str]) -> list[str]:
    """The X replies Approve all would send: members that mention the brand (the others
    are answered by hand) and have a draft."""
    return [
        drafts[c.id]
        for c in waiting
        if c.network is Network.X and c.mention.summoned and drafts.get(c.id, "").strip()
    ]


# --- who decided: approvals and dismissals of a group's members ------------------------------

# A member in one of these states went out (or is going out) with the approvals it carries.
APPROVED_STATES = frozenset(
    {CaseState.APPROVED, CaseState.PUBLISHING, CaseState.PUBLISHED, CaseState.FAILED}
)


@dataclass(frozen=True)
class Tally:
    """`count` members that share the same deciders (approvers in order, or one dismisser)."""

    who: tuple[str, ...]
    count: int


@dataclass(frozen=True)
class GroupDecisions:
    """Who approved or dismissed a group's members, read from the stored cases and audit
    rows (never from what a surface shows), so a card rendered after a restart says the same.

    `approved`: fully approved members by their approvers; `pending`: members in review
    with some but not all approvals, by who approved so far; `dismissed`: by who dismissed.
    Each is ordered by count, largest first.
    """

    required: int
    approved: tuple[Tally, ...] = ()
    pending: tuple[Tally, ...] = ()
    dismissed: tuple[Tally, ...] = ()


def dismissed_by(audit: Sequence[AuditEntry]) -> str:
    """Who moved the case to dismissed (the latest such audit row); "" when none says."""
    for entry in reversed(audit):
        if entry.action == "transition" and entry.to_state == CaseState.DISMISSED.value:
            return entry.actor
    return ""


def group_decisions(
    members: Iterable[Case],
    audit: Callable[[str], Sequence[AuditEntry]],
    required: int,
) -> GroupDecisions:
    """Summarise the decisions on a group's members; `audit` is read for dismissed ones only
    (a case keeps its approvals, but not who dismissed it)."""
    approved: dict[tuple[str, ...], int] = {}
    pending: dict[tuple[str, ...], int] = {}
    dismissed: dict[tuple[str, ...], int] = {}
    for case in members:
        if case.state in APPROVED_STATES and case.approvals:
            _count(approved, case.approvals)
        elif case.state is CaseState.IN_REVIEW and case.approvals:
            _count(pending, case.approvals)
        elif case.state is CaseState.DISMISSED:
            _count(dismissed, (dismissed_by(audit(case.id)),))
    return GroupDecisions(required, _ranked(approved), _ranked(pending), _ranked(dismissed))


def _count(tally: dict[tuple[str, ...], int], who: tuple[str, ...]) -> None:
    tally[who] = tally.get(who, 0) + 1


def _ranked(tally: dict[tuple[str, ...], int]) -> tuple[Tally, ...]:
    return tuple(Tally(who, n) for who, n in sorted(tally.items(), key=lambda kv: -kv[1]))


# --- dismissing a whole group ----------------------------------------------------------------


def group_dismiss_reason(lead_text: str, limit: int = 80) -> str:
    """The reason each member's audit row and card give: the group, named by its lead."""
    excerpt = " ".join(lead_text.split())
    if len(excerpt) > limit:
        excerpt = excerpt[: limit - 1].rstrip() + "…"
    return f"dismissed as part of group: {excerpt}"


@dataclass(frozen=True)
class BulkDismissal:
    dismissed: int  # members this call dismissed (already dismissed ones are not counted)
    refused: tuple[str, ...]  # "case id: why" for each member that could not be dismissed

    @property
    def message(self) -> str:
        if not self.dismissed and not self.refused:
            return "nothing left to dismiss."
        parts = [f"{self.dismissed} dismissed"]
        if self.refused:
            parts.append(f"{len(self.refused)} not dismissed")
        return ", ".join(parts) + "."


def bulk_dismiss(
    dismiss: Callable[[str, str, str], ReviewOutcome],
    case_ids: Iterable[str],
    user: str,
    reason: str,
) -> BulkDismissal:
    """Dismiss every case of a group with one click (`dismiss` is ReviewService.dismiss).

    Repeating it (a double click, a retried request) dismisses nothing more: each member
    is dismissed, with its audit row naming `user`, at most once.
    """
    dismissed = 0
    refused: list[str] = []
    for case_id in case_ids:
        outcome = dismiss(case_id, user, reason)
        if not outcome.ok:
            refused.append(f"{case_id}: {outcome.message}")
        elif outcome.changed:
            dismissed += 1
    return BulkDismissal(dismissed, tuple(refused))
