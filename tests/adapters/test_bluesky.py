"""Bluesky adapter contract tests: the atproto SDK against a local PDS on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from atproto import Client
from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.bluesky._network import (
    SESSION_KEY,
    BlueskyPublisher,
    BlueskySession,
    BlueskySource,
    rkey_for,
)
from bot.adapters.bluesky._parse import (
    lenient_time,
    link_facets,
    mention_from_notification,
    stamp,
)
from bot.adapters.sqlite import SqliteStore
from bot.core.clock import FakeClock
from bot.core.models import Network, OutboxItem, OutboxState
from bot.core.ports import PermanentPublishError
from tests.fakes.fake_bluesky import BRAND_HANDLE, FakeBluesky, did_for, notification

FIXTURES = Path(__file__).parent.parent / "fixtures" / "bluesky"
TID = r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$"


@pytest.fixture
def server() -> Iterator[FakeBluesky]:
    with FakeBluesky() as fake:
        yield fake


def session(server: FakeBluesky, store: SqliteStore) -> BlueskySession:
    return BlueskySession(Client(base_url=server.url), BRAND_HANDLE, "app-password", store, store)


def item(mention_meta: dict[str, str], **changes: Any) -> OutboxItem:
    base = OutboxItem(
        draft_id="d00aa11bb22cc33dd",
        case_id="bluesky:x",
        network=Network.BLUESKY,
        in_reply_to=mention_meta["uri"],
        text="Thanks for the heads-up! Track it at https://help.parcelly.example/delivery 🙂",
        state=OutboxState.PUBLISHING,
        created_at=datetime(2026, 11, 25, 9, tzinfo=UTC),
        meta=mention_meta,
    )
    return base.evolve(**changes)


def test_real_recorded_reply_mention_keeps_its_root_and_parent() -> None:
    note = json.loads(
        (FIXTURES / "notification.mention_reply_facets.real.metricbot.json").read_text()
    )
    mention = mention_from_notification(note)
    assert mention.text == "@metricbot.bsky.social convert please!"
    assert mention.author_handle == "user"
    assert mention.meta["root_uri"].endswith("/3kawzppdvec2y")
    assert mention.meta["uri"].endswith("/3kawzq7r4fg2c")
    assert mention.in_reply_to == mention.meta["root_uri"]
    assert mention.url == "https://bsky.app/profile/user/post/3kawzq7r4fg2c"
    assert mention.created_at == datetime(2023, 10, 4, 18, 10, 32, 705000, tzinfo=UTC)


def test_notifications_become_mentions_with_context_and_a_cursor(
    server: FakeBluesky, store: SqliteStore, clock: FakeClock
) -> None:
    parent = "at://did:plc:x/app.bsky.feed.post/3kparent"
    server.state.add_post(parent, "Ordered a week ago")
    server.state.push(
        notification("@parcelly hello", rkey="3k1", indexed_at="2026-11-25T08:50:00Z")
    )
    server.state.push(
        notification(
            "still waiting",
            rkey="3k2",
            reason="reply",
            indexed_at="2026-11-25T08:51:00Z",
            reply_to=(parent, "bafyx"),
        )
    )
    server.state.push(notification("liked", rkey="3k3", reason="like"))
    real = json.loads((FIXTURES / "listNotifications.mention.real.metricbot.json").read_text())
    server.state.push(real["notifications"][0])
    batch = BlueskySource(session(server, store), clock).poll(None)
    texts = [m.text for m in batch.mentions]
    assert "@parcelly hello" in texts and "still waiting" in texts and "liked" not in texts
    reply = next(m for m in batch.mentions if m.text == "still waiting")
    assert reply.context == ("Ordered a week ago",)
    assert reply.meta["root_uri"] == parent
    assert batch.cursor == "2026-11-25T08:51:00Z"  # the newest taken ("like" is not asked for)


def test_each_authors_followers_come_from_their_profile(
    server: FakeBluesky, store: SqliteStore, clock: FakeClock
) -> None:
    """A notification's author carries no follower count: intake asks getProfiles (the
    recorded answer, its placeholder DIDs swapped for the ones the fake gives)."""
    recorded = json.loads((FIXTURES / "getProfiles.atproto-snapshot.json").read_text())
    for profile in recorded["profiles"]:
        profile["did"] = did_for(profile["handle"])
        server.state.profiles[profile["did"]] = profile
    server.state.profiles[did_for("dan.test")]["followersCount"] = 48_000
    for n, handle in enumerate(("alice.test", "dan.test", "nobody.test")):
        server.state.push(notification(f"post {n}", rkey=f"3k{n}", handle=handle))
    batch = BlueskySource(session(server, store), clock).poll(None)
    followers = {m.author_handle: m.meta.get("followers") for m in batch.mentions}
    assert followers == {"alice.test": "2", "dan.test": "48000", "nobody.test": None}
    asked = [c for c in server.state.calls if c[1] == "app.bsky.actor.getProfiles"]
    assert len(asked) == 1  # one call for the page's authors


def test_without_profiles_intake_goes_on_without_follower_counts(
    server: FakeBluesky, store: SqliteStore, clock: FakeClock
) -> None:
    server.state.push(notification("hello", rkey="3k1", handle="alice.test"))
    server.state.profiles_down = True
    batch = BlueskySource(session(server, store), clock).poll(None)
    assert [m.text for m in batch.mentions] == ["hello"]
    assert "followers" not in batch.mentions[0].meta


def test_the_session_is_created_once_and_reused_after_a_restart(
    server: FakeBluesky, store: SqliteStore, clock: FakeClock
) -> None:
    BlueskySource(session(server, store), clock).poll(None)
    assert store.get_setting(SESSION_KEY)
    for _ in range(3):  # three restarts
        BlueskySource(session(server, store), clock).poll(None)
    assert server.state.sessions_created == 1


def test_an_expired_token_logs_in_again_once(
    server: FakeBluesky, store: SqliteStore, clock: FakeClock
) -> None:
    server.state.push(notification("@parcelly hi", rkey="3k1"))
    source = BlueskySource(session(server, store), clock)
    source.poll(None)
    server.state.expire_access = True
    assert len(source.poll(None).mentions) == 1
    assert server.state.sessions_created == 2


def test_rate_limit_waits_for_the_reset_header(
    server: FakeBluesky, store: SqliteStore, clock: FakeClock
) -> None:
    source = BlueskySource(session(server, store), clock)
    source.poll(None)
    reset = clock.now() + timedelta(minutes=3)
    server.state.rate_limited_reset = int(reset.timestamp())
    batch = source.poll("2026-01-01T00:00:00Z")
    assert batch.notices == [f"bluesky: rate limited until {reset:%H:%M} UTC; intake degraded"]
    assert batch.cursor is None


def test_reply_has_root_parent_link_facet_and_a_deterministic_key(
    server: FakeBluesky, store: SqliteStore, clock: FakeClock
) -> None:
    note = notification(
        "still waiting",
        rkey="3k2",
        reason="reply",
        reply_to=("at://did:plc:r/app.bsky.feed.post/3kroot", "bafyroot"),
    )
    meta = mention_from_notification(note).meta
    publisher = BlueskyPublisher(session(server, store), clock)
    result = publisher.publish(item(meta))
    ((rkey, record),) = server.state.records.items()
    assert rkey == rkey_for("d00aa11bb22cc33dd", datetime(2026, 11, 25, 9, tzinfo=UTC))
    root, parent = record["reply"]["root"], record["reply"]["parent"]
    assert (root["uri"], root["cid"]) == ("at://did:plc:r/app.bsky.feed.post/3kroot", "bafyroot")
    assert (parent["uri"], parent["cid"]) == (meta["uri"], meta["cid"])
    link = record["facets"][0]
    url = "https://help.parcelly.example/delivery"
    start = record["text"].encode().index(url.encode())
    assert (link["index"]["byteStart"], link["index"]["byteEnd"]) == (start, start + len(url))
    assert result.url == f"https://bsky.app/profile/{BRAND_HANDLE}/post/{rkey}"
    again = publisher.publish(item(meta))  # a retry after a crash: refused, found, same post
    assert again == result and len(server.state.records) == 1
    assert publisher.find_existing(item(meta)) == result
    assert publisher.find_existing(item(meta, draft_id="dother")) is None


def test_more_than_300_graphemes_is_refused_before_sending(
    server: FakeBluesky, store: SqliteStore, clock: FakeClock
) -> None:
    meta = mention_from_notification(notification("hi", rkey="3k9")).meta
    with pytest.raises(PermanentPublishError, match="limit 300"):
        BlueskyPublisher(session(server, store), clock).publish(item(meta, text="👍🏽" * 301))
    assert server.state.calls == []


def test_bad_notifications_never_stop_intake(
    server: FakeBluesky, store: SqliteStore, clock: FakeClock
) -> None:
    no_author = notification("who am i", rkey="3k1")
    no_author["author"]["handle"] = ""
    server.state.push(no_author)
    huge = notification("placeholder", rkey="3k2")
    huge["record"]["text"] = "@parcelly " + "مرحبا 🙂 " * 1300  # beyond the lexicon's 3,000
    server.state.push(huge)
    server.state.push({**notification("x", rkey="3k3"), "unknownField": {"a": [1]}})
    batch = BlueskySource(session(server, store), clock).poll(None)
    assert len(batch.mentions) == 2 and len(batch.quarantined) == 1
    assert "author" in batch.quarantined[0].reason


@pytest.mark.parametrize(
    "value",
    [
        "2023-10-04T18:10:32.705Z",
        "2023-10-04T18:10:32.157302Z",
        "2023-10-04T18:10:32.686469251Z",
        "2023-10-04T18:10:32+00:00",
        "2023-07-21T01:33:51.481951",
    ],
)
def test_created_at_formats_seen_in_the_wild_parse(value: str) -> None:
    assert lenient_time(value).tzinfo is not None


@given(
    st.text(max_size=20),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
)
def test_record_keys_are_valid_tids(draft_id: str, when: datetime) -> None:
    import re

    key = rkey_for(draft_id, when.replace(tzinfo=UTC))
    assert re.match(TID, key)
    assert key == rkey_for(draft_id, when.replace(tzinfo=UTC))


@given(st.text(max_size=40), st.sampled_from(["https://a.example/x", "http://b.example/ä?q=1"]))
def test_link_facets_point_at_the_link_bytes(prefix: str, url: str) -> None:
    text = f"{prefix} {url} ok"
    facet = link_facets(text)[-1]
    raw = text.encode()
    assert raw[facet["index"]["byteStart"] : facet["index"]["byteEnd"]].decode() == url


def test_a_notification_the_sdk_model_refuses_is_quarantined_alone(
    server: FakeBluesky, store: SqliteStore, clock: FakeClock
) -> None:
    """One odd notification used to fail the SDK's model of the whole page, every poll."""
    server.state.push(notification("older and fine", rkey="3k1"))
    spoilt = {
        "3k2": lambda n: n.update(author=["a", "b"]),
        "3k3": lambda n: n.update(uri=5),
        "3k4": lambda n: n["record"].update(text={"t": 1}),
        "3k5": lambda n: n["author"].update(handle="sam\u202eevil"),
    }
    for rkey, spoil in spoilt.items():
        note = notification("odd", rkey=rkey, indexed_at="2026-11-25T08:56:00.000Z")
        spoil(note)
        server.state.push(note)
    server.state.push(
        notification("newest and fine", rkey="3k6", indexed_at="2026-11-25T08:57:00.000Z")
    )
    batch = BlueskySource(session(server, store), clock).poll(None)
    assert [m.text for m in batch.mentions] == ["older and fine", "newest and fine"]
    assert sorted(q.reason for q in batch.quarantined) == [
        "bad notification: author contains invisible formatting at 3",
        "bad notification: notification without an author",
        "bad notification: text must be text, not an object",
        "bad notification: uri is not text (int)",
    ]
    assert batch.cursor == "2026-11-25T08:57:00.000Z"  # past them all


