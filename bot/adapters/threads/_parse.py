"""Threads API media objects → Mentions, and the intake cursor. Dicts in, core models out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.adapters.meta import BadObject, meta_time
from bot.core.intake import mention_from
from bot.core.models import Mention, Network

# What intake asks of each mention (a Threads media object).
MENTION_FIELDS = "id,text,username,permalink,timestamp,media_type,is_reply,replied_to,root_post"
# What reconcile asks of each of the brand's own replies.
REPLY_FIELDS = "id,text,username,permalink,timestamp,replied_to"
JUNK_KEPT = 100


class BadMedia(BadObject):
    """Why a Threads media object cannot become a mention."""


def mention_from_media(media: Any, context: tuple[str, ...] = ()) -> Mention:
    """One media object of the mentions edge → a checked Mention (BadMedia or BadMention
    says why not). Every field goes through the core's gate as Threads sent it."""
    if not isinstance(media, dict):
        raise BadMedia(f"expected an object, got {type(media).__name__}")
    if media.get("text") is None:
        raise BadMedia(f"post {str(media.get('id'))[:40]} has no text (media only)")
    parent = id_of(media.get("replied_to"))
    return mention_from(
        Network.THREADS,
        external_id=media.get("id"),
        author_handle=media.get("username"),
        text=media.get("text"),
        created_at=meta_time(media.get("timestamp")),
        url=media.get("permalink"),
        in_reply_to=parent,
        conversation_id=id_of(media.get("root_post")) or media.get("id"),
        context=context,
    )


def id_of(ref: Any) -> Any:
    """`{"id": "123"}` → "123"; anything else as it is, for the gate to judge (None: none)."""
    return ref.get("id") if isinstance(ref, dict) else ref


def epoch(media: Any) -> int | None:
    """A media object's time as epoch seconds (None when it has no readable one)."""
    try:
        return int(meta_time(media.get("timestamp")).timestamp())
    except (BadObject, AttributeError, OverflowError):
        return None


@dataclass
class MentionsCursor:
    """Where intake stands: `since` (epoch seconds) and the ids taken at exactly that
    second; while a gap wider than one poll is read, the page to read next (`after`)
    and the newest stamp seen so far (`newest`, `newest_ids`). `junk`: ids of posts
    quarantined without a readable time, so they are not quarantined on every poll."""

    since: int | None = None
    ids: list[str] = field(default_factory=list)
    after: str | None = None
    newest: int | None = None
    newest_ids: list[str] = field(default_factory=list)
    junk: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, raw: str | None) -> MentionsCursor:
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            return cls()
        since, after, newest = data.get("since"), data.get("after"), data.get("newest")
        return cls(
            since=since if isinstance(since, int) else None,
            ids=[i for i in data.get("ids") or [] if isinstance(i, str)],
            after=after if isinstance(after, str) else None,
            newest=newest if isinstance(newest, int) else None,
            newest_ids=[i for i in data.get("newest_ids") or [] if isinstance(i, str)],
            junk=[i for i in data.get("junk") or [] if isinstance(i, str)][-JUNK_KEPT:],
        )

    def dump(self) -> str:
        data = {k: v for k, v in self.__dict__.items() if v not in (None, [])}
        return json.dumps(data, sort_keys=True)

    def taken(self, media: Any, stamp: int | None) -> bool:
        """Already taken by an earlier poll (older than `since`, or at it and seen), or
        quarantined before."""
        if stamp is None or self.since is None:
            return isinstance(media, dict) and media.get("id") in self.junk
        return stamp < self.since or (stamp == self.since and str(media.get("id")) in self.ids)

    def saw(self, media: Any, stamp: int) -> None:
        """Remember the newest stamp seen in this gap and the ids at it."""
        media_id = str(media.get("id"))
        if self.newest is None or stamp > self.newest:
            self.newest, self.newest_ids = stamp, [media_id]
        elif stamp == self.newest and media_id not in self.newest_ids:
            self.newest_ids.append(media_id)

    def closed(self) -> MentionsCursor:
        """The gap is read: the next poll starts at the newest stamp seen."""
        junk = self.junk[-JUNK_KEPT:]
        if self.newest is None:
            return MentionsCursor(self.since, self.ids, junk=junk)
        if self.since is not None and self.newest == self.since:
            return MentionsCursor(self.since, sorted({*self.ids, *self.newest_ids}), junk=junk)
        return MentionsCursor(self.newest, self.newest_ids, junk=junk)


def after_cursor(body: dict[str, Any]) -> str | None:
    """The cursor of the next page, when Meta says there is one."""
    paging = body.get("paging")
    cursors = paging.get("cursors") if isinstance(paging, dict) else None
    after = cursors.get("after") if isinstance(cursors, dict) else None
    has_next = isinstance(paging, dict) and paging.get("next")
    return after if isinstance(after, str) and after and has_next else None
