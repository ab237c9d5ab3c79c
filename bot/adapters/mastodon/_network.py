"""Mastodon (Mastodon.py): mention notifications in, replies out.

Intake pages forward from the last notification id with `min_id`, so after an outage
it reads the gap oldest-first and the cursor only ever moves past what was returned.
A reply keeps the mention's visibility (a direct message is answered directly), starts
with the customer's @handle (Mastodon only notifies people named in a status) and
carries the draft id as `Idempotency-Key`; after a crash `find_existing` also looks
through the brand's recent statuses, since the server forgets keys after an hour.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonUnauthorizedError,
)

from bot.adapters.mastodon._stream import MastodonStream
from bot.core.budget import RateGate, UsageLog
from bot.core.credentials import AuthBackoff
from bot.core.intake import mention_from, raw_preview
from bot.core.models import Mention, Network, OutboxItem, PublishResult, Quarantined
from bot.core.ports import Clock, PermanentPublishError, SourceBatch
from bot.core.rhythm import PollAllowance, push_allowance
from bot.core.risk import followers_meta
from bot.core.rules import measure

log = logging.getLogger(__name__)

MASTODON_LIMIT = 500
PAGE_SIZE = 40
MAX_PAGES_PER_POLL = 5
CONTEXT_POSTS = 3
RECONCILE_PAGES = 3


def mastodon_client(base_url: str, access_token: str, *, timeout: float = 15.0) -> Mastodon:
    return Mastodon(
        api_base_url=base_url,
        access_token=access_token,
        version_check_mode="none",
        ratelimit_method="throw",  # never sleep inside a poll; the source waits instead
        request_timeout=timeout,
    )


def html_to_text(content: str) -> str:
    """Mastodon sends HTML: paragraphs and <br> become newlines, tags go, entities decode."""
    text = re.sub(r"<br\s*/?>", "\n", content, flags=re.I)
    text = re.sub(r"</p>\s*<p[^>]*>", "\n\n", text, flags=re.I)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


class BadNotification(ValueError):
    pass


def mention_from_notification(note: Any, context: tuple[str, ...] = ()) -> Mention:
    """A mention notification → a checked Mention; fields as the server sent them."""
    status = note.get("status") if isinstance(note, dict) else None
    if not status:
        raise BadNotification("notification without a status (deleted?)")
    if not isinstance(status, dict):
        raise BadNotification(f"status is not an object ({type(status).__name__})")
    account = status.get("account") or {}
    acct = account.get("acct") if isinstance(account, dict) else None
    if not acct:
        raise BadNotification("status without an author")
    content, spoiler = status.get("content"), status.get("spoiler_text")
    if not isinstance(content, str) or not isinstance(spoiler, str | None):
        raise BadNotification("status content is not text")
    text = html_to_text(content)
    if spoiler:
        text = f"[CW: {spoiler}] {text}"
    visibility = status.get("visibility") or "public"
    return mention_from(
        Network.MASTODON,
        external_id=status.get("id"),
        author_handle=acct,
        author_name=account.get("display_name"),
        text=text,
        created_at=_time(status.get("created_at")),
        url=status.get("url") or status.get("uri"),
        in_reply_to=status.get("in_reply_to_id"),
        conversation_id=status.get("conversation_id"),
        context=context,
        meta={
            "visibility": visibility if isinstance(visibility, str) else "",
            "acct": acct if isinstance(acct, str) else "",
            "notification_id": _id(note["id"]) if note.get("id") else "",  # none: a lookup
            **followers_meta(account.get("followers_count")),
        },
    )


def _id(value: Any) -> str:
    """An id as text (Mastodon.py may hand numeric ids over as ints); anything else is junk.

    Mastodon's ids are digits, other servers' (GoToSocial, Akkoma) fixed-length strings."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.isalnum() and value.isascii():
        return value
    raise BadNotification(f"notification id is not an id ({str(value)[:40]!r})")


def id_order(note_id: str) -> tuple[int, str]:
    """Ids in the order the server made them: digits by value, fixed-length ids as text."""
    return len(note_id), note_id


