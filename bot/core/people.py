"""Who a customer is across cases and networks, and their history on the card.

A *person* here is one handle on one network (`x:alice`). The team links the handles of
one customer across networks (`/care link x:alice bluesky:alice.bsky.social`); a case's
history is every earlier case of those handles, posted before this one. A store answers
with `Contacts`: how many earlier cases, when the first was, and the latest few
(`RECENT`), so a history read stays bounded however long a customer has written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.models import CaseState, Intent, Mention, Network, normalise_handle

RECENT = 20  # earlier cases read per handle: the last contact, praise and the past week
REPEAT_WINDOW = timedelta(days=7)  # a second complaint within it raises the priority
REPEAT_TAG = "repeat"  # the tag of such a complaint (priority high)
SOLVED_WINDOW = timedelta(days=14)  # the wow line names a case answered this lately


class PersonError(ValueError):
    """Text that does not name a handle on a network (`x:alice`)."""


@dataclass(frozen=True, order=True)
class Person:
    network: Network
    handle: str  # normalised: lower case, no '@'

    def __str__(self) -> str:
        return f"{self.network.value}:{self.handle}"

    @classmethod
    def of(cls, mention: Mention) -> Person:
        return cls(mention.network, normalise_handle(mention.author_handle))


def parse_person(text: str) -> Person:
    """`x:alice`, `bluesky:@alice.bsky.social` → a Person; PersonError says what is wrong."""
    network, sep, handle = text.strip().partition(":")
    names = ", ".join(n.value for n in Network)
    if not sep or not handle.strip():
        raise PersonError(f"write a handle as network:handle (networks: {names}), not {text!r}")
    try:
        known = Network(network.strip().lower())
    except ValueError:
        raise PersonError(f"unknown network {network!r} (networks: {names})") from None
    handle = normalise_handle(handle)
    if not handle or any(c.isspace() for c in handle):
        raise PersonError(f"{text!r} does not name a handle")
    return Person(known, handle)


@dataclass(frozen=True)
class PastCase:
    """What a history needs of one earlier case."""

    case_id: str
    network: Network
    posted_at: datetime
    state: CaseState
    intent: Intent | None
    topic: str
    reply_seconds: float | None  # post to published reply


@dataclass(frozen=True)
class Contacts:
    count: int = 0  # earlier cases
    first_seen: datetime | None = None
    recent: tuple[PastCase, ...] = ()  # newest first, at most RECENT per handle

    def merged(self, other: Contacts) -> Contacts:
        firsts = [t for t in (self.first_seen, other.first_seen) if t is not None]
        recent = sorted((*self.recent, *other.recent), key=lambda c: c.posted_at, reverse=True)
        return Contacts(self.count + other.count, min(firsts, default=None), tuple(recent))


@dataclass(frozen=True)
class History:
    person: Person
    contacts: Contacts = Contacts()
    linked: tuple[Person, ...] = ()  # the customer's other handles

    @property
    def nth(self) -> int:
        """This case is the customer's nth contact."""
        return self.contacts.count + 1

    @property
    def last(self) -> PastCase | None:
        return self.contacts.recent[0] if self.contacts.recent else None

    def count(self, intent: Intent, since: datetime | None = None) -> int:
        """Earlier cases of this intent (among the recent ones), since a time if given."""
        return sum(
            1
            for c in self.contacts.recent
            if c.intent is intent and (since is None or c.posted_at >= since)
        )

    def repeat_complainer(self, now: datetime) -> bool:
        return self.count(Intent.COMPLAINT, since=now - REPEAT_WINDOW) > 0

    def solved_recently(self, now: datetime) -> PastCase | None:
        """The last case, when it was answered (published) within SOLVED_WINDOW."""
        last = self.last
        if last is None or last.state is not CaseState.PUBLISHED:
            return None
        return last if now - last.posted_at <= SOLVED_WINDOW else None


@dataclass(frozen=True)
class LinkSummary:
    """What `careops report` says of the team's links between handles."""

    customers: int = 0  # groups of linked handles
    handles: int = 0
    changes: int = 0  # links and unlinks in the period


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def history_line(history: History, now: datetime) -> str:
    """ "3rd contact · last: refund, answered in 12 min, 14 days ago · first seen March"."""
    parts = ["first contact" if history.nth == 1 else f"{ordinal(history.nth)} contact"]
    last = history.last
    if last is not None:
        ago = span(now - last.posted_at)
        parts.append(f"last: {_about(last)}, {_outcome(last)}, {ago} ago")
    first = history.contacts.first_seen
    if first is not None:
        parts.append(f"first seen {first:%B}" + ("" if first.year == now.year else f" {first:%Y}"))
    if history.linked:
        parts.append("also " + ", ".join(map(str, history.linked)))
    return " · ".join(parts)


def span(delta: timedelta) -> str:
    """A time as a person says it on a card: "40 s", "12 min", "5 h", "14 days"."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 48 * 3600:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def _about(case: PastCase) -> str:
    """What the case was about: its topic ("refund"), or its intent ("praise")."""
    if case.intent is not Intent.PRAISE and case.topic and case.topic != "general":
        return case.topic
    return case.intent.value if case.intent else "a post"


def _outcome(case: PastCase) -> str:
    if case.reply_seconds is not None:
        return f"answered in {span(timedelta(seconds=case.reply_seconds))}"
    return {
        CaseState.DISMISSED: "dismissed",
        CaseState.EXPIRED: "not answered",
        CaseState.FAILED: "reply failed",
    }.get(case.state, "still open")


def merged(parts: Iterable[Contacts]) -> Contacts:
    total = Contacts()
    for part in parts:
        total = total.merged(part)
    return total
