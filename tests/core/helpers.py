"""Wiring of the core services for tests, on the real in-memory store and fakes."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.drafting import DraftingService
from bot.core.loop import CareLoop
from bot.core.models import Network
from bot.core.publishing import PublishingService
from bot.core.review import ApproverPolicy, ReviewService
from tests.fakes.core_fakes import FakeNetwork, RecordingSurface, ScriptedDrafter


@dataclass
class Core:
    loop: CareLoop
    review: ReviewService
    publishing: PublishingService
    network: FakeNetwork
    surface: RecordingSurface
    drafter: ScriptedDrafter
    crisis: list[bool]


def wire(store, clock, links, *answers, approvers=("U_LEAD", "U_AMY")) -> Core:
    drafter = ScriptedDrafter(clock, *answers)
    drafting = DraftingService(drafter, drafter, links, clock, recent_replies=store.recent_replies)
    network = FakeNetwork()
    surface = RecordingSurface()
    crisis = [False]
    publishing = PublishingService(store, dict.fromkeys(Network, network), clock)

    def policy() -> ApproverPolicy:
        return ApproverPolicy.of(approvers, required=2 if crisis[0] else 1)

    review = ReviewService(
        store, drafting, publishing, clock, policy=policy, crisis=lambda: crisis[0]
    )
    loop = CareLoop(
        store,
        drafting,
        clock,
        surface=surface,
        brand_handles=["parcelly"],
        crisis=lambda: crisis[0],
    )
    return Core(loop, review, publishing, network, surface, drafter, crisis)
