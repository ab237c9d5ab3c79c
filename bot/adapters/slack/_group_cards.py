"""The crisis group card: one message that stands for many similar cases (DESIGN §7).

`group_blocks` (in group_blocks.py) renders a core `GroupView`. `GroupCards` keeps the
card current with `chat.update`, at most one update per group every `interval` seconds:
members joining in a burst are folded into the next update, which renders whatever is
stored by then.
`show_cases` posts each member's own card into the group card's thread, paced.

Who approved or dismissed members comes from the store (`group_decisions`), never from
Slack, and each render is stamped (`mark_rendered`): an update still pending when the
process stops is flushed by `close` or, failing that, found by `catch_up` at the next
start.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from bot.adapters.slack._cards import card_blocks, card_text, rule_lines
from bot.adapters.slack._group_blocks import Block, group_blocks, group_text
from bot.adapters.slack._poster import SlackPoster, make_ref
from bot.core.card import card_view
from bot.core.crisis_groups import group_decisions, group_view
from bot.core.link_policy import XLinkRules
from bot.core.models import Case, CaseGroup, Draft
from bot.core.ports import CareQueries, Clock, GroupCardMarks, GroupPlaces
from bot.core.sla import SlaPolicy

log = logging.getLogger(__name__)

SHUTDOWN_FLUSH_SECONDS = 5.0


class GroupStore(GroupPlaces, GroupCardMarks, Protocol):
    """Where the store keeps groups and this surface's marks on them."""


