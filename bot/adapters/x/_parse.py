"""X API v2 response bodies → Mentions. Dicts in, core models out; bad posts are quarantined."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.models import Mention, Network, Quarantined

TWEET_FIELDS = [
    "created_at",
    "author_id",
    "conversation_id",
    "in_reply_to_user_id",
    "referenced_tweets",
    "entities",
    "lang",
]
EXPANSIONS = ["author_id", "referenced_tweets.id", "referenced_tweets.id.author_id"]
USER_FIELDS = ["username", "name"]


class BadPost(ValueError):
    """Why a post from X cannot become a mention."""


@dataclass
class Parsed:
    mentions: list[Mention] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)


def parse_page(
    body: dict[str, Any], *, brand_id: str, brand_username: str, listening: bool, at: datetime
) -> Parsed:
    """One page of mentions or search results. Never raises on a bad post."""
    users = {u.get("id"): u for u in _includes(body, "users") if isinstance(u, dict)}
    tweets = {t.get("id"): t for t in _includes(body, "tweets") if isinstance(t, dict)}
    parsed = Parsed()
    for post in body.get("data") or []:
        try:
            parsed.mentions.append(
                mention_from_post(post, users, tweets, brand_id, brand_username, listening)
            )
        except (BadPost, TypeError, AttributeError, ValueError) as exc:
            raw = json.dumps(post, ensure_ascii=False)[:4000]
            parsed.quarantined.append(Quarantined("x", raw, f"bad post: {exc}", at))
    return parsed


def _includes(body: dict[str, Any], key: str) -> list[Any]:
    includes = body.get("includes") or {}
    value = includes.get(key) if isinstance(includes, dict) else None
    return value if isinstance(value, list) else []


def mention_from_post(
    post: dict[str, Any],
    users: dict[Any, dict[str, Any]],
    tweets: dict[Any, dict[str, Any]],
    brand_id: str,
    brand_username: str,
    listening: bool,
) -> Mention:
    if not isinstance(post, dict):
        raise BadPost(f"expected an object, got {type(post).__name__}")
    post_id = str(post.get("id") or "")
    text = post.get("text")
    if not post_id or not isinstance(text, str):
        raise BadPost("missing id or text")
    author = users.get(post.get("author_id")) or {}
    username = str(author.get("username") or "")
    if not username:
        raise BadPost(f"missing author of post {post_id}")
    created = post.get("created_at")
    if not created:
        raise BadPost(f"missing created_at of post {post_id}")
    refs = _references(post)
    parent_id = refs.get("replied_to")
    addressed = not listening or summoned(post, tweets, brand_id, brand_username)
    return Mention(
        network=Network.X,
        external_id=post_id,
        author_handle=username,
        author_name=str(author.get("name") or ""),
        text=text,
        created_at=datetime.fromisoformat(str(created).replace("Z", "+00:00")),
        url=f"https://x.com/{username}/status/{post_id}",
        in_reply_to=parent_id,
        conversation_id=str(post.get("conversation_id") or post_id),
        context=_context(parent_id, tweets),
        summoned=addressed,
        meta={"author_id": str(post.get("author_id")), "summoned": str(addressed).lower()},
    )


def _references(post: dict[str, Any]) -> dict[str, str]:
    refs = post.get("referenced_tweets") or []
    return {
        str(r.get("type")): str(r.get("id"))
        for r in refs
        if isinstance(r, dict) and r.get("id") is not None
    }


def _context(parent_id: str | None, tweets: dict[Any, dict[str, Any]]) -> tuple[str, ...]:
    """The parent post's text, when X sent it (a deleted parent is simply missing)."""
    parent = tweets.get(parent_id) if parent_id else None
    text = parent.get("text") if isinstance(parent, dict) else None
    return (text,) if isinstance(text, str) and text else ()


def summoned(
    post: dict[str, Any], tweets: dict[Any, dict[str, Any]], brand_id: str, brand_username: str
) -> bool:
    """Did the author address the brand: @-mention it, or quote one of its posts?

    X lets self-serve apps reply only to such posts.
    """
    wanted = brand_username.lower().lstrip("@")
    entities = post.get("entities") or {}
    for mention in entities.get("mentions") or [] if isinstance(entities, dict) else []:
        if isinstance(mention, dict) and str(mention.get("username", "")).lower() == wanted:
            return True
    if wanted and re.search(
        rf"@{re.escape(wanted)}(?![A-Za-z0-9_])", str(post.get("text", "")), re.I
    ):
        return True
    quoted = _references(post).get("quoted")
    quoted_post = tweets.get(quoted) if quoted else None
    return isinstance(quoted_post, dict) and str(quoted_post.get("author_id")) == brand_id


def newest_id(ids: list[str]) -> str | None:
    """X ids are increasing integers (snowflakes); compare them as numbers."""
    numeric = [i for i in ids if i.isdigit()]
    return max(numeric, key=int) if numeric else None


_LINK = re.compile(r"https?://\S+")
_LEADING_HANDLES = re.compile(r"^(?:@\w+\s+)+")


def comparable(text: str) -> str:
    """A reply's words as X may echo them back: links become t.co links, `&` comes back
    as `&amp;`, and a reply may start with the @handles it answers."""
    words = _LINK.sub("", html.unescape(text)).strip()
    return " ".join(_LEADING_HANDLES.sub("", words).split()).casefold()
