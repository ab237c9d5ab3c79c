"""Cards and notes on the Slack Web API: the ReviewSurface and Notifier ports."""

from __future__ import annotations

from collections.abc import Callable

from bot.adapters.slack._cards import card_blocks, card_text
from bot.adapters.slack._group_cards import GroupCards
from bot.adapters.slack._poster import SlackPoster, make_ref, split_ref
from bot.core.card import CardNotes, card_view
from bot.core.link_policy import XLinkRules
from bot.core.models import Case, CaseGroup, Draft
from bot.core.ports import Clock
from bot.core.sla import SlaPolicy


class SlackSurface:
    """ReviewSurface: a card per case, posted once and then updated in place. A case the
    core placed in a crisis group of two or more is shown on the group's card instead."""

    def __init__(
        self,
        poster: SlackPoster,
        channel: str,
        clock: Clock,
        sla: SlaPolicy,
        groups: GroupCards | None = None,
        costs: XLinkRules | None = None,
        notes: Callable[[Case], CardNotes] | None = None,
    ) -> None:
        self.poster = poster
        self.channel = channel
        self.clock = clock
        self.sla = sla
        self.groups = groups
        self.costs = costs  # X's prices and link policy: what sending a reply costs
        self.notes = notes  # the customer's history and wow moment (core/relations.py)

    def show(self, case: Case, draft: Draft | None, group: CaseGroup | None = None) -> str | None:
        if group is not None and len(group.members) > 1 and self.groups is not None:
            return self.groups.show(case, draft, group)
        return self.show_single(case, draft)

    def show_single(self, case: Case, draft: Draft | None) -> str | None:
        notes = self.notes(case) if self.notes is not None else None
        view = card_view(
            case, draft, now=self.clock.now(), sla=self.sla, costs=self.costs, notes=notes
        )
        blocks, text = card_blocks(view), card_text(view)
        if case.review_ref:
            self.poster.update(case.review_ref, text, blocks)
            return case.review_ref
        channel, ts = self.poster.post(self.channel, text, blocks=blocks, unfurl_links=False)
        return make_ref(channel, ts)


class SlackNotifier:
    """Notifier: thread pings on cards, direct messages, notes in the care channel.

    Text is mrkdwn written by careops (it may mention people); callers escape any
    customer text they include.
    """

    def __init__(self, poster: SlackPoster, channel: str) -> None:
        self.poster = poster
        self.channel_id = channel

    def thread(self, case: Case, text: str) -> None:
        if not case.review_ref:
            self.channel(text)
            return
        channel, ts = split_ref(case.review_ref)
        self.poster.post(channel, text, thread_ts=ts)

    def direct(self, user: str, text: str) -> None:
        self.poster.post(user, text)  # a bot posting to a user id lands in its DM

    def channel(self, text: str) -> None:
        self.poster.post(self.channel_id, text)
