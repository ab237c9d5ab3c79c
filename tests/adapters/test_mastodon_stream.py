"""Mastodon's notification stream against the local fake streaming server: a mention and
every (re)connect ring the doorbell, a drop reconnects with backoff, a server without
streaming is said once, only the leader streams, and the source polls from its cursor."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.mastodon import MastodonSource, MastodonStream, mastodon_client
from bot.adapters.mastodon._stream import Event, announces_mention, events
from bot.core.clock import FakeClock
from bot.core.rhythm import PollAllowance, stream_retry
from tests.fakes.fake_mastodon import FakeMastodon

STREAM_LOG = "bot.adapters.mastodon._stream"


def wait_for(check: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture
def server() -> Iterator[FakeMastodon]:
    with FakeMastodon() as fake:
        yield fake


@pytest.fixture
def tries() -> list[int]:
    return []


@pytest.fixture
def stream(server: FakeMastodon, tries: list[int]) -> Iterator[MastodonStream]:
    def quick(failures: int) -> float:  # the real schedule, fifty times faster
        tries.append(failures)
        return stream_retry(failures) / 50

    follower = MastodonStream(server.url, "token", retry=quick)
    yield follower
    follower.stop()


def test_sse_lines_become_events_and_heartbeats_are_marked() -> None:
    lines = [":)", "event: notification", 'data: {"id": "1",', 'data: "type": "mention"}', ""]
    lines += [":thump", "event: filters_changed", "data: undefined", "", "data: x", ""]
    assert list(events(iter(lines))) == [
        Event(":", ")"),
        Event("notification", '{"id": "1",\n"type": "mention"}'),
        Event(":", "thump"),
        Event("filters_changed", "undefined"),
        Event("message", "x"),
    ]


NAMES = st.text("abcdefghijklmnopqrstuvwxyz._", min_size=1, max_size=20)
DATA = st.text(st.characters(blacklist_characters="\r\n", codec="utf-8"), max_size=60)


@given(st.lists(st.tuples(NAMES, st.lists(DATA, min_size=1, max_size=3)), max_size=6))
def test_any_events_written_as_the_server_writes_them_are_read_back(
    sent: list[tuple[str, list[str]]],
) -> None:
    lines = [":)"]
    for name, data in sent:
        lines += [f"event: {name}", *(f"data: {d}" for d in data), "", ":thump"]
    got = [e for e in events(iter(lines)) if e.name != ":"]
    assert got == [Event(name, "\n".join(data)) for name, data in sent]


def test_only_a_mention_notification_rings() -> None:
    assert announces_mention(Event("notification", '{"type": "mention", "id": "5"}'))
    assert not announces_mention(Event("notification", '{"type": "favourite", "id": "5"}'))
    assert not announces_mention(Event("update", '{"id": "5"}'))
    assert announces_mention(Event("notification", "{not json"))  # the poll will tell


def test_a_mention_on_the_stream_rings_and_so_does_connecting(
    server: FakeMastodon, stream: MastodonStream
) -> None:
    stream.start()
    wait_for(lambda: stream.live)
    assert stream.news.is_set(), "connected: read the gap from the cursor"
    stream.news.clear()
    server.state.add_mention("@parcelly my parcel is late")
    wait_for(stream.news.is_set, timeout=2)
    assert server.state.stream_connects == 1


def test_a_dropped_stream_reconnects_with_backoff_and_rings_again(
    server: FakeMastodon, stream: MastodonStream, tries: list[int]
) -> None:
    stream.start()
    wait_for(lambda: stream.live)
    stream.news.clear()
    server.state.stream_status = 503  # the streaming server restarts: refused for a while
    server.state.drop_streams()
    wait_for(lambda: len(tries) >= 4)
    assert not stream.live and tries[:4] == [1, 2, 3, 4]  # 1, 2, 4, 8 s (scaled here)
    server.state.stream_status = 200
    wait_for(lambda: stream.live)
    assert stream.news.is_set() and server.state.stream_connects == 2


def test_a_server_without_streaming_is_said_once_and_not_asked_again_soon(
    server: FakeMastodon, stream: MastodonStream, caplog: pytest.LogCaptureFixture
) -> None:
    server.state.streaming = False
    caplog.set_level(logging.INFO, STREAM_LOG)
    stream.start()
    wait_for(lambda: any("no notification stream" in r.message for r in caplog.records))
    time.sleep(0.3)  # a retry loop would have asked several times by now
    asked = [p for _, p, _ in server.state.requests if p.startswith("/api/v1/streaming")]
    said = [r.message for r in caplog.records if r.name == STREAM_LOG]
    assert len(asked) == 1 and not stream.live
    assert said == [
        "mastodon: the server offers no notification stream (HTTP 404); polling instead,"
        " asking again hourly"
    ]


def test_only_the_leader_streams(server: FakeMastodon, stream: MastodonStream) -> None:
    leads = threading.Event()
    stream.start(leads.is_set)
    time.sleep(0.2)
    assert server.state.stream_connects == 0 and not stream.live
    leads.set()
    wait_for(lambda: stream.live)
    leads.clear()  # leadership lost: gone at the next heartbeat
    wait_for(lambda: not stream.live)
    assert not server.state.streams or server.state.stream_connects == 1


def test_stop_closes_an_open_stream_at_once(server: FakeMastodon) -> None:
    follower = MastodonStream(server.url, "token")
    follower.start()
    wait_for(lambda: follower.live)
    started = time.monotonic()
    follower.stop()
    assert time.monotonic() - started < 1 and not follower.live


def test_the_source_has_news_until_it_polls_from_its_cursor(
    server: FakeMastodon, stream: MastodonStream
) -> None:
    clock = FakeClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    source = MastodonSource(mastodon_client(server.url, "token"), clock, stream=stream)
    cursor = source.poll(None).cursor
    source.start_push(lambda: True)
    wait_for(source.pushing)
    assert source.has_news()
    assert source.poll(cursor).mentions == [] and not source.has_news()
    note = server.state.add_mention("@parcelly where is order 5521?")
    wait_for(source.has_news, timeout=2)
    batch = source.poll(cursor)
    assert not source.has_news()
    assert [m.external_id for m in batch.mentions] == [note["status"]["id"]]
    assert source.poll(batch.cursor).mentions == [], "the cursor moved past it: no double"
    source.stop_push()
    assert not source.pushing()


def test_an_unexpected_error_in_the_stream_thread_is_said_once_and_the_stream_comes_back(
    server: FakeMastodon, stream: MastodonStream, caplog: pytest.LogCaptureFixture
) -> None:
    asked = []

    def leads() -> bool:  # the leadership check breaks twice (a bug, a dropped database)
        asked.append(1)
        if len(asked) <= 2:
            raise RuntimeError("lease unreadable")
        return True

    caplog.set_level(logging.INFO, STREAM_LOG)
    stream.start(leads)
    wait_for(lambda: stream.live)
    failed = [r for r in caplog.records if "stream failed" in r.message]
    assert len(failed) == 1 and stream.news.is_set()


def test_a_flood_of_rings_polls_only_as_often_as_the_allowance_says(
    server: FakeMastodon, stream: MastodonStream
) -> None:
    clock = FakeClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    allowance = PollAllowance(2, 300, clock)
    api = mastodon_client(server.url, "token")
    source = MastodonSource(api, clock, stream=stream, allowance=allowance)
    source.start_push(lambda: True)
    wait_for(source.has_news)
    cursor = source.poll(None).cursor
    server.state.add_mention("@parcelly one")
    wait_for(source.has_news, timeout=2)
    cursor = source.poll(cursor).cursor
    server.state.add_mention("@parcelly two")
    wait_for(stream.news.is_set, timeout=2)
    assert not source.has_news(), "two polls in five minutes: the ring waits"
    clock.advance(seconds=301)
    assert source.has_news()
    assert [m.text for m in source.poll(cursor).mentions] == ["@parcelly two"]
