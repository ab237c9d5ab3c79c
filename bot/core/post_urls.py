"""Post URLs: which network a pasted link belongs to (pure parsing, no I/O).

A care lead sometimes sees a post the intake missed (no @handle, a quote, a reply deep
in a thread) and pastes its link into `/care draft`. `parse_post_url` recognises the
link shapes people copy from the networks' web apps; `bot.core.take_in` fetches the post
and sends it through the loop.

Only https links are recognised, and only on the exact hosts of X and Bluesky (a host
such as `x.com.evil.example` is not X). Mastodon runs on any host, so any https host
with a Mastodon status path (`/@user/<id>`, `/users/<user>/statuses/<id>`) counts as
Mastodon: the brand's own instance then resolves the link, and a link that is not a
fediverse post simply finds nothing.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.core.models import Case, Mention, Network, case_id_for

MAX_URL_CHARS = 2048
POST_COLLECTION = "app.bsky.feed.post"  # the record type of a Bluesky post
X_HOSTS = frozenset(
    {"x.com", "www.x.com", "mobile.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com"}
)
BLUESKY_HOSTS = frozenset({"bsky.app", "www.bsky.app"})

_HOST_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"(?:{_HOST_LABEL}\.)+[a-z][a-z0-9-]{{0,61}}[a-z0-9]")
_X_USER = re.compile(r"[A-Za-z0-9_]{1,15}")
_DIGITS = re.compile(r"[0-9]{1,20}")
_DID = re.compile(r"did:(?:plc:[a-z2-7]{24}|web:[a-z0-9.-]{1,253})")
_RKEY = re.compile(r"[A-Za-z0-9._:~-]{1,512}")
_MASTODON_USER = re.compile(rf"[A-Za-z0-9_]{{1,30}}(?:@{_HOST.pattern})?")
_MEDIA = ("photo", "video")


@dataclass(frozen=True)
class PostRef:
    """A post named by a link.

    `post_id` is the X post id, the Bluesky record key, or the status id on `host` (a
    Mastodon instance; the brand's instance knows the post under another id). `author`
    is the X username ("" for /i/web links), the Bluesky handle or DID, or the Mastodon
    user as the link names them (`user` or `user@domain`).
    """

    network: Network
    post_id: str
    author: str
    host: str

    @property
    def url(self) -> str:
        """The link in its usual form (what `parse_post_url` reads back to this ref)."""
        if self.network is Network.X:
            who = self.author or "i/web"
            return f"https://{self.host}/{who}/status/{self.post_id}"
        if self.network is Network.BLUESKY:
            return f"https://{self.host}/profile/{self.author}/post/{self.post_id}"
        return f"https://{self.host}/@{self.author}/{self.post_id}"


def parse_post_url(text: str) -> PostRef | None:
    """The post a link names, or None when it is no post link careops knows. Never raises."""
    candidate = text.strip()
    if not candidate or len(candidate) > MAX_URL_CHARS or any(c.isspace() for c in candidate):
        return None
    try:
        parts = urlsplit(candidate)
        port = parts.port
    except ValueError:  # a bad IPv6 literal or port
        return None
    if parts.scheme != "https" or "@" in parts.netloc or port not in (None, 443):
        return None
    host = (parts.hostname or "").rstrip(".")
    if not _HOST.fullmatch(host):
        return None
    segments = parts.path.rstrip("/").split("/")[1:] if parts.path.startswith("/") else []
    if host in X_HOSTS:
        return _x_ref(segments)
    if host in BLUESKY_HOSTS:
        return _bluesky_ref(segments)
    return _mastodon_ref(host, segments)


def _x_ref(segments: list[str]) -> PostRef | None:
    """`/<user>/status/<id>` (also `/statuses/`, a `/photo/1` tail) and `/i/web/status/<id>`."""
    if len(segments) >= 5 and segments[-2] in _MEDIA and segments[-1].isdigit():
        segments = segments[:-2]
    if segments[:3] == ["i", "web", "status"] and len(segments) == 4:
        user, post_id = "", segments[3]
    elif len(segments) == 3 and segments[1] in ("status", "statuses"):
        user, post_id = segments[0], segments[2]
        if not _X_USER.fullmatch(user):
            return None
        user = "" if user.lower() == "i" else user  # /i/status/<id>: no username
    else:
        return None
    if not _DIGITS.fullmatch(post_id):
        return None
    return PostRef(Network.X, post_id, user, "x.com")


def _bluesky_ref(segments: list[str]) -> PostRef | None:
    """`/profile/<handle or did>/post/<record key>`."""
    if len(segments) != 4 or segments[0] != "profile" or segments[2] != "post":
        return None
    actor, rkey = segments[1], segments[3]
    if not (_DID.fullmatch(actor) or _HOST.fullmatch(actor.lower())):
        return None
    if not _RKEY.fullmatch(rkey) or rkey in (".", ".."):
        return None
    author = actor if actor.startswith("did:") else actor.lower()
    return PostRef(Network.BLUESKY, rkey, author, "bsky.app")


def _mastodon_ref(host: str, segments: list[str]) -> PostRef | None:
    """`/@<user>/<id>` and `/users/<user>/statuses/<id>` on any instance."""
    if len(segments) == 2 and segments[0].startswith("@"):
        user, post_id = segments[0][1:], segments[1]
    elif len(segments) == 4 and segments[0] == "users" and segments[2] == "statuses":
        user, post_id = segments[1], segments[3]
    else:
        return None
    if not _MASTODON_USER.fullmatch(user) or not _DIGITS.fullmatch(post_id):
        return None
    return PostRef(Network.MASTODON, post_id, user, host)


def known_case_ids(ref: PostRef) -> tuple[str, ...]:
    """Case ids the post may already have, found from the link alone (no scan, no fetch).

    An X post id is global. A Mastodon status id is only our instance's id when the link
    is on our instance, so that candidate must be confirmed with `same_post`. A Bluesky
    link names a handle or a DID; only the DID form spells the record's at:// URI.
    """
    if ref.network is Network.X:
        return (case_id_for(Network.X, ref.post_id),)
    if ref.network is Network.MASTODON:
        return (case_id_for(Network.MASTODON, ref.post_id),)
    if ref.author.startswith("did:"):
        return (case_id_for(Network.BLUESKY, f"at://{ref.author}/{POST_COLLECTION}/{ref.post_id}"),)
    return ()


def same_post(case: Case, ref: PostRef) -> bool:
    """Whether `case` is the post `ref` names (X ids are global; others compare links)."""
    if ref.network is not case.network:
        return False
    if ref.network is Network.X:
        return case.mention.external_id == ref.post_id
    seen = parse_post_url(case.mention.url or "")
    return seen is not None and (seen.post_id, seen.host) == (ref.post_id, ref.host)


URL_REASON = "url"  # Mention.meta["reason"] of a post taken in by its link


def from_link(mention: Mention) -> Mention:
    """Mark a mention as taken in by its link (audit and cards can tell)."""
    return dataclasses.replace(mention, meta={**mention.meta, "reason": URL_REASON})
