"""Bluesky (atproto): mention, reply and quote notifications in, thread replies out.

The session (`_session.py`) is created once and kept in the store, within Bluesky's
createSession limits, backing off after a refused password. Each reply is created under
a record key derived from its draft id, so a second create of the same draft is refused
by the server and `find_existing` is one getRecord call. The reference PDS refuses it
with a bare HTTP 500 (its database's unique key), and a create whose answer was lost
may have been written all the same: so any failed create looks the record up before it
counts as a failure.

Intake pages listNotifications newest-first down to the cursor, the `indexedAt` of the
newest notification taken. A gap wider than one poll's pages (a spike, an outage) is
read over several polls: the cursor then also holds the page to read next, and moves to
the newest stamp only once the whole gap is read (`IntakeCursor`, as X intake does). A
fresh install starts with the last `FIRST_POLL_LOOKBACK`.

The AppView lists a notification under its post's `createdAt` when that is earlier than
its indexing (its `sortAt`), so a post indexed late, or written on a clock that is
behind, appears behind a cursor that has already moved past it: each poll reads down to
`LATE_LISTING_WINDOW` before the cursor (the loop skips what it has already seen).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import httpx
from atproto import models
from atproto_client.exceptions import (
    AtProtocolError,
    BadRequestError,
    ModelError,
    RateLimitExceededError,
    RequestErrorBase,
)

from bot.adapters.bluesky._parse import (
    REASONS,
    IntakeCursor,
    author_did,
    dump_note,
    get,
    indexed_at,
    lenient_time,
    link_facets,
    mention_from_notification,
    newest_stamp,
    parent_uri,
    post_text,
    rkey_for,
    split_at,
    stamp,
    web_url,
)
from bot.adapters.bluesky._session import SESSION_KEY, BlueskySession
from bot.core.budget import RateGate
from bot.core.credentials import CredentialsRefused
from bot.core.models import Network, OutboxItem, PublishResult, Quarantined
from bot.core.ports import Clock, PermanentPublishError, SourceBatch
from bot.core.rules import measure

log = logging.getLogger(__name__)

LIST_NOTIFICATIONS = "app.bsky.notification.listNotifications"
POST = "app.bsky.feed.post"
BLUESKY_LIMIT = 300
PAGE_SIZE = 50
MAX_PAGES_PER_POLL = 4
FIRST_POLL_LOOKBACK = timedelta(hours=24)
"""What a fresh install reads on its first poll: the last day, the time within which
most customers expect an answer (81% the same day), read over several polls if large."""
LATE_LISTING_WINDOW = timedelta(minutes=10)
"""How far behind the cursor each poll reads again, for mentions listed under an earlier
stamp than mentions already taken; one listed further behind (a clock far off, a
backdated import) is missed."""

__all__ = ["SESSION_KEY", "BlueskyPublisher", "BlueskySession", "BlueskySource"]


def _listed_late(items: list[Any], floor: datetime, since: datetime) -> list[Any]:
    """The notifications listed in the window just behind `since` (see the module doc)."""
    return [n for n in items if (when := indexed_at(n)) is not None and floor <= when < since]


def _reaches(items: list[Any], floor: datetime) -> bool:
    return any(when is not None and when < floor for when in map(indexed_at, items))


class BlueskySource:
    name = "bluesky"

    def __init__(
        self,
        session: BlueskySession,
        clock: Clock,
        *,
        max_pages: int = MAX_PAGES_PER_POLL,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.session = session
        self.clock = clock
        self.max_pages = max_pages
        self.page_size = page_size
        self.gate = RateGate(Network.BLUESKY)

    def poll(self, cursor: str | None) -> SourceBatch:
        batch = SourceBatch()
        if self.gate.blocked(self.clock.now()):
            batch.notices.append(self.gate.notice())
            return batch
        start = IntakeCursor.load(cursor)
        if start.since is None:  # with the window behind it: the last day, nothing older
            lookback = FIRST_POLL_LOOKBACK - LATE_LISTING_WINDOW
            start = IntakeCursor(since=stamp(self.clock.now() - lookback))
        try:
            notes, end = self._read_gap(start, batch)
            self._convert(notes, batch)
        except CredentialsRefused as exc:  # said once in the channel; the cursor waits
            batch.notices.append(str(exc))
            return batch
        finally:
            batch.notices.extend(self.session.take_news())
        self._report(start, end, start.fetched + len(notes), batch)
        batch.cursor = end.dump() if end != start else None
        return batch

    def _read_gap(self, at: IntakeCursor, batch: SourceBatch) -> tuple[list[Any], IntakeCursor]:
        """Pages newest-first from `at.token` down to `at.since`, at most `max_pages`.

        Returns the notifications at or after `since` and where the next poll starts:
        the newest stamp seen once the gap is closed, else the same `since` with the page
        still to read, so a gap wider than one poll is read over several and never skipped.
        Once the gap is closed, the pages left read on into the late-listing window.
        """
        since = lenient_time(str(at.since))
        floor = since - LATE_LISTING_WINDOW
        notes: list[Any] = []
        token, newest = at.token, at.newest
        for used in range(1, self.max_pages + 1):
            page = self._fetch(token, batch, notes)
            if page is None:
                break
            items, next_token = page
            fresh, reached = split_at(items, since)
            late = _listed_late(items, floor, since)
            notes.extend(fresh + late)
            newest = newest_stamp(newest, fresh)
            if reached or not items or not next_token:  # an empty page: no older ones
                if next_token and not _reaches(items, floor):
                    left = self.max_pages - used
                    notes.extend(self._read_window(next_token, floor, since, left))
                return notes, IntakeCursor(since=newest or at.since)
            token = next_token
        if token is None:  # stopped before the first page of a new gap
            return notes, at
        return notes, IntakeCursor(at.since, token, newest, at.fetched + len(notes))

    def _fetch(
        self, token: str | None, batch: SourceBatch, notes: list[Any]
    ) -> tuple[list[Any], str | None] | None:
        """One page, or None when a rate limit or a failure after some pages stops the poll."""
        try:
            return self._page(token)
        except RateLimitExceededError as exc:
            headers = dict(exc.response.headers) if exc.response else {}
            self.gate.limited(self.clock.now(), headers)
            batch.notices.append(self.gate.notice())
            return None
        except (RequestErrorBase, ModelError, ValueError) as exc:  # ValueError: not JSON
            if not notes:
                raise
            batch.notices.append(f"bluesky: fetch failed ({type(exc).__name__}); will resume")
            return None

    def _read_window(self, token: str, floor: datetime, since: datetime, pages: int) -> list[Any]:
        """Notifications listed between `floor` and `since`, with the pages this poll has
        left: best effort, the cursor is already where it belongs."""
        found: list[Any] = []
        for _ in range(pages):
            try:
                items, next_token = self._page(token)
            except (RequestErrorBase, ModelError, ValueError) as exc:  # a 429 is met next poll
                log.info("bluesky: late-listing read stopped: %s", type(exc).__name__)
                break
            found.extend(_listed_late(items, floor, since))
            if not next_token or _reaches(items, floor):
                break
            token = next_token
        return found

    def _page(self, token: str | None) -> tuple[list[Any], str | None]:
        """One listNotifications page as plain JSON: its notifications and the next cursor.

        Read without the SDK's response model, which refuses a whole page for one odd
        notification (an author that is a list, a field the SDK does not know yet); each
        notification is then checked on its own and quarantined if it must be."""
        params = models.AppBskyNotificationListNotifications.Params(
            limit=self.page_size, reasons=list(REASONS), cursor=token
        )
        client = self.session.client
        response = self.session.call(lambda: client.invoke_query(LIST_NOTIFICATIONS, params))
        body = response.content
        if not isinstance(body, dict):
            raise ModelError("listNotifications answered without a JSON object")
        items, cursor = body.get("notifications"), body.get("cursor")
        if not isinstance(items, list):
            raise ModelError("listNotifications answered without a list of notifications")
        return items, cursor if isinstance(cursor, str) and cursor else None

    def _report(
        self, start: IntakeCursor, end: IntakeCursor, read: int, batch: SourceBatch
    ) -> None:
        if end.backfilling:
            batch.notices.append(
                f"bluesky: backfilling {end.fetched}+ notifications since {end.since},"
                " continuing next poll"
            )
        elif start.backfilling:
            batch.notices.append(
                f"bluesky: gap closed, {read} notifications since {start.since} read"
            )

    def _convert(self, notes: list[Any], batch: SourceBatch) -> None:
        parents = self._parents([parent_uri(n) for n in notes])
        followers = self._followers([author_did(n) for n in notes])
        for note in reversed(notes):  # oldest first
            try:
                if get(note, "reason") not in REASONS:
                    continue
                context = parents.get(parent_uri(note) or "", ())
                audience = followers.get(author_did(note) or "")
                batch.mentions.append(mention_from_notification(note, context, audience))
            except Exception as exc:  # whatever it is, this one is quarantined
                reason = str(exc) if isinstance(exc, ValueError) else type(exc).__name__
                batch.quarantined.append(
                    Quarantined(
                        self.name, dump_note(note), f"bad notification: {reason}", self.clock.now()
                    )
                )

    def _posts(self, uris: list[str]) -> Any:
        return self.session.client.get_posts(uris)

    def _profiles(self, actors: list[str]) -> Any:
        return self.session.client.get_profiles(actors)

    def _followers(self, dids: list[str | None]) -> dict[str, int]:
        """Each author's follower count (the audience), one getProfiles call per 25;
        a profile the network does not give is simply left out."""
        wanted = sorted({d for d in dids if d})
        found: dict[str, int] = {}
        for start in range(0, len(wanted), 25):
            chunk = wanted[start : start + 25]
            try:
                profiles = self.session.call(partial(self._profiles, chunk)).profiles
            except (AtProtocolError, ValueError) as exc:
                log.info("bluesky: no follower counts: %s", exc)
                continue
            for profile in profiles:
                count = get(profile, "followers_count", "followersCount")
                if isinstance(count, int):
                    found[str(get(profile, "did"))] = count
        return found

    def _parents(self, uris: list[str | None]) -> dict[str, tuple[str, ...]]:
        """Text of each parent post, one getPosts call per 25; deleted parents are absent."""
        wanted = sorted({u for u in uris if u})
        found: dict[str, tuple[str, ...]] = {}
        for start in range(0, len(wanted), 25):
            chunk = wanted[start : start + 25]
            try:
                posts = self.session.call(partial(self._posts, chunk)).posts
            except (AtProtocolError, ValueError) as exc:  # a page the SDK cannot read too
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
        except RateLimitExceededError:
            raise  # nothing was written; the outbox retries later
        except (RequestErrorBase, httpx.HTTPError) as exc:
            existing = self._written_anyway(item)  # the same rkey again, or a lost answer
            if existing is not None:
                return existing
            if isinstance(exc, BadRequestError):
                raise PermanentPublishError(f"Bluesky refused the reply: {exc}") from exc
            raise
        return PublishResult(str(created.uri), web_url(str(created.uri), self.session.handle))

    def _written_anyway(self, item: OutboxItem) -> PublishResult | None:
        """The reply a failed create may have left on the PDS; None when it is not there
        or the PDS cannot say (the create's own error then decides)."""
        try:
            return self.find_existing(item)
        except (RequestErrorBase, httpx.HTTPError) as exc:
            log.info("bluesky: could not look for %s after a failed create: %s", item.draft_id, exc)
            return None

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
