"""Who may do what from any review surface (Slack, the terminal): one table, one check.

Anyone on the team may claim a case or ask for a fresh draft: neither changes what a
customer will see. Everything that decides what is published, closes a customer's case
or changes how the whole team works needs an approver:

- approve, retry: a reply goes out under the brand's name;
- edit: the edited text is what will be published;
- dismiss: the customer's case is closed without an answer;
- pause/resume intake, crisis mode: they change the queue for everyone;
- a wow gesture past its monthly budget: it spends money the brand did not plan.

Recording a gesture within its budget and linking a customer's handles are anyone's.

An empty approver list means everyone is an approver (the terminal demo, a team of one).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    CLAIM = "claim"
    REGENERATE = "regenerate"
    SHOW = "show"  # list a crisis group's cases
    EDIT = "edit"
    DISMISS = "dismiss"
    APPROVE = "approve"
    APPROVE_WITHOUT_LINK = "approve_without_link"  # X: send the reply without its link
    RETRY = "retry"
    PAUSE = "pause"
    RESUME = "resume"
    CRISIS = "crisis"
    GIFT = "gift"  # record a wow gesture (🎁) within its monthly budget
    GIFT_OVER_BUDGET = "gift_over_budget"  # one that passes the budget
    LINK = "link"  # link or unlink a customer's handles across networks


@dataclass(frozen=True)
class Rule:
    approver_only: bool
    refusal: str  # what a refused person is told


RULES: dict[Action, Rule] = {
    Action.CLAIM: Rule(False, ""),
    Action.REGENERATE: Rule(False, ""),
    Action.SHOW: Rule(False, ""),
    Action.EDIT: Rule(True, "Only approvers can edit a draft: the edit is what gets published."),
    Action.DISMISS: Rule(True, "Only approvers can dismiss: it closes the customer's case."),
    Action.APPROVE: Rule(True, "Only approvers can approve replies."),
    Action.APPROVE_WITHOUT_LINK: Rule(True, "Only approvers can approve replies."),
    Action.RETRY: Rule(True, "Only approvers can retry publishing."),
    Action.PAUSE: Rule(True, "Only approvers can pause intake."),
    Action.RESUME: Rule(True, "Only approvers can resume intake."),
    Action.CRISIS: Rule(True, "Only approvers can switch crisis mode."),
    Action.GIFT: Rule(False, ""),
    Action.GIFT_OVER_BUDGET: Rule(True, "Only approvers can go past a gesture's monthly budget."),
    Action.LINK: Rule(False, ""),
}


@dataclass(frozen=True)
class ActionPolicy:
    approvers: frozenset[str] = frozenset()  # empty: everyone is an approver

    def is_approver(self, user: str) -> bool:
        return not self.approvers or user in self.approvers

    def allows(self, action: Action, user: str) -> bool:
        return not RULES[action].approver_only or self.is_approver(user)

    def refusal(self, action: Action, user: str) -> str | None:
        """None when `user` may do `action`, else the note to show them."""
        return None if self.allows(action, user) else RULES[action].refusal


def who_may(action: Action) -> str:
    """'approvers' or 'anyone' (docs and help text)."""
    return "approvers" if RULES[action].approver_only else "anyone"
