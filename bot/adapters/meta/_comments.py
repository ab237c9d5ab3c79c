"""Facebook Page and Instagram comments → Mentions. Dicts in, core models out.

A reply goes under the comment's thread: to the comment itself when it is a top-level
comment, else to its top-level parent (Instagram adds replies to replies there anyway,
and Facebook threads are one level deep). That target is `meta["reply_to"]`;
`meta["created"]` keeps the comment's time, so reconcile only takes a brand comment made
after it for the answer.
"""

from __future__ import annotations

from typing import Any

from bot.adapters.meta._graph import BadObject, meta_time
from bot.core.intake import mention_from
from bot.core.models import Mention, Network

FACEBOOK_FIELDS = "id,message,created_time,from,parent{id},permalink_url"
INSTAGRAM_FIELDS = "id,text,timestamp,username,from,parent_id,media{id,permalink}"
REPLY_TO = "reply_to"  # meta: the comment a reply is posted under
CREATED = "created"  # meta: the customer's comment time (ISO 8601)


class BadComment(BadObject):
    """Why a comment cannot become a mention."""


def _id(ref: Any) -> Any:
    return ref.get("id") if isinstance(ref, dict) else ref


def facebook_mention(comment: Any, post_id: Any = None) -> Mention:
    """A Page post's comment (Graph API comment object) → a checked Mention."""
    if not isinstance(comment, dict):
        raise BadComment(f"expected an object, got {type(comment).__name__}")
    author = comment.get("from")
    if not isinstance(author, dict):
        raise BadComment(
            f"comment {str(comment.get('id'))[:40]} has no author"
            " (does the Page token have pages_read_user_content?)"
        )
    if comment.get("message") in (None, ""):
        raise BadComment(f"comment {str(comment.get('id'))[:40]} has no text (a photo or sticker?)")
    parent = _id(comment.get("parent"))
    created = meta_time(comment.get("created_time"), "comment")
    post = post_id or _post_of(comment.get("id"))
    return mention_from(
        Network.FACEBOOK,
        external_id=comment.get("id"),
        author_handle=author.get("id"),
        author_name=author.get("name"),
        text=comment.get("message"),
        created_at=created,
        url=comment.get("permalink_url") or _facebook_url(post, comment.get("id")),
        in_reply_to=parent,
        conversation_id=post,
        meta={REPLY_TO: parent or comment.get("id"), CREATED: created.isoformat()},
    )


def instagram_mention(comment: Any, media: Any = None) -> Mention:
    """A comment on the brand's Instagram media (IG Comment object) → a checked Mention."""
    if not isinstance(comment, dict):
        raise BadComment(f"expected an object, got {type(comment).__name__}")
    author = comment.get("from")
    handle = comment.get("username") or (
        author.get("username") if isinstance(author, dict) else None
    )
    media = media if isinstance(media, dict) else comment.get("media")
    media = media if isinstance(media, dict) else {}
    if comment.get("text") in (None, ""):
        raise BadComment(f"comment {str(comment.get('id'))[:40]} has no text")
    parent = comment.get("parent_id")
    created = meta_time(comment.get("timestamp"), "comment")
    permalink = media.get("permalink")
    link = f"{permalink.rstrip('/')}/c/{comment.get('id')}/" if isinstance(permalink, str) else None
    return mention_from(
        Network.INSTAGRAM,
        external_id=comment.get("id"),
        author_handle=handle,
        text=comment.get("text"),
        created_at=created,
        url=link,
        in_reply_to=parent,
        conversation_id=media.get("id"),
        meta={REPLY_TO: parent or comment.get("id"), CREATED: created.isoformat()},
    )


def _post_of(comment_id: Any) -> Any:
    """A Page comment's id is "<post>_<comment>"; its post is "<page>_<post>", which the
    comment id alone does not give, so the post's own id part stands in."""
    if isinstance(comment_id, str) and "_" in comment_id:
        return comment_id.split("_", 1)[0]
    return None


def _facebook_url(post_id: Any, comment_id: Any) -> str | None:
    if not (isinstance(post_id, str) and isinstance(comment_id, str)):
        return None
    return f"https://www.facebook.com/{post_id}?comment_id={comment_id.rsplit('_', 1)[-1]}"
