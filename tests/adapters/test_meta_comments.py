"""Facebook Page and Instagram comments: recorded and documented objects, intake by
polling and by webhook deliveries against a local Graph API, replies exactly once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.adapters.meta import (
    CommentPublisher,
    CommentSource,
    GraphClient,
    WebhookInbox,
    facebook_account,
    instagram_account,
)
from bot.adapters.meta._comments import facebook_mention, instagram_mention
from bot.adapters.meta._webhooks import changes
from bot.core.clock import FakeClock
from bot.core.models import Network, OutboxItem, OutboxState
from bot.core.ports import PermanentPublishError, PublishLater
from tests.fakes.fake_graph import (
    IG_ID,
    PAGE_ID,
    FakeGraph,
    instagram_delivery,
    page_delivery,
)
from tests.fakes.graph_http import FIXTURES

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
REPLY = "Thanks for telling us, Deborah! DM us the order number: https://help.parcelly.example/"


def recorded(name: str) -> Any:
    return json.loads((FIXTURES / "meta" / name).read_text())


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph() as fake:
        yield fake


def client(graph: FakeGraph, clock: FakeClock) -> GraphClient:
    return GraphClient(graph.url, "token", Network.FACEBOOK, clock, sleep=lambda s: None)


def facebook(graph: FakeGraph, clock: FakeClock, **kw: Any) -> CommentSource:
    return CommentSource(client(graph, clock), clock, facebook_account(PAGE_ID), **kw)


def instagram(graph: FakeGraph, clock: FakeClock, **kw: Any) -> CommentSource:
    return CommentSource(client(graph, clock), clock, instagram_account(IG_ID), **kw)


# --- recorded and documented objects ----------------------------------------------------------


def test_recorded_page_comments_without_an_author_are_quarantined_with_the_permission_named(
    graph: FakeGraph, clock: FakeClock
) -> None:
    """The recorded page asked for no `from`: Meta leaves it out, as it does for a token
    without pages_read_user_content. Such a comment cannot be answered by name."""
    with pytest.raises(ValueError, match="pages_read_user_content"):
        facebook_mention(recorded("page_post_comments.json")["data"][0], "19292868552_1")


def test_a_page_comment_and_a_reply_in_its_thread(graph: FakeGraph, clock: FakeClock) -> None:
    top = graph.state.add_comment("Still no sign of my parcel", at=NOW)
    reply = graph.state.add_comment(
        "me neither", author=("7", "Rahul Mehta"), at=NOW, parent=top["id"]
    )
    first, second = (facebook_mention(c, graph.state.posts[0]["id"]) for c in (top, reply))
    assert (first.author_handle, first.author_name) == ("7381920456612309", "Deborah Mills")
    assert first.url == top["permalink_url"] and first.meta["reply_to"] == top["id"]
    assert second.in_reply_to == top["id"] and second.meta["reply_to"] == top["id"]
    assert first.conversation_id == second.conversation_id == graph.state.posts[0]["id"]


def test_a_recorded_instagram_comment_becomes_a_mention() -> None:
    mention = instagram_mention(recorded("ig_comment.json"))
    assert (mention.case_id, mention.author_handle) == ("instagram:17892250648466172", "ikroskun")
    assert mention.created_at == datetime(2020, 2, 24, 9, 15, 16, tzinfo=UTC)
    assert mention.meta["reply_to"] == "17892250648466172" and mention.in_reply_to is None


def test_the_documented_webhook_deliveries_name_their_comments() -> None:
    [(page, change)] = changes(json.dumps(recorded("webhook_page_feed_comment.json")), "page")
    assert page == "137542570280222" and change["value"]["comment_id"].endswith("_139620233405726")
    assert (change["value"]["item"], change["value"]["verb"]) == ("comment", "add")
    body = json.dumps(recorded("webhook_instagram_comment.json"))
    [(account, comment)] = changes(body, "instagram")
    assert (account, comment["field"], comment["value"]["id"]) == (
        "17841400000000002", "comments", "17865799348089039",
    )  # fmt: skip
    assert changes(body, "page") == []  # another object's delivery is not ours


# --- intake by polling --------------------------------------------------------------------------


def test_polling_takes_each_new_comment_once_and_never_the_brands_own(
    graph: FakeGraph, clock: FakeClock
) -> None:
    state = graph.state
    first = state.add_comment(
        "Still no sign of my parcel, order PX-50231", at=NOW - timedelta(hours=1)
    )
    state.add_comment("So sorry! DM us?", author=(PAGE_ID, "Parcelly"), at=NOW, parent=first["id"])
    src = facebook(graph, clock)
    batch = src.poll(None)
    assert [m.external_id for m in batch.mentions] == [first["id"]]
    again = src.poll(batch.cursor)
    assert again.mentions == [] and again.quarantined == []
    clock.advance(timedelta(minutes=3))
    late = state.add_comment(
        "any news?", author=("8", "Alan Pike"), at=clock.now(), parent=first["id"]
    )
    [mention] = src.poll(again.cursor).mentions
    assert mention.external_id == late["id"] and mention.meta["reply_to"] == first["id"]


def test_a_first_poll_reads_the_last_day_and_no_further(graph: FakeGraph, clock: FakeClock) -> None:
    graph.state.add_comment("old", at=NOW - timedelta(days=2))
    graph.state.add_comment("today", at=NOW - timedelta(hours=20))
    assert [m.text for m in facebook(graph, clock).poll(None).mentions] == ["today"]


def test_instagram_comments_and_their_replies(graph: FakeGraph, clock: FakeClock) -> None:
    state = graph.state
    top = state.add_ig_comment("how long to Canada?", at=NOW - timedelta(minutes=9))
    state.add_ig_comment(
        "and to the US?", username="benji_runs", at=NOW - timedelta(minutes=5), parent=top["id"]
    )
    state.add_ig_comment("Thanks for asking!", username="parcelly", at=NOW, parent=top["id"])
    mentions = instagram(graph, clock).poll(None).mentions
    assert [(m.author_handle, m.meta["reply_to"]) for m in mentions] == [
        ("sofia.draws", top["id"]), ("benji_runs", top["id"]),
    ]  # fmt: skip
    assert mentions[0].url.startswith(state.media[0]["permalink"])


def test_a_bad_comment_is_quarantined_and_the_rest_go_on(
    graph: FakeGraph, clock: FakeClock
) -> None:
    good = graph.state.add_comment("where is it?", at=NOW)
    bad = graph.state.add_comment("hi", at=NOW)
    graph.state.comments[bad["id"]]["from"] = ["not", "an", "author"]
    batch = facebook(graph, clock).poll(None)
    assert [m.external_id for m in batch.mentions] == [good["id"]]
    assert "has no author" in batch.quarantined[0].reason


# --- intake by webhook --------------------------------------------------------------------------


def test_a_webhook_delivery_becomes_a_case_at_once_and_the_safety_net_does_not_double_it(
    graph: FakeGraph, clock: FakeClock
) -> None:
    inbox = WebhookInbox(":memory:")
    src = facebook(graph, clock, inbox=inbox, safety_net=timedelta(minutes=5))
    cursor = src.poll(None).cursor  # first poll: the safety net reads the feed
    comment = graph.state.add_comment("my parcel is lost", at=NOW)
    inbox.add(json.dumps(page_delivery(comment, graph.state.posts[0]["id"])))
    clock.advance(timedelta(seconds=5))
    feed_calls = len(graph.state.server.calls_to("GET", "feed"))
    batch = src.poll(cursor)
    assert [m.external_id for m in batch.mentions] == [comment["id"]]
    assert len(graph.state.server.calls_to("GET", "feed")) == feed_calls  # not due yet
    clock.advance(timedelta(minutes=5))
    later = src.poll(batch.cursor)
    assert (
        later.mentions == [] and len(graph.state.server.calls_to("GET", "feed")) == feed_calls + 1
    )


def test_a_delivery_stored_before_the_first_poll_is_read_by_it(
    graph: FakeGraph, clock: FakeClock
) -> None:
    inbox = WebhookInbox(":memory:")
    graph.state.feed_hidden = True  # only the delivery names this comment
    comment = graph.state.add_comment("where is my parcel", at=NOW)
    inbox.add(json.dumps(page_delivery(comment, graph.state.posts[0]["id"])))
    src = facebook(graph, clock, inbox=inbox, safety_net=timedelta(minutes=5))
    assert [m.external_id for m in src.poll(None).mentions] == [comment["id"]]


def test_a_new_delivery_is_news_until_a_poll_reads_it(graph: FakeGraph, clock: FakeClock) -> None:
    inbox = WebhookInbox(":memory:")
    src = facebook(graph, clock, inbox=inbox, safety_net=timedelta(minutes=5))
    cursor = src.poll(None).cursor
    assert not src.has_news()  # the network's rhythm decides the next poll
    comment = graph.state.add_comment("my parcel is lost", at=NOW)
    inbox.add(json.dumps(page_delivery(comment, graph.state.posts[0]["id"])))
    assert src.has_news()  # the tick polls this source now, whatever its rhythm says
    src.poll(cursor)
    assert not src.has_news()
    assert not facebook(graph, clock).has_news()  # no webhooks: polling alone


def test_deliveries_of_likes_other_objects_the_brand_or_deleted_comments_make_no_case(
    graph: FakeGraph, clock: FakeClock
) -> None:
    inbox = WebhookInbox(":memory:")
    src = facebook(graph, clock, inbox=inbox, safety_net=timedelta(hours=1))
    cursor = src.poll(None).cursor
    post = graph.state.add_post()
    like = page_delivery(graph.state.add_comment("x", post=post, at=NOW), post)
    like["entry"][0]["changes"][0]["value"].update(item="reaction")
    own = page_delivery(
        graph.state.add_comment("x", post=post, author=(PAGE_ID, "P"), at=NOW), post
    )
    gone = graph.state.add_comment("deleted soon", post=post, at=NOW)
    deleted = page_delivery(gone, post)
    del graph.state.comments[gone["id"]]
    other = instagram_delivery(graph.state.add_ig_comment("x", at=NOW), graph.state.media[0]["id"])
    for body in (like, own, deleted, other):
        inbox.add(json.dumps(body))
    batch = src.poll(cursor)
    assert batch.mentions == [] and batch.quarantined == [] and batch.notices == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json at all", "bad webhook delivery"),
        (json.dumps({"object": "page", "entry": [{"id": PAGE_ID}]}), "without a changes list"),
        (
            json.dumps(
                {
                    "object": "page",
                    "entry": [
                        {
                            "id": PAGE_ID,
                            "changes": [
                                {"field": "feed", "value": {"item": "comment", "verb": "add"}}
                            ],
                        }
                    ],
                }
            ),
            "without a comment id",
        ),
    ],
)
def test_a_bad_delivery_is_quarantined_and_the_next_one_goes_on(
    graph: FakeGraph, clock: FakeClock, body: str, reason: str
) -> None:
    inbox = WebhookInbox(":memory:")
    src = facebook(graph, clock, inbox=inbox, safety_net=timedelta(hours=1))
    cursor = src.poll(None).cursor
    inbox.add(body)
    comment = graph.state.add_comment("where is my parcel?", at=NOW)
    inbox.add(json.dumps(page_delivery(comment, graph.state.posts[0]["id"])))
    batch = src.poll(cursor)
    assert reason in batch.quarantined[0].reason and len(batch.quarantined) == 1
    assert [m.external_id for m in batch.mentions] == [comment["id"]]
    assert src.poll(batch.cursor).quarantined == []


def test_an_instagram_delivery_is_fetched_by_id(graph: FakeGraph, clock: FakeClock) -> None:
    inbox = WebhookInbox(":memory:")
    src = instagram(graph, clock, inbox=inbox, safety_net=timedelta(hours=1))
    cursor = src.poll(None).cursor
    comment = graph.state.add_ig_comment("wrong size again", at=NOW)
    inbox.add(json.dumps(instagram_delivery(comment, graph.state.media[0]["id"])))
    [mention] = src.poll(cursor).mentions
    assert (mention.external_id, mention.created_at) == (comment["id"], NOW)


# --- usage headers ----------------------------------------------------------------------------


def test_high_usage_slows_the_safety_net_and_near_the_limit_stops_every_call(
    graph: FakeGraph, clock: FakeClock
) -> None:
    src = facebook(graph, clock)
    graph.state.server.app_usage = {"call_count": 80, "total_cputime": 10, "total_time": 10}
    cursor = src.poll(None).cursor
    calls = len(graph.state.server.calls)
    clock.advance(timedelta(minutes=5))
    src.poll(cursor)
    assert len(graph.state.server.calls) == calls  # 80%: the poll waits 10 minutes
    clock.advance(timedelta(minutes=5))
    graph.state.server.buc_usage = {
        PAGE_ID: [{"type": "pages", "call_count": 97, "estimated_time_to_regain_access": 12}]
    }
    src.poll(cursor)
    calls = len(graph.state.server.calls)
    stopped = src.poll(cursor)
    assert "97%" in stopped.notices[0] and len(graph.state.server.calls) == calls


# --- replies ------------------------------------------------------------------------------------


def item(mention: Any, text: str = REPLY, attempts: int = 1) -> OutboxItem:
    return OutboxItem(
        draft_id="d0123456789abcdef",
        case_id=mention.case_id,
        network=mention.network,
        in_reply_to=mention.external_id,
        text=text,
        state=OutboxState.PUBLISHING,
        created_at=NOW,
        attempts=attempts,
        meta=dict(mention.meta),
    )


def test_a_facebook_reply_goes_under_the_thread_once_even_when_retried(
    graph: FakeGraph, clock: FakeClock
) -> None:
    top = graph.state.add_comment("Still no sign of my parcel", at=NOW - timedelta(minutes=3))
    reply = graph.state.add_comment("me too", author=("7", "R"), at=NOW, parent=top["id"])
    mention = facebook_mention(reply, graph.state.posts[0]["id"])
    pub = CommentPublisher(client(graph, clock), clock, facebook_account(PAGE_ID))
    assert pub.find_existing(item(mention)) is None
    result = pub.publish(item(mention))
    [sent] = graph.state.page_replies()
    assert sent["parent"]["id"] == top["id"] and sent["message"] == REPLY
    assert (result.remote_id, result.url) == (sent["id"], sent["permalink_url"])
    again = pub.publish(item(mention, attempts=2))  # careops never heard the first answer
    assert again == result and len(graph.state.page_replies()) == 1
    assert pub.find_existing(item(mention)) == result


def test_a_brand_comment_with_other_words_is_not_taken_for_the_reply(
    graph: FakeGraph, clock: FakeClock
) -> None:
    """In a shared thread it may answer someone else: only the draft's words count."""
    top = graph.state.add_comment("lost parcel", at=NOW - timedelta(minutes=3))
    graph.state.add_comment("DM us!", author=(PAGE_ID, "Parcelly"), at=NOW, parent=top["id"])
    pub = CommentPublisher(client(graph, clock), clock, facebook_account(PAGE_ID))
    mention = facebook_mention(top, graph.state.posts[0]["id"])
    assert pub.find_existing(item(mention)) is None


