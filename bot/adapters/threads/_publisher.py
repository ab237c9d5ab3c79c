"""Threads replies, exactly once, in two steps (see _network.py for the whole story).

The first publish makes a reply container and answers PublishLater (due 30 s later);
the outbox row keeps the container id. The next asks the container's status before
anything: PUBLISHED (an earlier attempt got through) is looked up among the brand's
replies, never published again; FINISHED is published; EXPIRED or ERROR gets a new
container. The daily quotas are read before each container: a used-up quota waits.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from bot.adapters.meta import GraphClient, GraphError
from bot.adapters.threads._parse import REPLY_FIELDS, after_cursor, id_of
from bot.core.budget import BUDGETS
from bot.core.models import Network, OutboxItem, PublishResult
from bot.core.ports import Clock, PermanentPublishError, PublishLater
from bot.core.rules import LIMITS, measure

log = logging.getLogger(__name__)

PAGE_SIZE = 25
RECONCILE_PAGES = 3
CONTAINER = "threads_container"  # outbox meta: the reply container made for this draft
CONTAINER_WAIT = timedelta(seconds=30)  # Meta: "wait about 30 seconds before publishing"
QUOTA_WAIT = timedelta(hours=1)  # a used-up 24-hour quota is read again after this
QUOTA_FIELDS = "quota_usage,config,reply_quota_usage,reply_config"


class ThreadsPublisher:
    def __init__(self, client: GraphClient, clock: Clock, *, user_id: str) -> None:
        self.client = client
        self.clock = clock
        self.user_id = user_id

    def publish(self, item: OutboxItem) -> PublishResult | PublishLater:
        if self.client.gate.blocked(self.clock.now()):
            return self._wait(self.client.gate.notice())
        try:
            container = item.meta.get(CONTAINER)
            return self._step(item, container) if container else self._container(item)
        except GraphError as exc:
            if exc.rate_limited:
                return self._wait(str(exc))
            if exc.refused:
                raise PermanentPublishError(f"Threads refused the reply: {exc}") from exc
            raise

    def find_existing(self, item: OutboxItem) -> PublishResult | None:
        container = item.meta.get(CONTAINER)
        if container and self._status(container) == "PUBLISHED":
            return self._published(item, container)
        return None if container else self._own_reply(item)

    def _container(self, item: OutboxItem) -> PublishResult | PublishLater:
        length = measure(item.text, Network.THREADS)
        if length > LIMITS[Network.THREADS]:
            raise PermanentPublishError(f"reply is {length} characters on Threads (limit 500)")
        used_up = self._quota_used_up()
        if used_up:
            return PublishLater(self.clock.now() + QUOTA_WAIT, reason=used_up)
        created = self.client.post(
            f"{self.user_id}/threads",
            media_type="TEXT",
            text=item.text,
            reply_to_id=item.in_reply_to,
        )
        container = str(created.get("id") or "")
        if not container:
            raise GraphError("threads: no container id in the answer", transient=True)
        return PublishLater(
            self.clock.now() + CONTAINER_WAIT,
            {CONTAINER: container},
            "reply container made; Threads publishes it after about 30 s",
        )

    def _step(self, item: OutboxItem, container: str) -> PublishResult | PublishLater:
        status = self._status(container)
        if status == "PUBLISHED":  # an earlier attempt got through: never publish it again
            return self._published(item, container)
        if status == "IN_PROGRESS":
            return PublishLater(self.clock.now() + CONTAINER_WAIT, reason="Threads is preparing it")
        if status in ("EXPIRED", "ERROR"):
            log.warning("threads: container %s is %s; making a new one", container, status)
            return self._container(item)
        published = self.client.post(f"{self.user_id}/threads_publish", creation_id=container)
        self.client.counted_reply()
        media_id = str(published.get("id") or "")
        if not media_id:
            raise GraphError("threads: no post id in the publish answer", transient=True)
        return PublishResult(media_id, self._permalink(media_id))

    def _status(self, container: str) -> str:
        return str(self.client.get(container, fields="status,error_message").get("status") or "")

    def _published(self, item: OutboxItem, container: str) -> PublishResult:
        found = self._own_reply(item)
        if found is not None:
            return found
        return PublishResult(
            container,
            note="Threads says the reply container was published; its post was not found"
            " among the brand's replies yet",
        )

    def _own_reply(self, item: OutboxItem) -> PublishResult | None:
        """The brand's reply to the post, among its own latest replies."""
        after = None
        for _ in range(RECONCILE_PAGES):
            params: dict[str, str | int] = {"fields": REPLY_FIELDS, "limit": PAGE_SIZE}
            if after:
                params["after"] = after
            body = self.client.get(f"{self.user_id}/replies", **params)
            for reply in body.get("data") or []:
                if isinstance(reply, dict) and id_of(reply.get("replied_to")) == item.in_reply_to:
                    return _found(item, reply)
            after = after_cursor(body)
            if not after:
                return None
        return None

    def _quota_used_up(self) -> str:
        """Why no reply may go out now ("" when the quotas have room). Threads enforces
        them itself too, so a token that may not read them does not stop a reply."""
        try:
            body = self.client.get(f"{self.user_id}/threads_publishing_limit", fields=QUOTA_FIELDS)
        except GraphError as exc:
            if not exc.refused:
                raise
            log.warning("threads: cannot read the publishing quotas (%s); publishing", exc)
            return ""
        rows = body.get("data")
        row = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], dict) else {}
        for used_key, config_key, kind in (
            ("reply_quota_usage", "reply_config", "reply"),
            ("quota_usage", "config", "post"),
        ):
            used, config = row.get(used_key), row.get(config_key)
            total = config.get("quota_total") if isinstance(config, dict) else None
            limit = total if isinstance(total, int) else BUDGETS[Network.THREADS][kind].limit
            if isinstance(used, int) and used >= limit:
                return f"Threads {kind} quota used: {used} of {limit} in 24 hours"
        return ""

    def _permalink(self, media_id: str) -> str:
        try:
            link = self.client.get(media_id, fields="permalink").get("permalink")
        except GraphError:
            return ""  # the reply is out; the card links it once Threads answers
        return link if isinstance(link, str) else ""

    def _wait(self, why: str) -> PublishLater:
        until = self.client.gate.until or self.clock.now() + CONTAINER_WAIT
        return PublishLater(until, reason=why)


def _found(item: OutboxItem, reply: dict[str, Any]) -> PublishResult:
    """The brand's reply to the post: ours if it carries the draft's words, else one
    written by hand meanwhile; either way nothing more is sent, and the audit says which."""
    link = reply.get("permalink")
    result = PublishResult(str(reply.get("id")), link if isinstance(link, str) else "")
    if _words(str(reply.get("text") or "")) == _words(item.text):
        return result
    note = "Threads already had a reply from the brand to this post, not careops's draft"
    return PublishResult(result.remote_id, result.url, note=f"{note}; the draft was not sent")


def _words(text: str) -> str:
    return " ".join(text.split()).casefold()
