"""Post links: recognising them (property tests) and taking the post in through the loop."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.clock import FakeClock
from bot.core.models import Case, CaseState, Mention, Network
from bot.core.ports import PostLookupError
from bot.core.post_urls import PostRef, known_case_ids, parse_post_url, same_post
from bot.core.rules import LinkBook
from bot.core.take_in import Outcome, take_in
from tests.conftest import make_mention
from tests.core.helpers import Core, wire

# --- recognising links ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://x.com/maria_g/status/1276035977375477760",
            ("x", "1276035977375477760", "maria_g"),
        ),
        ("https://twitter.com/Maria_G/status/12?s=20&t=abc", ("x", "12", "Maria_G")),
        ("https://mobile.twitter.com/maria_g/status/12/", ("x", "12", "maria_g")),
        ("https://x.com/maria_g/status/12/photo/1", ("x", "12", "maria_g")),
        ("https://x.com/i/web/status/12", ("x", "12", "")),
        ("https://X.COM/maria_g/status/12#reply", ("x", "12", "maria_g")),
        (
            "https://bsky.app/profile/Maria.bsky.social/post/3l6oveex3ii2l",
            ("bluesky", "3l6oveex3ii2l", "maria.bsky.social"),
        ),
        (
            "https://bsky.app/profile/did:plc:abcdefghijklmnopqrstuvwx/post/3l6oveex3ii2l",
            ("bluesky", "3l6oveex3ii2l", "did:plc:abcdefghijklmnopqrstuvwx"),
        ),
        (
            "https://mastodon.social/@maria/113512345678901234",
            ("mastodon", "113512345678901234", "maria"),
        ),
        (
            "https://fosstodon.org/@maria@mastodon.social/1135",
            ("mastodon", "1135", "maria@mastodon.social"),
        ),
        ("https://mastodon.social/users/maria/statuses/1135/", ("mastodon", "1135", "maria")),
        ("  https://x.com/maria_g/status/12  ", ("x", "12", "maria_g")),
    ],
)
def test_links_people_copy_are_recognised(url: str, expected: tuple[str, str, str]) -> None:
    ref = parse_post_url(url)
    assert ref is not None
    assert (ref.network.value, ref.post_id, ref.author) == expected


@pytest.mark.parametrize(
    "url",
    [
        "",
        "x.com/maria_g/status/12",  # no scheme
        "http://x.com/maria_g/status/12",  # not https
        "javascript:alert(1)//x.com/maria_g/status/12",
        "https://x.com.evil.example/maria_g/status/12",
        "https://evilx.com/maria_g/status/12",
        "https://x.com@evil.example/@maria/12",  # userinfo: the host is evil.example
        "https://evil.example/x.com/maria_g/status/12",
        "https://bsky.app.evil.example/profile/maria.bsky.social/post/3l6",
        "https://x.com/maria_g",  # a profile, not a post
        "https://x.com/maria_g/status/notanumber",
        "https://x.com/maria_g/likes/12",
        "https://bsky.app/profile/maria.bsky.social",
        "https://bsky.app/profile/maria.bsky.social/post/..",
        "https://mastodon.social/@maria",
        "https://mastodon.social/@maria/12/../13",
        "https://127.0.0.1/@maria/12",  # an IP address is no instance name
        "https://mastodon.social:8443/@maria/12",
        "https://[::1/@maria/12",
        "https://x.com/maria_g/status/12 and more words",
    ],
)
def test_lookalikes_and_other_links_are_not_posts(url: str) -> None:
    assert parse_post_url(url) is None


@given(st.text(max_size=300))
def test_never_raises_on_any_text(text: str) -> None:
    ref = parse_post_url(text)
    assert ref is None or isinstance(ref, PostRef)


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=120))
def test_never_raises_on_url_like_text(tail: str) -> None:
    for head in ("https://x.com/", "https://bsky.app/profile/", "https://m.example/@", "https://"):
        ref = parse_post_url(head + tail)
        assert ref is None or ref.url.startswith("https://")


labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
tlds = st.from_regex(r"[a-z]{2,6}", fullmatch=True)
hosts = st.builds(
    lambda parts, tld: ".".join([*parts, tld]), st.lists(labels, min_size=1, max_size=3), tlds
)
x_users = st.from_regex(r"[A-Za-z0-9_]{1,15}", fullmatch=True).filter(lambda u: u.lower() != "i")
ids = st.from_regex(r"[1-9][0-9]{0,19}", fullmatch=True)
rkeys = st.from_regex(r"[a-z2-7]{13}", fullmatch=True)
tails = st.sampled_from(["", "/", "?s=20", "/?lang=en&t=x", "#top"])


@given(st.sampled_from(sorted(["x.com", "twitter.com", "mobile.twitter.com"])), x_users, ids, tails)
def test_x_links_round_trip(host: str, user: str, post_id: str, tail: str) -> None:
    ref = parse_post_url(f"https://{host}/{user}/status/{post_id}{tail}")
    assert ref == PostRef(Network.X, post_id, user, "x.com")
    assert parse_post_url(ref.url) == ref


@given(hosts, rkeys, tails)
def test_bluesky_links_round_trip(handle: str, rkey: str, tail: str) -> None:
    ref = parse_post_url(f"https://bsky.app/profile/{handle}/post/{rkey}{tail}")
    assert ref == PostRef(Network.BLUESKY, rkey, handle, "bsky.app")
    assert parse_post_url(ref.url) == ref


@given(hosts, st.from_regex(r"[A-Za-z0-9_]{1,30}", fullmatch=True), ids, st.booleans(), tails)
def test_mastodon_links_round_trip(
    host: str, user: str, post_id: str, long_form: bool, tail: str
) -> None:
    if host in ("x.com", "twitter.com", "bsky.app"):
        return
    path = f"/users/{user}/statuses/{post_id}" if long_form else f"/@{user}/{post_id}"
    ref = parse_post_url(f"https://{host}{path}{tail}")
    assert ref == PostRef(Network.MASTODON, post_id, user, host)
    assert parse_post_url(ref.url) == ref


@given(
    st.sampled_from(["x.com", "twitter.com", "bsky.app"]),
    labels,
    st.sampled_from(["http", "javascript", "ftp", "data", "HTTPS:/"]),
)
def test_lookalike_hosts_and_other_schemes_are_rejected(real: str, label: str, scheme: str) -> None:
    x_path, bsky_path = "/maria_g/status/12", "/profile/maria.bsky.social/post/3l6oveex3ii2l"
    path = bsky_path if real == "bsky.app" else x_path
    assert parse_post_url(f"https://{real}.{label}.example{path}") is None
    assert parse_post_url(f"https://{label}{real}{path}") is None
    assert parse_post_url(f"{scheme}://{real}{path}") is None


# --- taking a post in -------------------------------------------------------------------


@dataclass
class FakeLookup:
    """A network that knows some posts by id; `error` plays an outage."""

    posts: dict[str, Mention] = field(default_factory=dict)
    error: str = ""
    asked: list[PostRef] = field(default_factory=list)

    def fetch(self, ref: PostRef) -> Mention | None:
        self.asked.append(ref)
        if self.error:
            raise PostLookupError(self.error)
        return self.posts.get(ref.post_id)


@pytest.fixture
def core(store, clock: FakeClock, links: LinkBook) -> Core:
    return wire(store, clock, links)


def test_a_fetched_post_becomes_a_drafted_case_with_a_card(core: Core) -> None:
    post = make_mention("777", "Where is my parcel? Tracking says nothing since Monday.")
    lookup = FakeLookup({"777": post})
    result = take_in(
        "https://x.com/maria_g/status/777", {Network.X: lookup}, core.loop, requested_by="U_AMY"
    )
    assert result.outcome is Outcome.TAKEN
    assert result.case is not None and result.case.id == "x:777"
    assert result.case.state is CaseState.IN_REVIEW and result.case.triage is not None
    assert result.case.review_ref == "C1/x:777"
    assert core.surface.shown[-1][0] == "x:777" and core.surface.shown[-1][2]
    audit = core.loop.store.audit("x:777")
    assert audit[0].action == "created"
    assert (audit[-1].actor, audit[-1].action) == ("U_AMY", "fetched")
    assert audit[-1].detail == "https://x.com/maria_g/status/777"


def test_a_post_taken_in_before_is_not_taken_twice(core: Core) -> None:
    lookup = FakeLookup({"777": make_mention("777")})
    first = take_in("https://x.com/maria_g/status/777", {Network.X: lookup}, core.loop)
    again = take_in("https://twitter.com/maria_g/status/777", {Network.X: lookup}, core.loop)
    assert first.outcome is Outcome.TAKEN and again.outcome is Outcome.KNOWN
    assert again.case is not None and again.case.id == "x:777"
    assert len(core.surface.shown) == 1
    assert len(core.loop.store.cases()) == 1


def test_not_a_post_link_asks_no_network(core: Core) -> None:
    lookup = FakeLookup()
    result = take_in("https://example.com/blog", {Network.X: lookup}, core.loop)
    assert result.outcome is Outcome.UNKNOWN_URL and lookup.asked == []


def test_a_network_without_lookup_is_not_configured(core: Core) -> None:
    result = take_in("https://bsky.app/profile/maria.bsky.social/post/3l6oveex3ii2l", {}, core.loop)
    assert result.outcome is Outcome.NOT_CONFIGURED
    assert result.ref is not None and result.ref.network is Network.BLUESKY


def test_gone_and_failed_lookups_write_nothing(core: Core) -> None:
    gone = take_in("https://x.com/maria_g/status/1", {Network.X: FakeLookup()}, core.loop)
    failed = take_in(
        "https://x.com/maria_g/status/1",
        {Network.X: FakeLookup(error="X is rate limiting")},
        core.loop,
    )
    assert gone.outcome is Outcome.GONE
    assert failed.outcome is Outcome.FAILED and failed.detail == "X is rate limiting"
    assert core.loop.store.cases() == []


def test_old_posts_expire_and_the_brands_own_posts_are_skipped(
    core: Core, clock: FakeClock
) -> None:
    old = make_mention("5", minutes_ago=timedelta(days=9).total_seconds() / 60)
    own = make_mention("6", author="parcelly")
    lookup = FakeLookup({"5": old, "6": own})
    expired = take_in("https://x.com/maria_g/status/5", {Network.X: lookup}, core.loop)
    skipped = take_in("https://x.com/parcelly/status/6", {Network.X: lookup}, core.loop)
    assert expired.outcome is Outcome.TAKEN and expired.case is not None
    assert expired.case.state is CaseState.EXPIRED
    assert skipped.outcome is Outcome.SKIPPED and "own post" in skipped.detail
    assert core.loop.store.get_case("x:6") is None


def test_unreadable_text_is_quarantined_not_taken(core: Core) -> None:
    lookup = FakeLookup({"9": make_mention("9", text="   ")})
    result = take_in("https://x.com/maria_g/status/9", {Network.X: lookup}, core.loop)
    assert result.outcome is Outcome.SKIPPED and "quarantined" in result.detail
    assert core.loop.store.get_case("x:9") is None


# --- finding a post careops already has, from the link alone ------------------------------


def case_of(mention: Mention) -> Case:
    at = mention.created_at
    return Case(mention.case_id, mention, CaseState.IN_REVIEW, created_at=at, updated_at=at)


def test_an_x_link_names_its_case_by_id_whatever_the_username_in_it() -> None:
    case = case_of(make_mention("1276035977375477760", author="maria_g"))
    ref = parse_post_url("https://x.com/i/web/status/1276035977375477760")
    assert ref is not None and known_case_ids(ref) == ("x:1276035977375477760",)
    assert same_post(case, ref)


def test_a_mastodon_id_from_another_instance_is_not_our_case() -> None:
    ours = replace(
        make_mention("109", network=Network.MASTODON, author="maria"),
        url="https://mastodon.social/@maria/109",
    )
    here = parse_post_url("https://mastodon.social/@maria/109")
    elsewhere = parse_post_url("https://fosstodon.org/@someone/109")  # the same id elsewhere
    assert here is not None and elsewhere is not None
    assert known_case_ids(elsewhere) == ("mastodon:109",)  # a candidate only
    assert same_post(case_of(ours), here) and not same_post(case_of(ours), elsewhere)


def test_only_a_did_form_bluesky_link_spells_the_case_id() -> None:
    did = "did:plc:abcdefghijklmnopqrstuvwx"
    by_did = parse_post_url(f"https://bsky.app/profile/{did}/post/3l6oveex3ii2l")
    by_handle = parse_post_url("https://bsky.app/profile/maria.bsky.social/post/3l6oveex3ii2l")
    assert by_did is not None and by_handle is not None
    assert known_case_ids(by_did) == (f"bluesky:at://{did}/app.bsky.feed.post/3l6oveex3ii2l",)
    assert known_case_ids(by_handle) == ()
