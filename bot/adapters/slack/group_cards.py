"""The crisis group card: one message that stands for many similar cases (DESIGN §7).

`group_blocks` renders a core `GroupView`. `GroupCards` keeps the card current with
`chat.update`, at most one update per group every `interval` seconds: members joining
in a burst are folded into the next update, which renders whatever is stored by then.
`show_cases` posts each member's own card into the group card's thread, paced.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.adapters.slack.cards import _button, _context, _section, card_blocks, card_text, rule_lines
from bot.adapters.slack.escape import SECTION_LIMIT, clip, escape_mrkdwn, quote
from bot.adapters.slack.groups import SqliteGroups
from bot.core.card import card_view
from bot.core.crisis_groups import CaseGroup, CrisisGrouper, GroupView, group_view
from bot.core.models import Case, Draft

if TYPE_CHECKING:
    from bot.adapters.slack.surface import SlackPoster, SlackSurface

log = logging.getLogger(__name__)

ACTION_APPROVE_ALL = "careops_group_approve"
ACTION_SHOW_CASES = "careops_group_show"

Block = dict[str, Any]


def group_text(view: GroupView) -> str:
    return escape_mrkdwn(f"{view.size} similar mentions: {view.lead.mention.text}")[:300]


def group_blocks(view: GroupView, lead_rules: str) -> list[Block]:
    states = ", ".join(f"{state.value.replace('_', ' ')}: {n}" for state, n in view.by_state)
    status = f"*{view.size} similar mentions* · {states}"
    if view.half_approved:
        status += f" · {view.half_approved} waiting for a second approver"
    samples = "\n".join(quote(s[:280]) for s in view.samples)
    blocks: list[Block] = [
        _section("🚨 " + status),
        _section(clip(samples, SECTION_LIMIT)),
        _section(clip("*Shared draft*:\n" + quote(view.pattern or "(no draft)"), SECTION_LIMIT)),
        _context("Rules, lead draft:"),
        _section(lead_rules),
    ]
    buttons = [_button("Show cases", ACTION_SHOW_CASES, view.group_id)]
    if view.awaiting:
        approve = _button(f"Approve all ({view.awaiting})", ACTION_APPROVE_ALL, view.group_id)
        buttons.insert(0, {**approve, "style": "primary"})
    blocks.append({"type": "actions", "block_id": "careops_group", "elements": buttons})
    return blocks


class GroupCards:
    """Renders and refreshes group cards; posts members' cards into the card's thread."""

    def __init__(
        self,
        surface: SlackSurface,
        repo: SqliteGroups,
        grouper: CrisisGrouper,
        get_draft: Callable[[str], Draft | None],
        *,
        interval: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.surface = surface
        self.repo = repo
        self.grouper = grouper
        self.get_draft = get_draft
        self.interval = interval
        self.monotonic = monotonic
        self._lock = threading.Lock()
        self._render_lock = threading.Lock()
        self._next: dict[str, float] = {}
        self._timers: dict[str, threading.Timer] = {}
        self._closed = False

    @property
    def poster(self) -> SlackPoster:
        return self.surface.poster

    def draft_of(self, case: Case) -> Draft | None:
        return self.get_draft(case.draft_id) if case.draft_id else None

    def show(self, case: Case, draft: Draft | None) -> str | None:
        """ReviewSurface.show for any case: grouped ones refresh their group's card and
        return its ref, so reactions on the group card find the group."""
        group = self.grouper.place(case)
        if group is None or len(group.members) < 2:
            ref = self.surface.show_single(case, draft)
            if group is not None and ref and group.ref != ref:
                self.repo.set_ref(group.id, ref)  # a lone lead's card becomes the group card
            return ref
        own = self.repo.card_ref(case.id)
        if own:  # the member's card in the group card's thread
            text, blocks = self.member_card(case, draft)
            channel, _, ts = own.partition("/")
            self.poster.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        if group.ref is None:
            return self.post(group)
        self.refresh(group.id)
        return group.ref

    def blocks(self, group: CaseGroup) -> tuple[str, list[Block]]:
        members = self.grouper.members(group)
        drafts = {}
        for case in members:
            draft = self.draft_of(case)
            if draft is not None:
                drafts[case.id] = draft.text
        view = group_view(group, members, drafts)
        lead_view = card_view(
            view.lead,
            self.draft_of(view.lead),
            now=self.surface.clock.now(),
            sla=self.surface.sla,
        )
        return group_text(view), group_blocks(view, rule_lines(lead_view.all_checks))

    def post(self, group: CaseGroup) -> str:
        text, blocks = self.blocks(group)
        channel, ts = self.poster.post(self.surface.channel, text, blocks=blocks)
        ref = f"{channel}/{ts}"
        self.repo.set_ref(group.id, ref)
        return ref

    def refresh(self, group_id: str) -> None:
        """Update the card now, or fold this into the update already due for the group."""
        with self._lock:
            if self._closed or group_id in self._timers:
                return
            now = self.monotonic()
            due = self._next.get(group_id, now)
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
            group = self.repo.get(group_id)
            if group is None or group.ref is None:
                return
            text, blocks = self.blocks(group)
            channel, _, ts = group.ref.partition("/")
            self.poster.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)

    def show_cases(self, group_id: str) -> int:
        """Post each member's card (not posted yet) into the group card's thread, paced."""
        group = self.repo.get(group_id)
        if group is None or group.ref is None:
            return 0
        channel, _, thread_ts = group.ref.partition("/")
        posted = 0
        for case in self.grouper.members(group):
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
        view = card_view(case, draft, now=self.surface.clock.now(), sla=self.surface.sla)
        return card_text(view), card_blocks(view)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            timers = list(self._timers.values())
            self._timers.clear()
        for timer in timers:
            timer.cancel()
