"""Taking a post in by its link (`/care draft <url>`): fetch it through the network's
`PostLookup`, then send it through the normal loop, so it gets triage, a draft, an SLA
and a card like any mention. A post careops has already is answered with its case."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.cases import note
from bot.core.loop import CareLoop
from bot.core.models import Case, Mention, Network
from bot.core.ports import PostLookup, PostLookupError
from bot.core.post_urls import PostRef, parse_post_url


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


class LinkIntake:
    """`/care draft <url>` for a surface: `fetch` (network only, may run on any thread),
    then `take_in` (the store, on the thread that does core work)."""

    def __init__(self, lookups: dict[Network, PostLookup], loop: CareLoop) -> None:
        self.lookups = lookups  # shared with Careops: tests swap a network's lookup in
        self.loop = loop

    def connected(self, network: Network) -> bool:
        return network in self.lookups

    def fetch(self, url: str) -> TakeIn:
        return fetch_post(url, self.lookups)

    def take_in(self, fetched: TakeIn, requested_by: str) -> TakeIn:
        return take_in_fetched(fetched, self.loop, requested_by=requested_by)
