"""Bluesky notifications (atproto SDK models or plain dicts) → Mentions; link facets for replies."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from bot.core.models import Mention, Network
from bot.core.text import url_spans

REASONS = ("mention", "reply", "quote")


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
    return str(uri) if uri else None


def mention_from_notification(note: Any, context: tuple[str, ...] = ()) -> Mention:
    uri, cid = get(note, "uri"), get(note, "cid")
    if not uri or not cid:
        raise BadNotification("notification without uri/cid")
    author = get(note, "author")
    handle = get(author, "handle")
    if not handle:
        raise BadNotification("notification without an author")
    record = get(note, "record")
    text = post_text(record)
    reply = get(record, "reply")
    root = get(reply, "root")
    root_uri, root_cid = get(root, "uri"), get(root, "cid")
    created = get(record, "created_at", "createdAt") or get(note, "indexed_at", "indexedAt")
    return Mention(
        network=Network.BLUESKY,
        external_id=str(uri),
        author_handle=str(handle),
        author_name=str(get(author, "display_name", "displayName", default="") or ""),
        text=text,
        created_at=lenient_time(str(created or "")),
        url=f"https://bsky.app/profile/{handle}/post/{str(uri).rsplit('/', 1)[-1]}",
        in_reply_to=parent_uri(note),
        conversation_id=str(root_uri or uri),
        context=context,
        meta={
            "uri": str(uri),
            "cid": str(cid),
            "root_uri": str(root_uri or uri),
            "root_cid": str(root_cid or cid),
            "reason": str(get(note, "reason") or ""),
            "did": str(get(author, "did") or ""),
        },
    )


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
