"""Review actions: approve, edit, regenerate, dismiss, claim (DESIGN §5).

Every surface (Slack buttons, reactions, the terminal) calls these. Each returns a
`ReviewOutcome` whose `message` is what the person should be told; repeating an action
is harmless (`changed` is False the second time). Who may do what is decided here, once,
by `bot.core.permissions`, so every surface refuses the same things.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.core.cases import can_transition, note, transition
from bot.core.drafting import DraftingService
from bot.core.models import Case, CaseState, Draft, draft_id_for
from bot.core.permissions import Action, ActionPolicy
from bot.core.ports import Clock, Store
from bot.core.publishing import PublishingService


@dataclass(frozen=True)
class ApproverPolicy:
    """Who may approve, and how many distinct approvers a reply needs (2 in crisis)."""

    approvers: frozenset[str] = frozenset()  # empty: anyone may approve
    required: int = 1

    @classmethod
    def of(cls, users: Iterable[str], required: int = 1) -> ApproverPolicy:
        return cls(frozenset(users), required)

    @property
    def actions(self) -> ActionPolicy:
        return ActionPolicy(self.approvers)


@dataclass(frozen=True)
class ReviewOutcome:
    ok: bool
    message: str
    case: Case | None = None
    changed: bool = False


class ReviewService:
    def __init__(
        self,
        store: Store,
        drafting: DraftingService,
        publishing: PublishingService,
        clock: Clock,
        policy: Callable[[], ApproverPolicy] = ApproverPolicy,
        crisis: Callable[[], bool] = lambda: False,
    ) -> None:
        self.store = store
        self.drafting = drafting
        self.publishing = publishing
        self.clock = clock
        self.policy = policy
        self.crisis = crisis

    def may(self, action: Action, user: str) -> bool:
        return self.policy().actions.allows(action, user)

    def refused(self, action: Action, user: str, case_id: str = "") -> ReviewOutcome | None:
        """The refusal for a person who may not do `action`, or None when they may."""
        why = self.policy().actions.refusal(action, user)
        if why is None:
            return None
        return ReviewOutcome(False, why, self.store.get_case(case_id) if case_id else None)

    def approve_without_link(self, case_id: str, user: str) -> ReviewOutcome:
        """Approve, and send on X without the help link (the approval that completes a
        crisis pair decides whether the link goes)."""
        return self.approve(case_id, user, without_link=True)

    def approve(self, case_id: str, user: str, *, without_link: bool = False) -> ReviewOutcome:
        if refusal := self.refused(Action.APPROVE, user, case_id):
            return refusal
        case = self.store.get_case(case_id)
        if case is None:
            return ReviewOutcome(False, f"No case {case_id}.")
        policy = self.policy()
        if case.state in (CaseState.APPROVED, CaseState.PUBLISHING, CaseState.PUBLISHED):
            return ReviewOutcome(True, "Already approved.", case)
        if case.state is not CaseState.IN_REVIEW or case.draft_id is None:
            return ReviewOutcome(False, f"Cannot approve a case that is {case.state.value}.", case)
        if case.network.value == "x" and not case.mention.summoned:
            return ReviewOutcome(
                False,
                "X only allows replies to posts that mention us: "
                f"answer by hand at {case.mention.url}",
                case,
            )
        draft = self.store.get_draft(case.draft_id)
        if draft is not None and not draft.text.strip():
            why = draft.note or "there is no draft"
            return ReviewOutcome(
                False, f"Nothing to send ({why}): write the reply with Edit.", case
            )
        if user in case.approvals:
            return ReviewOutcome(True, "You already approved; waiting for a second approver.", case)
        approvals = (*case.approvals, user)
        if len(approvals) < policy.required:
            case = case.evolve(approvals=approvals, updated_at=self.clock.now())
            self.store.save_case(
                case, note(case, at=self.clock.now(), actor=user, action="approve")
            )
            need = policy.required - len(approvals)
            return ReviewOutcome(True, f"Approval noted; {need} more approver needed.", case, True)
        step = transition(
            case,
            CaseState.APPROVED,
            at=self.clock.now(),
            actor=user,
            approvals=approvals,
            approved_by=user,
        )
        draft = self.store.get_draft(step.case.draft_id or "")
        assert draft is not None, f"case {case.id} points at a missing draft"
        with self.store.transaction():  # approved and queued together, or neither
            self.store.save_case(step.case, step.audit)
            why = f"chosen by {user}" if without_link else ""
            self.publishing.enqueue(step.case, draft, without_link=why)
        return ReviewOutcome(True, "Approved: publishing.", step.case, True)

    def edit(self, case_id: str, user: str, text: str) -> ReviewOutcome:
        """A human's text becomes the new draft, re-checked; the old draft is kept."""
        if refusal := self.refused(Action.EDIT, user, case_id):
            return refusal
        case = self.store.get_case(case_id)
        if case is None or case.state not in (CaseState.IN_REVIEW, CaseState.DRAFTED):
            return ReviewOutcome(False, "This case can no longer be edited.", case)
        text = text.strip()
        if not text:
            return ReviewOutcome(False, "An empty reply cannot be a draft.", case)
        previous = self.store.get_draft(case.draft_id) if case.draft_id else None
        if previous is not None and previous.text == text:
            return ReviewOutcome(True, "No change to the draft.", case)
        seq = case.draft_seq + 1
        request = self.drafting.request_for(case, seq, crisis=self.crisis())
        draft = Draft(
            id=draft_id_for(case.id, seq),
            case_id=case.id,
            text=text,
            drafter=f"human:{user}",
            created_at=self.clock.now(),
            topic=previous.topic if previous else request.triage.topic,
            edited_from=previous.id if previous else None,
        )
        return self._new_draft(case, self.drafting.check(draft, request), user, "edit")

    def regenerate(self, case_id: str, user: str) -> ReviewOutcome:
        if refusal := self.refused(Action.REGENERATE, user, case_id):
            return refusal
        case = self.store.get_case(case_id)
        if case is None or case.state not in (CaseState.IN_REVIEW, CaseState.DRAFTED):
            return ReviewOutcome(False, "This case can no longer be redrafted.", case)
        draft = self.drafting.draft_for(case, crisis=self.crisis())
        return self._new_draft(case, draft, user, "regenerate")

    def dismiss(self, case_id: str, user: str, reason: str = "") -> ReviewOutcome:
        if refusal := self.refused(Action.DISMISS, user, case_id):
            return refusal
        case = self.store.get_case(case_id)
        if case is None:
            return ReviewOutcome(False, f"No case {case_id}.")
        if case.state is CaseState.DISMISSED:
            return ReviewOutcome(True, "Already dismissed.", case)
        if not can_transition(case, CaseState.DISMISSED):
            return ReviewOutcome(False, f"Cannot dismiss a case that is {case.state.value}.", case)
        why = reason or f"dismissed by {user}"
        step = transition(
            case,
            CaseState.DISMISSED,
            at=self.clock.now(),
            actor=user,
            detail=why,
            dismissed_reason=why,
        )
        self.store.save_case(step.case, step.audit)
        return ReviewOutcome(True, "Dismissed.", step.case, True)

    def claim(self, case_id: str, user: str) -> ReviewOutcome:
        if refusal := self.refused(Action.CLAIM, user, case_id):
            return refusal
        case = self.store.get_case(case_id)
        if case is None:
            return ReviewOutcome(False, f"No case {case_id}.")
        if case.claimed_by == user:
            return ReviewOutcome(True, "You already have this case.", case)
        claimed = case.evolve(claimed_by=user, updated_at=self.clock.now())
        detail = f"taken over from {case.claimed_by}" if case.claimed_by else ""
        self.store.save_case(
            claimed, note(claimed, at=self.clock.now(), actor=user, action="claim", detail=detail)
        )
        return ReviewOutcome(True, "Claimed.", claimed, True)

    def retry(self, case_id: str, user: str) -> ReviewOutcome:
        """Queue a failed reply again; the next publishing round sends it."""
        if refusal := self.refused(Action.RETRY, user, case_id):
            return refusal
        item = self.publishing.retry(case_id)
        case = self.store.get_case(case_id)
        if item is None:
            return ReviewOutcome(False, "Nothing to retry for this case.", case)
        return ReviewOutcome(True, "Publishing again.", case, True)

    def _new_draft(self, case: Case, draft: Draft, user: str, action: str) -> ReviewOutcome:
        """Save the new draft and put the case back in review with it, in one commit."""
        now = self.clock.now()
        with self.store.transaction():
            self.store.add_draft(draft)
            if case.state is CaseState.IN_REVIEW:
                back = transition(case, CaseState.DRAFTED, at=now, actor=user)
                self.store.save_case(back.case, back.audit)
                case = back.case
            step = transition(
                case, CaseState.IN_REVIEW, at=now, actor=user, detail=action,
                draft_id=draft.id, draft_seq=case.draft_seq + 1, approvals=(),
            )  # fmt: skip
            self.store.save_case(step.case, step.audit)
        failed = ", ".join(c.rule for c in draft.lint.failed)
        verdict = f"fails: {failed}" if failed else "passes every rule"
        return ReviewOutcome(True, f"New draft ({action}) {verdict}.", step.case, True)

    def with_draft(self, case: Case) -> tuple[Case, Draft | None]:
        return case, self.store.get_draft(case.draft_id) if case.draft_id else None
