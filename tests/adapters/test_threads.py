"""Threads adapter: the documented media objects, intake against a local Threads API,
replies in two steps (container, then publish) exactly once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.adapters.meta import GraphClient
from bot.adapters.sqlite import SqliteStore
from bot.adapters.threads import CONTAINER, ThreadsPublisher, ThreadsSource
from bot.adapters.threads._parse import mention_from_media
from bot.core.clock import FakeClock
from bot.core.models import Network, OutboxItem, OutboxState
from bot.core.ports import PermanentPublishError, PublishLater
from tests.fakes.fake_threads import BRAND_ID, FakeThreads
from tests.fakes.graph_http import FIXTURES

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
REPLY = (
    "Thanks for telling us, Lena! DM us the order number: https://help.parcelly.example/delivery"
)


@pytest.fixture
def threads() -> Iterator[FakeThreads]:
    with FakeThreads() as fake:
        yield fake


def client(threads: FakeThreads, clock: FakeClock, store: Any = None) -> GraphClient:
    return GraphClient(
        threads.url, "token", Network.THREADS, clock, usage=store, sleep=lambda s: None
    )


def source(threads: FakeThreads, clock: FakeClock, **kw: Any) -> ThreadsSource:
    return ThreadsSource(client(threads, clock), clock, user_id=BRAND_ID, **kw)


def publisher(threads: FakeThreads, clock: FakeClock) -> ThreadsPublisher:
    return ThreadsPublisher(client(threads, clock), clock, user_id=BRAND_ID)


def item(post: dict[str, Any], text: str = REPLY, **meta: str) -> OutboxItem:
    return OutboxItem(
        draft_id="d0123456789abcdef",
        case_id=f"threads:{post['id']}",
        network=Network.THREADS,
        in_reply_to=post["id"],
        text=text,
        state=OutboxState.PUBLISHING,
        created_at=NOW,
        attempts=1,
        meta=meta,
    )


# --- the documented objects ---------------------------------------------------------------


def test_documented_mentions_become_mentions_with_their_thread() -> None:
    page = json.loads((FIXTURES / "threads" / "mentions.json").read_text())
    first, reply = (mention_from_media(m) for m in page["data"])
    assert (first.case_id, first.author_handle) == ("threads:18050206876707110", "lena.bakes")
    assert first.created_at == datetime(2026, 11, 25, 8, 41, 12, tzinfo=UTC)
    assert first.url == "https://www.threads.net/@lena.bakes/post/C8hWbP0sXaA"
    assert first.in_reply_to is None and first.conversation_id == "18050206876707110"
    assert reply.in_reply_to == reply.conversation_id == "18050206876707110"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"id": float("nan")}, "id must be text or a whole number, not the number nan"),
        ({"username": ["a", "b"]}, "author must be text, not a list"),
        ({"timestamp": None}, "post without a time"),
        ({"timestamp": "yesterday"}, "'yesterday' is not a time"),
        ({"text": None}, "has no text"),
        ({"replied_to": {"id": {"x": 1}}}, "in_reply_to must be text"),
    ],
)
def test_bad_posts_are_quarantined_and_the_rest_of_the_page_goes_on(
    threads: FakeThreads, clock: FakeClock, change: dict[str, Any], reason: str
) -> None:
    good = threads.state.add_mention("@parcelly where is my parcel?", at=NOW - timedelta(minutes=2))
    bad = threads.state.add_mention("@parcelly hello", at=NOW - timedelta(minutes=1))
    bad.update(change)
    src = source(threads, clock)
    batch = src.poll(None)
    assert [m.external_id for m in batch.mentions] == [good["id"]]
    [quarantined] = batch.quarantined
    assert reason in quarantined.reason and quarantined.source == "threads"
    again = src.poll(batch.cursor)  # moved past: neither taken nor quarantined again
    assert again.mentions == [] and again.quarantined == []


# --- intake -----------------------------------------------------------------------------------


def test_intake_takes_each_mention_once_with_the_text_it_replies_to(
    threads: FakeThreads, clock: FakeClock
) -> None:
    state = threads.state
    first = state.add_mention("@parcelly my parcel is late", at=NOW - timedelta(minutes=5))
    src = source(threads, clock)
    batch = src.poll(None)
    assert [m.text for m in batch.mentions] == ["@parcelly my parcel is late"]
    again = src.poll(batch.cursor)
    assert again.mentions == [] and again.notices == []
    state.add_mention("@parcelly same here", author="jonny.ng", at=NOW, reply_to=first["id"])
    later = src.poll(again.cursor or batch.cursor)
    [reply] = later.mentions
    assert reply.author_handle == "jonny.ng" and reply.context == ("@parcelly my parcel is late",)
    assert src.poll(later.cursor).mentions == []


def test_a_gap_wider_than_a_poll_is_read_over_several_polls_each_mention_once(
    threads: FakeThreads, clock: FakeClock
) -> None:
    state = threads.state
    state.add_mention("@parcelly before the outage", at=NOW - timedelta(hours=3))
    src = source(threads, clock, max_pages=2, with_context=False)
    cursor = src.poll(None).cursor
    for i in range(60):  # careops was down: 60 mentions, pages of 25, 2 pages a poll
        state.add_mention(f"@parcelly parcel {i} is late", at=NOW - timedelta(minutes=60 - i))
    seen: list[str] = []
    notices: list[str] = []
    for _ in range(3):
        batch = src.poll(cursor)
        seen += [m.text for m in batch.mentions]
        notices += batch.notices
        cursor = batch.cursor or cursor
    assert sorted(seen) == sorted(f"@parcelly parcel {i} is late" for i in range(60))
    assert len(set(seen)) == 60 and any("backfilling" in n for n in notices)
    assert src.poll(cursor).mentions == []


def test_a_fresh_install_starts_from_now(threads: FakeThreads, clock: FakeClock) -> None:
    src = source(threads, clock)
    cursor = src.poll(None).cursor
    assert cursor is not None and json.loads(cursor)["since"] == int(NOW.timestamp())


def test_rate_limit_and_high_usage_stop_calls_until_meta_says(
    threads: FakeThreads, clock: FakeClock
) -> None:
    src = source(threads, clock)
    threads.state.server.rate_limited = True
    first = src.poll(None)
    assert first.cursor is None and "rate limit" in first.notices[0]
    calls = len(threads.state.server.calls)
    assert "rate limit" in src.poll(None).notices[0]
    assert len(threads.state.server.calls) == calls  # no call while the gate is shut
    threads.state.server.rate_limited = False
    clock.advance(timedelta(minutes=10))
    threads.state.server.app_usage = {"call_count": 96, "total_cputime": 20, "total_time": 30}
    src.poll(None)
    calls = len(threads.state.server.calls)
    assert "96%" in src.poll(None).notices[0] and len(threads.state.server.calls) == calls


def test_refused_credentials_back_off_and_say_which_setting(
    threads: FakeThreads, clock: FakeClock
) -> None:
    threads.state.server.token = "the-right-one"
    src = source(threads, clock)
    batch = src.poll(None)
    assert "THREADS_ACCESS_TOKEN" in batch.notices[0] and batch.cursor is None
    calls = len(threads.state.server.calls)
    src.poll(None)
    assert len(threads.state.server.calls) == calls


# --- replies ----------------------------------------------------------------------------------


def test_a_reply_is_a_container_first_then_published_once(
    threads: FakeThreads, clock: FakeClock
) -> None:
    post = threads.state.add_mention("@parcelly my parcel is late", at=NOW)
    pub = publisher(threads, clock)
    first = pub.publish(item(post))
    assert isinstance(first, PublishLater) and first.not_before == NOW + timedelta(seconds=30)
    container = first.meta[CONTAINER]
    assert threads.state.containers[container]["reply_to"] == post["id"]
    assert threads.state.replies() == []
    result = pub.publish(item(post, **{CONTAINER: container}))
    assert not isinstance(result, PublishLater)
    [reply] = threads.state.replies()
    assert (result.remote_id, result.url) == (reply["id"], reply["permalink"])
    assert reply["replied_to"] == {"id": post["id"]} and reply["text"] == REPLY
    # a retry (careops never heard the answer) finds it instead of publishing again
    again = pub.publish(item(post, **{CONTAINER: container}))
    assert again == result and len(threads.state.replies()) == 1
    assert len(threads.state.server.calls_to("POST", "threads_publish")) == 1


def test_reconcile_finds_the_reply_with_or_without_the_container_id(
    threads: FakeThreads, clock: FakeClock
) -> None:
    post = threads.state.add_mention("@parcelly hi", at=NOW)
    pub = publisher(threads, clock)
    assert pub.find_existing(item(post)) is None
    container = pub.publish(item(post)).meta[CONTAINER]  # type: ignore[union-attr]
    assert pub.find_existing(item(post, **{CONTAINER: container})) is None  # not published
    done = pub.publish(item(post, **{CONTAINER: container}))
    assert pub.find_existing(item(post, **{CONTAINER: container})) == done
    assert pub.find_existing(item(post)) == done  # no container id stored: its own replies


def test_a_reply_written_by_hand_meanwhile_stands_and_nothing_is_sent(
    threads: FakeThreads, clock: FakeClock
) -> None:
    post = threads.state.add_mention("@parcelly hi", at=NOW)
    pub = publisher(threads, clock)
    by_hand = pub.publish(item(post, text="Sorted by DM, thanks!"))
    pub.publish(item(post, text="Sorted by DM, thanks!", **by_hand.meta))  # type: ignore[union-attr]
    found = pub.find_existing(item(post))
    assert found is not None and "not careops's draft" in found.note


def test_an_expired_container_is_made_again(threads: FakeThreads, clock: FakeClock) -> None:
    post = threads.state.add_mention("@parcelly hi", at=NOW)
    pub = publisher(threads, clock)
    old = pub.publish(item(post)).meta[CONTAINER]  # type: ignore[union-attr]
    threads.state.containers[old]["status"] = "EXPIRED"
    again = pub.publish(item(post, **{CONTAINER: old}))
    assert isinstance(again, PublishLater) and again.meta[CONTAINER] != old


def test_used_up_quotas_wait_an_hour_without_making_a_container(
    threads: FakeThreads, clock: FakeClock
) -> None:
    post = threads.state.add_mention("@parcelly hi", at=NOW)
    threads.state.reply_quota_usage = 1000
    later = publisher(threads, clock).publish(item(post))
    assert isinstance(later, PublishLater) and later.not_before == NOW + timedelta(hours=1)
    assert "reply quota used: 1000 of 1000" in later.reason and threads.state.containers == {}
    threads.state.reply_quota_usage, threads.state.quota_usage = 0, 250
    assert "post quota used" in publisher(threads, clock).publish(item(post)).reason  # type: ignore[union-attr]


def test_a_reply_over_500_counted_as_threads_counts_is_refused_for_good(
    threads: FakeThreads, clock: FakeClock
) -> None:
    post = threads.state.add_mention("@parcelly hi", at=NOW)
    with pytest.raises(PermanentPublishError, match="limit 500"):
        publisher(threads, clock).publish(item(post, text="a" * 497 + "👍"))  # 501
    assert threads.state.containers == {}


def test_a_deleted_post_refuses_the_reply_for_good(threads: FakeThreads, clock: FakeClock) -> None:
    post = threads.state.add_mention("@parcelly hi", at=NOW)
    del threads.state.posts[post["id"]]
    with pytest.raises(PermanentPublishError, match="Threads refused the reply"):
        publisher(threads, clock).publish(item(post))


def test_requests_and_replies_are_counted(threads: FakeThreads, clock: FakeClock) -> None:
    store = SqliteStore(":memory:")
    post = threads.state.add_mention("@parcelly hi", at=NOW)
    pub = ThreadsPublisher(client(threads, clock, store), clock, user_id=BRAND_ID)
    container = pub.publish(item(post)).meta[CONTAINER]  # type: ignore[union-attr]
    pub.publish(item(post, **{CONTAINER: container}))
    counts = {u.kind: u.count for u in store.usage_since("2000-01-01") if u.network == "threads"}
    assert counts == {"requests": len(threads.state.server.calls), "post": 1}
    store.close()