def _time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not value or not isinstance(value, str):
        raise BadNotification("status without created_at")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class MastodonSource:
    name = "mastodon"

    def __init__(
        self,
        api: Mastodon,
        clock: Clock,
        *,
        usage: UsageLog | None = None,
        max_pages: int = MAX_PAGES_PER_POLL,
        with_context: bool = True,
        stream: MastodonStream | None = None,
        allowance: PollAllowance | None = None,
    ) -> None:
        self.api = api
        self.stream = stream
        self.clock = clock
        self.usage = usage
        self.max_pages = max_pages
        self.with_context = with_context
        self.gate = RateGate(Network.MASTODON)
        self.auth = AuthBackoff(Network.MASTODON, "MASTODON_ACCESS_TOKEN")
        self.allowance = allowance or push_allowance(Network.MASTODON, clock)

    def has_news(self) -> bool:
        """The stream announced a mention, or (re)connected: poll now (unless a flood of
        rings has used the polls the read budget allows; the ring waits for the next)."""
        return self.stream is not None and self.stream.news.is_set() and self.allowance.available()

    def pushing(self) -> bool:
        return self.stream is not None and self.stream.live

    def start_push(self, leads: Callable[[], bool]) -> None:
        if self.stream is not None:
            self.stream.start(leads)

    def stop_push(self) -> None:
        if self.stream is not None:
            self.stream.stop()

    def poll(self, cursor: str | None) -> SourceBatch:
        if self.stream is not None:
            self.stream.news.clear()  # before reading: a mention announced meanwhile is news
        self.allowance.spend()
        batch = SourceBatch()
        if self.auth.blocked(self.clock.now()):  # refused lately: no call until it is time
            batch.notices.append(self.auth.notice)
            return batch
        if self.gate.blocked(self.clock.now()):
            batch.notices.append(self.gate.notice())
            return batch
        position = cursor
        try:
            for _ in range(self.max_pages if cursor else 1):
                page = self._page(position, batch)
                before = position
                for note_id, note in self._in_order(page, batch):
                    self._add(batch, note)
                    position = note_id
                if len(page) < PAGE_SIZE or cursor is None or position == before:
                    break
        except MastodonUnauthorizedError as exc:
            until = self.auth.refused(self.clock.now())
            log.warning("mastodon: credentials refused (%s); next try at %s", exc, until)
            batch.notices.append(self.auth.notice)
        except MastodonRatelimitError:
            self.gate.limited(self.clock.now(), {"x-ratelimit-reset": self._reset()})
            batch.notices.append(self.gate.notice())
        except MastodonError as exc:
            if position == cursor:
                raise
            batch.notices.append(f"mastodon: fetch failed ({type(exc).__name__}); will resume")
        batch.cursor = position
        return batch

    def _page(self, after: str | None, batch: SourceBatch) -> list[Any]:
        self._count()
        if after is None:
            page = self.api.notifications(types=["mention"], limit=PAGE_SIZE)
        else:
            page = self.api.notifications(types=["mention"], min_id=after, limit=PAGE_SIZE)
        recovered = self.auth.accepted()
        if recovered:
            batch.notices.append(recovered)
        return list(page)

    def _in_order(self, page: list[Any], batch: SourceBatch) -> list[tuple[str, Any]]:
        """The page's notifications oldest first, with their ids; one without a readable
        id cannot be placed (or skipped past) and is quarantined here."""
        placed = []
        for note in page:
            try:
                placed.append((_id(note["id"]), note))
            except (BadNotification, KeyError, TypeError) as exc:
                self._quarantine(batch, note, str(exc) or type(exc).__name__)
        return sorted(placed, key=lambda pair: id_order(pair[0]))

    def _add(self, batch: SourceBatch, note: Any) -> None:
        try:
            if note.get("type") != "mention":
                return
            batch.mentions.append(mention_from_notification(note, self._context(note)))
        except Exception as exc:  # whatever it is, this one is quarantined
            self._quarantine(batch, note, str(exc) if isinstance(exc, ValueError) else repr(exc))

    def _quarantine(self, batch: SourceBatch, note: Any, reason: str) -> None:
        batch.quarantined.append(
            Quarantined(
                self.name, raw_preview(note), f"bad notification: {reason}", self.clock.now()
            )
        )

    def _context(self, note: Any) -> tuple[str, ...]:
        """Texts of the posts above the mention, oldest first (none if they are gone)."""
        if not self.with_context:
            return ()
        return thread_context(self.api, note.get("status") or {}, self._count)

    def _reset(self) -> str:
        reset = getattr(self.api, "ratelimit_reset", None)
        return str(int(reset)) if reset else ""

    def _count(self) -> None:
        if self.usage is not None:
            self.usage.record_usage(Network.MASTODON.value, "requests", 1, 0.0)


