"""Who decided what in a crisis group, and dismissing a whole group, on the real store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.crisis_groups import (
    GroupDecisions,
    Tally,
    bulk_dismiss,
    dismissed_by,
    group_decisions,
    group_dismiss_reason,
    group_view,
)
from bot.core.models import AuditEntry, Case, CaseState
from tests.conftest import make_mention
from tests.core.helpers import wire

AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
GOOD = (
    "Thanks for flagging this, Maria! Could you DM us your order number? "
    "https://help.parcelly.example/delivery"
)


def member(n: int, state: CaseState, approvals: tuple[str, ...] = ()) -> Case:
    mention = make_mention(str(n), f"app down again {n}")
    return Case(mention.case_id, mention, state, AT, AT, approvals=approvals)


def dismissal(case_id: str, actor: str) -> AuditEntry:
    return AuditEntry(case_id, AT, actor, "transition", "in_review", "dismissed", "why")


def test_decisions_count_approvers_pending_approvals_and_dismissers() -> None:
    both = ("U1", "U2")
    members = [
        *(member(n, CaseState.PUBLISHED, both) for n in range(3)),
        member(3, CaseState.PUBLISHING, both),
        member(4, CaseState.APPROVED, ("U3", "U1")),
        *(member(n, CaseState.IN_REVIEW, ("U1",)) for n in (5, 6)),
        member(7, CaseState.IN_REVIEW),  # nobody approved yet: no decision
        member(8, CaseState.DISMISSED),
        member(9, CaseState.DISMISSED),
    ]
    audits = {"x:8": [dismissal("x:8", "U9")], "x:9": []}
    read: list[str] = []

    def audit(case_id: str) -> list[AuditEntry]:
        read.append(case_id)
        return audits[case_id]

    decisions = group_decisions(members, audit, required=2)
    assert decisions == GroupDecisions(
        required=2,
        approved=(Tally(both, 4), Tally(("U3", "U1"), 1)),
        pending=(Tally(("U1",), 2),),
        dismissed=(Tally(("U9",), 1), Tally(("",), 1)),
    )
    assert read == ["x:8", "x:9"]  # the audit trail is read for dismissed members only


def test_dismissed_by_is_the_actor_of_the_latest_move_to_dismissed() -> None:
    claim = AuditEntry("x:1", AT, "U5", "claim", "in_review", "in_review")
    approve = AuditEntry("x:1", AT, "U6", "transition", "in_review", "approved")
    assert dismissed_by([claim, approve]) == ""
    assert dismissed_by([dismissal("x:1", "U7"), claim, dismissal("x:1", "U8")]) == "U8"


def test_bulk_dismiss_dismisses_each_member_once_and_the_audit_names_who(store, clock, links):
    core = wire(store, clock, links, GOOD, GOOD, GOOD)
    cases = core.loop.ingest([make_mention(f"50{n}", f"app down {n}") for n in range(3)]).cases
    ids = [c.id for c in cases]
    reason = group_dismiss_reason("@parcelly your tracking app is down again")

    stranger = bulk_dismiss(core.review.dismiss, ids, "U_INTERN", reason)
    assert (stranger.dismissed, len(stranger.refused)) == (0, 3)
    assert all(store.get_case(i).state is CaseState.IN_REVIEW for i in ids)

    first = bulk_dismiss(core.review.dismiss, ids, "U_LEAD", reason)
    again = bulk_dismiss(core.review.dismiss, ids, "U_AMY", reason)  # a double click
    assert (first.dismissed, first.refused, first.message) == (3, (), "3 dismissed.")
    assert (again.dismissed, again.message) == (0, "nothing left to dismiss.")
    for case_id in ids:
        moves = [a for a in store.audit(case_id) if a.to_state == "dismissed"]
        assert [(a.actor, a.detail) for a in moves] == [("U_LEAD", reason)]
        assert store.get_case(case_id).dismissed_reason == reason
    decisions = group_decisions([store.get_case(i) for i in ids], store.audit, required=1)
    assert decisions.dismissed == (Tally(("U_LEAD",), 3),)


def test_a_refused_member_is_named_with_why() -> None:
    from bot.core.review import ReviewOutcome

    def dismiss(case_id: str, user: str, reason: str) -> ReviewOutcome:
        if case_id == "x:2":
            return ReviewOutcome(False, "Cannot dismiss a case that is publishing.")
        return ReviewOutcome(True, "Dismissed.", None, True)

    outcome = bulk_dismiss(dismiss, ["x:1", "x:2"], "U1", "r")
    assert outcome.refused == ("x:2: Cannot dismiss a case that is publishing.",)
    assert outcome.message == "1 dismissed, 1 not dismissed."


@pytest.mark.parametrize(
    ("lead", "expected"),
    [
        ("app\n  down   again", "dismissed as part of group: app down again"),
        ("word " * 40, "dismissed as part of group: " + ("word " * 16).strip() + "…"),
    ],
)
def test_dismiss_reason_names_the_lead_on_one_short_line(lead: str, expected: str) -> None:
    assert group_dismiss_reason(lead) == expected


@given(st.text(max_size=400), st.integers(min_value=2, max_value=120))
def test_dismiss_reason_is_one_line_within_the_limit(lead: str, limit: int) -> None:
    reason = group_dismiss_reason(lead, limit)
    excerpt = reason.removeprefix("dismissed as part of group: ")
    assert reason.startswith("dismissed as part of group: ")
    assert len(excerpt) <= limit and "\n" not in excerpt
    assert excerpt.rstrip("…").rstrip() in " ".join(lead.split())


def test_the_group_view_says_what_approve_all_sends_on_x_and_costs() -> None:
    from bot.core.link_policy import LinkPolicy, XLinkRules
    from bot.core.models import CaseGroup, Network

    def case(n: int, *, network: Network = Network.X, summoned: bool = True) -> Case:
        mention = make_mention(str(n), f"app down again {n}", network=network, summoned=summoned)
        return Case(mention.case_id, mention, CaseState.IN_REVIEW, AT, AT)

    waiting = [case(1), case(2), case(3), case(4, summoned=False), case(5, network=Network.BLUESKY)]
    waiting.append(case(7))
    members = [*waiting, Case("x:6", make_mention("6"), CaseState.PUBLISHED, AT, AT)]
    plain = "Thanks for your patience, we're on it. DM us your order number."
    drafts = {c.id: GOOD for c in members} | {"x:3": plain, "x:7": plain}
    group = CaseGroup("g1", "app down", tuple(c.id for c in members))
    view = group_view(group, members, drafts, costs=XLinkRules())
    # x:1 and x:2 with a link, x:3 and x:7 without; x:4 is answered by hand, x:5 is on
    # Bluesky, x:6 went out already
    assert view.x_sending == (
        "approving all sends 4 X replies: $0.43 with their links (2 of 4) · $0.06 without"
    )
    never = group_view(group, members, drafts, costs=XLinkRules(LinkPolicy.NEVER))
    assert never.x_sending == (
        "approving all sends 4 X replies without their links (link policy never): $0.06, not $0.43"
    )
    only_plain = group_view(group, members, {"x:3": plain, "x:4": GOOD}, costs=XLinkRules())
    assert only_plain.x_sending == "approving all sends 1 X reply: $0.015 (no links)"
    assert group_view(group, members, drafts).x_sending == ""  # no rules, no line
