"""Fetch one Bluesky post by its link (the `PostLookup` port), sharing intake's session.

The link's handle is resolved to a DID, then getPosts reads the record; a post view has
the fields of a notification, so intake's parser makes the Mention.
"""

from __future__ import annotations

import logging
from typing import Any

from atproto_client.exceptions import BadRequestError, RateLimitExceededError, RequestErrorBase

from bot.adapters.bluesky import _parse as bluesky_parse
from bot.adapters.bluesky._network import POST, BlueskySession
from bot.core.models import Mention
from bot.core.ports import PostLookupError
from bot.core.post_urls import PostRef, from_link

log = logging.getLogger(__name__)


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
            return from_link(bluesky_parse.mention_from_notification(posts[0], context))
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