class GroupCards:
    """Renders and refreshes group cards; posts members' cards into the card's thread."""

    def __init__(
        self,
        poster: SlackPoster,
        channel: str,
        clock: Clock,
        sla: SlaPolicy,
        repo: GroupStore,
        queries: CareQueries,
        *,
        interval: float,
        monotonic: Callable[[], float] = time.monotonic,
        required: Callable[[], int] = lambda: 1,
        costs: XLinkRules | None = None,
    ) -> None:
        """`required` is how many approvals a reply needs now (the review policy's);
        `costs`: X's prices and link policy, for what sending on X costs."""
        self.poster = poster
        self.channel = channel
        self.clock = clock
        self.sla = sla
        self.repo = repo
        self.queries = queries
        self.required = required
        self.costs = costs
        self.interval = interval
        self.monotonic = monotonic
        self._lock = threading.Lock()
        self._render_lock = threading.Lock()
        self._next: dict[str, float] = {}
        self._timers: dict[str, threading.Timer] = {}
        self._closed = False

    def draft_of(self, case: Case) -> Draft | None:
        return self.queries.draft(case.draft_id) if case.draft_id else None

    def members(self, group: CaseGroup) -> list[Case]:
        return [c for c in map(self.queries.case, group.members) if c is not None]

    def show(self, case: Case, draft: Draft | None, group: CaseGroup) -> str:
        """Show a member of a group of two or more: refresh the group's card and return its
        ref, so reactions on the group card find the group."""
        own = self.repo.card_ref(case.id)
        if own:  # the member's card in the group card's thread
            text, blocks = self.member_card(case, draft)
            self.poster.update(own, text, blocks)
        if group.ref is None:
            return self.post(group)
        self.refresh(group.id)
        return group.ref

    def blocks(self, group: CaseGroup) -> tuple[str, list[Block]]:
        members = self.members(group)
        drafts = {}
        for case in members:
            draft = self.draft_of(case)
            if draft is not None:
                drafts[case.id] = draft.text
        view = group_view(group, members, drafts, costs=self.costs)
        decisions = group_decisions(members, self.queries.audit, self.required())
        lead_view = card_view(
            view.lead, self.draft_of(view.lead), now=self.clock.now(), sla=self.sla
        )
        rules = rule_lines(lead_view.all_checks)
        return group_text(view, decisions), group_blocks(view, rules, decisions)

    def post(self, group: CaseGroup) -> str:
        at = self.clock.now()
        text, blocks = self.blocks(group)
        ref = make_ref(*self.poster.post(self.channel, text, blocks=blocks))
        self.repo.set_ref(group.id, ref)  # before any refresh of this group can look for it
        self.repo.mark_rendered(group.id, at)
        return ref

    def refresh(self, group_id: str) -> None:
        """Update the card now, or fold this into the update already due for the group.
        After `close` (work finishing during shutdown) the card is updated at once."""
        with self._lock:
            if group_id in self._timers:
                return
            now = self.monotonic()
            due = now if self._closed else self._next.get(group_id, now)
            if due > now:
                timer = threading.Timer(due - now, self._flush, (group_id,))
                timer.daemon = True
                self._timers[group_id] = timer
                timer.start()
                return
            self._next[group_id] = now + self.interval
        self._render(group_id)

    def _flush(self, group_id: str) -> None:
        with self._lock:
            self._timers.pop(group_id, None)
            if self._closed:
                return
            self._next[group_id] = self.monotonic() + self.interval
        try:
            self._render(group_id)
        except Exception:  # a later refresh renders the card again
            log.exception("refreshing group card %s failed", group_id)

    def _render(self, group_id: str) -> None:
        with self._render_lock:  # renders in order: the last one shows the newest state
            group = self.repo.group(group_id)
            if group is None or group.ref is None:
                return
            at = self.clock.now()  # before reading: a later change is newer than this
            text, blocks = self.blocks(group)
            self.poster.update(group.ref, text, blocks)
            self.repo.mark_rendered(group_id, at)

    def show_cases(self, group_id: str) -> int:
        """Post each member's card (not posted yet) into the group card's thread, paced."""
        group = self.repo.group(group_id)
        if group is None or group.ref is None:
            return 0
        channel, _, thread_ts = group.ref.partition("/")
        posted = 0
        for case in self.members(group):
            if self.repo.card_ref(case.id):
                continue
            text, blocks = self.member_card(case, self.draft_of(case))
            where = self.poster.post(
                channel, text, thread_ts=thread_ts, blocks=blocks, unfurl_links=False
            )
            self.repo.set_card_ref(case.id, "/".join(where))
            posted += 1
        return posted

    def member_card(self, case: Case, draft: Draft | None) -> tuple[str, list[Block]]:
        view = card_view(case, draft, now=self.clock.now(), sla=self.sla, costs=self.costs)
        return card_text(view), card_blocks(view)

    def close(self, timeout: float = SHUTDOWN_FLUSH_SECONDS) -> list[str]:
        """Stop waiting: render every update still due now, giving up after `timeout`
        seconds (Slack may be slow or gone). Returns the groups left stale, which are
        logged and rendered again by `catch_up` at the next start."""
        with self._lock:
            self._closed = True
            pending = list(self._timers)
            timers = list(self._timers.values())
            self._timers.clear()
        for timer in timers:
            timer.cancel()
        stale = self._render_within(pending, timeout)
        if stale:
            log.warning("group cards left stale at shutdown: %s", ", ".join(stale))
        return stale

    def catch_up(self) -> list[str]:
        """At start-up: re-render the group cards whose members joined or changed after
        their last render (one query, then one update per such group)."""
        stale = self.repo.stale()
        for group_id in stale:
            try:
                self._render(group_id)
            except Exception:  # the next change to the group renders it again
                log.exception("re-rendering group card %s failed", group_id)
        return stale

    def _render_within(self, group_ids: list[str], timeout: float) -> list[str]:
        """Render each group on a helper thread; the ids not done after `timeout`."""
        done: list[str] = []

        def render_all() -> None:
            for group_id in group_ids:
                try:
                    self._render(group_id)
                    done.append(group_id)
                except Exception:
                    log.exception("refreshing group card %s at shutdown failed", group_id)

        if group_ids:
            worker = threading.Thread(target=render_all, name="careops-group-flush", daemon=True)
            worker.start()
            worker.join(timeout)
        return [g for g in group_ids if g not in done]
