"""Risky posts: no template for self-harm or a legal threat, a risk line on the card,
on-call paged for safety, and nothing sent until a person writes the reply."""

from __future__ import annotations

from datetime import timedelta

from bot.core.card import card_view
from bot.core.jobs import check_targets
from bot.core.models import CaseState, OutboxState, Priority
from bot.core.oncall import Roster
from bot.core.sla import SlaPolicy
from tests.conftest import make_mention
from tests.core.helpers import wire
from tests.core.test_jobs import ROTATION, RecordingNotifier
from tests.core.test_review import GOOD

LEGAL = "@parcelly my solicitor will be in touch about the laptop you lost"
SELF_HARM = "@parcelly my medication never came and honestly I want to end my life"
SAFETY = "@parcelly your van is on fire outside number 12, the driver is hurt"


def test_a_legal_threat_gets_no_draft_and_cannot_be_approved_until_written(store, clock, links):
    core = wire(store, clock, links, GOOD)
    [case] = core.loop.ingest([make_mention(text=LEGAL)]).cases
    draft = store.get_draft(case.draft_id)
    assert case.state is CaseState.IN_REVIEW and case.triage.priority is Priority.HIGH
    assert draft.text == "" and core.drafter.requests == []  # no drafter was asked
    assert [c.rule for c in draft.checks if not c.ok] == ["by_hand"]
    assert "legal action" in draft.note
    refused = core.review.approve(case.id, "U_LEAD")
    assert not refused.ok and "Edit" in refused.message
    assert store.outbox(list(OutboxState)) == []
    written = "Thanks for telling us, Sam. Could you DM us the order number so we can look into it?"
    assert core.review.edit(case.id, "U_LEAD", written).ok
    assert core.review.approve(case.id, "U_LEAD").ok


def test_the_card_names_each_risk_with_what_to_do(store, clock, links):
    core = wire(store, clock, links, GOOD)
    [case] = core.loop.ingest([make_mention(text=SELF_HARM)]).cases
    view = card_view(case, store.get_draft(case.draft_id), now=clock.now(), sla=SlaPolicy())
    assert any(line.startswith("self-harm: ") for line in view.risks)
    assert any(line.startswith("safety: ") for line in view.risks)
    assert any(c.rule == "by_hand" and not c.ok for c in view.all_checks)


def test_on_call_is_paged_once_for_safety_and_not_for_an_ordinary_complaint(store, clock, links):
    core = wire(store, clock, links, GOOD, GOOD)
    [risky, plain] = core.loop.ingest(
        [make_mention("1", text=SAFETY), make_mention("2", text="@parcelly my parcel is late")]
    ).cases
    notifier = RecordingNotifier(clock)
    roster = Roster(ROTATION)
    fired = check_targets(store, notifier, clock, SlaPolicy(), roster)
    clock.advance(timedelta(minutes=1))
    fired += check_targets(store, notifier, clock, SlaPolicy(), roster)
    assert fired == [(risky.id, "risk_paged")]
    [(_, kind, to, text)] = notifier.sent
    assert kind == "direct" and to == roster.who_at(clock.now())
    assert "safety risk" in text and "@maria_g" in text
    assert "risk_paged" in store.get_case(risky.id).flags
    assert "risk_paged" not in store.get_case(plain.id).flags
