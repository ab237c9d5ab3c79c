"""Ports: the small interfaces the core needs from the outside world.

Adapters implement them; the core never imports an adapter. Each port has few methods
so that a fake for a test is a dozen lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.core.models import (
    AuditEntry,
    Case,
    CaseGroup,
    CaseState,
    CrisisState,
    Draft,
    Mention,
    Network,
    OutboxItem,
    OutboxState,
    PublishResult,
    Quarantined,
    ReportTally,
    Triage,
    Usage,
)
from bot.core.oncall import Override
from bot.core.people import Contacts, LinkSummary, Person
from bot.core.post_urls import PostRef
from bot.core.wow import Gesture, WowKind, WowMoment


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC datetime."""
        ...


@dataclass
class SourceBatch:
    """What one poll of a source returned: good mentions and quarantined junk."""

    mentions: list[Mention] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    cursor: str | None = None  # where the next poll resumes; None = unchanged
    # Things a person should hear about: an intake gap that could not be filled,
    # degraded intake after a 429 ("X: rate limited until 12:15 UTC") ...
    notices: list[str] = field(default_factory=list)


class MentionSource(Protocol):
    name: str

    def poll(self, cursor: str | None) -> SourceBatch: ...


@runtime_checkable
class WatchedSource(Protocol):
    """A source that can tell cheaply that it has something new (a file inbox: a stat)."""

    def has_news(self) -> bool: ...


@runtime_checkable
class PushedSource(Protocol):
    """A source that a live push (a stream) tells of new mentions: while it does, polls
    are only the safety net and can be rare. The push runs in the background between
    `start_push` and `stop_push`, only while `leads()` says this instance leads."""

    def pushing(self) -> bool: ...

    def start_push(self, leads: Callable[[], bool]) -> None: ...

    def stop_push(self) -> None: ...


class PermanentPublishError(Exception):
    """The network refused the reply for good (deleted parent, not allowed): do not retry."""


@dataclass(frozen=True)
class PublishLater:
    """The reply is not out yet and must not be sent again before `not_before`.

    The network asked to wait (a rate limit, a daily quota used up), or took a first
    step whose result the row must keep: Threads makes a reply container that is
    published about 30 seconds later. `meta` is merged into the outbox row before
    anything else happens, so the next attempt, or reconcile after a crash, goes on
    from that step instead of starting again. Waiting is not a failed attempt."""

    not_before: datetime
    meta: dict[str, str] = field(default_factory=dict)
    reason: str = ""


class Publisher(Protocol):
    def publish(self, item: OutboxItem) -> PublishResult | PublishLater:
        """Send the reply, or take the step the network allows now (PublishLater). Raise
        PermanentPublishError or any other exception (retryable)."""
        ...

    def find_existing(self, item: OutboxItem) -> PublishResult | None:
        """After a crash: did an earlier attempt of this item reach the network?"""
        ...


@dataclass(frozen=True)
class DraftRequest:
    case_id: str
    draft_id: str
    mention: Mention
    triage: Triage
    max_length: int
    crisis: bool = False
    previous_replies: tuple[str, ...] = ()  # recent replies, so a draft is not a copy
    examples: tuple[str, ...] = ()  # approved replies to similar mentions
    feedback: tuple[str, ...] = ()  # failed rules of a first attempt (repair round)


class Drafter(Protocol):
    label: str

    def draft(self, request: DraftRequest) -> Draft: ...


class AlreadyExists(Exception):
    """A bulk insert met an id that is already stored; nothing of it was written."""


class OutboxConflict(Exception):
    """The store refused an outbox move by the publisher: this instance no longer leads
    (a newer leader fenced it out) or another session is moving the row. Nothing is sent
    on a refused claim; the leader reconciles whatever this instance left behind."""


class CaseRepo(Protocol):
    def add_case(self, case: Case, *audits: AuditEntry) -> bool:
        """Insert a new case with its audit rows; False (and no change) if the id exists."""
        ...

    def add_new_cases(
        self, cases: Sequence[tuple[Case, Sequence[AuditEntry]]], drafts: Sequence[Draft]
    ) -> None:
        """Intake's bulk write: new cases with their audit rows, and their drafts, in one
        transaction. Raises AlreadyExists, writing nothing, if any case id exists."""
        ...

    def get_case(self, case_id: str) -> Case | None: ...

    def known(self, case_ids: Sequence[str]) -> set[str]:
        """Which of these case ids exist already (one query for a whole batch)."""
        ...

    def save_case(self, case: Case, *audits: AuditEntry | None) -> None:
        """Write the case as it is now, with the audit rows of how it got there."""
        ...

    def cases(
        self, states: Iterable[CaseState] | None = None, since: datetime | None = None
    ) -> list[Case]: ...

    def cases_lacking(self, states: Iterable[CaseState], flag: str) -> list[Case]:
        """Cases in `states` whose flags do not hold `flag`, oldest post first."""
        ...


