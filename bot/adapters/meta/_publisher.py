"""A public reply under a Facebook or Instagram comment, exactly once.

The Graph API has no idempotency key, so a reply is looked for before it is sent
again: reconcile after a crash, and any attempt after the first (a timeout may have
reached Meta), read the comments under the thread and take a comment by the brand,
made after the customer's, with the draft's words as the reply already sent. The
Graph API's usage headers are respected here too: from 95% (or after a rate-limit
error) the reply waits (`PublishLater`), it does not fail.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot.adapters.meta._comments import CREATED, REPLY_TO
from bot.adapters.meta._graph import GraphClient, GraphError
from bot.adapters.meta._listing import Account, obj
from bot.core.models import OutboxItem, PublishResult
from bot.core.ports import Clock, PermanentPublishError, PublishLater
from bot.core.rules import LIMITS, measure

log = logging.getLogger(__name__)

RECONCILE_PAGES = 3
PAGE_SIZE = 50


class CommentPublisher:
    def __init__(self, client: GraphClient, clock: Clock, account: Account) -> None:
        self.client = client
        self.clock = clock
        self.account = account
        self._own_username: str | None = None

    def publish(self, item: OutboxItem) -> PublishResult | PublishLater:
        network = self.account.network
        length = measure(item.text, network)
        if length > LIMITS[network]:
            raise PermanentPublishError(
                f"reply is {length} characters on {network.label} (limit {LIMITS[network]})"
            )
        if self.client.gate.blocked(self.clock.now()):
            return PublishLater(self._until(), reason=self.client.gate.notice())
        try:
            if item.attempts > 1:  # an earlier attempt may have reached Meta unheard
                found = self.find_existing(item)
                if found is not None:
                    return found
            created = self.client.post(
                f"{_target(item)}/{self.account.reply_edge}", message=item.text
            )
        except GraphError as exc:
            if exc.rate_limited:
                return PublishLater(self._until(), reason=str(exc))
            if exc.refused:
                raise PermanentPublishError(f"{network.label} refused the reply: {exc}") from exc
            raise
        self.client.counted_reply()
        reply_id = str(created.get("id") or "")
        if not reply_id:
            raise GraphError(f"{network.value}: no comment id in the answer", transient=True)
        return PublishResult(reply_id, self._link(reply_id))

    def find_existing(self, item: OutboxItem) -> PublishResult | None:
        """The brand's comment with the draft's words under the thread, made after the
        customer's comment (a brand comment with other words may answer someone else in
        the same thread, so only the draft's words count)."""
        after: str | None = None
        edge = f"{_target(item)}/{self.account.reply_edge}"
        for _ in range(RECONCILE_PAGES):
            params: dict[str, str | int] = {"fields": self.account.reply_fields, "limit": PAGE_SIZE}
            if after:
                params["after"] = after
            body = self.client.get(edge, **params)
            for comment in body.get("data") or []:
                if self._is_ours(comment, item):
                    link = comment.get("permalink_url")
                    return PublishResult(str(comment["id"]), link if isinstance(link, str) else "")
            paging = obj(body.get("paging"))
            after = obj(paging.get("cursors")).get("after") if paging.get("next") else None
            if not after:
                return None
        return None

    def _is_ours(self, comment: Any, item: OutboxItem) -> bool:
        if not isinstance(comment, dict) or not comment.get("id"):
            return False
        author = obj(comment.get("from"))
        name = comment.get("username") or author.get("username")
        by_brand = str(author.get("id")) == self.account.own_id or (
            isinstance(name, str) and name == self._brand_username()
        )
        text = comment.get(self.account.text_field)
        return (
            by_brand
            and _after(comment.get(self.account.time_field), item)
            and (isinstance(text, str) and _words(text) == _words(item.text))
        )

    def _brand_username(self) -> str:
        if self._own_username is None:
            found = self.client.get(self.account.own_id, fields="username").get("username")
            self._own_username = found if isinstance(found, str) else ""
        return self._own_username

    def _link(self, reply_id: str) -> str:
        if self.account.reply_edge != "comments":
            return ""  # Instagram gives no link to one comment
        try:
            link = self.client.get(reply_id, fields="permalink_url").get("permalink_url")
        except GraphError:
            return ""  # the reply is out; only its link is missing
        return link if isinstance(link, str) else ""

    def _until(self) -> datetime:
        return self.client.gate.until or self.clock.now()


def _target(item: OutboxItem) -> str:
    return item.meta.get(REPLY_TO) or item.in_reply_to


def _after(stamp: Any, item: OutboxItem) -> bool:
    created = item.meta.get(CREATED)
    if not created or not isinstance(stamp, str):
        return True
    try:
        return datetime.fromisoformat(stamp) >= datetime.fromisoformat(created)
    except ValueError:
        return True


def _words(text: str) -> str:
    return " ".join(text.split()).casefold()