def sign_ins(server: FakeBluesky) -> int:
    return sum(nsid == "com.atproto.server.createSession" for _, nsid in server.state.calls)


def test_a_refused_app_password_backs_off_says_so_the_same_way_and_recovers(
    server: FakeBluesky, store: SqliteStore, clock: FakeClock
) -> None:
    """A wrong password used to make a createSession call on every poll (28 in 28 s)."""
    server.state.password = "the-one-set-on-bluesky"  # careops has "app-password"
    client = Client(base_url=server.url)
    source = BlueskySource(
        BlueskySession(client, BRAND_HANDLE, "app-password", store, store, clock=clock), clock
    )
    notices: list[str] = []
    for _ in range(24 * 60):  # a day of polls, one a minute
        notices += source.poll(None).notices
        clock.advance(minutes=1)
    # after 1, 2, 4 ... 32 minutes, then hourly: 7 in the first two hours, 22 after them
    assert sign_ins(server) == 29
    assert set(notices) == {source.session.backoff.notice}
    assert "BLUESKY_APP_PASSWORD" in notices[0] and "app-password" not in notices[0]
    server.state.password = "app-password"  # the account accepts it again
    server.state.push(
        notification("@parcelly anyone there?", rkey="3k1", indexed_at=stamp(clock.now()))
    )
    seen: list[str] = []
    for _ in range(60):
        batch = source.poll(None)
        seen += batch.notices
        if batch.mentions:
            break
        clock.advance(minutes=1)
    assert [m.text for m in batch.mentions] == ["@parcelly anyone there?"]
    assert seen[-1] == "bluesky: signed in again; intake resumed"  # within the hour
    assert set(seen[:-1]) <= {source.session.backoff.notice}  # until the next try
    assert sign_ins(server) == 30


def test_restarts_never_sign_in_more_often_than_bluesky_allows(
    server: FakeBluesky, store: SqliteStore, clock: FakeClock
) -> None:
    """A process restarted over and over (each restart tries once at once) still stays
    within 30 createSession calls in 5 minutes: the calls are written down in the store."""
    server.state.password = "the-one-set-on-bluesky"
    refusals = []
    for _ in range(40):  # 40 restarts in 4 minutes
        session = BlueskySession(
            Client(base_url=server.url), BRAND_HANDLE, "app-password", store, store, clock=clock
        )
        refusals += BlueskySource(session, clock).poll(None).notices
        clock.advance(seconds=6)
    assert sign_ins(server) == 25
    assert "waits until 09:05 UTC to stay within Bluesky's limits" in refusals[-1]
