"""Core data types. Plain frozen dataclasses: adapters translate SDK objects into these."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

_T = TypeVar("_T")


def _evolve(obj: _T, changes: dict[str, Any]) -> _T:
    """A copy with some fields changed: `dataclasses.replace` without re-running __init__
    (these models validate nothing there, and intake makes several copies per mention)."""
    unknown = changes.keys() - obj.__dataclass_fields__.keys()  # type: ignore[attr-defined]
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no field(s) {', '.join(sorted(unknown))}")
    copy = object.__new__(type(obj))
    copy.__dict__.update(obj.__dict__, **changes)
    return copy


class Network(StrEnum):
    X = "x"
    BLUESKY = "bluesky"
    MASTODON = "mastodon"
    THREADS = "threads"
    FACEBOOK = "facebook"  # comments on the brand's Page posts
    INSTAGRAM = "instagram"  # comments on the brand's Instagram media

    @property
    def label(self) -> str:
        """The network's name as people write it (cards, /care, App Home, prompts)."""
        return _NETWORK_LABELS[self]


_NETWORK_LABELS = {
    Network.X: "X",
    Network.BLUESKY: "Bluesky",
    Network.MASTODON: "Mastodon",
    Network.THREADS: "Threads",
    Network.FACEBOOK: "Facebook",
    Network.INSTAGRAM: "Instagram",
}


