"""The outbox: a reply is never sent twice and never lost."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.cases import transition
from bot.core.models import (
    Case,
    CaseState,
    Draft,
    Network,
    OutboxState,
    PublishResult,
    draft_id_for,
)
from bot.core.ports import OutboxConflict, PublishLater
from bot.core.publishing import MAX_ATTEMPTS, PublishingService
from tests.conftest import make_mention
from tests.fakes.core_fakes import FakeNetwork, refuse


def approved_case(store, clock, external_id="1001") -> tuple[Case, Draft]:
    m = make_mention(external_id)
    case = Case(m.case_id, m, CaseState.NEW, clock.now(), clock.now())
    draft = Draft(
        draft_id_for(case.id, 1), case.id, "Thanks, Maria! DM us.", "offline", clock.now()
    )
    store.add_draft(draft)
    for state in (CaseState.TRIAGED, CaseState.DRAFTED, CaseState.IN_REVIEW, CaseState.APPROVED):
        case = transition(case, state, at=clock.now(), draft_id=draft.id).case
    store.save_case(case, None)
    return case, draft


@pytest.fixture
def network() -> FakeNetwork:
    return FakeNetwork()


@pytest.fixture
def service(store, clock, network) -> PublishingService:
    return PublishingService(store, {Network.X: network}, clock)


def test_approved_draft_is_published_once_with_the_network_id(service, store, clock, network):
    case, draft = approved_case(store, clock)
    service.enqueue(case, draft)
    [outcome] = service.publish_pending()
    assert outcome.published
    assert network.texts() == [draft.text]
    stored = store.get_case(case.id)
    assert (stored.state, stored.published_id) == (CaseState.PUBLISHED, "r1")
    assert service.publish_pending() == []
    assert network.calls == 1


def test_enqueuing_the_same_draft_twice_keeps_one_row(service, store, clock, network):
    case, draft = approved_case(store, clock)
    first = service.enqueue(case, draft)
    second = service.enqueue(case, draft.__class__(**{**draft.__dict__, "text": "other"}))
    assert second.text == first.text == draft.text
    service.publish_pending()
    assert network.texts() == [draft.text]


def test_crash_after_the_network_accepted_is_reconciled_without_a_second_post(
    service, store, clock, network
):
    case, draft = approved_case(store, clock)
    item = service.enqueue(case, draft)
    # The process died after the network call but before the id was saved:
    store.save_outbox(item.evolve(state=OutboxState.PUBLISHING, attempts=1))
    network.publish(item)
    outcomes = service.reconcile()
    assert [o.item.remote_id for o in outcomes] == ["r1"]
    assert len(network.posts) == 1
    assert store.get_case(case.id).state is CaseState.PUBLISHED


def test_crash_before_the_network_saw_it_is_retried_once(service, store, clock, network):
    case, draft = approved_case(store, clock)
    item = service.enqueue(case, draft)
    store.save_outbox(item.evolve(state=OutboxState.PUBLISHING, attempts=1))
    service.reconcile()
    assert network.texts() == [draft.text]
    assert store.outbox([OutboxState.PUBLISHED])[0].attempts == 2


def test_transient_errors_retry_then_fail_visibly(service, store, clock, network):
    case, draft = approved_case(store, clock)
    service.enqueue(case, draft)
    network.fail_next = [ConnectionError("reset")] * MAX_ATTEMPTS
    for _ in range(MAX_ATTEMPTS):
        service.publish_pending()
    failed = store.get_case(case.id)
    assert failed.state is CaseState.FAILED
    assert "ConnectionError" in failed.failure
    assert network.posts == {}
    assert service.retry(case.id) is not None
    service.publish_pending()
    assert store.get_case(case.id).state is CaseState.PUBLISHED
    assert network.texts() == [draft.text]


def test_a_refusal_fails_at_once_and_is_not_retried(service, store, clock, network):
    case, draft = approved_case(store, clock)
    service.enqueue(case, draft)
    network.fail_next = [refuse("parent post was deleted")]
    service.publish_pending()
    assert store.get_case(case.id).failure == "parent post was deleted"
    assert service.publish_pending() == []
    assert network.calls == 1


def test_no_publisher_for_the_network_fails_with_a_reason(store, clock):
    service = PublishingService(store, {}, clock)
    case, draft = approved_case(store, clock)
    service.enqueue(case, draft)
    [outcome] = service.publish_pending()
    assert outcome.item.state is OutboxState.FAILED
    assert "no publisher configured for x" in store.get_case(case.id).failure


class AnsweredByHand(FakeNetwork):
    """The network already has a brand reply to the post that careops did not write."""

    def find_existing(self, item):
        return PublishResult("h1", "https://net.example/h1", note="a reply by hand was there")


def test_a_reply_found_by_reconcile_that_is_not_ours_is_recorded_as_such(store, clock):
    hand = AnsweredByHand()
    service = PublishingService(store, {Network.X: hand}, clock)
    case, draft = approved_case(store, clock)
    item = service.enqueue(case, draft)
    store.save_outbox(item.evolve(state=OutboxState.PUBLISHING, attempts=1))
    service.reconcile()
    assert hand.calls == 0  # nothing sent: the customer has an answer
    stored = store.get_case(case.id)
    assert (stored.state, stored.published_id) == (CaseState.PUBLISHED, "h1")
    published = [a for a in store.audit(case.id) if a.to_state == CaseState.PUBLISHED.value]
    assert [a.detail for a in published] == ["a reply by hand was there"]


def test_an_approved_case_with_no_outbox_row_is_queued_and_sent_once_at_reconcile(
    service, store, clock, network, caplog
):
    case, draft = approved_case(store, clock)  # approved, but no outbox row: an old crash
    service.reconcile()
    assert "had no outbox row" in caplog.text
    assert [i.draft_id for i in store.outbox([OutboxState.PENDING])] == [draft.id]
    service.publish_pending()
    caplog.clear()
    service.reconcile()  # a second start-up queues nothing more
    service.publish_pending()
    assert network.texts() == [draft.text]
    assert store.get_case(case.id).state is CaseState.PUBLISHED
    assert "had no outbox row" not in caplog.text


class FencedStore:
    """A store whose publisher moves are refused, as a newer leader's epoch refuses them."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def save_outbox(self, item) -> None:
        if item.state is not OutboxState.PENDING:
            raise OutboxConflict("this instance no longer leads (epoch 1, now 2)")
        self.inner.save_outbox(item)


