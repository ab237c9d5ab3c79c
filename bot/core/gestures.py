"""Gestures for wow moments, with a monthly budget each (prompts/wow.yaml).

The brand lists what it can offer (a discount code, a handwritten card, an upgrade), what
each costs and how much it may spend on it a month, and which to suggest for each kind of
moment. A 🎁 (or the card's button) records that the suggested gesture was made and by
whom, once per case; the budget counts down. A gesture that would pass its budget needs
an approver: anyone else is told so, and nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from bot.core.cases import note
from bot.core.models import Case
from bot.core.permissions import Action, ActionPolicy
from bot.core.ports import Clock, WowRepo
from bot.core.review import ReviewOutcome
from bot.core.wow import Gesture, WowKind, WowMoment


@dataclass(frozen=True)
class Offer:
    key: str
    label: str  # "a handwritten card"
    cost: float
    monthly_budget: float


@dataclass(frozen=True)
class WowBook:
    """What the brand can offer, and which offer suits each kind of moment."""

    offers: Mapping[str, Offer] = field(default_factory=dict)
    suggest: Mapping[str, str] = field(default_factory=dict)  # kind -> offer key
    currency: str = "$"

    @classmethod
    def of(cls, offers: list[Offer], suggest: Mapping[str, str], currency: str = "$") -> WowBook:
        """A checked book: each suggestion names an offer, each kind a known one."""
        by_key = {offer.key: offer for offer in offers}
        for kind, key in suggest.items():
            if kind not in set(WowKind):
                raise ValueError(f"suggest: unknown kind {kind!r} ({', '.join(WowKind)})")
            if key not in by_key:
                raise ValueError(f"suggest: {kind} names {key!r}, which is not a gesture")
        for offer in offers:
            if offer.cost < 0 or offer.monthly_budget < 0:
                raise ValueError(f"gesture {offer.key}: cost and budget cannot be negative")
        return cls(MappingProxyType(by_key), MappingProxyType(dict(suggest)), currency)

    def offer_for(self, kind: WowKind) -> Offer | None:
        """The suggested offer for a kind of moment; the first listed when none is named."""
        key = self.suggest.get(kind.value)
        if key is not None:
            return self.offers[key]
        return next(iter(self.offers.values()), None)

    def money(self, amount: float) -> str:
        return f"{self.currency}{amount:,.2f}".replace(".00", "")


def month_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def spent(gestures: list[Gesture], offer: str) -> float:
    return sum(g.cost for g in gestures if g.offer == offer)


class Gifts:
    """Record gestures (🎁) and list the week's moments (`/care wow`)."""

    def __init__(
        self,
        repo: WowRepo,
        case: Callable[[str], Case | None],
        book: WowBook,
        clock: Clock,
        policy: Callable[[], ActionPolicy],
    ) -> None:
        self.repo = repo
        self.case = case
        self.book = book
        self.clock = clock
        self.policy = policy

    def left(self, offer: Offer) -> float:
        """What is left of the offer's budget this month."""
        month = self.repo.gestures_since(month_start(self.clock.now()))
        return offer.monthly_budget - spent(month, offer.key)

    def suggestion(self, kind: WowKind) -> str:
        """ "a handwritten card ($3; $57 of $60 left this month)"."""
        offer = self.book.offer_for(kind)
        if offer is None:
            return "nothing listed in prompts/wow.yaml"
        left, money = self.left(offer), self.book.money
        budget = f"{money(max(left, 0))} of {money(offer.monthly_budget)} left this month"
        if left < offer.cost:
            budget = f"over budget: {budget}, an approver decides"
        return f"{offer.label} ({money(offer.cost)}; {budget})"

    def budget_lines(self) -> list[str]:
        """ "a handwritten card: $9 of $60 spent this month (3 made)", one per gesture."""
        month = self.repo.gestures_since(month_start(self.clock.now()))
        money, lines = self.book.money, []
        for offer in self.book.offers.values():
            made = [g for g in month if g.offer == offer.key]
            used = f"{money(spent(made, offer.key))} of {money(offer.monthly_budget)}"
            lines.append(f"{offer.label}: {used} spent this month ({len(made)} made)")
        return lines

    def give(self, case_id: str, user: str) -> ReviewOutcome:
        """Record that the case's suggested gesture was made by `user` (once per case)."""
        case = self.case(case_id)
        if case is None:
            return ReviewOutcome(False, f"No case {case_id}.")
        done = self.repo.gesture(case_id)
        if done is not None:
            return ReviewOutcome(True, f"Already done: {done.label}, by <@{done.user}>.", case)
        now = self.clock.now()
        moment = self.repo.moment(case_id) or _spotted(case, now)
        offer = self.book.offer_for(moment.kind)
        if offer is None:
            return ReviewOutcome(False, "prompts/wow.yaml lists no gesture to make.", case)
        over = self.left(offer) < offer.cost
        if over and (refusal := self.policy().refusal(Action.GIFT_OVER_BUDGET, user)):
            left = self.book.money(max(self.left(offer), 0))
            return ReviewOutcome(False, f"{offer.label}: {left} left this month. {refusal}", case)
        gesture = Gesture(case.id, offer.key, offer.label, offer.cost, user, now, over)
        detail = f"{offer.label} ({self.book.money(offer.cost)})" + (", over budget" * over)
        audit = note(case, at=now, actor=user, action="gift", detail=detail)
        if not self.repo.add_gesture(gesture, moment, audit):
            return ReviewOutcome(True, "Already done.", case)
        return ReviewOutcome(True, f"Recorded: {detail}.", case, True)

    def week(self) -> list[tuple[WowMoment, Gesture | None]]:
        """This week's moments (the last 7 days), newest first, with what was done."""
        since = self.clock.now() - timedelta(days=7)
        return self.repo.moments_since(since)


def _spotted(case: Case, now: datetime) -> WowMoment:
    """A moment a person saw (🎁 on a card careops flagged nothing on)."""
    mention = case.mention
    why = "spotted by the team"
    return WowMoment(case.id, WowKind.SPOTTED, why, now, mention.network, mention.author_handle)
