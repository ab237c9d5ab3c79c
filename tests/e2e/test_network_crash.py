"""End to end with Mastodon: mention → case → approve → one status, even across kill -9."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.adapters.mastodon import MastodonPublisher
from bot.adapters.sqlite import SqliteStore
from bot.app import build_app
from bot.config import Settings
from bot.core.clock import FakeClock
from bot.core.models import CaseState, Network, OutboxState
from tests.e2e.crashes import DiesAfterSending, KilledMidCall, kill_at_random
from tests.fakes.fake_mastodon import FakeMastodon

WORKER = Path(__file__).with_name("network_worker.py")


@pytest.fixture
def server() -> Iterator[FakeMastodon]:
    with FakeMastodon() as fake:
        yield fake


def settings(db: Path, url: str) -> Settings:
    return Settings(
        CAREOPS_DB=db,
        MASTODON_BASE_URL=url,
        MASTODON_ACCESS_TOKEN="token",
        SLACK_APPROVERS=["U1"],
        CAREOPS_BRAND_HANDLES=["parcelly"],
    )


def test_mention_to_one_status_even_when_killed_during_publish(
    server: FakeMastodon, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    clock = FakeClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    note = server.state.add_mention(
        "@parcelly my parcel is late, order 5521", created_at="2026-11-25T08:58:00.000Z"
    )
    server.state.honour_idempotency = False  # the key has expired: reconcile must find it
    db = tmp_path / "careops.db"
    app = build_app(settings(db, server.url), clock=clock)
    app.startup()
    assert app.tick().intake.new == 1
    case = app.store.get_case(f"mastodon:{note['status']['id']}")
    assert case is not None and case.state is CaseState.IN_REVIEW
    publisher = app.publishers[Network.MASTODON]
    assert isinstance(publisher, MastodonPublisher)
    app.publishing.publishers = {Network.MASTODON: DiesAfterSending(publisher)}
    assert app.review.approve(case.id, "U1").ok
    with pytest.raises(KilledMidCall):
        app.publishing.publish_pending()
    app.store.close()

    restarted = build_app(settings(db, server.url), clock=clock)
    outcomes = restarted.startup()
    restarted.tick()
    replies = server.state.replies()
    assert len(replies) == 1
    assert replies[0]["in_reply_to_id"] == note["status"]["id"]
    posts = [h for m, p, h in server.state.requests if m == "POST"]
    assert len(posts) == 1 and posts[0]["idempotency-key"] == case.draft_id
    assert [o.item.remote_id for o in outcomes] == [replies[0]["id"]]
    final = restarted.store.get_case(case.id)
    assert final is not None and final.state is CaseState.PUBLISHED
    restarted.store.close()


@pytest.mark.slow
def test_200_replies_survive_ten_kill_9s_exactly_once(server: FakeMastodon, tmp_path: Path) -> None:
    total = 200
    now = datetime.now(UTC) - timedelta(minutes=5)
    for i in range(total):
        server.state.add_mention(
            f"@parcelly parcel {i} is late, please help",
            acct=f"c{i}",
            created_at=now.isoformat().replace("+00:00", "Z"),
        )
    server.state.honour_idempotency = False  # only the outbox and reconcile stand in the way
    db = str(tmp_path / "careops.db")
    seed = SqliteStore(db)
    seed.set_cursor("mastodon", "0")  # careops was down while all 200 arrived: read them all
    seed.close()
    command = [sys.executable, str(WORKER), "mastodon", db, server.url, str(total)]
    kills = kill_at_random(command, tmp_path, rounds=10, longest=2.0)
    replied_to = Counter(s["in_reply_to_id"] for s in server.state.replies())
    mentions = {n["status"]["id"] for n in server.state.notifications}
    assert set(replied_to) == mentions
    assert max(replied_to.values()) == 1
    assert kills >= 5  # most runs were cut short, not finished before the kill
    store = SqliteStore(db)
    assert len(store.outbox([OutboxState.PUBLISHED])) == total
    store.close()