class DraftRepo(Protocol):
    def add_draft(self, draft: Draft) -> None: ...

    def get_draft(self, draft_id: str) -> Draft | None: ...

    def recent_replies(self, limit: int) -> list[str]:
        """Texts of the latest published replies, newest first."""
        ...


class OutboxRepo(Protocol):
    def enqueue(self, item: OutboxItem) -> OutboxItem:
        """Insert if new; return the stored row (existing rows are never overwritten)."""
        ...

    def save_outbox(self, item: OutboxItem) -> None: ...

    def outbox(self, states: Sequence[OutboxState]) -> list[OutboxItem]: ...


class QuarantineRepo(Protocol):
    def quarantine(self, item: Quarantined) -> None: ...


class CursorRepo(Protocol):
    def get_cursor(self, source: str) -> str | None: ...

    def set_cursor(self, source: str, cursor: str) -> None: ...


class Store(CaseRepo, DraftRepo, OutboxRepo, QuarantineRepo, CursorRepo, Protocol):
    """Everything the loop persists. The SQLite adapter implements it in one class."""

    def audit(self, case_id: str) -> list[AuditEntry]: ...

    def transaction(self) -> AbstractContextManager[None]:
        """Group several writes into one commit; nested use joins the outer one."""
        ...


class ReviewSurface(Protocol):
    """Where humans see cases: Slack cards, the terminal."""

    def show(self, case: Case, draft: Draft | None, group: CaseGroup | None = None) -> str | None:
        """Present or refresh the case; return a reference (e.g. Slack channel/ts).

        `group` is the crisis group the core placed the case in: a surface that groups
        shows the group's card instead (and returns its reference); others ignore it."""
        ...


class Notifier(Protocol):
    """How careops tells people things outside a card: thread pings, DMs, channel notes."""

    def thread(self, case: Case, text: str) -> None:
        """Reply in the case card's thread (falls back to the channel if it has no card)."""
        ...

    def direct(self, user: str, text: str) -> None: ...

    def channel(self, text: str) -> None: ...


class PostLookupError(Exception):
    """A network could not answer a post lookup now (rate limit, outage): try again later.

    The message is for a person ("X is rate limiting reads until 12:15 UTC")."""


class PostLookup(Protocol):
    """One network's "fetch this post by its link", for posts the intake did not take in."""

    def fetch(self, ref: PostRef) -> Mention | None:
        """The post as a Mention, or None when it is gone, private or never existed.

        `ref` is always of this lookup's network (the caller picks the lookup by
        `ref.network`). Raises PostLookupError when the network does not answer."""
        ...


class GroupRepo(Protocol):
    """Crisis groups as the core decides them (bot/core/crisis_groups.py)."""

    def group_of(self, case_id: str) -> CaseGroup | None: ...

    def groups_since(self, since: datetime) -> list[CaseGroup]:
        """Groups started at or after `since`, oldest first."""
        ...

    def start_group(self, group: CaseGroup, at: datetime) -> None: ...

    def join_group(self, group_id: str, case_id: str, at: datetime) -> CaseGroup: ...


class GroupPlaces(Protocol):
    """Where a review surface shows a group and its members' own cards."""

    def group(self, group_id: str) -> CaseGroup | None: ...

    def group_at(self, ref: str) -> CaseGroup | None:
        """The group whose card is at `ref`."""
        ...

    def set_ref(self, group_id: str, ref: str) -> None: ...

    def case_at(self, card_ref: str) -> str | None:
        """The member whose own card (in the group card's thread) is at `card_ref`."""
        ...


class GroupCardMarks(Protocol):
    """A surface's bookkeeping for group cards: members' own cards, and render stamps so
    an update lost at a stop is redone at the next start."""

    def card_ref(self, case_id: str) -> str | None: ...

    def set_card_ref(self, case_id: str, ref: str) -> None: ...

    def mark_rendered(self, group_id: str, at: datetime) -> None: ...

    def stale(self) -> list[str]:
        """Groups whose card is older than their members' latest change, oldest first."""
        ...


