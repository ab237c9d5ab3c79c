"""Who may do what: one table, enforced by ReviewService for every surface."""

from __future__ import annotations

import pytest

from bot.core.models import CaseState
from bot.core.permissions import RULES, Action, ActionPolicy, who_may
from bot.core.ports import PermanentPublishError
from tests.conftest import make_mention
from tests.core.helpers import wire

GOOD = "Thanks for flagging this, Maria! DM us your order number: https://help.parcelly.example/delivery"
ANYONE = {Action.CLAIM, Action.REGENERATE, Action.SHOW, Action.GIFT, Action.LINK}


@pytest.mark.parametrize("action", list(Action))
def test_approvers_may_do_everything_and_others_only_what_changes_no_reply(action) -> None:
    policy = ActionPolicy(frozenset({"U_LEAD"}))
    assert policy.allows(action, "U_LEAD")
    assert policy.allows(action, "U_INTERN") is (action in ANYONE)
    refusal = policy.refusal(action, "U_INTERN")
    assert (refusal is None) is (action in ANYONE)
    if refusal is not None:
        assert refusal.startswith("Only approvers")


@pytest.mark.parametrize("action", list(Action))
def test_with_no_approvers_listed_everyone_may_do_everything(action) -> None:
    assert ActionPolicy().allows(action, "terminal")
    assert ActionPolicy().refusal(action, "anybody") is None


def test_every_action_has_a_rule_and_docs_name_who_may_do_it() -> None:
    assert set(RULES) == set(Action)
    assert who_may(Action.DISMISS) == "approvers" and who_may(Action.CLAIM) == "anyone"


@pytest.fixture
def core(store, clock, links):
    return wire(store, clock, links, GOOD, "Thanks! A fresh draft: https://help.parcelly.example/")


def in_review(core):
    [case] = core.loop.ingest([make_mention()]).cases
    assert case.state is CaseState.IN_REVIEW
    return case


def test_a_non_approver_cannot_edit_or_dismiss_and_the_case_is_unchanged(core, store) -> None:
    case = in_review(core)
    edit = core.review.edit(case.id, "U_INTERN", "We never make mistakes.")
    dismiss = core.review.dismiss(case.id, "U_INTERN", "bored")
    retry = core.review.retry(case.id, "U_INTERN")
    assert [o.ok for o in (edit, dismiss, retry)] == [False, False, False]
    assert "edit" in edit.message and "closes the customer's case" in dismiss.message
    stored = store.get_case(case.id)
    assert (stored.state, stored.draft_seq) == (CaseState.IN_REVIEW, 1)
    assert [a.action for a in store.audit(case.id)].count("edit") == 0


def test_anyone_may_claim_and_regenerate(core, store) -> None:
    case = in_review(core)
    assert core.review.claim(case.id, "U_INTERN").changed
    regenerated = core.review.regenerate(case.id, "U_INTERN")
    assert regenerated.ok and regenerated.changed
    assert store.get_case(case.id).draft_seq == 2


def test_an_approver_may_edit_and_dismiss(core, store) -> None:
    case = in_review(core)
    assert core.review.edit(case.id, "U_AMY", "Thanks Maria! DM us please.").changed
    assert core.review.dismiss(case.id, "U_LEAD", "a duplicate").changed
    assert store.get_case(case.id).state is CaseState.DISMISSED


def test_retry_by_an_approver_requeues_a_failed_reply(core, store) -> None:
    case = in_review(core)
    core.network.fail_next.append(PermanentPublishError("parent deleted"))
    core.review.approve(case.id, "U_LEAD")
    core.publishing.publish_pending()
    assert store.get_case(case.id).state is CaseState.FAILED
    again = core.review.retry(case.id, "U_LEAD")
    assert again.ok and again.changed
    assert core.review.retry(case.id, "U_LEAD").ok is False  # nothing left to retry
    core.publishing.publish_pending()
    assert store.get_case(case.id).state is CaseState.PUBLISHED


def test_docs_table_says_who_may_do_each_action() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "slack.md").read_text()
    table = text.split("## Who may do what", 1)[1].split("##", 1)[0]
    rows = {
        line.split("|")[1].strip().split(" ")[0]: line.split("|")[2].strip()
        for line in table.splitlines()
        if line.startswith("| ") and not line.startswith("| action")
    }
    assert rows == {action.value: who_may(action) for action in Action}
