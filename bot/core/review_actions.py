"""What people on a review surface can do, as one narrow service (Slack's handlers get
this, never the store): the review actions by `Action`, edits, and a crisis group's
Approve all / Dismiss all. Every action that moved a case refreshes its card."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.crisis import bulk_approve
from bot.core.crisis_groups import CrisisGrouper, awaiting_review, bulk_dismiss
from bot.core.crisis_groups import group_dismiss_reason as dismiss_reason
from bot.core.gestures import Gifts
from bot.core.models import Case, CaseGroup
from bot.core.permissions import Action
from bot.core.ports import CareQueries, GroupPlaces
from bot.core.review import ReviewOutcome, ReviewService

# Actions a button or a reaction runs on one case with nothing but the person's id.
CASE_ACTIONS = frozenset(
    {
        Action.APPROVE,
        Action.APPROVE_WITHOUT_LINK,
        Action.REGENERATE,
        Action.DISMISS,
        Action.CLAIM,
        Action.RETRY,
        Action.GIFT,
    }
)


@dataclass(frozen=True)
class GroupOutcome:
    """What Approve all / Dismiss all did; `case_ids` are the members it acted on."""

    ok: bool
    message: str
    case_ids: tuple[str, ...] = ()
    changed: int = 0


class ReviewActions:
    def __init__(
        self,
        review: ReviewService,
        show: Callable[[Case], Case],
        queries: CareQueries,
        places: GroupPlaces,
        grouper: CrisisGrouper,
        gifts: Gifts | None = None,
    ) -> None:
        """`show` refreshes a case's card (CareLoop.show); `gifts` records wow gestures."""
        self.review = review
        self.show = show
        self.queries = queries
        self.places = places
        self.grouper = grouper
        self.gifts = gifts

    def act(self, action: Action, case_id: str, user: str) -> ReviewOutcome:
        """Run one of CASE_ACTIONS; the card is refreshed when the case moved."""
        run: dict[Action, Callable[[str, str], ReviewOutcome]] = {
            Action.APPROVE: self.review.approve,
            Action.APPROVE_WITHOUT_LINK: self.review.approve_without_link,
            Action.REGENERATE: self.review.regenerate,
            Action.DISMISS: self.review.dismiss,
            Action.CLAIM: self.review.claim,
            Action.RETRY: self.review.retry,
        }
        if self.gifts is not None:
            run[Action.GIFT] = self.gifts.give
        if action not in run:
            return ReviewOutcome(False, f"{action.value} is not available here.")
        return self._refreshed(run[action](case_id, user))

    def edit(self, case_id: str, user: str, text: str) -> ReviewOutcome:
        return self._refreshed(self.review.edit(case_id, user, text))

    def may(self, action: Action, user: str) -> bool:
        return self.review.may(action, user)

    def refused(self, action: Action, user: str, case_id: str = "") -> ReviewOutcome | None:
        return self.review.refused(action, user, case_id)

    def required(self) -> int:
        """How many approvers a reply needs now (two in crisis)."""
        return self.review.policy().required

    def group_at(self, ref: str) -> CaseGroup | None:
        """The group whose card is at `ref`, if it stands for more than one case."""
        group = self.places.group_at(ref)
        return group if group is not None and len(group.members) > 1 else None

    def approve_group(self, group_id: str, user: str) -> GroupOutcome | None:
        """Approve all: each member through ReviewService.approve (crisis: 2 approvers)."""
        group = self.places.group(group_id)
        if group is None:
            return None
        waiting = tuple(c.id for c in awaiting_review(self.grouper.members(group)))
        outcome = bulk_approve(self.review.approve, waiting, user)
        refused = "".join(f"\n• {line}" for line in outcome.refused[:5])
        return GroupOutcome(True, f"{outcome.message}{refused}", waiting, outcome.approved)

    def dismiss_group(self, group_id: str, user: str) -> GroupOutcome | None:
        """Dismiss all: every member still awaiting review, with the group as the reason.
        Approvers only, as Approve all; a repeated click finds nothing left to dismiss."""
        group = self.places.group(group_id)
        if group is None:
            return None
        refusal = self.review.refused(Action.APPROVE, user)
        if refusal is not None:
            return GroupOutcome(False, refusal.message)
        waiting = tuple(c.id for c in awaiting_review(self.grouper.members(group)))
        outcome = bulk_dismiss(self.review.dismiss, waiting, user, dismiss_reason(group.lead_text))
        refused = "".join(f"\n• {line}" for line in outcome.refused[:5])
        return GroupOutcome(True, f"{outcome.message}{refused}", waiting, outcome.dismissed)

    def refresh(self, case_ids: tuple[str, ...]) -> None:
        """Refresh each case's cards (its own, if shown, and its group's)."""
        for case_id in case_ids:
            case = self.queries.case(case_id)
            if case is not None:
                self.show(case)

    def _refreshed(self, outcome: ReviewOutcome) -> ReviewOutcome:
        if outcome.case is not None and outcome.changed:
            self.show(outcome.case)
        return outcome
