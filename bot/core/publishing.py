"""The publishing outbox (DESIGN §8): a reply is never sent twice and never lost.

An approved draft becomes an outbox row keyed by its draft id. Before the network call
the row is saved as `publishing`; after it, the network's id is saved as `published`.
A row found in `publishing` at start-up was interrupted mid-call: `reconcile` asks the
network whether the reply exists before anything is retried.

A network may answer a publish with `PublishLater` (Threads: a reply container was made
and is published about 30 seconds later; a quota or rate limit says wait): the row goes
back to `pending` with what the step left in its meta (the container id) and a
`not_before` time, and a later tick takes it up once due. The wait blocks nothing.

`publish_pending`, `reconcile`, `publish` and `retry` hold one lock per service: the
scheduler's tick, start-up and Slack may call them from different threads, and a row
is re-read under the lock so a caller holding a stale copy never sends it again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.cases import transition
from bot.core.models import (
    Case,
    CaseState,
    Draft,
    Network,
    OutboxItem,
    OutboxState,
    PublishResult,
)
from bot.core.ports import (
    Clock,
    OutboxConflict,
    PermanentPublishError,
    Publisher,
    PublishLater,
    Store,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
NOT_BEFORE = "not_before"  # outbox meta: a row waiting for the network is not sent before it


@dataclass(frozen=True)
class PublishOutcome:
    item: OutboxItem
    case: Case | None

    @property
    def published(self) -> bool:
        return self.item.state is OutboxState.PUBLISHED

    @property
    def not_before(self) -> datetime | None:
        """When a row the network asked to wait for is due (None: not waiting)."""
        if self.item.state is not OutboxState.PENDING:
            return None
        return due_at(self.item)


class PublishingService:
    def __init__(
        self,
        store: Store,
        publishers: Mapping[Network, Publisher],
        clock: Clock,
        on_change: Callable[[Case], None] = lambda case: None,
        prepare: Callable[[OutboxItem], OutboxItem] = lambda item: item,
        without_link: Callable[[OutboxItem, str], OutboxItem] = lambda item, why: item,
    ) -> None:
        self.store = store
        self.publishers = publishers
        self.clock = clock
        self.on_change = on_change  # refresh the card when a case moves
        # The text to send, decided before the network call and saved with the row
        # (X's link policy); it must keep a decision already stored in the row.
        self.prepare = prepare
        self.without_link = without_link  # X: a person chose to send without the link
        self._lock = threading.RLock()  # reconcile calls publish: re-entrant

    def enqueue(self, case: Case, draft: Draft, *, without_link: str = "") -> OutboxItem:
        """Queue the approved draft (without its link when `without_link` says why).
        Enqueuing the same draft twice returns the first row."""
        item = self._item(case, draft)
        return self.store.enqueue(self.without_link(item, without_link) if without_link else item)

    def _item(self, case: Case, draft: Draft) -> OutboxItem:
        return OutboxItem(
            draft_id=draft.id,
            case_id=case.id,
            network=case.network,
            in_reply_to=case.mention.external_id,
            text=draft.text,
            state=OutboxState.PENDING,
            created_at=self.clock.now(),
            meta=dict(case.mention.meta),
        )

    def publish_pending(self) -> list[PublishOutcome]:
        with self._lock:
            # rows read under the lock are current: no re-read per row
            outcomes = []
            now = self.clock.now()
            for item in self.store.outbox([OutboxState.PENDING]):
                if (due := due_at(item)) is not None and due > now:
                    continue  # the network asked to wait (a Threads container, a quota)
                try:
                    outcomes.append(self._publish(item))
                except OutboxConflict as exc:  # another instance leads now: it publishes
                    log.warning("publishing stops: %s", exc)
                    break
            return outcomes

    def next_due(self) -> datetime | None:
        """The earliest time a row waiting for its network becomes due (None: none waits)."""
        now = self.clock.now()
        due = [d for i in self.store.outbox([OutboxState.PENDING]) if (d := due_at(i)) and d > now]
        return min(due, default=None)

    def _publish(self, item: OutboxItem) -> PublishOutcome:
        publisher = self.publishers.get(item.network)
        if publisher is None:
            return self._fail(item, f"no publisher configured for {item.network.value}")
        sending = self.prepare(item).evolve(
            state=OutboxState.PUBLISHING, attempts=item.attempts + 1
        )
        self.store.save_outbox(sending)  # written, with the text to send, before the call
        self._move_case(item.case_id, CaseState.PUBLISHING)
        try:
            result = publisher.publish(sending)
        except PermanentPublishError as exc:
            return self._fail(sending, str(exc) or type(exc).__name__)
        except Exception as exc:  # network errors: retry later, up to MAX_ATTEMPTS
            reason = f"{type(exc).__name__}: {exc}"[:300]
            if sending.attempts >= MAX_ATTEMPTS:
                return self._fail(sending, reason)
            log.warning("publish of %s failed, will retry: %s", item.draft_id, reason)
            retry = sending.evolve(state=OutboxState.PENDING, error=reason)
            self.store.save_outbox(retry)
            return PublishOutcome(retry, self.store.get_case(item.case_id))
        if isinstance(result, PublishLater):
            return self._later(item, sending, result)
        return self._done(sending, result)

    def _later(self, item: OutboxItem, sending: OutboxItem, later: PublishLater) -> PublishOutcome:
        """Back to pending with what the network's step left (a container id), due at
        `not_before`; the attempt is not counted: nothing failed."""
        meta = {**sending.meta, **later.meta, NOT_BEFORE: later.not_before.isoformat()}
        waiting = sending.evolve(
            state=OutboxState.PENDING, attempts=item.attempts, meta=meta, error=later.reason
        )
        self.store.save_outbox(waiting)
        log.info("publish of %s waits until %s: %s", item.draft_id, later.not_before, later.reason)
        return PublishOutcome(waiting, self.store.get_case(item.case_id))

    def reconcile(self) -> list[PublishOutcome]:
        """Resolve rows left in `publishing` by a crash: found → published, else retry."""
        with self._lock:
            return self._reconcile()

    def _reconcile(self) -> list[PublishOutcome]:
        self._queue_approved()
        outcomes = []
        for item in self.store.outbox([OutboxState.PUBLISHING]):
            publisher = self.publishers.get(item.network)
            if publisher is None:
                continue  # leave it: nothing can tell whether it went out
            try:
                outcomes.append(self._settle(item, publisher))
            except OutboxConflict as exc:
                log.warning("reconcile stops: %s", exc)
                break
        return outcomes

    def _queue_approved(self) -> None:
        """An approved case with no outbox row (a store from before approval and enqueue
        shared one commit) is queued now; `enqueue` keeps an existing row as it is."""
        for case in self.store.cases([CaseState.APPROVED]):
            draft = self.store.get_draft(case.draft_id or "")
            if draft is None:
                log.error("case %s is approved but its draft is missing", case.id)
                continue
            item = self._item(case, draft)
            if self.store.enqueue(item) == item:
                log.warning("approved case %s had no outbox row: queued it now", case.id)

    def _settle(self, item: OutboxItem, publisher: Publisher) -> PublishOutcome:
        found = publisher.find_existing(item)
        if found is not None:
            log.info("reconciled %s: already on %s", item.draft_id, item.network.value)
            return self._done(item, found)
        return self._publish(item)

    def retry(self, case_id: str) -> OutboxItem | None:
        """A human pressed Retry on a failed publish."""
        with self._lock:
            for item in self.store.outbox([OutboxState.FAILED]):
                if item.case_id == case_id:
                    again = item.evolve(state=OutboxState.PENDING, attempts=0, error="")
                    self.store.save_outbox(again)
                    return again
            return None

    def _done(self, item: OutboxItem, result: PublishResult) -> PublishOutcome:
        done = item.evolve(
            state=OutboxState.PUBLISHED, remote_id=result.remote_id, remote_url=result.url
        )
        if result.note:
            log.warning("case %s: %s", item.case_id, result.note)
        # The reply's record and the case's move share one commit: a crash (or a lost
        # database) between them would leave a published reply on a case still publishing.
        with self.store.transaction():
            before = self.store.get_case(item.case_id)
            self.store.save_outbox(done)
            self._move_case(item.case_id, CaseState.PUBLISHING, tell=False)  # may be approved
            case = self._move_case(
                item.case_id,
                CaseState.PUBLISHED,
                "; ".join(filter(None, (_sent_as(item), result.note))),
                tell=False,
                published_id=result.remote_id,
                published_url=result.url or None,
                published_at=self.clock.now(),
                failure="",
            )
        self._tell(before, case)
        return PublishOutcome(done, case)

    def _fail(self, item: OutboxItem, reason: str) -> PublishOutcome:
        failed = item.evolve(state=OutboxState.FAILED, error=reason)
        with self.store.transaction():  # as in _done: the row and the case together
            before = self.store.get_case(item.case_id)
            self.store.save_outbox(failed)
            self._move_case(item.case_id, CaseState.PUBLISHING, tell=False)
            case = self._move_case(
                item.case_id, CaseState.FAILED, tell=False, failure=reason, detail=reason
            )
        self._tell(before, case)
        return PublishOutcome(failed, case)

    def _tell(self, before: Case | None, after: Case | None) -> None:
        """Refresh the card once the moves are committed, if the case moved."""
        if after is not None and (before is None or before.state is not after.state):
            self.on_change(after)

    def _move_case(
        self, case_id: str, to: CaseState, detail: str = "", *, tell: bool = True, **changes: Any
    ) -> Case | None:
        """Move the case (unless it is there or final); `tell` refreshes its card now."""
        case = self.store.get_case(case_id)
        if case is None or case.state == to or case.state.is_final:
            return case
        step = transition(case, to, at=self.clock.now(), detail=detail, **changes)
        self.store.save_case(step.case, step.audit)
        if tell:
            self.on_change(step.case)
        return step.case


def due_at(item: OutboxItem) -> datetime | None:
    """When a row the network asked to wait for may be sent (None: at once)."""
    stamp = item.meta.get(NOT_BEFORE)
    return datetime.fromisoformat(stamp) if stamp else None


def _sent_as(item: OutboxItem) -> str:
    """The audit's word on a reply sent otherwise than approved (X without its link)."""
    how = item.meta.get("link", "")
    return (
        f"sent without its link ({how.removeprefix('removed: ')})"
        if how.startswith("removed")
        else ""
    )
