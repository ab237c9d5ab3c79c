"""Threads intake (the Threads API on httpx): the brand's mentions become Mentions.

`/{user-id}/mentions` is read newest first, down to the cursor's stamp (`since`, epoch
seconds, with the ids taken at that very second). A gap wider than one poll's pages
is read over several polls (the cursor keeps the page to read next), and the stamp
moves only once the whole gap is read. A mention that replies to another post gets
that post's text as context. Replies go out through _publisher.py.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.adapters.meta import GraphClient, GraphError, failure_notice, held_back
from bot.adapters.threads._parse import (
    MENTION_FIELDS,
    MentionsCursor,
    after_cursor,
    epoch,
    id_of,
    mention_from_media,
)
from bot.core.credentials import AuthBackoff
from bot.core.intake import raw_preview
from bot.core.models import Network, Quarantined
from bot.core.ports import Clock, SourceBatch

log = logging.getLogger(__name__)

PAGE_SIZE = 25
MAX_PAGES_PER_POLL = 4


class ThreadsSource:
    name = "threads"

    def __init__(
        self,
        client: GraphClient,
        clock: Clock,
        *,
        user_id: str,
        max_pages: int = MAX_PAGES_PER_POLL,
        with_context: bool = True,
    ) -> None:
        self.client = client
        self.clock = clock
        self.user_id = user_id
        self.max_pages = max_pages
        self.with_context = with_context
        self.auth = AuthBackoff(Network.THREADS, "THREADS_ACCESS_TOKEN")

    def poll(self, cursor: str | None) -> SourceBatch:
        batch = SourceBatch()
        now = self.clock.now()
        if (why := held_back(self.client, self.auth, now)) is not None:
            batch.notices.append(why)
            return batch
        start = MentionsCursor.load(cursor)
        end = self._read(start, batch)
        if end is start:  # nothing read: the cursor stays
            return batch
        if end.since is None:  # a fresh install with no mention yet starts from now
            end = MentionsCursor(int(now.timestamp()))
        batch.cursor = end.dump()
        return batch

    def _read(self, at: MentionsCursor, batch: SourceBatch) -> MentionsCursor:
        """Pages newest first from `at.after` down to `at.since`; where the next poll starts."""
        state = MentionsCursor(
            at.since, at.ids, at.after, at.newest, list(at.newest_ids), list(at.junk)
        )
        fresh: list[tuple[int, Any]] = []
        pages = 1 if at.since is None else self.max_pages
        for _ in range(pages):
            try:
                page = self._page(state)
            except GraphError as exc:
                batch.notices.append(failure_notice(exc, self.client, self.auth, self.clock.now()))
                if not fresh:
                    return at
                break
            items, state.after = page
            for media, stamp in items:
                if state.taken(media, stamp):
                    continue
                fresh.append((stamp or 0, media))
                if stamp is not None:
                    state.saw(media, stamp)
            if not state.after or at.since is None:
                state.after = None
                break
        state.junk += self._convert([m for _, m in sorted(fresh, key=lambda p: p[0])], batch)
        if state.after:
            batch.notices.append(f"threads: backfilling mentions since {at.since}, continuing")
            return state
        return state.closed()

    def _page(self, state: MentionsCursor) -> tuple[list[tuple[Any, int | None]], str | None]:
        params: dict[str, str | int] = {"fields": MENTION_FIELDS, "limit": PAGE_SIZE}
        if state.since is not None:
            params["since"] = state.since
        if state.after:
            params["after"] = state.after
        body = self.client.get(f"{self.user_id}/mentions", **params)
        recovered = self.auth.accepted()
        if recovered:
            log.info("%s", recovered)
        data = body.get("data")
        if not isinstance(data, list):
            raise GraphError("threads: mentions answered without a list", transient=True)
        return [(m, epoch(m) if isinstance(m, dict) else None) for m in data], after_cursor(body)

    def _convert(self, items: list[Any], batch: SourceBatch) -> list[str]:
        """Mentions into the batch, oldest first; the rest quarantined. Returns the ids
        of quarantined posts with no readable time (no stamp can move past them)."""
        junk = []
        for media in items:
            try:
                batch.mentions.append(mention_from_media(media, self._context(media)))
            except Exception as exc:  # whatever it is, this one is quarantined
                reason = str(exc) if isinstance(exc, ValueError) else type(exc).__name__
                if (
                    isinstance(media, dict)
                    and epoch(media) is None
                    and isinstance(media.get("id"), str)
                ):
                    junk.append(media["id"])
                batch.quarantined.append(
                    Quarantined(
                        self.name, raw_preview(media), f"bad post: {reason}", self.clock.now()
                    )
                )
        return junk

    def _context(self, media: Any) -> tuple[str, ...]:
        """The text of the post the mention replies to (none when it is gone)."""
        parent = id_of(media.get("replied_to")) if isinstance(media, dict) else None
        if not self.with_context or not isinstance(parent, str) or not parent:
            return ()
        try:
            text = self.client.get(parent, fields="text").get("text")
        except GraphError as exc:
            log.info("threads: no thread context for %s: %s", parent, exc)
            return ()
        return (text,) if isinstance(text, str) and text else ()
