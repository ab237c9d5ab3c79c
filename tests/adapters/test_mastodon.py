"""Mastodon adapter contract tests: Mastodon.py against a local server built from recordings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from mastodon import MastodonRatelimitError

from bot.adapters.mastodon._network import (
    MastodonPublisher,
    MastodonSource,
    html_to_text,
    mastodon_client,
    mention_from_notification,
)
from bot.adapters.sqlite import SqliteStore
from bot.core.clock import FakeClock
from bot.core.models import Network, OutboxItem, OutboxState
from bot.core.ports import PermanentPublishError
from tests.fakes.fake_mastodon import FakeMastodon

FIXTURES = Path(__file__).parent.parent / "fixtures" / "mastodon"


@pytest.fixture
def server() -> Iterator[FakeMastodon]:
    with FakeMastodon() as fake:
        yield fake


def source(server: FakeMastodon, clock: FakeClock, **kw: Any) -> MastodonSource:
    return MastodonSource(mastodon_client(server.url, "token"), clock, **kw)


def reply_item(note: dict[str, Any], **changes: Any) -> OutboxItem:
    mention = mention_from_notification(note)
    base = OutboxItem(
        draft_id="d0123456789abcdef",
        case_id=mention.case_id,
        network=Network.MASTODON,
        in_reply_to=mention.external_id,
        text="Thanks for telling us! Track it here: https://help.parcelly.example/delivery",
        state=OutboxState.PUBLISHING,
        created_at=datetime(2026, 11, 25, 9, tzinfo=UTC),
        meta=dict(mention.meta),
    )
    return base.evolve(**changes)


def test_recorded_notification_becomes_a_mention() -> None:
    recorded = json.loads((FIXTURES / "test_notifications_mentions_only.json").read_text())
    note = recorded[2]["response"]["body"]  # GET /api/v1/notifications/21, as the server sent it
    mention = mention_from_notification(note)
    assert mention.external_id == "117020577157693549"
    assert mention.author_handle == "admin"
    assert mention.text == "@mastodonpy_test hello!"
    assert mention.created_at == datetime(2026, 8, 1, 13, 51, 42, 823000, tzinfo=UTC)
    assert mention.meta == {
        "visibility": "public", "acct": "admin", "notification_id": "21", "followers": "1"
    }  # fmt: skip
    assert mention.url == "http://localhost:3000/@admin/117020577157693549"


@pytest.mark.parametrize("count", ["1", 1.5, True, -3, None])
def test_a_follower_count_that_is_not_a_whole_number_is_left_out(count: object) -> None:
    recorded = json.loads((FIXTURES / "test_notifications_mentions_only.json").read_text())
    note = recorded[2]["response"]["body"]
    note["status"]["account"]["followers_count"] = count
    assert "followers" not in mention_from_notification(note).meta


def test_mentions_arrive_with_their_thread_and_the_cursor_follows(
    server: FakeMastodon, clock: FakeClock
) -> None:
    parent = server.state.status("Where is my parcel?", acct="ana@social.example")
    server.state.add_mention("@parcelly still nothing &lt;3", in_reply_to_id=parent["id"])
    note = server.state.add_mention("@parcelly hi", acct="bo@x.example", visibility="direct")
    batch = source(server, clock).poll(None)
    assert [m.author_handle for m in batch.mentions] == ["admin", "bo@x.example"]
    assert batch.mentions[0].context == ("Where is my parcel?",)
    assert batch.mentions[0].text == "@parcelly still nothing &lt;3"
    assert batch.mentions[1].meta["visibility"] == "direct"
    assert batch.cursor == note["id"]
    asked = [p for m, p, _ in server.state.requests if p == "/api/v1/notifications"]
    assert asked


def test_after_an_outage_the_gap_is_read_oldest_first(
    server: FakeMastodon, clock: FakeClock
) -> None:
    first = server.state.add_mention("@parcelly one")
    src = source(server, clock)
    cursor = src.poll(None).cursor
    assert cursor == first["id"]
    for i in range(90):  # more than two pages while we were down
        server.state.add_mention(f"@parcelly gap {i}")
    batch = src.poll(cursor)
    assert [m.text for m in batch.mentions] == [f"@parcelly gap {i}" for i in range(90)]
    assert batch.cursor == server.state.notifications[-1]["id"]
    assert src.poll(batch.cursor).mentions == []


def test_a_429_is_waited_out_and_reported(server: FakeMastodon, clock: FakeClock) -> None:
    server.state.add_mention("@parcelly one")
    reset = clock.now() + timedelta(minutes=4)
    server.state.rate_limited_until = reset.isoformat()
    src = source(server, clock)
    with pytest.raises(MastodonRatelimitError):
        src.api.notifications()  # what Mastodon.py does on 429 with ratelimit_method="throw"
    batch = src.poll("1")
    assert batch.mentions == [] and batch.cursor == "1"
    assert batch.notices and "rate limited until" in batch.notices[0]
    server.state.rate_limited_until = None
    calls = len(server.state.requests)
    src.poll("1")
    assert len(server.state.requests) == calls  # still inside the window: no call made


def test_reply_keeps_visibility_names_the_customer_and_sends_the_key(
    server: FakeMastodon,
) -> None:
    note = server.state.add_mention("@parcelly my order?", acct="bo@x.example", visibility="direct")
    result = MastodonPublisher(mastodon_client(server.url, "token")).publish(reply_item(note))
    reply = server.state.statuses[result.remote_id]
    assert reply["in_reply_to_id"] == note["status"]["id"]
    assert reply["visibility"] == "direct"
    assert html_to_text(reply["content"]).startswith("@bo@x.example Thanks for telling us!")
    post = next(h for m, p, h in server.state.requests if m == "POST")
    assert post["idempotency-key"] == "d0123456789abcdef"


def test_the_same_key_twice_posts_once(server: FakeMastodon) -> None:
    note = server.state.add_mention("@parcelly help")
    publisher = MastodonPublisher(mastodon_client(server.url, "token"))
    first = publisher.publish(reply_item(note))
    second = publisher.publish(reply_item(note))
    assert first.remote_id == second.remote_id
    assert len(server.state.replies()) == 1


def test_find_existing_reads_our_recent_statuses(server: FakeMastodon) -> None:
    note = server.state.add_mention("@parcelly help")
    other = server.state.add_mention("@parcelly other")
    publisher = MastodonPublisher(mastodon_client(server.url, "token"))
    assert publisher.find_existing(reply_item(note)) is None
    sent = publisher.publish(reply_item(other))
    found = publisher.find_existing(reply_item(other))
    assert found is not None and found.remote_id == sent.remote_id
    assert publisher.find_existing(reply_item(note)) is None


def test_deleted_parent_is_a_permanent_refusal(server: FakeMastodon) -> None:
    note = server.state.add_mention("@parcelly help")
    server.state.statuses.pop(note["status"]["id"])
    publisher = MastodonPublisher(mastodon_client(server.url, "token"))
    with pytest.raises(PermanentPublishError, match="gone"):
        publisher.publish(reply_item(note))


def test_bad_notifications_are_quarantined_and_intake_goes_on(
    server: FakeMastodon, clock: FakeClock, store: SqliteStore
) -> None:
    broken = server.state.add_mention("@parcelly gone")
    broken["status"] = None  # the status was deleted after the notification
    no_author = server.state.add_mention("@parcelly who")
    no_author["status"]["account"]["acct"] = ""
    server.state.add_mention("@parcelly " + "مرحبا 🙂 " * 1400)
    server.state.add_mention("@parcelly fine", acct="ok")
    batch = source(server, clock, usage=store).poll(None)
    assert [m.author_handle for m in batch.mentions] == ["admin", "ok"]
    assert len(batch.mentions[0].text) > 10_000
    assert [q.reason for q in batch.quarantined] == [
        "bad notification: notification without a status (deleted?)",
        "bad notification: status without an author",
    ]
    assert store.usage_since("2000-01-01")[0].count == 1


def test_html_to_text_keeps_line_breaks_and_entities() -> None:
    assert html_to_text("<p>a &amp; b<br>c</p><p>d</p>") == "a & b\nc\n\nd"


def test_wrong_types_from_the_server_are_quarantined_not_coerced_and_the_cursor_moves(
    server: FakeMastodon, clock: FakeClock
) -> None:
    # (Mastodon.py itself turns a text field of another type into text, e.g. content 5
    # into "5", before careops sees it; these are what reach careops as sent.)
    junk = {
        "account": lambda s: s.update(account=["a", "b"]),
        "id": lambda s: s.update(id=1.5),
        "created_at": lambda s: s.update(created_at="yesterday"),
        "in_reply_to_id": lambda s: s.update(in_reply_to_id={"id": "1"}),
    }
    for name, spoil in junk.items():
        spoil(server.state.add_mention(f"@parcelly {name} is odd")["status"])
    last = server.state.add_mention("@parcelly this one is fine", acct="ok")
    batch = source(server, clock, with_context=False).poll("1")
    assert [m.author_handle for m in batch.mentions] == ["ok"]
    assert len(batch.quarantined) == len(junk)
    assert all(q.reason.startswith("bad notification: ") for q in batch.quarantined)
    assert batch.cursor == last["id"]  # past every bad one: the next poll starts after them


def test_notification_ids_of_other_servers_sort_and_junk_ids_are_quarantined(
    clock: FakeClock,
) -> None:
    class Server:  # a GoToSocial-like page: ULIDs, one notification with no usable id
        def notifications(self, **params: Any) -> list[dict[str, Any]]:
            recorded = json.loads((FIXTURES / "test_notifications_mentions_only.json").read_text())
            status = recorded[2]["response"]["body"]["status"]
            return [
                {"id": "01HQ00000000000000000000B2", "type": "mention", "status": status},
                {"id": ["no"], "type": "mention", "status": status},
                {"id": "01HQ00000000000000000000A1", "type": "follow"},
            ]

    batch = MastodonSource(Server(), clock, with_context=False).poll(None)  # type: ignore[arg-type]
    assert batch.cursor == "01HQ00000000000000000000B2"
    assert len(batch.mentions) == 1
    assert [q.reason for q in batch.quarantined] == [
        "bad notification: notification id is not an id (\"['no']\")"
    ]


def test_a_refused_token_backs_off_says_so_the_same_way_and_recovers(
    server: FakeMastodon, clock: FakeClock
) -> None:
    server.state.token = "a-new-token"  # careops still has "token"
    polls = source(server, clock)
    notices: list[str] = []
    for _ in range(120):  # two hours of polls, one a minute
        notices += polls.poll("1").notices
        clock.advance(minutes=1)
    asked = [path for _, path, _ in server.state.requests if path == "/api/v1/notifications"]
    assert len(asked) == 7  # at 0, 1, 3, 7, 15, 31 and 63 minutes
    assert set(notices) == {polls.auth.notice} and "MASTODON_ACCESS_TOKEN" in notices[0]
    server.state.token = "token"  # the token works again
    server.state.add_mention("@parcelly hello?")
    for _ in range(61):  # the next try is at most an hour away
        if (batch := polls.poll("1")).mentions:
            break
        clock.advance(minutes=1)
    assert batch.notices == ["mastodon: signed in again; intake resumed"] and batch.mentions
