"""The case state machine (DESIGN §2).

Every transition is one call of `transition`, which returns the new case and the audit
row to store with it. Applying a transition the case has already made is a no-op
(`changed` is False), so a retried Slack event or a replayed job changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.models import AuditEntry, Case, CaseState

S = CaseState

ALLOWED: dict[CaseState, frozenset[CaseState]] = {
    S.NEW: frozenset({S.TRIAGED, S.DISMISSED, S.EXPIRED}),
    S.TRIAGED: frozenset({S.DRAFTED, S.DISMISSED, S.EXPIRED}),
    S.DRAFTED: frozenset({S.IN_REVIEW, S.DISMISSED, S.EXPIRED}),
    S.IN_REVIEW: frozenset({S.DRAFTED, S.APPROVED, S.DISMISSED, S.EXPIRED}),
    S.APPROVED: frozenset({S.PUBLISHING, S.IN_REVIEW, S.DISMISSED}),
    S.PUBLISHING: frozenset({S.PUBLISHED, S.FAILED}),
    S.FAILED: frozenset({S.PUBLISHING, S.DISMISSED}),
    S.PUBLISHED: frozenset(),
    S.DISMISSED: frozenset(),
    S.EXPIRED: frozenset(),
}

# States a human still has to act on.
OPEN_STATES: frozenset[CaseState] = frozenset(
    {S.NEW, S.TRIAGED, S.DRAFTED, S.IN_REVIEW, S.APPROVED, S.PUBLISHING, S.FAILED}
)


class InvalidTransition(ValueError):
    def __init__(self, case: Case, to: CaseState) -> None:
        super().__init__(f"case {case.id} cannot go from {case.state} to {to}")
        self.case = case
        self.to = to


@dataclass(frozen=True)
class Transition:
    case: Case
    audit: AuditEntry | None

    @property
    def changed(self) -> bool:
        return self.audit is not None


def can_transition(case: Case, to: CaseState) -> bool:
    return to in ALLOWED[case.state]


def transition(
    case: Case,
    to: CaseState,
    *,
    at: datetime,
    actor: str = "system",
    detail: str = "",
    **changes: Any,
) -> Transition:
    """Move `case` to `to`, applying `changes` to its fields. Idempotent."""
    if case.state == to:
        return Transition(case, None)
    if to not in ALLOWED[case.state]:
        raise InvalidTransition(case, to)
    moved = case.evolve(state=to, updated_at=at, **changes)
    audit = AuditEntry(
        case_id=case.id,
        at=at,
        actor=actor,
        action="transition",
        from_state=case.state.value,
        to_state=to.value,
        detail=detail,
    )
    return Transition(moved, audit)


def note(case: Case, *, at: datetime, actor: str, action: str, detail: str = "") -> AuditEntry:
    """An audit row for something that is not a state change (claim, edit, ping)."""
    return AuditEntry(
        case_id=case.id,
        at=at,
        actor=actor,
        action=action,
        from_state=case.state.value,
        to_state=case.state.value,
        detail=detail,
    )