class CaseState(StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    DRAFTED = "drafted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    DISMISSED = "dismissed"
    FAILED = "failed"
    EXPIRED = "expired"

    @property
    def is_final(self) -> bool:
        return self in (CaseState.PUBLISHED, CaseState.DISMISSED, CaseState.EXPIRED)


class Intent(StrEnum):
    COMPLAINT = "complaint"
    QUESTION = "question"
    PRAISE = "praise"
    FEEDBACK = "feedback"
    SPAM = "spam"


class Priority(StrEnum):
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class OutboxState(StrEnum):
    PENDING = "pending"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"


@dataclass(frozen=True)
class Mention:
    """One post on a network that mentions or replies to the brand."""

    network: Network
    external_id: str
    author_handle: str
    text: str
    created_at: datetime
    author_name: str = ""
    url: str = ""
    in_reply_to: str | None = None
    conversation_id: str | None = None
    # Parent posts, oldest first, as plain text: the thread the customer is in.
    context: tuple[str, ...] = ()
    # False when the post was found by keyword listening and does not address the brand:
    # X lets self-serve apps reply only to posts that "summoned" the account.
    summoned: bool = True
    # Network-specific reply data (Bluesky uri/cid/root, Mastodon visibility ...).
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def case_id(self) -> str:
        return case_id_for(self.network, self.external_id)


def case_id_for(network: Network | str, external_id: str) -> str:
    return f"{Network(network).value}:{external_id}"


# Sentiment at or beyond these counts as clearly negative / positive (cards, crisis, intent).
def normalise_handle(handle: str) -> str:
    """A person's handle as the store keys it: no '@', lower case."""
    return handle.strip().lstrip("@").lower()


NEGATIVE_SENTIMENT = -0.3
POSITIVE_SENTIMENT = 0.3


@dataclass(frozen=True)
class Triage:
    intent: Intent
    sentiment: float  # -1 (angry) .. +1 (delighted)
    priority: Priority
    language: str  # ISO 639-1, "und" when unknown
    topic: str  # key into prompts/links.yaml, "general" when nothing fits
    tags: tuple[str, ...] = ()

    @property
    def mood(self) -> str:
        if self.sentiment <= NEGATIVE_SENTIMENT:
            return "negative"
        return "positive" if self.sentiment >= POSITIVE_SENTIMENT else "neutral"

    def to_dict(self) -> dict[str, Any]:
        from bot.core.risk import RISKS

        return {
            "intent": self.intent.value,
            "sentiment": self.sentiment,
            "mood": self.mood,
            "priority": self.priority.value,
            "language": self.language,
            "topic": self.topic,
            "risks": [tag for tag in self.tags if tag in RISKS],
            "tags": list(self.tags),
        }


@dataclass(frozen=True)
class RuleCheck:
    rule: str
    ok: bool
    why: str


@dataclass(frozen=True)
class LintResult:
    checks: tuple[RuleCheck, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failed(self) -> tuple[RuleCheck, ...]:
        return tuple(c for c in self.checks if not c.ok)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "rules": [{"rule": c.rule, "ok": c.ok, "why": c.why} for c in self.checks],
        }


@dataclass(frozen=True)
class Draft:
    id: str
    case_id: str
    text: str
    drafter: str  # "offline", "openai:<model>", "human:<user>"
    created_at: datetime
    topic: str = "general"
    prompt_version: str = ""
    checks: tuple[RuleCheck, ...] = ()
    edited_from: str | None = None  # id of the draft a human edited
    note: str = ""  # why a fallback happened, repair rounds ...
    usage: dict[str, float] = field(default_factory=dict)

    @property
    def lint(self) -> LintResult:
        return LintResult(self.checks)

    def evolve(self, **changes: Any) -> Draft:
        return _evolve(self, changes)


def draft_id_for(case_id: str, seq: int) -> str:
    """Deterministic draft ids: the outbox, Bluesky rkeys and Mastodon keys derive from them."""
    import hashlib  # here: OpenSSL takes 10 ms to load, and triage or lint never need it

    digest = hashlib.sha256(f"{case_id}#{seq}".encode()).hexdigest()[:16]
    return f"d{digest}"


@dataclass(frozen=True)
class Case:
    id: str
    mention: Mention
    state: CaseState
    created_at: datetime
    updated_at: datetime
    triage: Triage | None = None
    draft_id: str | None = None
    draft_seq: int = 0
    claimed_by: str | None = None
    approvals: tuple[str, ...] = ()
    approved_by: str | None = None
    dismissed_reason: str = ""
    failure: str = ""
    published_id: str | None = None
    published_url: str | None = None
    published_at: datetime | None = None
    review_ref: str | None = None  # e.g. Slack "channel/ts" of the card
    flags: tuple[str, ...] = ()  # once-only markers: "sla50", "sla100", "handoff" ...

    @property
    def network(self) -> Network:
        return self.mention.network

    def evolve(self, **changes: Any) -> Case:
        return _evolve(self, changes)

    def with_flag(self, flag: str) -> Case:
        return self if flag in self.flags else replace(self, flags=(*self.flags, flag))


@dataclass(frozen=True)
class AuditEntry:
    case_id: str
    at: datetime
    actor: str  # "system", a Slack user id, "terminal"
    action: str  # "transition", "edit", "claim", "approve" ...
    from_state: str = ""
    to_state: str = ""
    detail: str = ""


@dataclass(frozen=True)
class OutboxItem:
    """A reply on its way to a network. Keyed by draft id, so one draft is sent at most once."""

    draft_id: str
    case_id: str
    network: Network
    in_reply_to: str
    text: str
    state: OutboxState
    created_at: datetime
    attempts: int = 0
    remote_id: str | None = None
    remote_url: str | None = None
    error: str = ""
    meta: dict[str, str] = field(default_factory=dict)

    def evolve(self, **changes: Any) -> OutboxItem:
        return _evolve(self, changes)


@dataclass(frozen=True)
class PublishResult:
    remote_id: str
    url: str = ""
    note: str = ""  # why a reply found on the network stands in for ours (audit detail)


@dataclass(frozen=True)
class Quarantined:
    """Input that could not become a case, kept with its reason. Its texts are made
    storable here, so the quarantine of odd input can never fail in turn."""

    source: str
    raw: str
    reason: str
    at: datetime

    def __post_init__(self) -> None:
        for name in ("source", "raw", "reason"):
            object.__setattr__(self, name, storable(getattr(self, name)))


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def storable(text: str) -> str:
    """Text that UTF-8 (and so any store) can hold: each lone surrogate becomes U+FFFD.

    JSON's `"\\ud800"` parses into such a string; writing it would fail."""
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


@dataclass(frozen=True)
class CaseGroup:
    """Similar cases shown as one card during a crisis; the lead's (first member's) text
    decides who joins (bot/core/crisis_groups.py)."""

    id: str
    lead_text: str
    members: tuple[str, ...]  # case ids, lead first
    ref: str | None = None  # where the review surface shows the group


@dataclass(frozen=True)
class Usage:
    """One day's requests (and spend) of one kind on one network."""

    day: str  # YYYY-MM-DD, UTC
    network: str
    kind: str
    count: int
    cost: float


@dataclass(frozen=True)
class CrisisState:
    """Crisis mode as last switched: on or off, why, by whom, when."""

    active: bool
    reason: str = ""
    user: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class ReportRow:
    """What the figures need of one case posted in a report's period: a store reads just
    this (no drafts, no audit row per case), however many cases the period holds."""

    network: Network
    state: CaseState
    reply_seconds: float | None  # post to published reply; None when not published
    age_seconds: float  # post to the end of the period
    person: str | None  # who approved the published reply
    flagged_breached: bool
    unedited: bool  # published as drafted (bot.core.reports.sent_unedited)


@dataclass(frozen=True)
class ReportTally:
    """Counts over some cases of a report's period: a store sums them in SQL per network
    and approver (CareQueries.report_tallies), and tallies add up to a report's scopes
    (bot.core.reports defines each count)."""

    mentions: int = 0
    needing_reply: int = 0
    published: int = 0
    answered: int = 0  # published, with a first-reply time
    within: tuple[int, ...] = ()  # answered within each limit asked for
    unedited: int = 0
    breached: int = 0

    def __add__(self, other: ReportTally) -> ReportTally:
        within = itertools.zip_longest(self.within, other.within, fillvalue=0)
        return ReportTally(
            self.mentions + other.mentions,
            self.needing_reply + other.needing_reply,
            self.published + other.published,
            self.answered + other.answered,
            tuple(a + b for a, b in within),
            self.unedited + other.unedited,
            self.breached + other.breached,
        )
