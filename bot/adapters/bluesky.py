"""Bluesky (atproto): mention, reply and quote notifications in, thread replies out.

The session is created once and kept in the store (`bluesky.session`), because
createSession is limited to 30 per 5 minutes; every refresh the SDK makes is saved too.
Each reply is created under a record key derived from its draft id, so a second create
of the same draft is refused by the server and `find_existing` is one getRecord call.
The intake cursor is the `indexedAt` of the newest notification taken.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from atproto import Client, models
from atproto_client.exceptions import (
    AtProtocolError,
    BadRequestError,
    RateLimitExceededError,
    RequestErrorBase,
    UnauthorizedError,
)

from bot.adapters.bluesky_parse import (
    REASONS,
    BadNotification,
    get,
    lenient_time,
    link_facets,
    mention_from_notification,
    parent_uri,
    post_text,
)
from bot.core.budget import RateGate, UsageLog
from bot.core.models import Network, OutboxItem, PublishResult, Quarantined
from bot.core.ports import Clock, PermanentPublishError, SourceBatch
from bot.core.rules import measure

log = logging.getLogger(__name__)

SESSION_KEY = "bluesky.session"
POST = "app.bsky.feed.post"
BLUESKY_LIMIT = 300
PAGE_SIZE = 50
MAX_PAGES_PER_POLL = 4
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
T = TypeVar("T")


class BlueskySession:
    """A logged-in atproto Client, reusing the stored session; logs in only when it must."""

    def __init__(
        self, client: Client, handle: str, password: str, store: Any, usage: UsageLog | None = None
    ) -> None:
        self.client = client
        self.handle = handle
        self._password = password
        self.store = store
        self.usage = usage
        self._ready = False
        client.on_session_change(self._save)

    def _save(self, event: Any, session: Any) -> None:
        self.store.set_setting(SESSION_KEY, session.export())

    @property
    def did(self) -> str:
        self.ensure()
        session = self.client._session
        assert session is not None
        return str(session.did)

    def ensure(self, fresh: bool = False) -> None:
        if self._ready and not fresh:
            return
        saved = None if fresh else self.store.get_setting(SESSION_KEY)
        if saved:
            try:
                self.client.login(session_string=saved, fetch_bsky_profile=False)
                self._ready = True
                return
            except (AtProtocolError, ValueError) as exc:
                log.info("bluesky: stored session unusable (%s); logging in", type(exc).__name__)
        self._count("session")
        self.client.login(self.handle, self._password, fetch_bsky_profile=False)
        self._ready = True

    def call(self, fn: Callable[[], T]) -> T:
        """Run an API call; an expired or revoked session gets one fresh login."""
        self.ensure()
        self._count("requests")
        try:
            return fn()
        except (BadRequestError, UnauthorizedError) as exc:
            if not _is_auth_error(exc):
                raise
        self.ensure(fresh=True)
        return fn()

    def _count(self, kind: str) -> None:
        if self.usage is not None:
            self.usage.record_usage(Network.BLUESKY.value, kind, 1, 0.0)


def _is_auth_error(exc: RequestErrorBase) -> bool:
    if isinstance(exc, UnauthorizedError):
        return True
    content = getattr(exc.response, "content", None)
    error = get(content, "error") if content is not None else None
    return error in ("ExpiredToken", "InvalidToken")


class BlueskySource:
    name = "bluesky"

    def __init__(
        self, session: BlueskySession, clock: Clock, *, max_pages: int = MAX_PAGES_PER_POLL
    ) -> None:
        self.session = session
        self.clock = clock
        self.max_pages = max_pages
        self.gate = RateGate(Network.BLUESKY)

    def poll(self, cursor: str | None) -> SourceBatch:
        batch = SourceBatch()
        if self.gate.blocked(self.clock.now()):
            batch.notices.append(self.gate.notice())
            return batch
        try:
            notes, reached = self._fetch_since(cursor)
        except RateLimitExceededError as exc:
            headers = dict(exc.response.headers) if exc.response else {}
            self.gate.limited(self.clock.now(), headers)
            batch.notices.append(self.gate.notice())
            return batch
        if cursor and not reached:
            batch.notices.append(
                f"bluesky: intake gap, more than {self.max_pages * PAGE_SIZE} notifications"
                f" since {cursor}; older ones were not fetched"
            )
        self._convert(notes, batch)
        stamps = [str(get(n, "indexed_at", "indexedAt")) for n in notes]
        batch.cursor = max(filter(None, (*stamps, cursor)), key=_when, default=None)
        return batch

    def _fetch_since(self, since: str | None) -> tuple[list[Any], bool]:
        """Pages newest-first until a notification at or before `since`; True if reached."""
        notes: list[Any] = []
        page_cursor = None
        for _ in range(self.max_pages if since else 1):
            params = {"limit": PAGE_SIZE, "reasons": list(REASONS), "cursor": page_cursor}
            page = self.session.call(
                lambda p=params: self.session.client.app.bsky.notification.list_notifications(
                    params=p
                )
            )
            for note in page.notifications or []:
                if since and _when(str(get(note, "indexed_at", "indexedAt"))) < _when(since):
                    return notes, True
                notes.append(note)
            page_cursor = page.cursor
            if not page_cursor:
                return notes, True
        return notes, since is None

    def _convert(self, notes: list[Any], batch: SourceBatch) -> None:
        parents = self._parents([parent_uri(n) for n in notes])
        for note in reversed(notes):  # oldest first
            try:
                if get(note, "reason") not in REASONS:
                    continue
                context = parents.get(parent_uri(note) or "", ())
                batch.mentions.append(mention_from_notification(note, context))
            except (BadNotification, AttributeError, KeyError, TypeError, ValueError) as exc:
                raw = _dump(note)
                batch.quarantined.append(
                    Quarantined(self.name, raw, f"bad notification: {exc}", self.clock.now())
                )

    def _parents(self, uris: list[str | None]) -> dict[str, tuple[str, ...]]:
        """Text of each parent post, one getPosts call per 25; deleted parents are absent."""
        wanted = sorted({u for u in uris if u})
        found: dict[str, tuple[str, ...]] = {}
        for start in range(0, len(wanted), 25):
            chunk = wanted[start : start + 25]
            try:
                posts = self.session.call(lambda c=chunk: self.session.client.get_posts(c)).posts
            except RequestErrorBase as exc:
                log.info("bluesky: no thread context: %s", exc)
                continue
            for post in posts:
                text = post_text(get(post, "record"))
                if text:
                    found[str(get(post, "uri"))] = (text,)
        return found


class BlueskyPublisher:
    def __init__(self, session: BlueskySession, clock: Clock) -> None:
        self.session = session
        self.clock = clock

    def publish(self, item: OutboxItem) -> PublishResult:
        length = measure(item.text, Network.BLUESKY)
        if length > BLUESKY_LIMIT:
            raise PermanentPublishError(f"reply is {length} graphemes (limit {BLUESKY_LIMIT})")
        if not (item.meta.get("uri") and item.meta.get("cid")):
            raise PermanentPublishError("the mention has no uri/cid to reply to")
        data = models.ComAtprotoRepoCreateRecord.Data(
            repo=self.session.did,
            collection=POST,
            rkey=rkey_for(item.draft_id, item.created_at),
            record=self._record(item),
        )
        try:
            created = self.session.call(
                lambda: self.session.client.com.atproto.repo.create_record(data)
            )
        except BadRequestError as exc:
            existing = self.find_existing(item)  # the same rkey again: it went out before
            if existing is not None:
                return existing
            raise PermanentPublishError(f"Bluesky refused the reply: {exc}") from exc
        return PublishResult(str(created.uri), web_url(str(created.uri), self.session.handle))

    def _record(self, item: OutboxItem) -> dict[str, Any]:
        parent = {"uri": item.meta["uri"], "cid": item.meta["cid"]}
        root = {
            "uri": item.meta.get("root_uri") or parent["uri"],
            "cid": item.meta.get("root_cid") or parent["cid"],
        }
        record: dict[str, Any] = {
            "$type": POST,
            "text": item.text,
            "createdAt": self.clock.now().astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "reply": {"root": root, "parent": parent},
        }
        facets = link_facets(item.text)
        if facets:
            record["facets"] = facets
        return record

    def find_existing(self, item: OutboxItem) -> PublishResult | None:
        params = {
            "repo": self.session.did,
            "collection": POST,
            "rkey": rkey_for(item.draft_id, item.created_at),
        }
        try:
            found = self.session.call(
                lambda: self.session.client.com.atproto.repo.get_record(params=params)
            )
        except BadRequestError:
            return None  # RecordNotFound
        return PublishResult(str(found.uri), web_url(str(found.uri), self.session.handle))


def _when(stamp: str) -> datetime:
    try:
        return lenient_time(stamp)
    except ValueError:  # an unreadable time sorts first: never past a good cursor
        return datetime.min.replace(tzinfo=UTC)


def rkey_for(draft_id: str, queued_at: datetime) -> str:
    """A TID-shaped record key derived from the outbox row: same draft, same key.

    The post lexicon asks for TIDs: 13 base32-sortable characters of a 64-bit number
    (top bit 0) made of microseconds since 1970 and a 10-bit clock id. The time is the
    second the reply was queued, the sub-second part and clock id come from the draft id.
    """
    digest = int.from_bytes(hashlib.sha256(draft_id.encode()).digest()[:8], "big")
    micros = int(queued_at.timestamp()) * 1_000_000 + digest % 1_000_000
    value = (micros << 10) | ((digest >> 20) & 1023)
    chars = []
    for _ in range(13):
        chars.append(TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def web_url(at_uri: str, handle: str) -> str:
    rkey = at_uri.rsplit("/", 1)[-1]
    return f"https://bsky.app/profile/{handle}/post/{rkey}"


def _dump(note: Any) -> str:
    try:
        data = note.model_dump(by_alias=True) if hasattr(note, "model_dump") else note
        return json.dumps(data, default=str, ensure_ascii=False)[:4000]
    except (TypeError, ValueError):
        return repr(note)[:4000]
