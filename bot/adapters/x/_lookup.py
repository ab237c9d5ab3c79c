"""Fetch one X post by its link (the `PostLookup` port), sharing intake's client and meter.

GET /2/tweets/:id with intake's expansions and fields, parsed like a listening result,
so `summoned` follows the same rule (a post that does not @-mention or quote the brand
is answered by hand). X answers a deleted or protected post with HTTP 200 and an
`errors` list instead of `data`.
"""

from __future__ import annotations

import requests
import tweepy

from bot.adapters.x._meter import XMeter
from bot.adapters.x._parse import EXPANSIONS, TWEET_FIELDS, USER_FIELDS, parse_page
from bot.core.models import Mention
from bot.core.ports import Clock, PostLookupError
from bot.core.post_urls import PostRef, from_link


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
        self.meter.response(body)
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
        return from_link(parsed.mentions[0])
