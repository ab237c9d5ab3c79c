"""Fetch one post by its link, per network (the `PostLookup` port), reusing intake's clients.

- X: GET /2/tweets/:id with intake's expansions and fields, parsed like a listening
  result, so `summoned` follows the same rule (a post that does not @-mention or quote
  the brand is answered by hand). X answers a deleted or protected post with HTTP 200
  and an `errors` list instead of `data`.
- Bluesky: the link's handle is resolved to a DID, then getPosts reads the record; a
  post view has the fields of a notification, so intake's parser makes the Mention.
- Mastodon: the brand's instance searches for the link with `resolve=true`, which also
  fetches a post from another instance; the Mention carries the id on our instance.

`lookups_for(sources)` builds the lookups from the configured sources, so they share
their clients, the stored Bluesky session and the usage meters.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from typing import Any

import requests
import tweepy
from atproto_client.exceptions import BadRequestError, RateLimitExceededError, RequestErrorBase
from mastodon import Mastodon, MastodonError, MastodonNotFoundError, MastodonRatelimitError

from bot.adapters import bluesky_parse
from bot.adapters.bluesky import POST, BlueskySession, BlueskySource
from bot.adapters.mastodon import BadNotification, MastodonSource, thread_context
from bot.adapters.mastodon import mention_from_notification as mastodon_mention
from bot.adapters.x import XMeter, XSource
from bot.adapters.x_parse import EXPANSIONS, TWEET_FIELDS, USER_FIELDS, parse_page
from bot.core.budget import UsageLog
from bot.core.models import Mention, Network
from bot.core.ports import Clock, MentionSource, PostLookup, PostLookupError
from bot.core.post_urls import PostRef

log = logging.getLogger(__name__)

URL_REASON = "url"  # Mention.meta["reason"] of a post taken in by its link


class XPostLookup:
    def __init__(
        self, client: tweepy.Client, clock: Clock, *, user_id: str, username: str, meter: XMeter
    ) -> None:
        self.client = client
        self.clock = clock
        self.user_id = user_id
        self.username = username
        self.meter = meter
        self.user_auth = client.bearer_token is None

    def fetch(self, ref: PostRef) -> Mention | None:
        try:
            response = self.client.get_tweet(
                ref.post_id,
                expansions=EXPANSIONS,
                tweet_fields=TWEET_FIELDS,
                user_fields=USER_FIELDS,
                user_auth=self.user_auth,
            )
        except tweepy.NotFound:
            return None
        except tweepy.TooManyRequests as exc:
            raise PostLookupError("X is rate limiting reads; try again in a few minutes") from exc
        except (tweepy.TweepyException, requests.RequestException) as exc:
            raise PostLookupError(f"X did not answer ({type(exc).__name__})") from exc
        body = response.json()
        post = body.get("data") if isinstance(body, dict) else None
        self.meter.request("read", 1 if isinstance(post, dict) else 0)
        if not isinstance(post, dict):
            return None  # deleted, protected or suspended: X says so in `errors`
        parsed = parse_page(
            {**body, "data": [post]},
            brand_id=self.user_id,
            brand_username=self.username,
            listening=True,  # summoned only if it @-mentions or quotes the brand
            at=self.clock.now(),
        )
        if not parsed.mentions:
            reason = parsed.quarantined[0].reason if parsed.quarantined else "no post"
            raise PostLookupError(f"X sent a post careops cannot read ({reason})")
        return _from_link(parsed.mentions[0])


class BlueskyPostLookup:
    def __init__(self, session: BlueskySession) -> None:
        self.session = session

    def fetch(self, ref: PostRef) -> Mention | None:
        try:
            did = ref.author if ref.author.startswith("did:") else self._resolve(ref.author)
            if did is None:
                return None
            uri = f"at://{did}/{POST}/{ref.post_id}"
            posts = self._posts([uri])
            if not posts:
                return None
            context = self._parent_text(posts[0])
        except RateLimitExceededError as exc:
            raise PostLookupError("Bluesky is rate limiting; try again in a few minutes") from exc
        except RequestErrorBase as exc:
            raise PostLookupError(f"Bluesky did not answer ({type(exc).__name__})") from exc
        try:
            return _from_link(bluesky_parse.mention_from_notification(posts[0], context))
        except (bluesky_parse.BadNotification, ValueError) as exc:
            raise PostLookupError(f"Bluesky sent a post careops cannot read ({exc})") from exc

    def _resolve(self, handle: str) -> str | None:
        """The handle's DID; None when no account has that handle (BadRequest)."""
        client = self.session.client
        try:
            answer = self.session.call(
                lambda: client.com.atproto.identity.resolve_handle({"handle": handle})
            )
        except BadRequestError:
            return None
        return str(answer.did)

    def _posts(self, uris: list[str]) -> list[Any]:
        client = self.session.client
        return list(self.session.call(lambda: client.get_posts(uris)).posts or [])

    def _parent_text(self, post: Any) -> tuple[str, ...]:
        """The text of the post it answers, when there is one and it still exists."""
        parent = bluesky_parse.parent_uri(post)
        if not parent:
            return ()
        try:
            parents = self._posts([parent])
        except RequestErrorBase as exc:
            log.info("bluesky: no thread context for %s: %s", parent, exc)
            return ()
        text = bluesky_parse.post_text(bluesky_parse.get(parents[0], "record")) if parents else ""
        return (text,) if text else ()