def test_a_fenced_out_instance_sends_nothing_and_leaves_the_rows(store, clock, network):
    service = PublishingService(FencedStore(store), {Network.X: network}, clock)
    for n in ("1", "2"):
        service.enqueue(*approved_case(store, clock, n))
    assert service.publish_pending() == []
    assert network.calls == 0
    assert [i.state for i in store.outbox(list(OutboxState))] == [OutboxState.PENDING] * 2


class CaseSaveFails:
    """A store that loses the database right after the outbox row is written."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def save_case(self, case, *audits) -> None:
        if case.state is CaseState.PUBLISHED:
            raise OSError("the database went away")
        self.inner.save_case(case, *audits)


def test_a_published_reply_and_its_case_are_stored_together_or_not_at_all(store, clock, network):
    service = PublishingService(CaseSaveFails(store), {Network.X: network}, clock)
    case, draft = approved_case(store, clock)
    service.enqueue(case, draft)
    with pytest.raises(OSError):
        service.publish_pending()
    [row] = store.outbox(list(OutboxState))
    assert row.state is OutboxState.PUBLISHING, "not published without its case"
    healthy = PublishingService(store, {Network.X: network}, clock)
    healthy.reconcile()  # the next start-up, or the next leader, finds the reply and finishes
    assert store.get_case(case.id).state is CaseState.PUBLISHED
    assert network.calls == 1


class TwoStepNetwork(FakeNetwork):
    """Publishes in two steps, as Threads does: a container first, published 30 s later."""

    def __init__(self, clock) -> None:
        super().__init__()
        self.clock = clock
        self.containers: list[str] = []
        self.seen_meta: list[dict[str, str]] = []

    def publish(self, item):
        self.seen_meta.append(dict(item.meta))
        if "container" not in item.meta:
            self.containers.append(f"c{len(self.containers) + 1}")
            later = self.clock.now() + timedelta(seconds=30)
            return PublishLater(later, {"container": self.containers[-1]}, "container made")
        return super().publish(item)


def test_a_two_step_network_keeps_its_first_step_and_is_published_once_due(store, clock):
    network = TwoStepNetwork(clock)
    service = PublishingService(store, {Network.X: network}, clock)
    case, draft = approved_case(store, clock)
    service.enqueue(case, draft)
    [first] = service.publish_pending()
    assert not first.published and first.not_before == clock.now() + timedelta(seconds=30)
    assert first.item.state is OutboxState.PENDING and first.item.attempts == 0
    assert first.item.meta["container"] == "c1" and first.item.error == "container made"
    assert store.get_case(case.id).state is CaseState.PUBLISHING
    clock.advance(timedelta(seconds=29))
    assert service.publish_pending() == []  # not due: nothing is called
    assert len(network.seen_meta) == 1
    clock.advance(timedelta(seconds=1))
    [done] = service.publish_pending()
    assert done.published and network.texts() == [draft.text]
    assert network.containers == ["c1"] and network.seen_meta[1]["container"] == "c1"
    assert done.item.attempts == 1
    assert store.get_case(case.id).state is CaseState.PUBLISHED


def test_a_crash_after_the_first_step_goes_on_from_it_at_reconcile(store, clock):
    network = TwoStepNetwork(clock)
    service = PublishingService(store, {Network.X: network}, clock)
    case, draft = approved_case(store, clock)
    service.enqueue(case, draft)
    service.publish_pending()
    [waiting] = store.outbox([OutboxState.PENDING])
    # the next attempt was under way (row saved as publishing) when the process died
    store.save_outbox(waiting.evolve(state=OutboxState.PUBLISHING, attempts=1))
    clock.advance(timedelta(seconds=31))
    restarted = PublishingService(store, {Network.X: network}, clock)
    [outcome] = restarted.reconcile()
    assert outcome.published and network.containers == ["c1"] and len(network.posts) == 1


def test_next_due_names_the_earliest_row_still_waiting(store, clock):
    network = TwoStepNetwork(clock)
    service = PublishingService(store, {Network.X: network}, clock)
    assert service.next_due() is None
    for external_id in ("1", "2"):
        service.enqueue(*approved_case(store, clock, external_id))
        service.publish_pending()
        clock.advance(timedelta(seconds=5))
    assert service.next_due() == clock.now() + timedelta(seconds=20)  # the first, made 10 s ago
    clock.advance(timedelta(seconds=20))
    assert service.next_due() == clock.now() + timedelta(seconds=5)
