"""X (API v2, tweepy `Client`): mentions in, replies out.

Intake reads the brand's mention timeline with `since_id` (and, optionally, a keyword
search for listening). The cursor is JSON: per stream the last id seen, plus the paging
state of a backfill that did not finish within one poll, so a long outage is fetched
over several polls instead of being skipped.

X has no idempotency key: after a crash, `find_existing` reads the brand's own recent
posts and looks for a reply to the same post.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, cast

import requests
import tweepy

from bot.adapters.x._meter import XMeter
from bot.adapters.x._parse import (
    EXPANSIONS,
    TWEET_FIELDS,
    USER_FIELDS,
    comparable,
    newest_id,
    parse_page,
)
from bot.core.budget import RateGate
from bot.core.credentials import AuthBackoff
from bot.core.models import Network, OutboxItem, PublishResult
from bot.core.ports import Clock, PermanentPublishError, SourceBatch
from bot.core.rules import measure

log = logging.getLogger(__name__)

X_LIMIT = 280
PAGE_SIZE = 100
MAX_PAGES_PER_POLL = 3
REACHABLE_MENTIONS = 800  # X serves only the 800 most recent mentions
RECONCILE_PAGES = 3
X_TIMEOUT_SECONDS = 20.0  # connect and read, per request
TWEEPY_HOST = "https://api.twitter.com"  # tweepy.Client.request writes it into every URL


def x_client(
    bearer_token: str | None,
    api_key: str | None,
    api_secret: str | None,
    access_token: str | None,
    access_token_secret: str | None,
    session: requests.Session | None = None,
    *,
    timeout: float = X_TIMEOUT_SECONDS,
    base_url: str = TWEEPY_HOST,
) -> tweepy.Client:
    """A tweepy Client that returns raw responses (we need the rate-limit headers).

    tweepy sets no timeout of its own, and one stalled connection would hold up every
    poll and publish behind it, so each request gets `timeout` seconds. tweepy always
    writes https://api.twitter.com; the session sends its calls to `base_url` instead
    (X_API_BASE_URL: a local fake in tests, a proxy).
    """
    client = tweepy.Client(
        bearer_token=bearer_token,
        consumer_key=api_key,
        consumer_secret=api_secret,
        access_token=access_token,
        access_token_secret=access_token_secret,
        return_type=requests.Response,
        wait_on_rate_limit=False,  # a 429 is handled by the source, never by sleeping
    )
    client.session = session if session is not None else TimeoutSession(timeout, base_url)
    return client


class TimeoutSession(requests.Session):
    """A requests Session whose requests time out unless the caller says otherwise, and
    go to `base_url` where tweepy wrote its own host."""

    def __init__(self, timeout: float, base_url: str = TWEEPY_HOST) -> None:
        super().__init__()
        self.timeout = timeout
        self.base_url = base_url.rstrip("/")

    def request(  # type: ignore[override]
        self, method: str, url: str, *args: Any, **kwargs: Any
    ) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        if url.startswith(TWEEPY_HOST + "/"):
            url = self.base_url + url.removeprefix(TWEEPY_HOST)
        return super().request(method, url, *args, **kwargs)


class XSource:
    name = "x"

    def __init__(
        self,
        client: tweepy.Client,
        clock: Clock,
        *,
        user_id: str,
        username: str,
        meter: XMeter,
        listen_query: str | None = None,
        max_pages: int = MAX_PAGES_PER_POLL,
    ) -> None:
        self.client = client
        self.clock = clock
        self.user_id = user_id
        self.username = username
        self.meter = meter
        self.listen_query = listen_query
        self.max_pages = max_pages
        self.gate = RateGate(Network.X)
        self.user_auth = client.bearer_token is None
        keys = "X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET"
        self.auth = AuthBackoff(Network.X, keys if self.user_auth else "X_BEARER_TOKEN")

    def poll(self, cursor: str | None) -> SourceBatch:
        state = _load_state(cursor)
        batch = SourceBatch()
        streams: list[tuple[str, Callable[..., Any]]] = [("mentions", self._mentions)]
        if self.listen_query:
            streams.append(("search", self._search))
        for key, fetch in streams:
            if self.auth.blocked(self.clock.now()):  # refused lately: no call until it is time
                batch.notices.append(self.auth.notice)
                break
            if self.gate.blocked(self.clock.now()):
                batch.notices.append(self.gate.notice())
                break
            state[key] = self._stream(batch, state.get(key) or {}, fetch, listening=key == "search")
        batch.cursor = json.dumps(state, sort_keys=True)
        return batch

    def _mentions(self, **params: Any) -> requests.Response:
        answer = self.client.get_users_mentions(self.user_id, user_auth=self.user_auth, **params)
        return cast(requests.Response, answer)  # tweepy ships no types; return_type=Response

    def _search(self, **params: Any) -> requests.Response:
        answer = self.client.search_recent_tweets(
            self.listen_query, user_auth=self.user_auth, **params
        )
        return cast(requests.Response, answer)

    def _stream(
        self,
        batch: SourceBatch,
        state: dict[str, Any],
        fetch: Callable[..., requests.Response],
        *,
        listening: bool,
    ) -> dict[str, Any]:
        """Page newest-first from the last id seen; returns the stream's next state.

        Pages left over when the poll's page allowance runs out are fetched next time
        (`token`), and `since` only moves once the whole gap has been read.
        """
        since, token = state.get("since"), state.get("token")
        newest = state.get("newest")
        fetched = int(state.get("fetched", 0))
        pages = 1 if since is None else self.max_pages
        for _ in range(pages):
            try:
                body = self._page(fetch, since, token)
            except tweepy.Unauthorized as exc:
                until = self.auth.refused(self.clock.now())
                log.warning("x: credentials refused (%s); next try at %s", exc, until)
                batch.notices.append(self.auth.notice)
                return state
            except tweepy.TooManyRequests as exc:
                self.gate.limited(self.clock.now(), _headers(exc))
                batch.notices.append(self.gate.notice())
                return state
            except tweepy.BadRequest as exc:
                batch.notices.append(f"x: intake gap, X refused the cursor ({exc}); restarting")
                return {}
            except (tweepy.TweepyException, requests.RequestException) as exc:
                log.warning("x: page failed: %s", exc)
                batch.notices.append(f"x: fetch failed ({type(exc).__name__}); will retry")
                return {**state, "newest": newest} if token else state
            recovered = self.auth.accepted()
            if recovered:
                batch.notices.append(recovered)
            parsed = parse_page(
                body,
                brand_id=self.user_id,
                brand_username=self.username,
                listening=listening,
                at=self.clock.now(),
            )
            batch.mentions.extend(parsed.mentions)
            batch.quarantined.extend(parsed.quarantined)
            fetched += len(parsed.ids)
            newest = newest_id([i for i in (newest, *parsed.ids) if i]) or newest
            token = parsed.next_token
            if not token or since is None:
                return {"since": newest or since}
            if fetched >= REACHABLE_MENTIONS:
                batch.notices.append(
                    f"x: intake gap, more than {REACHABLE_MENTIONS} posts since the last poll;"
                    " older ones cannot be fetched"
                )
                return {"since": newest}
        return {"since": since, "token": token, "newest": newest, "fetched": fetched}

    def _page(
        self, fetch: Callable[..., requests.Response], since: str | None, token: str | None
    ) -> dict[str, Any]:
        params: dict[str, Any] = {
            "max_results": PAGE_SIZE,
            "expansions": EXPANSIONS,
            "tweet_fields": TWEET_FIELDS,
            "user_fields": USER_FIELDS,
        }
        if since:
            params["since_id"] = since
        if token:
            params["pagination_token" if fetch == self._mentions else "next_token"] = token
        response = fetch(**params)
        try:
            body = response.json()
        except (ValueError, RecursionError) as exc:  # a page, not a post: nothing to skip to
            raise tweepy.TweepyException(f"X answered with unreadable JSON ({exc!r:.80})") from None
        if not isinstance(body, dict):
            raise tweepy.TweepyException("X answered with a non-object body")
        self.meter.response(body)
        return body


class XPublisher:
    def __init__(
        self, client: tweepy.Client, *, user_id: str, username: str, meter: XMeter
    ) -> None:
        self.client = client
        self.user_id = user_id
        self.username = username
        self.meter = meter

    def publish(self, item: OutboxItem) -> PublishResult:
        if item.meta.get("summoned") == "false":
            raise PermanentPublishError(
                "X allows replies only to posts that mention the brand: answer by hand"
            )
        length = measure(item.text, Network.X)
        if length > X_LIMIT:
            raise PermanentPublishError(f"reply is {length} characters on X (limit {X_LIMIT})")
        try:
            response = self.client.create_tweet(
                text=item.text, in_reply_to_tweet_id=item.in_reply_to, user_auth=True
            )
        except (tweepy.BadRequest, tweepy.Forbidden, tweepy.NotFound) as exc:
            raise PermanentPublishError(f"X refused the reply: {_reason(exc)}") from exc
        self.meter.created(item.text)
        post_id = str(response.json()["data"]["id"])
        return PublishResult(post_id, self._url(post_id))

    def find_existing(self, item: OutboxItem) -> PublishResult | None:
        """Our reply to the same post among the brand's posts since that post."""
        token = None
        for _ in range(RECONCILE_PAGES):
            params: dict[str, Any] = {
                "since_id": item.in_reply_to,
                "max_results": PAGE_SIZE,
                "tweet_fields": ["referenced_tweets", "conversation_id"],
            }
            if token:
                params["pagination_token"] = token
            body = self.client.get_users_tweets(self.user_id, **params).json()
            self.meter.response(body)
            for post in body.get("data") or []:
                refs = post.get("referenced_tweets") or []
                if any(
                    r.get("type") == "replied_to" and str(r.get("id")) == item.in_reply_to
                    for r in refs
                ):
                    return self._found(item, post)
            token = (body.get("meta") or {}).get("next_token")
            if not token:
                return None
        return None

    def _found(self, item: OutboxItem, post: dict[str, Any]) -> PublishResult:
        """A brand reply to the post: ours if its text is our draft's, else one written by
        hand meanwhile. Either way the customer has an answer and nothing more is sent;
        the case's audit says which it was."""
        post_id = str(post["id"])
        if comparable(str(post.get("text", ""))) == comparable(item.text):
            return PublishResult(post_id, self._url(post_id))
        note = "X already had a reply from the brand to this post, not careops's draft"
        return PublishResult(post_id, self._url(post_id), note=f"{note}; the draft was not sent")

    def _url(self, post_id: str) -> str:
        return f"https://x.com/{self.username}/status/{post_id}"


def _load_state(cursor: str | None) -> dict[str, Any]:
    if not cursor:
        return {}
    try:
        state = json.loads(cursor)
    except json.JSONDecodeError:
        return {"mentions": {"since": cursor}} if cursor.isdigit() else {}
    return state if isinstance(state, dict) else {}


def _headers(exc: tweepy.HTTPException) -> dict[str, str]:
    response = getattr(exc, "response", None)
    return dict(response.headers) if response is not None else {}


def _reason(exc: tweepy.HTTPException) -> str:
    messages = getattr(exc, "api_messages", None) or getattr(exc, "api_errors", None)
    return "; ".join(map(str, messages))[:200] if messages else str(exc)[:200]