class MastodonPostLookup:
    def __init__(self, api: Mastodon, *, usage: UsageLog | None = None) -> None:
        self.api = api
        self.usage = usage

    def fetch(self, ref: PostRef) -> Mention | None:
        try:
            self._count()
            found = self.api.search_v2(
                ref.url,
                resolve=True,
                result_type="statuses",
                exclude_unreviewed=False,  # hashtags only; True makes Mastodon.py ask the version
            )
            statuses = list(found.get("statuses") or [])
            if not statuses:
                return None  # gone, private, or not a fediverse post after all
            status = statuses[0]
            context = self._context(status)
        except MastodonNotFoundError:
            return None
        except MastodonRatelimitError as exc:
            raise PostLookupError("Mastodon is rate limiting; try again in a few minutes") from exc
        except MastodonError as exc:
            raise PostLookupError(f"Mastodon did not answer ({type(exc).__name__})") from exc
        try:
            return _from_link(mastodon_mention({"id": "", "status": status}, context))
        except (BadNotification, KeyError, TypeError, ValueError) as exc:
            raise PostLookupError(f"Mastodon sent a post careops cannot read ({exc})") from exc

    def _context(self, status: Any) -> tuple[str, ...]:
        return thread_context(self.api, status, self._count)

    def _count(self) -> None:
        if self.usage is not None:
            self.usage.record_usage(Network.MASTODON.value, "requests", 1, 0.0)


def _from_link(mention: Mention) -> Mention:
    """Mark the mention as taken in by its link (audit and cards can tell)."""
    return dataclasses.replace(mention, meta={**mention.meta, "reason": URL_REASON})


def lookups_for(sources: Iterable[MentionSource]) -> dict[Network, PostLookup]:
    """A lookup for each configured network, sharing its source's client and meters."""
    lookups: dict[Network, PostLookup] = {}
    for source in sources:
        if isinstance(source, XSource):
            lookups[Network.X] = XPostLookup(
                source.client,
                source.clock,
                user_id=source.user_id,
                username=source.username,
                meter=source.meter,
            )
        elif isinstance(source, BlueskySource):
            lookups[Network.BLUESKY] = BlueskyPostLookup(source.session)
        elif isinstance(source, MastodonSource):
            lookups[Network.MASTODON] = MastodonPostLookup(source.api, usage=source.usage)
    return lookups
