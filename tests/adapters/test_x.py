"""X adapter contract tests: tweepy driven through a session that serves recorded API v2 bodies."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import tweepy
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.sqlite import SqliteStore
from bot.adapters.x import XMeter, XPublisher, XSource, x_client
from bot.adapters.x._network import TimeoutSession
from bot.adapters.x._parse import comparable, parse_page
from bot.config import Settings
from bot.core.clock import FakeClock
from bot.core.models import Network, OutboxItem, OutboxState
from bot.core.ports import PermanentPublishError
from bot.core.x_costs import XPrices
from tests.fakes.fake_x import Call, FakeX, recorded, replay

FIXTURES = Path(__file__).parent.parent / "fixtures" / "x"
BRAND_ID, BRAND = "17200003", "snowman"  # the account mentioned in search_tweets_query.json
MENTIONS = f"GET /2/users/{BRAND_ID}/mentions"
PRICES = XPrices()


def body(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def make(fake: FakeX, clock: FakeClock, store: SqliteStore | None = None, **kw: Any) -> XSource:
    client = x_client("bearer", None, None, None, None, session=fake.session())
    meter = XMeter(store, PRICES, clock)
    return XSource(client, clock, user_id=BRAND_ID, username=BRAND, meter=meter, **kw)


def publisher(
    fake: FakeX, store: SqliteStore | None = None, clock: FakeClock | None = None
) -> XPublisher:
    client = x_client(None, "key", "secret", "token", "token-secret", session=fake.session())
    meter = XMeter(store, PRICES, clock or FakeClock())
    return XPublisher(client, user_id=BRAND_ID, username=BRAND, meter=meter)


def item(**changes: Any) -> OutboxItem:
    base = OutboxItem(
        draft_id="dabc",
        case_id="x:1276035977375477760",
        network=Network.X,
        in_reply_to="1276035977375477760",
        text="Thanks for flagging this! Here is what to try: https://help.parcelly.example/app",
        state=OutboxState.PUBLISHING,
        created_at=datetime(2026, 11, 25, 9, tzinfo=UTC),
        meta={"summoned": "true"},
    )
    return base.evolve(**changes)


def parse_mentions(page: dict[str, Any]) -> Any:
    """A mentions page (not listening) as the brand account parses it."""
    return parse_page(
        page,
        brand_id=BRAND_ID,
        brand_username=BRAND,
        listening=False,
        at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_recorded_mentions_without_authors_are_quarantined_and_the_cursor_moves(
    clock: FakeClock,
) -> None:
    """The real cassette asked for no expansions: no author, so no case, but no crash either."""
    cassette = recorded(str(FIXTURES / "get_users_mentions.json"))[0]
    fake = FakeX()
    fake.on(MENTIONS, [replay(cassette)])
    batch = make(fake, clock).poll(None)
    assert batch.mentions == []
    assert len(batch.quarantined) == 10
    assert all("missing author" in q.reason for q in batch.quarantined)
    assert json.loads(batch.cursor or "")["mentions"]["since"] == "1578516295611748353"


def test_mentions_with_expansions_become_mentions_with_parent_context(clock: FakeClock) -> None:
    fake = FakeX()
    fake.on(MENTIONS, [(200, {}, body("search_tweets_query.json"))])
    batch = make(fake, clock).poll(None)
    call = fake.calls[0]
    assert "author_id" in call.params["expansions"]
    assert "referenced_tweets.id" in call.params["expansions"]
    assert "conversation_id" in call.params["tweet.fields"]
    first = batch.mentions[0]
    assert first.external_id == "1276035977375477760"
    assert first.author_handle == "happycamper"
    assert first.in_reply_to == "1275653067283759104"
    assert first.context and first.context[0].startswith("@happycamper Wait, when I try that")
    assert first.summoned is True
    assert first.url == "https://x.com/happycamper/status/1276035977375477760"
    assert first.created_at == datetime(2020, 6, 25, 6, 14, 19, tzinfo=UTC)


def test_second_poll_asks_since_the_newest_id(clock: FakeClock) -> None:
    fake = FakeX()
    fake.on(MENTIONS, [(200, {}, body("search_tweets_query.json")), (200, {}, {"meta": {}})])
    source = make(fake, clock)
    first = source.poll(None)
    second = source.poll(first.cursor)
    assert fake.calls[1].params["since_id"] == "1276035977375477760"
    assert second.mentions == []
    assert json.loads(second.cursor or "")["mentions"]["since"] == "1276035977375477760"


def test_listening_results_that_do_not_address_the_brand_are_not_summoned(
    clock: FakeClock,
) -> None:
    fake = FakeX()
    fake.on(MENTIONS, [(200, {}, {"meta": {"result_count": 0}})])
    fake.on("GET /2/tweets/search/recent", [(200, {}, body("tweets_resp.json"))])
    batch = make(fake, clock, listen_query="parcelly").poll(None)
    assert [m.author_handle for m in batch.mentions] == ["TwitterDev", "Twitter"]
    assert [m.summoned for m in batch.mentions] == [False, False]
    assert batch.mentions[0].meta["summoned"] == "false"


def test_followers_come_from_the_authors_public_metrics(clock: FakeClock) -> None:
    """Intake asks for public_metrics; the recorded user objects of the two authors of
    tweets_resp.json (users_by_ids.json) are what X then includes beside their posts."""
    page = body("tweets_resp.json")
    page["includes"]["users"] = body("users_by_ids.json")["data"]
    fake = FakeX()
    fake.on(MENTIONS, [(200, {}, {"meta": {"result_count": 0}})])
    fake.on("GET /2/tweets/search/recent", [(200, {}, page)])
    batch = make(fake, clock, listen_query="parcelly").poll(None)
    assert "public_metrics" in fake.calls[0].params["user.fields"]
    followers = {m.author_handle: m.meta.get("followers") for m in batch.mentions}
    assert followers == {"TwitterDev": "514020", "Twitter": "58677711"}
    bare = parse_mentions(body("tweets_resp.json"))  # as recorded, without the metrics
    assert [m.meta.get("followers") for m in bare.mentions] == [None, None]


def test_a_429_waits_until_the_reset_x_names(clock: FakeClock) -> None:
    reset = clock.now() + timedelta(minutes=7)
    limited = (429, {"x-rate-limit-reset": str(int(reset.timestamp()))}, {"title": "Too Many"})
    fake = FakeX()
    fake.on(MENTIONS, [limited, (200, {}, body("search_tweets_query.json"))])
    source = make(fake, clock)
    batch = source.poll('{"mentions": {"since": "1"}}')
    assert batch.notices == [f"x: rate limited until {reset:%H:%M} UTC; intake degraded"]
    assert json.loads(batch.cursor or "")["mentions"] == {"since": "1"}
    clock.advance(minutes=5)
    assert source.poll(batch.cursor).notices and len(fake.calls) == 1  # still waiting
    clock.advance(minutes=3)
    assert len(source.poll(batch.cursor).mentions) == 4 and len(fake.calls) == 2


def _page(ids: list[int], token: str | None) -> tuple[int, dict[str, str], Any]:
    data = [
        {
            "id": str(i),
            "text": f"@snowman help {i}",
            "author_id": "9",
            "created_at": "2026-11-25T08:00:00.000Z",
        }
        for i in ids
    ]
    meta = {"next_token": token} if token else {}
    return (
        200,
        {},
        {"data": data, "includes": {"users": [{"id": "9", "username": "ana"}]}, "meta": meta},
    )


def test_a_gap_longer_than_one_poll_is_fetched_over_several_polls(clock: FakeClock) -> None:
    pages = [_page([50, 49], "t1"), _page([48, 47], "t2"), _page([46], None)]

    def serve(call: Call) -> tuple[int, dict[str, str], Any]:
        return pages[{None: 0, "t1": 1, "t2": 2}[call.params.get("pagination_token")]]

    fake = FakeX()
    fake.on(MENTIONS, serve)
    source = make(fake, clock, max_pages=2)
    first = source.poll('{"mentions": {"since": "40"}}')
    assert [m.external_id for m in first.mentions] == ["50", "49", "48", "47"]
    state = json.loads(first.cursor or "")["mentions"]
    assert state["since"] == "40" and state["token"] == "t2"  # not moved until the gap is read
    second = source.poll(first.cursor)
    assert [m.external_id for m in second.mentions] == ["46"]
    assert json.loads(second.cursor or "")["mentions"] == {"since": "50"}


def test_a_failed_page_keeps_the_cursor(clock: FakeClock) -> None:
    fake = FakeX()
    fake.on(MENTIONS, [(503, {}, {"title": "Service Unavailable"})])
    batch = make(fake, clock).poll('{"mentions": {"since": "40"}}')
    assert json.loads(batch.cursor or "")["mentions"] == {"since": "40"}
    assert "fetch failed" in batch.notices[0]


def test_reads_are_counted_and_priced(clock: FakeClock, store: SqliteStore) -> None:
    fake = FakeX()
    fake.on(MENTIONS, [(200, {}, body("search_tweets_query.json"))])
    make(fake, clock, store).poll(None)
    usage = {r.kind: r for r in store.usage_since("2000-01-01")}
    assert usage["requests"].count == 1
    # 4 posts in `data` and 3 expanded parents, one of which is also in `data`; 3 authors
    assert usage["post_read"].count == 6
    assert usage["post_read"].cost == pytest.approx(0.03)
    assert usage["user_read"].count == 3
    assert usage["user_read"].cost == pytest.approx(0.03)
    assert {r.day for r in usage.values()} == {clock.now().date().isoformat()}


def test_publish_replies_in_thread_with_the_recorded_answer() -> None:
    created = recorded(str(FIXTURES / "create_and_delete_tweet.json"))[0]
    fake = FakeX()
    fake.on("POST /2/tweets", [replay(created)])
    result = publisher(fake).publish(item())
    sent = fake.calls_to("POST /2/tweets")[0].body
    assert sent["reply"] == {"in_reply_to_tweet_id": "1276035977375477760"}
    assert sent["text"].startswith("Thanks for flagging this!")
    assert result.remote_id == "1456012973835788293"
    assert result.url == "https://x.com/snowman/status/1456012973835788293"


def test_posts_that_did_not_summon_the_brand_are_never_sent() -> None:
    fake = FakeX()
    with pytest.raises(PermanentPublishError, match="answer by hand"):
        publisher(fake).publish(item(meta={"summoned": "false"}))
    assert fake.calls == []


def test_too_long_for_x_is_refused_before_any_call() -> None:
    fake = FakeX()
    with pytest.raises(PermanentPublishError, match="limit 280"):
        publisher(fake).publish(item(text="Thanks! " + "a" * 280))
    assert fake.calls == []


def test_refusals_are_permanent_and_rate_limits_are_retryable() -> None:
    fake = FakeX()
    refusal = {"detail": "You are not allowed to reply to this Tweet.", "status": 403}
    fake.on("POST /2/tweets", [(403, {}, refusal)])
    with pytest.raises(PermanentPublishError, match="not allowed"):
        publisher(fake).publish(item())
    fake.on("POST /2/tweets", [(429, {"x-rate-limit-reset": "1"}, {})])
    with pytest.raises(tweepy.TooManyRequests):
        publisher(fake).publish(item())


def test_find_existing_looks_for_our_reply_to_that_post() -> None:
    own = {
        "data": [
            {
                "id": "1300",
                "text": "other",
                "referenced_tweets": [{"type": "replied_to", "id": "9"}],
            },
            {
                "id": "1301",
                "text": "Thanks for flagging this! Here is what to try: https://t.co/Ab12Cd34",
                "referenced_tweets": [{"type": "replied_to", "id": "1276035977375477760"}],
            },
        ],
        "meta": {},
    }
    fake = FakeX()
    fake.on(f"GET /2/users/{BRAND_ID}/tweets", [(200, {}, own)])
    found = publisher(fake).find_existing(item())
    assert found is not None and found.remote_id == "1301" and found.note == ""
    assert fake.calls[0].params["since_id"] == "1276035977375477760"
    fake.on(f"GET /2/users/{BRAND_ID}/tweets", [(200, {}, {"meta": {"result_count": 0}})])
    assert publisher(fake).find_existing(item()) is None


def test_a_reply_written_by_hand_meanwhile_stands_in_and_says_so() -> None:
    by_hand = {
        "data": [
            {
                "id": "1302",
                "text": "@maria_g So sorry! Our team is on it, check your DMs.",
                "referenced_tweets": [{"type": "replied_to", "id": "1276035977375477760"}],
            }
        ],
        "meta": {},
    }
    fake = FakeX()
    fake.on(f"GET /2/users/{BRAND_ID}/tweets", [(200, {}, by_hand)])
    found = publisher(fake).find_existing(item())
    assert found is not None and found.remote_id == "1302"
    assert found.note.endswith("not careops's draft; the draft was not sent")


@given(
    handles=st.lists(st.from_regex(r"@[A-Za-z0-9_]{1,15}", fullmatch=True), max_size=3),
    short=st.from_regex(r"https://t\.co/[A-Za-z0-9]{10}", fullmatch=True),
)
def test_our_text_as_x_echoes_it_back_is_recognised(handles: list[str], short: str) -> None:
    ours = "Thanks & sorry, Maria!  DM us:\nhttps://help.parcelly.example/order"
    echoed = " ".join(handles) + " Thanks &amp; sorry, Maria! DM us: " + short
    assert comparable(echoed) == comparable(ours)
    assert comparable(echoed) != comparable("Thanks & sorry! Read the FAQ: " + short)


ODD_TEXTS = ["🙂" * 50 + " @snowman", "مرحبا @snowman الطلب متأخر", "@snowman " + "x" * 10_000]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_emoji_rtl_and_huge_posts_parse(text: str) -> None:
    page = body("search_tweets_query.json")
    page["data"][0]["text"] = text
    parsed = parse_mentions(page)
    assert parsed.mentions[0].text == text


def test_deleted_parent_and_unknown_fields_do_not_stop_intake() -> None:
    page = body("search_tweets_query.json")
    page["includes"]["tweets"] = []  # parent deleted: X leaves it out and adds an error
    page["errors"] = [{"resource_id": "1275653067283759104", "title": "Not Found Error"}]
    page["data"][0]["brand_new_field"] = {"nested": [1, 2]}
    del page["data"][1]["author_id"]
    parsed = parse_mentions(page)
    assert parsed.mentions[0].context == ()
    assert len(parsed.mentions) == 3 and len(parsed.quarantined) == 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(json_values, max_size=4), json_values)
def test_any_junk_in_a_page_is_quarantined_never_raised(data: list[Any], includes: Any) -> None:
    page = copy.deepcopy(body("search_tweets_query.json"))
    page["data"] = page["data"][:1] + data
    page["includes"] = includes if isinstance(includes, dict) else page["includes"]
    parsed = parse_mentions(page)
    assert len(parsed.mentions) + len(parsed.quarantined) == len(page["data"])


class StalledX(requests.adapters.BaseAdapter):
    """X accepting the connection and never answering: requests gives up after `timeout`."""

    def __init__(self) -> None:
        super().__init__()
        self.timeouts: list[object] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.timeouts.append(kwargs.get("timeout"))
        raise requests.ReadTimeout(f"read timed out after {kwargs.get('timeout')}")

    def close(self) -> None:
        pass


def test_every_x_request_has_a_timeout_so_a_stalled_connection_cannot_hold_up_the_loop(
    clock: FakeClock,
) -> None:
    client = x_client("bearer", None, None, None, None, timeout=7.5)
    stalled = StalledX()
    client.session.mount("https://", stalled)
    source = XSource(
        client, clock, user_id=BRAND_ID, username=BRAND, meter=XMeter(None, PRICES, clock)
    )
    batch = source.poll(None)
    assert stalled.timeouts == [7.5]
    assert batch.notices == ["x: fetch failed (ReadTimeout); will retry"] and not batch.mentions
    assert x_client("bearer", None, None, None, None).session.timeout == 20.0  # type: ignore[attr-defined]


def test_wrong_types_in_a_page_are_quarantined_not_coerced_and_since_moves_past(
    clock: FakeClock,
) -> None:
    page = copy.deepcopy(body("search_tweets_query.json"))
    first, second = page["data"][0], page["data"][1]
    second["conversation_id"] = float("nan")  # a post X never sends, but must not become x:nan
    page["includes"]["users"].append({"id": "999", "username": ["a", "b"]})
    third = {**page["data"][2], "author_id": "999"}
    page["data"] = [first, second, third]
    fake = FakeX()
    fake.on(MENTIONS, [(200, {}, page)])
    batch = make(fake, clock).poll(None)
    assert [m.external_id for m in batch.mentions] == [first["id"]]
    assert [q.reason for q in batch.quarantined] == [
        "bad post: conversation_id must be text or a whole number, not the number nan",
        "bad post: author must be text, not a list",
    ]
    since = json.loads(batch.cursor or "{}")["mentions"]["since"]
    assert since == max((p["id"] for p in page["data"]), key=int)


def test_a_refused_token_backs_off_says_so_the_same_way_and_recovers(clock: FakeClock) -> None:
    fake = FakeX()
    refused = {
        "title": "Unauthorized",
        "type": "about:blank",
        "status": 401,
        "detail": "Unauthorized",
    }
    fake.on(MENTIONS, [(401, {}, refused)])
    source = make(fake, clock)
    notices: list[str] = []
    for _ in range(120):  # two hours of polls, one a minute
        notices += source.poll(None).notices
        clock.advance(minutes=1)
    assert len(fake.calls_to(MENTIONS)) == 7  # at 0, 1, 3, 7, 15, 31 and 63 minutes
    assert set(notices) == {source.auth.notice} and "X_BEARER_TOKEN" in notices[0]
    fake.on(MENTIONS, [(200, {}, body("search_tweets_query.json"))])  # a new token
    seen: list[str] = []
    for _ in range(61):  # the next try is at most an hour away
        if (batch := source.poll(None)).mentions:
            break
        seen += batch.notices
        clock.advance(minutes=1)
    assert batch.notices == ["x: signed in again; intake resumed"] and batch.mentions
    assert set(seen) == {source.auth.notice}


class Recording(requests.adapters.BaseAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.urls.append(request.url or "")
        raise requests.ConnectionError("recorded, not sent")

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("base", "expected"),
    [("https://api.twitter.com", "https://api.twitter.com/2/users/"),
     ("http://127.0.0.1:8081/", "http://127.0.0.1:8081/2/users/")],
)  # fmt: skip
def test_x_api_base_url_takes_every_call_and_defaults_to_the_real_api(
    base: str, expected: str
) -> None:
    assert Settings().x_api_base_url == "https://api.twitter.com"
    recording = Recording()
    session = TimeoutSession(5, base)
    session.mount(base.rstrip("/"), recording)
    client = x_client(None, "key", "secret", "token", "token-secret", session=session)
    with pytest.raises(requests.ConnectionError):
        client.get_users_mentions(BRAND_ID, user_auth=True)
    with pytest.raises(requests.ConnectionError):
        client.create_tweet(text="hi", in_reply_to_tweet_id="1", user_auth=True)
    assert [url.split("?")[0] for url in recording.urls] == [
        f"{expected}{BRAND_ID}/mentions",
        expected.replace("users/", "tweets"),
    ]
