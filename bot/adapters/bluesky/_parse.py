"""Bluesky notifications (atproto SDK models or plain dicts) → Mentions; the intake
cursor; link facets and record keys for replies."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.core.intake import mention_from
from bot.core.models import Mention, Network
from bot.core.risk import followers_meta
from bot.core.text import url_spans

REASONS = ("mention", "reply", "quote")
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


class BadNotification(ValueError):
    pass


def get(obj: Any, *names: str, default: Any = None) -> Any:
    """A field of an SDK model or a dict, by its Python or its JSON name."""
    for name in names:
        if isinstance(obj, dict):
            if name in obj:
                return obj[name]
        elif obj is not None and getattr(obj, name, None) is not None:
            return getattr(obj, name)
    return default


def post_text(record: Any) -> str:
    text = get(record, "text")
    return text if isinstance(text, str) else ""


def parent_uri(note: Any) -> str | None:
    reply = get(get(note, "record"), "reply")
    uri = get(get(reply, "parent"), "uri")
    return uri if isinstance(uri, str) and uri else None


def author_did(note: Any) -> str | None:
    did = get(get(note, "author"), "did")
    return did if isinstance(did, str) and did else None


def mention_from_notification(
    note: Any, context: tuple[str, ...] = (), followers: int | None = None
) -> Mention:
    """A notification (or a post view, which has the same fields) → a checked Mention;
    `followers`: the author's, from their profile (a notification does not carry it).

    Fields are taken as the network sent them, never turned into text: a uri that is a
    number, an author that is a list, a text that is not a string are refused."""
    uri, cid = _text(note, "uri"), _text(note, "cid")
    if not uri or not cid:
        raise BadNotification("notification without uri/cid")
    author = get(note, "author")
    handle = get(author, "handle")
    if not handle:
        raise BadNotification("notification without an author")
    record = get(note, "record")
    reply = get(record, "reply")
    root = get(reply, "root")
    root_uri, root_cid = _text(root, "uri"), _text(root, "cid")
    created = get(record, "created_at", "createdAt") or get(note, "indexed_at", "indexedAt")
    if not isinstance(created, str):
        raise BadNotification(f"createdAt is not text ({type(created).__name__})")
    return mention_from(
        Network.BLUESKY,
        external_id=uri,
        author_handle=handle,
        author_name=get(author, "display_name", "displayName", default=None),
        text=get(record, "text"),
        created_at=lenient_time(created),
        url=f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}",
        in_reply_to=parent_uri(note),
        conversation_id=root_uri or uri,
        context=context,
        meta={
            "uri": uri,
            "cid": cid,
            "root_uri": root_uri or uri,
            "root_cid": root_cid or cid,
            "reason": _text(note, "reason") or "",
            "did": _text(author, "did") or "",
            **followers_meta(followers),
        },
    )


def _text(obj: Any, name: str) -> str | None:
    """A field that must be text when present; BadNotification when it is something else."""
    value = get(obj, name)
    if value is None or isinstance(value, str):
        return value
    raise BadNotification(f"{name} is not text ({type(value).__name__})")


_FRACTION = re.compile(r"\.(\d+)")


def lenient_time(value: str) -> datetime:
    """createdAt comes as ms, µs or ns fractions, with Z, an offset or no zone at all."""
    if not value:
        raise BadNotification("no createdAt or indexedAt")
    text = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), value.strip())
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def link_facets(text: str) -> list[dict[str, Any]]:
    """`#link` facets with UTF-8 byte offsets, so links in a reply are clickable."""
    facets = []
    for start, end, url in url_spans(text):
        byte_start = len(text[:start].encode())
        byte_end = byte_start + len(text[start:end].encode())
        href = url if url.startswith(("http://", "https://")) else f"https://{url}"
        facets.append(
            {
                "index": {"byteStart": byte_start, "byteEnd": byte_end},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": href}],
            }
        )
    return facets


def indexed_at(note: Any) -> datetime | None:
    """When the network indexed a notification; None if the stamp is unreadable."""
    try:
        return lenient_time(str(get(note, "indexed_at", "indexedAt") or ""))
    except ValueError:
        return None


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def split_at(items: list[Any], since: datetime) -> tuple[list[Any], bool]:
    """The notifications at or after `since` (the one at the cursor again, in case another
    shares its stamp; the loop skips what it has seen), and whether the page reached
    `since`. An unreadable stamp is taken, never a reason to stop: it must not close a
    gap early."""
    stamps = [indexed_at(n) for n in items]
    fresh = [n for n, when in zip(items, stamps, strict=True) if when is None or when >= since]
    return fresh, any(when is not None and when <= since for when in stamps)


def newest_stamp(current: str | None, notes: list[Any]) -> str | None:
    """The newest stamp, as the network wrote it."""

    def raw(note: Any) -> str:
        return str(get(note, "indexed_at", "indexedAt"))

    stamps = [(when, raw(n)) for n in notes if (when := indexed_at(n)) is not None]
    if current is not None:
        stamps.append((lenient_time(current), current))
    return max(stamps)[1] if stamps else None


@dataclass(frozen=True)
class IntakeCursor:
    """Where Bluesky intake stands, kept as the source's cursor in the store.

    Between polls it is the `indexedAt` of the newest notification taken, a plain stamp.
    While a gap is being backfilled it is JSON in the terms X intake uses: `since` (the old
    stamp, kept until the whole gap is read), `token` (the listNotifications page to read
    next), `newest` (where `since` moves once the gap is closed) and `fetched` (so far).
    """

    since: str | None = None
    token: str | None = None
    newest: str | None = None
    fetched: int = 0

    @property
    def backfilling(self) -> bool:
        return self.token is not None

    @classmethod
    def load(cls, cursor: str | None) -> IntakeCursor:
        """The stored cursor; an unreadable one counts as none (the first-poll lookback)."""
        if not cursor:
            return cls()
        if not cursor.startswith("{"):
            return cls(since=cursor) if _readable(cursor) else cls()
        try:
            state = json.loads(cursor)
        except json.JSONDecodeError:
            return cls()
        since, token, newest = (state.get(k) for k in ("since", "token", "newest"))
        if not isinstance(since, str) or not _readable(since):
            return cls()
        return cls(
            since=since,
            token=token if isinstance(token, str) and token else None,
            newest=newest if isinstance(newest, str) and _readable(newest) else None,
            fetched=state.get("fetched") if isinstance(state.get("fetched"), int) else 0,
        )

    def dump(self) -> str | None:
        if not self.backfilling:
            return self.since
        fields = {"since": self.since, "token": self.token, "newest": self.newest}
        return json.dumps({**fields, "fetched": self.fetched}, sort_keys=True)


def _readable(value: str) -> bool:
    try:
        lenient_time(value)
    except ValueError:
        return False
    return True


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


def dump_note(note: Any) -> str:
    try:
        data = note.model_dump(by_alias=True) if hasattr(note, "model_dump") else note
        return json.dumps(data, default=str, ensure_ascii=False)[:4000]
    except (TypeError, ValueError):
        return repr(note)[:4000]