class MastodonPublisher:
    def __init__(self, api: Mastodon, *, usage: UsageLog | None = None) -> None:
        self.api = api
        self.usage = usage
        self._me: str | None = None

    def publish(self, item: OutboxItem) -> PublishResult:
        text = addressed(item.text, item.meta.get("acct", ""))
        length = measure(text, Network.MASTODON)
        if length > MASTODON_LIMIT:
            raise PermanentPublishError(f"reply is {length} characters (limit {MASTODON_LIMIT})")
        try:
            status = self.api.status_post(
                text,
                in_reply_to_id=item.in_reply_to,
                visibility=item.meta.get("visibility") or None,
                idempotency_key=item.draft_id,
            )
        except MastodonNotFoundError as exc:
            raise PermanentPublishError("the post to answer is gone (deleted?)") from exc
        except (MastodonRatelimitError, MastodonUnauthorizedError):
            raise
        except MastodonAPIError as exc:
            if _status_code(exc) == 422:
                raise PermanentPublishError(f"Mastodon refused the reply: {exc}") from exc
            raise
        self._count("post")
        return PublishResult(str(status["id"]), str(status.get("url") or status.get("uri") or ""))

    def find_existing(self, item: OutboxItem) -> PublishResult | None:
        """Our status replying to the same post, among the brand's recent statuses."""
        max_id = None
        for _ in range(RECONCILE_PAGES):
            self._count("requests")
            page = self.api.account_statuses(self._account_id(), limit=PAGE_SIZE, max_id=max_id)
            for status in page:
                if str(status.get("in_reply_to_id")) == item.in_reply_to:
                    return PublishResult(str(status["id"]), str(status.get("url") or ""))
            if len(page) < PAGE_SIZE:
                return None
            max_id = page[-1]["id"]
        return None

    def _account_id(self) -> str:
        if self._me is None:
            self._count("requests")
            self._me = str(self.api.account_verify_credentials()["id"])
        return self._me

    def _count(self, kind: str) -> None:
        if self.usage is not None:
            self.usage.record_usage(Network.MASTODON.value, kind, 1, 0.0)


def addressed(text: str, acct: str) -> str:
    """The reply text starting with @acct, unless the draft already names them."""
    if not acct or re.search(rf"@{re.escape(acct)}(?![\w@.])", text, re.I):
        return text
    return f"@{acct} {text}"


def _status_code(exc: MastodonAPIError) -> int | None:
    args: tuple[object, ...] = tuple(getattr(exc, "args", ()))
    return args[1] if len(args) > 1 and isinstance(args[1], int) else None


def thread_context(api: Mastodon, status: Any, count: Callable[[], None]) -> tuple[str, ...]:
    """Texts of the posts above `status`, oldest first, as intake shows them; `count`
    is called once per request made (none for a post that replies to nothing)."""
    if not isinstance(status, dict) or not status.get("in_reply_to_id"):
        return ()
    try:
        count()
        ancestors = api.status_context(status["id"]).get("ancestors") or []
    except (MastodonError, KeyError, AttributeError) as exc:
        log.info("mastodon: no thread context for %s: %s", status.get("id"), exc)
        return ()
    if not isinstance(ancestors, list):
        return ()
    texts = [a.get("content") for a in ancestors if isinstance(a, dict)]
    return tuple(html_to_text(t) for t in texts[-CONTEXT_POSTS:] if isinstance(t, str))
