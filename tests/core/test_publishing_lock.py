"""One process never publishes the same outbox row twice, whichever threads call in."""

from __future__ import annotations

import threading

from bot.core.models import Network, OutboxItem, PublishResult
from bot.core.publishing import PublishingService
from tests.core.test_publishing import approved_case
from tests.fakes.core_fakes import FakeNetwork


class SlowNetwork(FakeNetwork):
    """Holds every publish until released, so a second caller can try to get in meanwhile."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()
        self.inside = 0  # callers that reached the network call

    def publish(self, item: OutboxItem) -> PublishResult:
        self.inside += 1
        self.entered.set()
        assert self.release.wait(5), "publish was never released"
        return super().publish(item)


def run_both(first, second, network: SlowNetwork) -> None:  # type: ignore[no-untyped-def]
    """Start `first`, wait until it is inside the network call, start `second`, release."""
    a = threading.Thread(target=first)
    b = threading.Thread(target=second)
    a.start()
    try:
        assert network.entered.wait(5)
        b.start()
        b.join(0.2)  # `second` must be waiting on the lock, not in the network call
        assert network.inside == 1
    finally:
        network.release.set()
        a.join(5)
        if b.ident is not None:
            b.join(5)
    assert not a.is_alive() and not b.is_alive()


def test_tick_and_reconcile_at_the_same_time_publish_each_row_once(store, clock) -> None:
    network = SlowNetwork()
    service = PublishingService(store, {Network.X: network}, clock)
    for external_id in ("1001", "1002"):
        case, draft = approved_case(store, clock, external_id)
        service.enqueue(case, draft)
    run_both(service.publish_pending, service.publish_pending, network)
    service.reconcile()
    assert network.calls == 2
    assert sorted(p.in_reply_to for p in network.posts.values()) == ["1001", "1002"]
