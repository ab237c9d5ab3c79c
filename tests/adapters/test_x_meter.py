"""X spend meter: each kind of call on recorded payloads, and the meter against what the
local fake X was asked and answered, priced independently."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.sqlite import SqliteStore
from bot.adapters.x import XMeter, XPostLookup, XPublisher, XSource, x_client
from bot.core.clock import FakeClock
from bot.core.models import Network, OutboxItem, OutboxState
from bot.core.ports import PostLookupError
from bot.core.post_urls import parse_post_url
from bot.core.x_costs import XPrices
from tests.fakes.fake_x import Call, FakeX, recorded, replay

FIXTURES = Path(__file__).parent.parent / "fixtures" / "x"
BRAND_ID, BRAND = "17200003", "snowman"
PRICES = XPrices()  # X's list: $0.015 / $0.200 per post, $0.005 per post, $0.010 per user read


def body(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def usage(store: SqliteStore) -> dict[str, tuple[int, float]]:
    rows = store.usage_since("2000-01-01")
    return {r.kind: (r.count, round(r.cost, 6)) for r in rows if r.network == "x"}


def reader(fake: FakeX, clock: FakeClock, store: SqliteStore | None, **kw: Any) -> XSource:
    client = x_client("bearer", None, None, None, None, session=fake.session())
    meter = XMeter(store, PRICES, clock)
    return XSource(client, clock, user_id=BRAND_ID, username=BRAND, meter=meter, **kw)


def writer(fake: FakeX, clock: FakeClock, store: SqliteStore | None) -> XPublisher:
    client = x_client(None, "key", "secret", "token", "token-secret", session=fake.session())
    return XPublisher(client, user_id=BRAND_ID, username=BRAND, meter=XMeter(store, PRICES, clock))


def reply(text: str, post_id: str = "1276035977375477760") -> OutboxItem:
    return OutboxItem(
        draft_id=f"d{abs(hash(text))}",
        case_id=f"x:{post_id}",
        network=Network.X,
        in_reply_to=post_id,
        text=text,
        state=OutboxState.PUBLISHING,
        created_at=datetime(2026, 11, 25, 9, tzinfo=UTC),
        meta={"summoned": "true"},
    )


# --- each kind of call, on recorded payloads -------------------------------------------


def test_a_mentions_page_is_charged_per_post_and_per_user_returned(
    clock: FakeClock, store: SqliteStore
) -> None:
    """The recorded mentions cassette asked for no expansions: 10 posts, no users."""
    fake = FakeX()
    cassette = recorded(str(FIXTURES / "get_users_mentions.json"))[0]
    fake.on(f"GET /2/users/{BRAND_ID}/mentions", [replay(cassette)])
    reader(fake, clock, store).poll(None)
    assert usage(store) == {"requests": (1, 0.0), "post_read": (10, 0.05)}


def test_a_listening_search_counts_expanded_posts_and_authors_once(
    clock: FakeClock, store: SqliteStore
) -> None:
    """4 posts in `data`, 3 expanded parents (one of them also in `data`), 3 authors."""
    fake = FakeX()
    fake.on(f"GET /2/users/{BRAND_ID}/mentions", [(200, {}, {"meta": {"result_count": 0}})])
    fake.on("GET /2/tweets/search/recent", [(200, {}, body("search_tweets_query.json"))])
    reader(fake, clock, store, listen_query="snowman").poll(None)
    assert usage(store) == {"requests": (2, 0.0), "post_read": (6, 0.03), "user_read": (3, 0.03)}


def test_a_post_looked_up_by_link_is_charged_even_when_careops_cannot_use_it(
    clock: FakeClock, store: SqliteStore
) -> None:
    """The recorded single post came without its author: X charged for it all the same."""
    cassette = recorded(str(FIXTURES / "get_tweet.json"))[0]
    fake = FakeX()
    fake.on("GET /2/tweets/1293593516040269825", [replay(cassette)])
    client = x_client("bearer", None, None, None, None, session=fake.session())
    meter = XMeter(store, PRICES, clock)
    lookup = XPostLookup(client, clock, user_id=BRAND_ID, username=BRAND, meter=meter)
    ref = parse_post_url("https://x.com/TwitterDev/status/1293593516040269825")
    assert ref is not None
    with pytest.raises(PostLookupError):
        lookup.fetch(ref)
    assert usage(store) == {"requests": (1, 0.0), "post_read": (1, 0.005)}


def test_reconcile_reads_the_brands_posts_and_their_authors(
    clock: FakeClock, store: SqliteStore
) -> None:
    fake = FakeX()
    fake.on(f"GET /2/users/{BRAND_ID}/tweets", [(200, {}, body("tweets_resp.json"))])
    assert writer(fake, clock, store).find_existing(reply("Thanks!")) is None
    assert usage(store) == {"requests": (1, 0.0), "post_read": (2, 0.01), "user_read": (2, 0.02)}


@pytest.mark.parametrize(
    ("text", "kind", "price"),
    [
        ("Thanks for telling us! DM us your order number and we'll sort it.", "post", 0.015),
        ("Thanks! Here's how: https://help.parcelly.example/track", "post_url", 0.2),
        ("Thanks! Here's how: https://t.co/32VrwpGaJw", "post_url", 0.2),
        ("Thanks! Everything is on parcelly.com/help", "post_url", 0.2),
        ("Thanks! Write to help@parcelly.com e.g. with your order no.5", "post", 0.015),
    ],
)
def test_a_reply_is_charged_as_a_post_with_or_without_url(
    clock: FakeClock, store: SqliteStore, text: str, kind: str, price: float
) -> None:
    created = recorded(str(FIXTURES / "create_and_delete_tweet.json"))[0]
    fake = FakeX()
    fake.on("POST /2/tweets", [replay(created)])
    writer(fake, clock, store).publish(reply(text))
    assert usage(store) == {"requests": (1, 0.0), kind: (1, price)}


def test_the_same_posts_read_again_are_free_until_the_next_utc_day(
    clock: FakeClock, store: SqliteStore
) -> None:
    fake = FakeX()
    fake.on("GET /2/tweets/search/recent", [(200, {}, body("search_tweets_query.json"))])
    fake.on(f"GET /2/users/{BRAND_ID}/mentions", [(200, {}, {"meta": {"result_count": 0}})])
    clock.set(datetime(2026, 11, 25, 23, 0, tzinfo=UTC))
    source = reader(fake, clock, store, listen_query="snowman")
    source.poll(None)
    source.poll(None)  # the same page again, the same day
    clock.advance(hours=2)  # past midnight UTC
    source.poll(None)
    by_day = {(r.day, r.kind): r.count for r in store.usage_since("2000-01-01")}
    assert by_day[("2026-11-25", "post_read")] == 6 and by_day[("2026-11-26", "post_read")] == 6
    assert by_day[("2026-11-25", "requests")] == 4


def test_a_restart_does_not_count_the_days_reads_again(tmp_path: Path, clock: FakeClock) -> None:
    """X bills a post or user once a UTC day, whichever process read it: a careops
    restarted at noon that reads the same page again owes nothing for it."""
    fake = FakeX()
    fake.on("GET /2/tweets/search/recent", [(200, {}, body("search_tweets_query.json"))])
    fake.on(f"GET /2/users/{BRAND_ID}/mentions", [(200, {}, {"meta": {"result_count": 0}})])
    clock.set(datetime(2026, 11, 25, 11, 0, tzinfo=UTC))
    store = SqliteStore(tmp_path / "careops.db")
    reader(fake, clock, store, listen_query="snowman").poll(None)
    store.close()
    clock.advance(hours=1)
    store = SqliteStore(tmp_path / "careops.db")  # a new process: its meter saw nothing yet
    reader(fake, clock, store, listen_query="snowman").poll(None)
    assert usage(store) == {"requests": (4, 0.0), "post_read": (6, 0.03), "user_read": (3, 0.03)}
    clock.advance(hours=13)  # the next UTC day: billed again
    reader(fake, clock, store, listen_query="snowman").poll(None)
    by_day = {(r.day, r.kind): r.count for r in store.usage_since("2000-01-01")}
    assert by_day[("2026-11-26", "post_read")] == 6 and by_day[("2026-11-26", "user_read")] == 3
    store.close()


def test_refused_and_rate_limited_calls_cost_nothing(clock: FakeClock, store: SqliteStore) -> None:
    fake = FakeX()
    fake.on(f"GET /2/users/{BRAND_ID}/mentions", [(429, {"x-rate-limit-reset": "1"}, {})])
    fake.on("POST /2/tweets", [(403, {}, {"detail": "You are not allowed to reply"})])
    reader(fake, clock, store).poll(None)
    with pytest.raises(Exception, match="refused"):
        writer(fake, clock, store).publish(reply("Thanks! https://help.parcelly.example/a"))
    assert usage(store) == {}


# --- the meter's total is what the fake X was asked and answered, priced ------------------

POST_IDS = [str(1861000000000000000 + n) for n in range(12)]
USER_IDS = [str(500 + n) for n in range(5)]
PLAIN = ["Thanks for writing! DM us and we'll fix it.", "Thanks.So sorry, e.g. the U.S. one"]
WITH_URL = [
    "Thanks! See https://help.parcelly.example/track",
    "Thanks! https://t.co/AbC123xyz",
    "Thanks! All at parcelly.com/help",
    "Thanks! parcelly.co has it",
]


def page(posts: list[tuple[str, str, str | None]]) -> dict[str, Any]:
    """Posts (id, author, parent) with their authors and parents expanded, as X sends them."""
    data = [
        {
            "id": pid,
            "text": f"@{BRAND} help please",
            "author_id": uid,
            "created_at": "2026-11-25T08:00:00.000Z",
            **({"referenced_tweets": [{"type": "replied_to", "id": parent}]} if parent else {}),
        }
        for pid, uid, parent in posts
    ]
    parents = [{"id": p, "text": "earlier", "author_id": BRAND_ID} for _, _, p in posts if p]
    users = [{"id": u, "username": f"user{u}", "name": "U"} for _, u, _ in posts]
    return {"data": data, "includes": {"tweets": parents, "users": users}, "meta": {}}


posts = st.tuples(
    st.sampled_from(POST_IDS), st.sampled_from(USER_IDS), st.none() | st.sampled_from(POST_IDS)
)
steps = st.one_of(
    st.tuples(st.just("poll"), st.lists(posts, max_size=4), st.sampled_from([200, 200, 429])),
    st.tuples(st.just("reply"), st.sampled_from(PLAIN + WITH_URL), st.sampled_from([201, 403])),
    st.tuples(st.just("lookup"), st.sampled_from(POST_IDS), st.just(200)),
    st.tuples(st.just("hours"), st.integers(1, 20), st.just(0)),
    st.tuples(st.just("restart"), st.none(), st.just(0)),
)


def priced(calls: list[Call]) -> float:
    """The oracle: what X charges for these calls, from the answers alone."""
    total, seen = 0.0, set()
    for call in calls:
        if call.status >= 300:
            continue
        day = call.at.date() if call.at else None
        if call.method == "POST":
            total += 0.2 if call.body["text"] in WITH_URL else 0.015
            continue
        data = call.answer.get("data")
        found = [("post", p["id"]) for p in (data if isinstance(data, list) else [data])]
        includes = call.answer.get("includes", {})
        found += [("post", p["id"]) for p in includes.get("tweets", [])]
        found += [("user", u["id"]) for u in includes.get("users", [])]
        for kind, rid in found:
            if (day, kind, rid) not in seen:
                seen.add((day, kind, rid))
                total += 0.005 if kind == "post" else 0.01
    return round(total, 6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(steps, max_size=12))
def test_the_meter_total_is_every_call_the_fake_answered_priced_across_restarts(
    tmp_path_factory: pytest.TempPathFactory, plan: list[tuple[str, Any, int]]
) -> None:
    clock = FakeClock(datetime(2026, 11, 25, 20, tzinfo=UTC))
    path = tmp_path_factory.mktemp("meter") / "careops.db"
    store = SqliteStore(path)
    fake = FakeX(clock=clock)
    state: dict[str, Any] = {}

    def mentions(call: Call) -> tuple[int, dict[str, str], Any]:
        return state["mentions"]

    def lookup(call: Call) -> tuple[int, dict[str, str], Any]:
        pid = call.path.rsplit("/", 1)[-1]
        one = page([(pid, USER_IDS[0], None)])
        return 200, {}, {"data": one["data"][0], "includes": one["includes"]}

    fake.on(f"GET /2/users/{BRAND_ID}/mentions", mentions)
    fake.on("POST /2/tweets", lambda call: state["reply"])
    for pid in POST_IDS:
        fake.on(f"GET /2/tweets/{pid}", lookup)

    def start(store: SqliteStore) -> tuple[XSource, XPublisher, XPostLookup]:
        """careops on this store: a new process, whose meters have seen nothing yet."""
        source = reader(fake, clock, store)
        lookups = XPostLookup(
            source.client, clock, user_id=BRAND_ID, username=BRAND, meter=source.meter
        )
        return source, writer(fake, clock, store), lookups

    source, publisher, lookups = start(store)
    for step, arg, status in plan:
        if step == "restart":
            store.close()
            store = SqliteStore(path)
            source, publisher, lookups = start(store)
        elif step == "poll":
            state["mentions"] = (status, {"x-rate-limit-reset": "1"}, page(arg))
            source.gate.until = None
            source.poll(None)
        elif step == "reply":
            state["reply"] = (status, {}, {"data": {"id": "1", "text": arg}})
            try:
                publisher.publish(reply(arg))
            except Exception:
                assert status == 403
        elif step == "lookup":
            ref = parse_post_url(f"https://x.com/someone/status/{arg}")
            assert ref is not None
            lookups.fetch(ref)
        else:
            clock.advance(timedelta(hours=arg))
    spent = round(sum(r.cost for r in store.usage_since("2000-01-01")), 6)
    assert spent == pytest.approx(priced(fake.calls), abs=1e-9)
    answered = sum(1 for c in fake.calls if c.status < 300)
    counted = sum(r.count for r in store.usage_since("2000-01-01") if r.kind == "requests")
    assert counted == answered
    store.close()
