"""The narrow services a review surface's handlers get: never `Careops` or the store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.operations import Operations
from bot.core.ports import CareQueries, Clock, Notifier
from bot.core.relations import Relations
from bot.core.review_actions import ReviewActions
from bot.core.sla import SlaPolicy
from bot.core.take_in import LinkIntake


@dataclass(frozen=True)
class Services:
    actions: ReviewActions  # approve, edit, dismiss … and a crisis group's bulk actions
    queries: CareQueries  # what cards, App Home and /care show
    ops: Operations  # pause, crisis, on-call, today's figures
    links: LinkIntake  # `/care draft <url>`: fetch a post, take it in
    clock: Clock
    sla: SlaPolicy
    notifier: Notifier
    relations: Relations  # customers across networks: links, wow moments (`/care wow`)
    # Several instances on one database: which one leads and since when. None: alone.
    leader: Callable[[], str | None] = lambda: None
