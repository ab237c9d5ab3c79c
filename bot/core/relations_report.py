"""The customers section of `careops report` and `/care stats`: wow moments by kind, the
gestures made and by whom, each gesture's budget this month, repeat complaints and the
customers linked across networks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from bot.core.gestures import WowBook, month_start, spent
from bot.core.people import LinkSummary
from bot.core.ports import PeopleRepo, WowRepo
from bot.core.wow import Gesture, WowKind

K = TypeVar("K")


@dataclass(frozen=True)
class RelationsFigures:
    moments: Mapping[WowKind, int]  # in the period, by kind
    gestures: Sequence[Gesture]  # made in the period
    month: Sequence[Gesture]  # made this month, for the budgets
    links: LinkSummary
    repeats: int = 0  # complaints within a week of another, raised to high priority


def relations_figures(
    wow: WowRepo, people: PeopleRepo, since: datetime, until: datetime
) -> RelationsFigures:
    """The figures of [since, until) (budgets: the month of `until`)."""
    return RelationsFigures(
        moments=wow.moment_counts(since, until),
        gestures=[g for g in wow.gestures_since(since) if g.at < until],
        month=wow.gestures_since(month_start(until)),
        links=people.link_summary(since),
        repeats=people.repeat_complaints(since, until),
    )


def relations_text(figures: RelationsFigures, book: WowBook) -> str:
    """One line for Slack: "4 wow moments, 2 with a gesture ($6); 1 repeat complaint"."""
    total = sum(figures.moments.values())
    made = figures.gestures
    cost = f" ({book.money(sum(g.cost for g in made))})" if made else ""
    return (
        f"{total} wow moment{'s' * (total != 1)}, {len(made)} with a gesture{cost};"
        f" {figures.repeats} repeat complaint{'s' * (figures.repeats != 1)};"
        f" {figures.links.customers} customers linked across networks"
    )


def relations_markdown(figures: RelationsFigures, book: WowBook) -> str:
    total = sum(figures.moments.values())
    kinds = ", ".join(f"{n} {kind.label}" for kind, n in _by_count(figures.moments))
    money = book.money
    lines = [
        "## Customers and wow moments",
        "",
        f"- Wow moments: {total}" + (f" ({kinds})" if kinds else "")
        + f"; {len(figures.gestures)} with a gesture"
        + (f", {money(sum(g.cost for g in figures.gestures))}" if figures.gestures else ""),
    ]  # fmt: skip
    made = Counter(g.label for g in figures.gestures)
    if made:
        lines.append("- Gestures: " + ", ".join(f"{label} × {n}" for label, n in _by_count(made)))
        people = Counter(g.user for g in figures.gestures)
        lines.append("- By: " + ", ".join(f"{user} {n}" for user, n in _by_count(people)))
        over = sum(g.over_budget for g in figures.gestures)
        if over:
            lines.append(f"- Past the monthly budget (an approver's call): {over}")
    for offer in book.offers.values():
        used = spent(list(figures.month), offer.key)
        count = sum(g.offer == offer.key for g in figures.month)
        lines.append(
            f"- Budget this month, {offer.label}: {money(used)} of"
            f" {money(offer.monthly_budget)} ({count} made)"
        )
    links = figures.links
    lines += [
        f"- Repeat complaints (a complaint within a week of another, raised to high):"
        f" {figures.repeats}",
        f"- Customers linked across networks: {links.customers} ({links.handles} handles);"
        f" {links.changes} link changes in the period",
        "",
    ]
    return "\n".join(lines)


def _by_count(counter: Mapping[K, int]) -> list[tuple[K, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], str(item[0])))
