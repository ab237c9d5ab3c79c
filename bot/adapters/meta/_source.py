"""New comments on the brand's Facebook Page posts or Instagram media become Mentions.

Two ways in, one result. Webhook deliveries (stored by _webhooks.py before Meta got its
200) name new comments: each is fetched by its id, so a card shows what Meta holds
now. Polling the latest posts' comments is the safety net after any gap in the
webhooks: with webhooks on, every `safety_net` (10 minutes from 75% of Meta's rate
limit); without, every poll. Nothing is doubled: a case id is the comment's id, and
the cursor remembers the comments taken in the last OVERLAP so the next poll skips
them. The brand's own comments (its replies) are never cases.

The cursor (JSON): `since` (the newest comment time taken), `seen` (ids taken within
OVERLAP of it), `webhook` (the last delivery read) and `polled` (the last safety-net
poll). A fresh install reads the last FIRST_POLL_LOOKBACK of comments.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.adapters.meta._graph import (
    BadObject,
    GraphClient,
    GraphError,
    failure_notice,
    held_back,
    meta_time,
)
from bot.adapters.meta._listing import Account, obj
from bot.adapters.meta._webhooks import WebhookInbox, changes
from bot.core.budget import SLOW_POLL
from bot.core.credentials import AuthBackoff
from bot.core.intake import raw_preview
from bot.core.models import Mention, Quarantined
from bot.core.ports import Clock, SourceBatch

log = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=10)  # a comment listed late (Meta is eventually consistent)
FIRST_POLL_LOOKBACK = timedelta(hours=24)
SAFETY_NET = timedelta(minutes=5)  # how often to poll when webhooks deliver


@dataclass
class CommentCursor:
    since: float | None = None  # epoch seconds of the newest comment taken
    seen: dict[str, float] = field(default_factory=dict)  # id -> time, within OVERLAP
    webhook: int = 0  # the last delivery read (0: none yet, so every stored one is read)
    polled: float = 0.0  # the last safety-net poll

    @classmethod
    def load(cls, raw: str | None) -> CommentCursor:
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {}
        data = data if isinstance(data, dict) else {}
        seen = data.get("seen")
        return cls(
            since=_number(data.get("since")),
            seen={k: v for k, v in (seen or {}).items() if isinstance(v, int | float)}
            if isinstance(seen, dict)
            else {},
            webhook=max(int(_number(data.get("webhook")) or 0), 0),
            polled=_number(data.get("polled")) or 0.0,
        )

    def dump(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True)

    def take(self, mention: Mention, *, listed: bool) -> bool:
        """True for a comment not taken before (and remembers it). A `listed` one (from
        the safety-net poll) must also be newer than `since` less OVERLAP; one a webhook
        named is taken however late Meta delivered it."""
        when = mention.created_at.timestamp()
        if mention.external_id in self.seen:
            return False
        if listed and self.since is not None and when < self.since - OVERLAP.total_seconds():
            return False
        self.seen[mention.external_id] = when
        self.since = max(self.since or when, when)
        horizon = self.since - OVERLAP.total_seconds()
        self.seen = {k: v for k, v in self.seen.items() if v >= horizon}
        return True


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class CommentSource:
    """Comments of one account (Facebook Page or Instagram) as mentions."""

    def __init__(
        self,
        client: GraphClient,
        clock: Clock,
        account: Account,
        *,
        inbox: WebhookInbox | None = None,
        safety_net: timedelta = timedelta(0),
    ) -> None:
        self.client = client
        self.clock = clock
        self.account = account
        self.inbox = inbox
        self.safety_net = safety_net
        self.name = account.network.value
        self.auth = AuthBackoff(account.network, account.setting)
        self._own_username: str | None = None
        self._read_up_to: int | None = None  # the newest delivery when last polled

    def has_news(self) -> bool:
        """A delivery stored since the last poll began (one indexed read: asked twice a
        second), so a webhook is taken at once, not at this network's next turn. A poll
        that failed is tried again at the network's pace, not at every ask."""
        if self.inbox is None:
            return False
        return self._read_up_to is None or self.inbox.last_id() > self._read_up_to

    def poll(self, cursor: str | None) -> SourceBatch:
        batch = SourceBatch()
        now = self.clock.now()
        if self.inbox is not None:
            self._read_up_to = self.inbox.last_id()
        if (why := held_back(self.client, self.auth, now)) is not None:
            batch.notices.append(why)
            return batch
        state = CommentCursor.load(cursor)
        if state.since is None:
            state.since = (now - FIRST_POLL_LOOKBACK).timestamp()
        try:
            self._deliveries(state, batch)
            if self._net_due(state, now):
                self._poll_recent(state, batch)
                state.polled = now.timestamp()
        except GraphError as exc:
            batch.notices.append(failure_notice(exc, self.client, self.auth, self.clock.now()))
        else:
            recovered = self.auth.accepted()
            if recovered:
                batch.notices.append(recovered)
        batch.cursor = state.dump()
        return batch

    def _net_due(self, state: CommentCursor, now: datetime) -> bool:
        every = max(self.safety_net, SLOW_POLL) if self.client.gate.slowed else self.safety_net
        return now.timestamp() - state.polled >= every.total_seconds()

    def _deliveries(self, state: CommentCursor, batch: SourceBatch) -> None:
        """New webhook deliveries: each comment they name, fetched by id. The cursor moves
        past a delivery only once all its comments are in the batch."""
        if self.inbox is None:
            return
        for delivery in self.inbox.after(state.webhook):
            try:
                found = changes(delivery.body, self.account.object_type)
            except ValueError as exc:
                self._quarantine(batch, delivery.body, f"bad webhook delivery: {exc}")
                found = []
            for entry_id, change in found:
                self._change(entry_id, change, state, batch)
            state.webhook = delivery.id

    def _change(self, entry_id: str, change: Any, state: CommentCursor, batch: SourceBatch) -> None:
        account = self.account
        if entry_id != account.own_id or not isinstance(change, dict):
            return  # another account's (one app can serve several)
        value = change.get("value")
        if change.get("field") != account.field or not isinstance(value, dict):
            return
        if account.field == "feed" and (value.get("item"), value.get("verb")) != ("comment", "add"):
            return  # a like, a share, an edit or a removal: nothing to answer
        comment_id = value.get("comment_id") or value.get("id")
        author = obj(value.get("from"))
        if not isinstance(comment_id, str) or not comment_id or comment_id in state.seen:
            if not isinstance(comment_id, str) or not comment_id:
                self._quarantine(batch, value, "webhook change without a comment id")
            return
        if str(author.get("id")) == account.own_id:
            return  # the brand's own comment
        try:
            comment, parent = account.fetch(self.client, comment_id, value)
        except GraphError as exc:
            if exc.not_found:
                log.info("%s: comment %s is gone before it was read", self.name, comment_id)
                return
            raise
        self._add(comment, parent, state, batch, listed=False)

    def _poll_recent(self, state: CommentCursor, batch: SourceBatch) -> None:
        since = datetime.fromtimestamp((state.since or 0) - OVERLAP.total_seconds(), tz=UTC)
        found = list(self.account.recent(self.client, self.account.own_id, since))
        for comment, parent in sorted(found, key=_time_of):
            self._add(comment, parent, state, batch, listed=True)

    def _add(
        self, comment: Any, parent: Any, state: CommentCursor, batch: SourceBatch, *, listed: bool
    ) -> None:
        if self._by_the_brand(comment):
            return  # the brand's own reply
        try:
            mention = self.account.parse(comment, parent)
        except Exception as exc:  # whatever it is, this one is quarantined
            reason = str(exc) if isinstance(exc, ValueError) else type(exc).__name__
            self._quarantine(batch, comment, f"bad comment: {reason}")
            return
        if state.take(mention, listed=listed):
            batch.mentions.append(mention)

    def _by_the_brand(self, comment: Any) -> bool:
        """The Page (or the Instagram account) wrote it: by id, or by the account's
        username (Instagram names a commenter by an app-scoped id)."""
        if not isinstance(comment, dict):
            return False
        author = obj(comment.get("from"))
        if str(author.get("id")) == self.account.own_id:
            return True
        name = comment.get("username") or author.get("username")
        return isinstance(name, str) and name == self._brand_username()

    def _brand_username(self) -> str:
        if self._own_username is None:
            found = self.client.get(self.account.own_id, fields="username").get("username")
            self._own_username = found if isinstance(found, str) else ""
        return self._own_username

    def _quarantine(self, batch: SourceBatch, raw: Any, reason: str) -> None:
        batch.quarantined.append(Quarantined(self.name, raw_preview(raw), reason, self.clock.now()))


def _time_of(found: tuple[Any, Any]) -> float:
    comment = found[0]
    if not isinstance(comment, dict):
        return 0.0
    try:
        return meta_time(comment.get("created_time") or comment.get("timestamp")).timestamp()
    except BadObject:
        return 0.0
