"""Threads, Facebook and Instagram end to end on local fakes: a post or comment becomes a
case, the approved reply goes out once, also when careops dies mid-publish (in process)
and through kill -9s of a real process (slow)."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.sqlite import SqliteStore
from bot.app import build_app
from bot.config import Settings
from bot.core.clock import FakeClock
from bot.core.models import CaseState, Network, OutboxState
from tests.e2e.crashes import DiesAfterSending, KilledMidCall, kill_at_random
from tests.e2e.meta_worker import meta_settings
from tests.fakes.fake_graph import FakeGraph
from tests.fakes.fake_threads import FakeThreads

WORKER = Path(__file__).with_name("meta_worker.py")
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def settings(db: Path, network: str, url: str) -> Settings:
    return Settings(
        CAREOPS_DB=db,
        SLACK_APPROVERS=["U1"],
        CAREOPS_BRAND_HANDLES=["parcelly"],
        **meta_settings(network, url),
    )


@pytest.fixture
def threads() -> Iterator[FakeThreads]:
    with FakeThreads() as fake:
        yield fake


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph() as fake:
        yield fake


def run_once_dying(db: Path, network: Network, url: str, clock: FakeClock, case_id: str) -> None:
    """Take the post in, approve it, and die right after the network took the reply."""
    app = build_app(settings(db, network.value, url), clock=clock)
    app.startup()
    assert app.tick().intake.new == 1
    assert app.review.approve(case_id, "U1").ok
    app.publishing.publishers = {network: DiesAfterSending(app.publishers[network])}
    with pytest.raises(KilledMidCall):
        for _ in range(3):  # Threads: the container first, its publishing 30 s later
            app.publishing.publish_pending()
            clock.advance(timedelta(seconds=31))
    app.store.close()


def restart(db: Path, network: Network, url: str, clock: FakeClock, case_id: str) -> None:
    app = build_app(settings(db, network.value, url), clock=clock)
    [outcome] = app.startup()
    assert outcome.published
    app.tick()
    case = app.store.get_case(case_id)
    assert case is not None and case.state is CaseState.PUBLISHED
    app.store.close()


def test_threads_reply_is_published_once_when_careops_dies_after_publishing(
    threads: FakeThreads, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    clock = FakeClock(NOW)
    post = threads.state.add_mention("@parcelly my parcel is late", at=NOW - timedelta(minutes=2))
    case_id = f"threads:{post['id']}"
    run_once_dying(tmp_path / "careops.db", Network.THREADS, threads.url, clock, case_id)
    assert len(threads.state.replies()) == 1  # it went out; careops never heard
    restart(tmp_path / "careops.db", Network.THREADS, threads.url, clock, case_id)
    assert len(threads.state.replies()) == 1
    assert len(threads.state.server.calls_to("POST", "threads_publish")) == 1
    assert len(threads.state.containers) == 1


@pytest.mark.parametrize("network", [Network.FACEBOOK, Network.INSTAGRAM])
def test_a_comment_reply_is_posted_once_when_careops_dies_after_posting(
    graph: FakeGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, network: Network
) -> None:
    monkeypatch.chdir(tmp_path)
    clock = FakeClock(datetime.now(UTC))
    at = clock.now() - timedelta(minutes=2)
    if network is Network.FACEBOOK:
        comment = graph.state.add_comment("my parcel never came", at=at)
        replies: Callable[[], list[Any]] = graph.state.page_replies
    else:
        comment = graph.state.add_ig_comment("my parcel never came", at=at)
        replies = graph.state.ig_replies
    case_id = f"{network.value}:{comment['id']}"
    run_once_dying(tmp_path / "careops.db", network, graph.url, clock, case_id)
    assert len(replies()) == 1
    restart(tmp_path / "careops.db", network, graph.url, clock, case_id)
    assert len(replies()) == 1
    assert len([c for c in graph.state.server.calls if c.method == "POST"]) == 1


# --- kill -9 ---------------------------------------------------------------------------------


def seed(
    network: str, total: int, threads: FakeThreads, graph: FakeGraph, db: str
) -> Callable[[], Counter[str]]:
    """`total` posts or comments careops has not seen; returns who got how many replies."""
    now = datetime.now(UTC) - timedelta(minutes=5)
    if network == "threads":
        for i in range(total):
            threads.state.add_mention(
                f"@parcelly parcel {i} is late, please help", author=f"c{i}", at=now
            )
        store = SqliteStore(db)  # careops was down while they arrived: read them all
        store.set_cursor("threads", f'{{"since": {int(now.timestamp()) - 60}}}')
        store.close()
        return lambda: Counter(r["replied_to"]["id"] for r in threads.state.replies())
    for i in range(total):
        if network == "facebook":
            graph.state.add_comment(
                f"parcel {i} is late, please help", author=(f"7{i}", f"C {i}"), at=now
            )
        else:
            graph.state.add_ig_comment(f"parcel {i} is late, please help", username=f"c{i}", at=now)
    if network == "facebook":
        return lambda: Counter(c["parent"]["id"] for c in graph.state.page_replies())
    return lambda: Counter(c["parent_id"] for c in graph.state.ig_replies())


@pytest.mark.slow
@pytest.mark.parametrize("network", ["threads", "facebook", "instagram"])
def test_replies_survive_kill_9s_exactly_once(
    network: str, threads: FakeThreads, graph: FakeGraph, tmp_path: Path
) -> None:
    total = 40
    db = str(tmp_path / "careops.db")
    replied = seed(network, total, threads, graph, db)
    url = threads.url if network == "threads" else graph.url
    command = [sys.executable, str(WORKER), network, db, url, str(total)]
    kills = kill_at_random(command, tmp_path, rounds=6, longest=1.6)
    counts = replied()
    assert len(counts) == total and max(counts.values()) == 1
    assert kills >= 3  # most runs were cut short, not finished before the kill
    store = SqliteStore(db)
    assert len(store.outbox([OutboxState.PUBLISHED])) == total
    store.close()
