"""Relations in the loop: a repeat complainer's priority, history across linked handles,
wow moments kept with their case, gestures against their monthly budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.sqlite import SqliteStore
from bot.core.drafting import DraftingService
from bot.core.gestures import Gifts, Offer, WowBook
from bot.core.loop import CareLoop
from bot.core.models import Network, Priority
from bot.core.permissions import ActionPolicy
from bot.core.relations import Relations
from tests.conftest import make_mention
from tests.fakes.core_fakes import RecordingSurface, ScriptedDrafter

BOOK = WowBook.of(
    [Offer("card", "a handwritten card", 3, 6), Offer("code", "a discount code", 5, 100)],
    {"milestone": "card", "spotted": "card"},
)


@pytest.fixture
def wired(store, clock, links):
    drafter = ScriptedDrafter(clock, "Thanks Maria! DM us your order number please.")
    drafting = DraftingService(drafter, drafter, links, clock)
    return _wire(store, clock, drafting)


def _wire(store, clock, drafting):
    policy = ActionPolicy(frozenset({"U_LEAD"}))
    gifts = Gifts(store.wow, store.get_case, BOOK, clock, lambda: policy)
    relations = Relations(store.people, store.wow, gifts, clock)
    loop = CareLoop(store, drafting, clock, surface=RecordingSurface(), relations=relations)
    return loop, relations, gifts


def take(loop, clock, n: int, text: str, **mention) -> object:
    [case] = loop.ingest([make_mention(str(n), text, now=clock.now(), **mention)]).cases
    return case


def test_a_second_complaint_within_a_week_is_high_priority_and_the_card_says_why(
    wired, clock
) -> None:
    loop, relations, _ = wired
    first = take(loop, clock, 1, "@parcelly where is my parcel? order 5521")
    clock.advance(days=3)
    second = take(loop, clock, 2, "@parcelly the tracking still hasn't moved on order 5521")
    assert "repeat" not in first.triage.tags
    assert "repeat" in second.triage.tags and second.triage.priority is Priority.HIGH
    line = relations.card_notes(second).history
    assert line.startswith("2nd contact · last: delivery, still open, 3 days ago · first seen")


def test_linked_handles_share_one_history_and_unlinking_splits_it(wired, clock) -> None:
    loop, relations, _ = wired
    take(loop, clock, 1, "@parcelly love the new tracking page", author="alice")
    clock.advance(hours=2)
    bsky = take(loop, clock, 2, "hi @parcelly", network=Network.BLUESKY,
                author="alice.bsky.social")  # fmt: skip
    assert relations.card_notes(bsky).history == "first contact"
    answer = relations.link("x:alice bluesky:alice.bsky.social", "U_AMY")
    assert answer.startswith("Linked as one customer: bluesky:alice.bsky.social, x:alice.")
    assert relations.card_notes(bsky).history.startswith("2nd contact · last: praise")
    assert relations.card_notes(bsky).history.endswith("also x:alice")
    assert relations.unlink("bluesky:alice.bsky.social", "U_AMY") == (
        "Unlinked bluesky:alice.bsky.social."
    )
    assert relations.card_notes(bsky).history == "first contact"
    assert relations.link("x:alice", "U_AMY").startswith("Usage")
    assert relations.link("x:alice myspace:alice", "U_AMY").startswith("Not linked: unknown")


def test_a_moment_found_at_intake_is_kept_with_its_case_and_outlives_a_restart(
    tmp_path: Path, clock, links
) -> None:
    drafter = ScriptedDrafter(clock, "Thanks so much, and congratulations!")
    path = tmp_path / "careops.db"
    store = SqliteStore(path)
    loop, _, _ = _wire(store, clock, DraftingService(drafter, drafter, links, clock))
    case = take(loop, clock, 1, "@parcelly we just had a baby and your driver was so kind 💛")
    assert "wow" in case.triage.tags
    store.close()
    store = SqliteStore(path)
    _, relations, _ = _wire(store, clock, DraftingService(drafter, drafter, links, clock))
    wow = relations.card_notes(store.get_case(case.id)).wow
    assert wow is not None and wow.why == "new baby"
    assert wow.suggestion == "a handwritten card ($3; $6 of $6 left this month)"
    assert [a.action for a in store.audit(case.id)].count("wow") == 1
    store.close()


def test_a_gesture_counts_down_its_budget_once_and_past_it_needs_an_approver(
    wired, store, clock
) -> None:
    loop, relations, gifts = wired
    cases = [take(loop, clock, n, f"@parcelly it's my birthday and the cake came early {n}")
             for n in range(1, 4)]  # fmt: skip
    first = gifts.give(cases[0].id, "U_AMY")
    assert first.ok and first.changed and first.message == "Recorded: a handwritten card ($3)."
    again = gifts.give(cases[0].id, "U_LEAD")
    assert again.ok and not again.changed and "by <@U_AMY>" in again.message
    assert gifts.give(cases[1].id, "U_AMY").changed  # $6 of $6 spent now
    refused = gifts.give(cases[2].id, "U_AMY")
    assert not refused.ok and "Only approvers can go past" in refused.message
    assert store.wow.gesture(cases[2].id) is None
    over = gifts.give(cases[2].id, "U_LEAD")
    assert over.ok and over.changed and "over budget" in over.message
    assert store.wow.gesture(cases[2].id).over_budget
    assert gifts.budget_lines() == [
        "a handwritten card: $9 of $6 spent this month (3 made)",
        "a discount code: $0 of $100 spent this month (0 made)",
    ]
    clock.advance(days=40)  # a new month: the budget is whole again
    assert gifts.suggestion(relations.wow.moment(cases[0].id).kind).endswith(
        "$6 of $6 left this month)"
    )


def test_a_gift_on_a_case_without_a_moment_records_one_the_team_spotted(wired, store, clock):
    loop, _, gifts = wired
    case = take(loop, clock, 1, "@parcelly where is my parcel?")
    assert gifts.give(case.id, "U_AMY").changed
    moment = store.wow.moment(case.id)
    assert moment is not None and moment.kind.value == "spotted"
    [(listed, gesture)] = gifts.week()
    assert listed.case_id == case.id and gesture is not None and gesture.user == "U_AMY"
    clock.advance(days=8)
    assert gifts.week() == []
