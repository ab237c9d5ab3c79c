"""Fetching one post by its link: tweepy, atproto and Mastodon.py against local fakes,
answering with real recorded post shapes."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from atproto import Client

from bot.adapters.bluesky import BlueskyPostLookup, BlueskySession, BlueskySource
from bot.adapters.mastodon import MastodonPostLookup, MastodonSource, mastodon_client
from bot.adapters.networks import lookups_for
from bot.adapters.sqlite import SqliteStore
from bot.adapters.x import XMeter, XPostLookup, XSource, x_client
from bot.core.clock import FakeClock
from bot.core.models import Network
from bot.core.ports import PostLookupError
from bot.core.post_urls import PostRef, parse_post_url
from bot.core.x_costs import XPrices
from tests.fakes.fake_bluesky import BRAND_HANDLE, BlueskyState, FakeBluesky
from tests.fakes.fake_mastodon import FakeMastodon
from tests.fakes.fake_x import FakeX, not_found, recorded, replay, single_post

FIXTURES = Path(__file__).parent.parent / "fixtures"
BRAND_ID, BRAND = "17200003", "snowman"  # the account mentioned in search_tweets_query.json


def ref(url: str) -> PostRef:
    parsed = parse_post_url(url)
    assert parsed is not None, url
    return parsed


def page(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "x" / name).read_text())
    return data


# --- X ---------------------------------------------------------------------------------


def x_lookup(fake: FakeX, clock: FakeClock, store: SqliteStore | None = None) -> XPostLookup:
    client = x_client("bearer", None, None, None, None, session=fake.session())
    meter = XMeter(store, XPrices(), clock)
    return XPostLookup(client, clock, user_id=BRAND_ID, username=BRAND, meter=meter)


def test_x_post_that_mentions_the_brand_is_summoned(clock: FakeClock, store: SqliteStore) -> None:
    fake = FakeX()
    fake.on(
        "GET /2/tweets/1276035977375477760",
        [(200, {}, single_post(page("search_tweets_query.json")))],
    )
    mention = x_lookup(fake, clock, store).fetch(
        ref("https://twitter.com/happycamper/status/1276035977375477760?s=20")
    )
    assert mention is not None
    assert (mention.network, mention.external_id) == (Network.X, "1276035977375477760")
    assert mention.author_handle == "happycamper" and mention.summoned is True
    assert mention.context and mention.context[0].startswith("@happycamper Wait")
    assert mention.meta["reason"] == "url" and mention.meta["summoned"] == "true"
    call = fake.calls[0]
    assert "author_id" in call.params["expansions"] and "entities" in call.params["tweet.fields"]
    usage = {r.kind: r.count for r in store.usage_since("2000-01-01")}
    # the post and the three posts and three users the recorded page expanded
    assert usage == {"requests": 1, "post_read": 4, "user_read": 3}


def test_x_post_that_does_not_address_the_brand_is_answered_by_hand(clock: FakeClock) -> None:
    """A recorded post (TwitterDev on a stream) that names neither the brand nor quotes it."""
    body = single_post(page("tweets_resp.json"))
    fake = FakeX()
    fake.on(f"GET /2/tweets/{body['data']['id']}", [(200, {}, body)])
    mention = x_lookup(fake, clock).fetch(ref(f"https://x.com/someone/status/{body['data']['id']}"))
    assert mention is not None and mention.summoned is False
    assert mention.meta["summoned"] == "false"


def test_x_deleted_or_protected_post_is_none(clock: FakeClock) -> None:
    fake = FakeX()
    fake.on("GET /2/tweets/42", [(200, {}, not_found("42"))])
    fake.on("GET /2/tweets/43", [(404, {}, {"title": "Not Found"})])
    lookup = x_lookup(fake, clock)
    assert lookup.fetch(ref("https://x.com/maria_g/status/42")) is None
    assert lookup.fetch(ref("https://x.com/maria_g/status/43")) is None


def test_x_recorded_single_post_without_author_is_a_clear_error(clock: FakeClock) -> None:
    """The real GET /2/tweets/:id recording asked for no expansions, so it names no author."""
    cassette = recorded(str(FIXTURES / "x" / "get_tweet.json"))[0]
    fake = FakeX()
    fake.on("GET /2/tweets/1293593516040269825", [replay(cassette)])
    with pytest.raises(PostLookupError, match=r"cannot read .*missing author"):
        x_lookup(fake, clock).fetch(ref("https://x.com/TwitterDev/status/1293593516040269825"))


def test_x_rate_limit_is_a_lookup_error_not_a_crash(clock: FakeClock) -> None:
    fake = FakeX()
    fake.on(
        "GET /2/tweets/42", [(429, {"x-rate-limit-reset": "1764061500"}, {"title": "Too Many"})]
    )
    with pytest.raises(PostLookupError, match="rate limiting"):
        x_lookup(fake, clock).fetch(ref("https://x.com/maria_g/status/42"))


# --- Bluesky ---------------------------------------------------------------------------


@pytest.fixture
def pds() -> Iterator[FakeBluesky]:
    with FakeBluesky(BlueskyState()) as fake:
        yield fake


def bsky_lookup(pds: FakeBluesky, store: SqliteStore) -> BlueskyPostLookup:
    client = Client(base_url=pds.url)
    return BlueskyPostLookup(BlueskySession(client, BRAND_HANDLE, "app-password", store, store))


def post_view(data: dict[str, Any]) -> dict[str, Any]:
    """A notification without its notification fields is a feed post view."""
    keep = ("uri", "cid", "author", "record", "indexedAt", "labels")
    return {k: copy.deepcopy(v) for k, v in data.items() if k in keep}


def test_bluesky_link_with_a_handle_is_resolved_and_read(
    pds: FakeBluesky, store: SqliteStore
) -> None:
    thread = json.loads((FIXTURES / "bluesky" / "getPostThread.real.marshalx.json").read_text())
    view = post_view(thread["thread"]["post"])
    view["record"]["text"] = "Parcel stuck in Leipzig for a week, what now?"
    pds.state.posts[view["uri"]] = view
    pds.state.handles["test.marshal.dev"] = "did:plc:kvwvcn5iqfooopmyzvb4qzba"
    mention = bsky_lookup(pds, store).fetch(
        ref("https://bsky.app/profile/test.marshal.dev/post/3kaheyt6vpc22")
    )
    assert mention is not None
    assert mention.external_id == view["uri"] and mention.author_handle == "test.marshal.dev"
    assert mention.text == "Parcel stuck in Leipzig for a week, what now?"
    assert mention.meta["cid"] == view["cid"] and mention.meta["root_uri"] == view["uri"]
    assert mention.meta["reason"] == "url" and mention.context == ()
    assert ("GET", "com.atproto.identity.resolveHandle") in pds.state.calls


def test_bluesky_reply_by_did_link_carries_root_and_parent_text(
    pds: FakeBluesky, store: SqliteStore
) -> None:
    note = json.loads(
        (FIXTURES / "bluesky" / "notification.mention_reply_facets.real.metricbot.json").read_text()
    )
    pds.state.posts[note["uri"]] = post_view(note)
    parent = note["record"]["reply"]["parent"]["uri"]
    pds.state.add_post(parent, "Our courier app is down again")
    url = "https://bsky.app/profile/did:plc:n5o2wksggcs653t3seg5eu6b/post/3kawzq7r4fg2c"
    mention = bsky_lookup(pds, store).fetch(ref(url))
    assert mention is not None
    assert mention.in_reply_to == parent and mention.meta["root_uri"] == parent
    assert mention.context == ("Our courier app is down again",)
    assert ("GET", "com.atproto.identity.resolveHandle") not in pds.state.calls


def test_bluesky_unknown_handle_or_deleted_post_is_none(
    pds: FakeBluesky, store: SqliteStore
) -> None:
    lookup = bsky_lookup(pds, store)
    pds.state.handles["maria.bsky.social"] = "did:plc:abcdefghijklmnopqrstuvwx"
    assert (
        lookup.fetch(ref("https://bsky.app/profile/nobody.bsky.social/post/3l6oveex3ii2l")) is None
    )
    assert (
        lookup.fetch(ref("https://bsky.app/profile/maria.bsky.social/post/3l6oveex3ii2l")) is None
    )


def test_bluesky_rate_limit_is_a_lookup_error(pds: FakeBluesky, store: SqliteStore) -> None:
    pds.state.rate_limited_reset = 1764061500
    with pytest.raises(PostLookupError, match="Bluesky is rate limiting"):
        bsky_lookup(pds, store).fetch(
            ref("https://bsky.app/profile/did:plc:abcdefghijklmnopqrstuvwx/post/3l6")
        )


# --- Mastodon --------------------------------------------------------------------------


@pytest.fixture
def instance() -> Iterator[FakeMastodon]:
    with FakeMastodon() as fake:
        yield fake


def test_mastodon_local_status_is_found_by_its_link(instance: FakeMastodon) -> None:
    parent = instance.state.status("Parcelly lost my parcel", acct="admin")
    status = instance.state.status("@parcelly any news?", acct="admin", in_reply_to_id=parent["id"])
    url = f"https://mastodon.example/@admin/{status['id']}"
    instance.state.statuses[status["id"]]["url"] = url
    mention = MastodonPostLookup(mastodon_client(instance.url, "token")).fetch(ref(url))
    assert mention is not None
    assert (mention.network, mention.external_id) == (Network.MASTODON, status["id"])
    assert mention.text == "@parcelly any news?" and mention.author_handle == "admin"
    assert mention.context == ("Parcelly lost my parcel",)
    assert mention.meta["reason"] == "url" and mention.meta["visibility"] == "public"


def test_mastodon_remote_status_is_resolved_to_a_local_id(instance: FakeMastodon) -> None:
    remote = copy.deepcopy(instance.state.status("My order never came", acct="maria@fosstodon.org"))
    del instance.state.statuses[remote["id"]]
    url = "https://fosstodon.org/@maria/113512345678901234"
    instance.state.remote[url] = remote
    mention = MastodonPostLookup(mastodon_client(instance.url, "token")).fetch(ref(url))
    assert mention is not None
    assert mention.external_id in instance.state.statuses and mention.external_id != remote["id"]
    assert mention.author_handle == "maria@fosstodon.org"
    search = [r for r in instance.state.requests if r[1] == "/api/v2/search"]
    assert len(search) == 1


def test_mastodon_unknown_or_direct_status_is_none(instance: FakeMastodon) -> None:
    direct = instance.state.status("private note", acct="admin", visibility="direct")
    direct["url"] = f"https://m.example/@admin/{direct['id']}"
    public = instance.state.status("public note", acct="admin")
    public["url"] = f"https://m.example/@admin/{public['id']}"
    lookup = MastodonPostLookup(mastodon_client(instance.url, "token"))
    assert lookup.fetch(ref("https://mastodon.example/@admin/1")) is None
    assert lookup.fetch(ref(direct["url"])) is None
    assert lookup.fetch(ref(public["url"])) is not None  # the same search finds a public one


def test_mastodon_rate_limit_is_a_lookup_error(instance: FakeMastodon) -> None:
    instance.state.rate_limited_until = "2026-11-25T09:15:00.000Z"
    with pytest.raises(PostLookupError, match="Mastodon is rate limiting"):
        MastodonPostLookup(mastodon_client(instance.url, "token")).fetch(
            ref("https://m.example/@a/1")
        )


# --- wiring ----------------------------------------------------------------------------


def test_lookups_follow_the_configured_sources_and_share_their_clients(
    clock: FakeClock, store: SqliteStore
) -> None:
    x_client_ = x_client("bearer", None, None, None, None)
    meter = XMeter(store, XPrices(), clock)
    x_source = XSource(x_client_, clock, user_id=BRAND_ID, username=BRAND, meter=meter)
    session = BlueskySession(Client(base_url="http://127.0.0.1:9"), BRAND_HANDLE, "pw", store)
    api = mastodon_client("http://127.0.0.1:9", "token")
    lookups = lookups_for([x_source, BlueskySource(session, clock), MastodonSource(api, clock)])
    assert set(lookups) == {Network.X, Network.BLUESKY, Network.MASTODON}
    x_lookup_ = lookups[Network.X]
    assert isinstance(x_lookup_, XPostLookup) and x_lookup_.client is x_client_
    assert isinstance(lookups[Network.BLUESKY], BlueskyPostLookup)
    assert lookups[Network.BLUESKY].session is session  # type: ignore[attr-defined]
    assert lookups_for([MastodonSource(api, clock)]).keys() == {Network.MASTODON}


def test_the_app_has_a_lookup_for_each_configured_network_only(
    tmp_path: Path, clock: FakeClock, store: SqliteStore
) -> None:
    from bot.app import build_app
    from bot.config import Settings

    settings = Settings(
        CAREOPS_DATA_DIR=tmp_path,
        X_USER_ID=BRAND_ID,
        X_BEARER_TOKEN="bearer",
        MASTODON_BASE_URL="http://127.0.0.1:9",
        MASTODON_ACCESS_TOKEN="token",
    )
    app = build_app(settings, clock=clock, store=store)
    assert set(app.lookups) == {Network.X, Network.MASTODON}
    x_source = next(s for s in app.sources if isinstance(s, XSource))
    assert app.lookups[Network.X].client is x_source.client  # type: ignore[attr-defined]
    assert build_app(Settings(CAREOPS_DATA_DIR=tmp_path), clock=clock, store=store).lookups == {}
