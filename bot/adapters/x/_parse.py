"""X API v2 response bodies → Mentions. Dicts in, core models out; bad posts are quarantined."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.intake import mention_from, raw_preview
from bot.core.models import Mention, Network, Quarantined
from bot.core.risk import followers_meta

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
USER_FIELDS = ["username", "name", "public_metrics"]  # public_metrics: the audience


class BadPost(ValueError):
    """Why a post from X cannot become a mention."""


@dataclass
class Parsed:
    mentions: list[Mention] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # of every post on the page, good or bad
    next_token: str | None = None


def parse_page(
    body: dict[str, Any], *, brand_id: str, brand_username: str, listening: bool, at: datetime
) -> Parsed:
    """One page of mentions or search results. Never raises: a post that cannot become a
    mention is quarantined with the reason, and the page's paging still counts."""
    users = {_key(u.get("id")): u for u in _includes(body, "users") if isinstance(u, dict)}
    tweets = {_key(t.get("id")): t for t in _includes(body, "tweets") if isinstance(t, dict)}
    parsed = Parsed(next_token=_next_token(body))
    posts = body.get("data") or []
    if not isinstance(posts, list):
        parsed.quarantined.append(Quarantined("x", raw_preview(body), "bad page: data", at))
        return parsed
    for post in posts:
        if isinstance(post, dict) and isinstance(post.get("id"), str):
            parsed.ids.append(post["id"])
        try:
            parsed.mentions.append(
                mention_from_post(post, users, tweets, brand_id, brand_username, listening)
            )
        except Exception as exc:  # whatever it is, this post is quarantined
            reason = str(exc) if isinstance(exc, ValueError) else type(exc).__name__
            parsed.quarantined.append(
                Quarantined("x", raw_preview(post), f"bad post: {reason}", at)
            )
    return parsed


def _next_token(body: dict[str, Any]) -> str | None:
    meta = body.get("meta")
    token = meta.get("next_token") if isinstance(meta, dict) else None
    return token if isinstance(token, str) and token else None


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
    """One post of a page → a checked Mention (BadPost or BadMention says why not)."""
    if not isinstance(post, dict):
        raise BadPost(f"expected an object, got {type(post).__name__}")
    post_id, text = post.get("id"), post.get("text")
    if not post_id or text is None:
        raise BadPost("missing id or text")
    author = users.get(_key(post.get("author_id"))) or {}
    username = author.get("username")
    if not username:
        raise BadPost(f"missing author of post {str(post_id)[:40]}")
    created = post.get("created_at")
    if not isinstance(created, str) or not created:
        raise BadPost(f"missing created_at of post {str(post_id)[:40]}")
    refs = _references(post)
    parent_id = refs.get("replied_to")
    addressed = not listening or summoned(post, tweets, brand_id, brand_username)
    author_id = post.get("author_id")
    return mention_from(
        Network.X,
        external_id=post_id,
        author_handle=username,
        author_name=author.get("name"),
        text=text,
        created_at=datetime.fromisoformat(created.replace("Z", "+00:00")),
        url=f"https://x.com/{username}/status/{post_id}",
        in_reply_to=parent_id,
        conversation_id=post.get("conversation_id") or post_id,
        context=_context(parent_id, tweets),
        summoned=addressed,
        meta={
            "author_id": author_id if isinstance(author_id, str) else str(author_id),
            "summoned": str(addressed).lower(),
            **audience(author),
        },
    )


def audience(user: dict[str, Any]) -> dict[str, str]:
    """The author's followers from their public_metrics, when X sent a count. (X's
    `verified` is not read: a paid check says nothing about the audience.)"""
    metrics = user.get("public_metrics")
    return followers_meta(metrics.get("followers_count") if isinstance(metrics, dict) else None)


def _key(value: Any) -> Any:
    """A lookup key from a page's field: unhashable junk finds nothing."""
    return value if isinstance(value, str | int) else None


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
