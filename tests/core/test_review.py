"""Review actions as Slack and the terminal use them."""

from __future__ import annotations

import pytest

from bot.core.models import CaseState, Network, OutboxState
from tests.conftest import make_mention
from tests.core.helpers import wire

GOOD = "Thanks for flagging this, Maria! Could you DM us your order number? https://help.parcelly.example/delivery"


@pytest.fixture
def core(store, clock, links):
    return wire(store, clock, links, GOOD)


def in_review(core, **kw):
    [case] = core.loop.ingest([make_mention(**kw)]).cases
    assert case.state is CaseState.IN_REVIEW
    return case


def test_approver_approves_and_the_reply_is_published_once(core, store):
    case = in_review(core)
    outcome = core.review.approve(case.id, "U_LEAD")
    assert outcome.ok and outcome.changed
    assert core.review.approve(case.id, "U_LEAD").changed is False
    core.publishing.publish_pending()
    core.publishing.publish_pending()
    assert core.network.texts() == [GOOD]
    assert store.get_case(case.id).approved_by == "U_LEAD"


def test_non_approver_cannot_approve_and_nothing_changes(core, store):
    case = in_review(core)
    outcome = core.review.approve(case.id, "U_INTERN")
    assert not outcome.ok
    assert "Only approvers" in outcome.message
    assert store.get_case(case.id).state is CaseState.IN_REVIEW
    assert core.publishing.publish_pending() == []


def test_crisis_needs_two_different_approvers(core, store):
    core.crisis[0] = True
    case = in_review(core)
    first = core.review.approve(case.id, "U_LEAD")
    assert "1 more approver" in first.message
    assert core.review.approve(case.id, "U_LEAD").message.startswith("You already approved")
    assert store.get_case(case.id).state is CaseState.IN_REVIEW
    assert core.review.approve(case.id, "U_AMY").case.state is CaseState.APPROVED
    assert store.get_case(case.id).approvals == ("U_LEAD", "U_AMY")


def test_x_post_found_by_listening_is_answered_by_hand(core, store):
    case = in_review(core, summoned=False)
    outcome = core.review.approve(case.id, "U_LEAD")
    assert not outcome.ok
    assert "answer by hand" in outcome.message and case.mention.url in outcome.message
    assert store.outbox(list(OutboxState)) == []
    assert store.get_case(case.id).state is CaseState.IN_REVIEW


def test_edit_keeps_the_old_draft_and_rechecks_the_new_one(core, store):
    case = in_review(core)
    old = case.draft_id
    outcome = core.review.edit(case.id, "U_AMY", "Thanks Maria! DM us and we'll sort it.")
    assert outcome.ok and outcome.changed
    edited = store.get_case(case.id)
    draft = store.get_draft(edited.draft_id)
    assert draft.drafter == "human:U_AMY" and draft.edited_from == old
    assert len(draft.checks) == 6
    assert store.get_draft(old).text == GOOD
    assert edited.state is CaseState.IN_REVIEW and edited.approvals == ()


def test_edit_with_the_same_text_is_a_no_op(core):
    case = in_review(core)
    assert core.review.edit(case.id, "U_AMY", GOOD).changed is False


def test_regenerate_asks_the_drafter_again(core, store):
    case = in_review(core)
    outcome = core.review.regenerate(case.id, "U_AMY")
    assert outcome.changed
    assert len(core.drafter.requests) == 2
    assert store.get_case(case.id).draft_seq == 2


def test_dismiss_is_final_and_idempotent(core, store):
    case = in_review(core)
    assert core.review.dismiss(case.id, "U_AMY", "not for us").changed
    again = core.review.dismiss(case.id, "U_AMY")
    assert again.ok and not again.changed
    assert store.get_case(case.id).dismissed_reason == "not for us"
    assert not core.review.approve(case.id, "U_LEAD").ok


def test_anyone_may_claim_and_a_claim_is_audited(core, store):
    case = in_review(core)
    assert core.review.claim(case.id, "U_INTERN").changed
    assert core.review.claim(case.id, "U_AMY").changed
    actions = [(a.action, a.actor, a.detail) for a in store.audit(case.id) if a.action == "claim"]
    assert actions == [("claim", "U_INTERN", ""), ("claim", "U_AMY", "taken over from U_INTERN")]


def test_unknown_case_gets_a_clear_message(core):
    assert core.review.approve("x:nope", "U_LEAD").message == "No case x:nope."


def test_mastodon_case_goes_through_the_same_loop(core):
    case = in_review(core, network=Network.MASTODON, external_id="m1")
    assert core.review.approve(case.id, "U_LEAD").ok
    [outcome] = core.publishing.publish_pending()
    assert outcome.item.in_reply_to == "m1"


def test_approval_and_its_outbox_row_are_one_commit(core, store, monkeypatch):
    """A failure while queueing the reply (disk full, a crash) must not leave the case
    approved with nothing queued: both are stored, or neither."""
    case = in_review(core)

    def full(item):
        raise OSError("database or disk is full")

    monkeypatch.setattr(store, "enqueue", full)
    with pytest.raises(OSError):
        core.review.approve(case.id, "U_LEAD")
    assert store.get_case(case.id).state is CaseState.IN_REVIEW
    assert "approved" not in [e.to_state for e in store.audit(case.id)]
    monkeypatch.undo()
    assert core.review.approve(case.id, "U_LEAD").changed
    assert [i.draft_id for i in store.outbox([OutboxState.PENDING])] == [case.draft_id]