class CareQueries(Protocol):
    """The read side surfaces show (App Home, `/care`, cards, reports). Each answer is
    bounded by what is shown, never by how many cases the store holds."""

    def case(self, case_id: str) -> Case | None: ...

    def case_at(self, ref: str) -> Case | None:
        """The case whose card is at `ref` (its own card, or its card in a group's thread)."""
        ...

    def draft(self, draft_id: str) -> Draft | None: ...

    def audit(self, case_id: str) -> list[AuditEntry]: ...

    def case_for_link(self, url: str, ref: PostRef | None) -> Case | None:
        """The case whose post a link names (`/care draft` when the post cannot be fetched)."""
        ...

    def count_by_state(self, states: Iterable[CaseState]) -> dict[CaseState, int]:
        """How many cases are in each of `states` (states with none are left out)."""
        ...

    def oldest(self, states: Iterable[CaseState], limit: int) -> list[Case]:
        """The `limit` cases in `states` whose posts are oldest, oldest first."""
        ...

    def count_posted_before(
        self, states: Iterable[CaseState], network: Network, before: datetime
    ) -> int:
        """Cases in `states` on `network` posted at or before `before` (targets at risk)."""
        ...

    def approvers_since(self, since: datetime) -> list[tuple[str, int]]:
        """Who approved replies approved (or published) since `since`, and how many,
        most first."""
        ...

    def approved_by(self, user: str, since: datetime, limit: int) -> list[Case]:
        """Up to `limit` of the cases `user` approved since `since`, in post order."""
        ...

    def report_tallies(
        self,
        since: datetime,
        until: datetime,
        limits: Sequence[float],
        targets: Mapping[Network, float],
    ) -> list[tuple[Network, str | None, ReportTally]]:
        """The cases posted in [since, until) counted per network and approver (who
        approved the published ones, '' when nobody is on record; None for the others),
        as bot/core/reports.py's `tally_of` counts them: answered within each of `limits`
        seconds, breached against each network's target in `targets` (seconds)."""
        ...

    def reply_times_at(
        self, since: datetime, until: datetime, ranks: Mapping[tuple[str, str], Sequence[int]]
    ) -> dict[tuple[tuple[str, str], int], float]:
        """The first-reply times (seconds, at least 0) of the published cases posted in
        [since, until), in order within each scope (("all", "all"), ("network", value),
        ("person", approver)): the time at each 1-based rank asked for, by (scope, rank)."""
        ...


class SettingsRepo(Protocol):
    """Small named values that must survive a restart (intake paused, intake notices)."""

    def get_setting(self, key: str) -> str | None: ...

    def set_setting(self, key: str, value: str) -> None: ...


class UsageRepo(Protocol):
    """Requests and spend per network and day (budgets, App Home)."""

    def record_usage(
        self, network: str, kind: str, count: int = 1, cost: float = 0.0, day: str | None = None
    ) -> None: ...

    def usage_since(self, day: str) -> list[Usage]: ...


class OpsRepo(Protocol):
    """On-call overrides (`/care cover`) and the crisis switch; every change is kept."""

    def add_override(self, override: Override) -> Override: ...

    def overrides(self, ending_after: datetime | None = None) -> list[Override]: ...

    def crisis_state(self) -> CrisisState: ...

    def set_crisis(self, on: bool, reason: str, user: str, at: datetime) -> bool:
        """Switch crisis mode; False when it already was so."""
        ...


class PeopleRepo(Protocol):
    """Customers across cases and networks (bot/core/people.py): history reads bounded
    by RECENT whatever a customer's count, and the team's links between handles."""

    def contacts(self, person: Person, before: datetime, limit: int) -> Contacts:
        """The handle's cases posted before `before`: count, first, the `limit` latest."""
        ...

    def linked(self, person: Person) -> tuple[Person, ...]:
        """The other handles linked to this one (none when it is linked to nothing)."""
        ...

    def link(self, people: Sequence[Person], user: str, at: datetime) -> tuple[Person, ...]:
        """Link these handles as one customer (joining groups they are in); the whole
        group afterwards. Each change is kept (who, when)."""
        ...

    def unlink(self, person: Person, user: str, at: datetime) -> bool:
        """Take the handle out of its group; False when it was linked to nothing."""
        ...

    def repeat_complaints(self, since: datetime, until: datetime) -> int:
        """Cases posted in [since, until) raised as a repeat complaint (REPEAT_TAG)."""
        ...

    def link_summary(self, since: datetime) -> LinkSummary:
        """Customers linked now (groups, handles) and the link changes since `since`."""
        ...


class WowRepo(Protocol):
    """Wow moments and the gestures made for them (bot/core/wow.py, gestures.py)."""

    def add_moment(self, moment: WowMoment, audit: AuditEntry) -> bool: ...

    def moment(self, case_id: str) -> WowMoment | None: ...

    def moments_since(self, since: datetime) -> list[tuple[WowMoment, Gesture | None]]:
        """Moments at or after `since`, newest first, with the gesture made for each."""
        ...

    def add_gesture(self, gesture: Gesture, moment: WowMoment, audit: AuditEntry) -> bool:
        """Keep the gesture (and its moment, if new) with the audit row, in one commit;
        False, changing nothing, when the case has a gesture already."""
        ...

    def moment_counts(self, since: datetime, until: datetime) -> dict[WowKind, int]:
        """Moments in [since, until), by kind (the report's counts, never truncated)."""
        ...

    def gesture(self, case_id: str) -> Gesture | None: ...

    def gestures_since(self, since: datetime) -> list[Gesture]: ...
