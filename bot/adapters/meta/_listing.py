"""Reading recent comments by polling, and one comment by its id: Facebook and Instagram.

Facebook: the Page's latest posts from `/{page-id}/feed` with each post's newest
comments (`filter(stream)`: replies too) nested in the same request; a post whose page
of comments is full is read further. Instagram: the account's latest media from
`/{ig-user-id}/media` with their comments and each comment's replies nested. Each
account is a small value (`Account`), not a class to inherit from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.adapters.meta._comments import (
    FACEBOOK_FIELDS,
    INSTAGRAM_FIELDS,
    facebook_mention,
    instagram_mention,
)
from bot.adapters.meta._graph import GraphClient
from bot.core.models import Mention, Network

POSTS_PER_POLL = 10  # the latest posts (or media) whose comments a poll reads
COMMENTS_PER_PAGE = 25
MORE_PAGES = 3  # of one post's comments, when a page is full of new ones

# (comment, its post or media as far as known): what `Account.parse` takes.
Found = tuple[Any, Any]


@dataclass(frozen=True)
class Account:
    """One Meta account careops reads comments of."""

    network: Network
    own_id: str  # the Page id, or the Instagram professional account id
    object_type: str  # the webhook `object` ("page", "instagram")
    field: str  # the webhook field of new comments ("feed", "comments")
    setting: str  # what a person fixes when the token is refused
    parse: Callable[[Any, Any], Mention]
    recent: Callable[[GraphClient, str, datetime], Iterator[Found]]
    fetch: Callable[[GraphClient, str, Any], Found]
    reply_edge: str  # POST /{comment}/<edge> answers under a comment
    reply_fields: str  # what reconcile reads of the comments under it
    text_field: str
    time_field: str


def facebook_recent(client: GraphClient, page_id: str, since: datetime) -> Iterator[Found]:
    """Comments are newest first here, so a post is read further only while its page
    ends with a comment made after `since`."""
    nested = (
        f"comments.filter(stream).order(reverse_chronological).limit({COMMENTS_PER_PAGE})"
        f"{{{FACEBOOK_FIELDS}}}"
    )
    body = client.get(f"{page_id}/feed", fields=f"id,{nested}", limit=POSTS_PER_POLL)
    for post in _list(body.get("data")):
        if not isinstance(post, dict):
            continue
        post_id = post.get("id")
        comments = obj(post.get("comments"))
        pages = _pages(client, f"{post_id}/comments", comments, FACEBOOK_FIELDS, since)
        for comment in pages:
            yield comment, post_id


def facebook_fetch(client: GraphClient, comment_id: str, hint: Any) -> Found:
    """One comment by id; `hint` is the webhook's change value (it names the post)."""
    post_id = hint.get("post_id") if isinstance(hint, dict) else None
    return client.get(comment_id, fields=FACEBOOK_FIELDS), post_id


def instagram_recent(client: GraphClient, account_id: str, since: datetime) -> Iterator[Found]:
    """Instagram names no order for comments: a full page is always read further."""
    reply_fields = "id,text,timestamp,username,from,parent_id"
    nested = f"comments.limit({COMMENTS_PER_PAGE}){{{reply_fields},replies{{{reply_fields}}}}}"
    body = client.get(f"{account_id}/media", fields=f"id,permalink,{nested}", limit=POSTS_PER_POLL)
    for media in _list(body.get("data")):
        if not isinstance(media, dict):
            continue
        comments = obj(media.get("comments"))
        fields = f"{reply_fields},replies{{{reply_fields}}}"
        for comment in _pages(client, f"{media.get('id')}/comments", comments, fields, None):
            yield comment, media
            replies = comment.get("replies") if isinstance(comment, dict) else None
            for reply in _list(replies.get("data") if isinstance(replies, dict) else None):
                yield reply, media


def instagram_fetch(client: GraphClient, comment_id: str, hint: Any) -> Found:
    return client.get(comment_id, fields=INSTAGRAM_FIELDS), None


def _pages(
    client: GraphClient, path: str, first: dict[str, Any], fields: str, since: datetime | None
) -> Iterator[Any]:
    """The comments of one post: the nested first page, then up to MORE_PAGES more
    (with `since`, newest first: only while the last one read is newer than it)."""
    page = first
    for turn in range(MORE_PAGES + 1):
        comments = _list(page.get("data"))
        yield from comments
        after = _next(page)
        if after is None or turn == MORE_PAGES or (since and _older(comments[-1:], since)):
            return
        params: dict[str, str | int] = {"fields": fields, "limit": COMMENTS_PER_PAGE}
        if since is not None:
            params.update(filter="stream", order="reverse_chronological")
        page = client.get(path, after=after, **params)


def _older(last: list[Any], since: datetime) -> bool:
    when = last[0].get("created_time") if last and isinstance(last[0], dict) else None
    try:
        return isinstance(when, str) and datetime.fromisoformat(when) < since
    except ValueError:
        return False


def obj(value: Any) -> dict[str, Any]:
    """A JSON object, or an empty one for anything else."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _next(page: dict[str, Any]) -> str | None:
    paging = page.get("paging")
    cursors = paging.get("cursors") if isinstance(paging, dict) else None
    after = cursors.get("after") if isinstance(cursors, dict) else None
    return (
        after
        if isinstance(paging, dict) and paging.get("next") and isinstance(after, str)
        else None
    )


def facebook_account(page_id: str) -> Account:
    return Account(
        Network.FACEBOOK, page_id, "page", "feed", "META_PAGE_ACCESS_TOKEN (and FACEBOOK_PAGE_ID)",
        facebook_mention, facebook_recent, facebook_fetch,
        "comments", "id,message,created_time,from,permalink_url", "message", "created_time",
    )  # fmt: skip


def instagram_account(account_id: str) -> Account:
    return Account(
        Network.INSTAGRAM, account_id, "instagram", "comments",
        "META_PAGE_ACCESS_TOKEN (and INSTAGRAM_ACCOUNT_ID)",
        instagram_mention, instagram_recent, instagram_fetch,
        "replies", "id,text,timestamp,username,from", "text", "timestamp",
    )  # fmt: skip
