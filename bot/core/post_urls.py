"""Post URLs: which network a pasted link belongs to, and taking that post in by hand.

A care lead sometimes sees a post the intake missed (no @handle, a quote, a reply deep
in a thread) and pastes its link into `/care draft`. `parse_post_url` recognises the
link shapes people copy from the networks' web apps; `take_in` fetches the post through
the network's `PostLookup` and sends it through the normal loop, so it gets triage, a
draft, an SLA and a card like any mention.

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
from enum import StrEnum
from urllib.parse import urlsplit

from bot.core.cases import note
from bot.core.loop import CareLoop
from bot.core.models import Case, Mention, Network, case_id_for
from bot.core.ports import PostLookup, PostLookupError

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


# --- taking a post in by its link -------------------------------------------------------


class Outcome(StrEnum):
    UNKNOWN_URL = "unknown_url"  # not a post link on X, Bluesky or Mastodon
    NOT_CONFIGURED = "not_configured"  # careops has no credentials for that network
    GONE = "gone"  # deleted, private, or never existed
    FAILED = "failed"  # the network did not answer (rate limit, outage): try again later
    SKIPPED = "skipped"  # fetched, but not a case: the brand's own post, unreadable text
    KNOWN = "known"  # careops has a case for this post already
    TAKEN = "taken"  # a new case (in review, or expired/spam like any mention)
    FETCHED = "fetched"  # the network half is done: `mention` waits to be taken in


@dataclass(frozen=True)
class TakeIn:
    outcome: Outcome
    ref: PostRef | None = None
    case: Case | None = None
    detail: str = ""
    mention: Mention | None = None


URL_REASON = "url"  # Mention.meta["reason"] of a post taken in by its link


def from_link(mention: Mention) -> Mention:
    """Mark a mention as taken in by its link (audit and cards can tell)."""
    return dataclasses.replace(mention, meta={**mention.meta, "reason": URL_REASON})


def take_in(
    url: str, lookups: dict[Network, PostLookup], loop: CareLoop, *, requested_by: str = "system"
) -> TakeIn:
    """Fetch the post a link names and send it through the loop (once: a post careops
    has already is answered with its case, never taken in twice). The case's audit
    says who asked for it (`requested_by`) and by which link."""
    return take_in_fetched(fetch_post(url, lookups), loop, requested_by=requested_by)


def fetch_post(url: str, lookups: dict[Network, PostLookup]) -> TakeIn:
    """The network half of `take_in`. It touches no store, so a surface may run it away
    from the thread that does core work and hand the result to `take_in_fetched`."""
    ref = parse_post_url(url)
    if ref is None:
        return TakeIn(Outcome.UNKNOWN_URL)
    lookup = lookups.get(ref.network)
    if lookup is None:
        return TakeIn(Outcome.NOT_CONFIGURED, ref)
    try:
        mention = lookup.fetch(ref)
    except PostLookupError as exc:
        return TakeIn(Outcome.FAILED, ref, detail=str(exc))
    if mention is None:
        return TakeIn(Outcome.GONE, ref)
    return TakeIn(Outcome.FETCHED, ref, detail=url, mention=mention)


def take_in_fetched(fetched: TakeIn, loop: CareLoop, *, requested_by: str) -> TakeIn:
    """The store half of `take_in`: a fetched post becomes a case; other outcomes pass."""
    mention, ref, url = fetched.mention, fetched.ref, fetched.detail
    if fetched.outcome is not Outcome.FETCHED or mention is None:
        return fetched
    known = loop.store.get_case(mention.case_id)
    if known is not None:
        return TakeIn(Outcome.KNOWN, ref, known)
    summary = loop.ingest([mention], source=f"{mention.network.value}:url")
    if summary.cases:
        case = summary.cases[0]
        asked = note(case, at=loop.clock.now(), actor=requested_by, action="fetched", detail=url)
        loop.store.save_case(case, asked)
        return TakeIn(Outcome.TAKEN, ref, case)
    if summary.duplicates:  # another writer took it in meanwhile
        return TakeIn(Outcome.KNOWN, ref, loop.store.get_case(mention.case_id))
    if summary.own_posts:
        return TakeIn(Outcome.SKIPPED, ref, detail="it is the brand's own post")
    return TakeIn(Outcome.SKIPPED, ref, detail="its text could not be read (quarantined)")
