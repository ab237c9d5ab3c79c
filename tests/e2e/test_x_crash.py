"""End to end with X on a local fake (X_API_BASE_URL): mention → case → approve → one
reply, even across kill -9. X has no idempotency key: only the outbox and reconcile
(reading the brand's own posts) stand between a crash and a second reply."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.adapters.sqlite import SqliteStore
from bot.adapters.x import XPublisher
from bot.app import build_app
from bot.config import Settings
from bot.core.clock import FakeClock
from bot.core.models import CaseState, Network, OutboxState
from tests.e2e.crashes import DiesAfterSending, KilledMidCall, kill_at_random
from tests.e2e.network_worker import network_settings
from tests.fakes.fake_x_server import FakeXServer

WORKER = Path(__file__).with_name("network_worker.py")


@pytest.fixture
def server() -> Iterator[FakeXServer]:
    with FakeXServer() as fake:
        yield fake


def settings(db: Path, url: str) -> Settings:
    return Settings(
        CAREOPS_DB=db,
        SLACK_APPROVERS=["U1"],
        CAREOPS_BRAND_HANDLES=["parcelly"],
        **network_settings("x", url),
    )


def test_mention_to_one_reply_even_when_killed_during_publish(
    server: FakeXServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    clock = FakeClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    post = server.state.add_mention("my parcel is late, order 5521", at=clock.now())
    db = tmp_path / "careops.db"
    app = build_app(settings(db, server.url), clock=clock)
    app.startup()
    assert app.tick().intake.new == 1  # through X_API_BASE_URL: nothing went to X itself
    case = app.store.get_case(f"x:{post['id']}")
    assert case is not None and case.state is CaseState.IN_REVIEW
    publisher = app.publishers[Network.X]
    assert isinstance(publisher, XPublisher)
    app.publishing.publishers = {Network.X: DiesAfterSending(publisher)}
    assert app.review.approve(case.id, "U1").ok
    with pytest.raises(KilledMidCall):
        app.publishing.publish_pending()
    app.store.close()

    restarted = build_app(settings(db, server.url), clock=clock)
    outcomes = restarted.startup()
    restarted.tick()
    [reply] = server.state.replies()
    assert reply["referenced_tweets"] == [{"type": "replied_to", "id": post["id"]}]
    assert [o.item.remote_id for o in outcomes] == [reply["id"]]
    assert len([r for r in server.state.requests if r[0] == "POST"]) == 1
    final = restarted.store.get_case(case.id)
    assert final is not None and final.state is CaseState.PUBLISHED
    assert final.published_url == f"https://x.com/parcelly/status/{reply['id']}"
    restarted.store.close()


@pytest.mark.slow
def test_150_replies_survive_ten_kill_9s_exactly_once(server: FakeXServer, tmp_path: Path) -> None:
    total = 150
    now = datetime.now(UTC) - timedelta(minutes=5)
    mentions = [
        server.state.add_mention(f"parcel {i} is late, please help", username=f"c{i}", at=now)
        for i in range(total)
    ]
    db = str(tmp_path / "careops.db")
    seed = SqliteStore(db)  # careops was down while all arrived: read them all
    seed.set_cursor("x", json.dumps({"mentions": {"since": str(int(mentions[0]["id"]) - 1)}}))
    seed.close()
    command = [sys.executable, str(WORKER), "x", db, server.url, str(total)]
    kills = kill_at_random(command, tmp_path, rounds=10, longest=2.0)
    replied_to = Counter(r["referenced_tweets"][0]["id"] for r in server.state.replies())
    assert set(replied_to) == {m["id"] for m in mentions}
    assert max(replied_to.values()) == 1
    assert kills >= 5  # most runs were cut short, not finished before the kill
    store = SqliteStore(db)
    assert len(store.outbox([OutboxState.PUBLISHED])) == total
    store.close()