def test_an_instagram_reply_is_a_reply_to_the_top_comment_found_again_after_a_crash(
    graph: FakeGraph, clock: FakeClock
) -> None:
    top = graph.state.add_ig_comment("how long to Canada?", at=NOW - timedelta(minutes=1))
    mention = instagram_mention(graph.state._shown(top["id"]))
    pub = CommentPublisher(client(graph, clock), clock, instagram_account(IG_ID))
    result = pub.publish(item(mention, text="Thanks! About 5 days: https://help.parcelly.example/"))
    [sent] = graph.state.ig_replies()
    assert sent["parent_id"] == top["id"] and result.remote_id == sent["id"]
    found = pub.find_existing(
        item(mention, text="Thanks! About 5 days: https://help.parcelly.example/")
    )
    assert found is not None and found.remote_id == sent["id"]


def test_replies_wait_for_the_rate_limit_and_fail_for_good_on_a_deleted_comment(
    graph: FakeGraph, clock: FakeClock
) -> None:
    top = graph.state.add_comment("hello", at=NOW)
    mention = facebook_mention(top, graph.state.posts[0]["id"])
    pub = CommentPublisher(client(graph, clock), clock, facebook_account(PAGE_ID))
    graph.state.server.rate_limited = True
    later = pub.publish(item(mention))
    assert isinstance(later, PublishLater) and later.not_before == NOW + timedelta(minutes=10)
    graph.state.server.rate_limited = False
    clock.advance(timedelta(minutes=10))
    del graph.state.comments[top["id"]]
    with pytest.raises(PermanentPublishError, match="Facebook refused the reply"):
        pub.publish(item(mention))
    with pytest.raises(PermanentPublishError, match="limit 2200"):
        CommentPublisher(client(graph, clock), clock, instagram_account(IG_ID)).publish(
            item(mention, text="x" * 2201).evolve(network=Network.INSTAGRAM)
        )


def test_recorded_instagram_comments_asked_without_username_name_no_author(
    graph: FakeGraph, clock: FakeClock
) -> None:
    """The recording asked only for timestamp and text: such a comment cannot be answered
    to anyone, so it is refused with the reason, never guessed."""
    for comment in recorded("ig_media_comments.json")["data"]:
        with pytest.raises(ValueError, match="author must be text, not null"):
            instagram_mention(comment)
