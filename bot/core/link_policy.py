"""Whether an X reply carries its help link: the team's policy and the budget guard.

A reply with a URL costs X's "with URL" price ($0.20), one without the plain price
($0.015). careops.toml `[x] link_policy` says which goes out:

- `always`: every reply as approved, link included (until the monthly budget guard);
- `never`: the link comes out and the reply says where to find help in words;
- `budget`: links until the day's or the month's X budget would be spent, then without.

Whatever the policy, the monthly budget is a guard: when sending a reply with its link
would take the month's X spend past `[x] monthly_budget`, it goes out without the link.
A reply is never held back or dropped for money. The channel hears once per day or
month (stored, so a restart does not repeat it) that replies now go without links.

The decision is taken before the network call and stored in the outbox row (its text and
`meta["link"]`), so a retry or a reconcile after a crash compares against the text
actually sent, and sends no second variant.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from bot.core.models import Network, OutboxItem
from bot.core.ports import Clock
from bot.core.rules import LIMITS, measure
from bot.core.text import url_spans
from bot.core.x_costs import XPrices, bare_domains, carries_url, money

log = logging.getLogger(__name__)

NOTICE_KEY = "x.link_notice"  # the period ("day 2026-11-03", "month 2026-11") last told
DEFAULT_HELP_WORDS = "You'll find more in the Help section of our website."
LINK_META = "link"  # outbox meta: "kept", or "removed: <why>"


class LinkPolicy(StrEnum):
    ALWAYS = "always"
    NEVER = "never"
    BUDGET = "budget"


@dataclass(frozen=True)
class XLinkRules:
    policy: LinkPolicy = LinkPolicy.ALWAYS
    monthly_budget: float | None = None  # USD, calendar month (UTC)
    daily_budget: float | None = None  # USD, UTC day; with policy `budget`
    help_in_words: str = DEFAULT_HELP_WORDS  # "" leaves help unsaid
    prices: XPrices = field(default_factory=XPrices)

    @classmethod
    def from_config(cls, table: Mapping[str, Any]) -> XLinkRules:
        """From careops.toml's `[x]` (checked by bot/ops_file.py)."""
        return cls(
            policy=LinkPolicy(table.get("link_policy", "always")),
            monthly_budget=table.get("monthly_budget"),
            daily_budget=table.get("daily_budget"),
            help_in_words=str(table.get("help_in_words", DEFAULT_HELP_WORDS)).strip(),
            prices=XPrices.from_config(table.get("prices", {})),
        )


# --- the variant without link -----------------------------------------------------------

_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+([.,;:!?])")
_BLANKS = re.compile(r"[ \t]{2,}")
_SENTENCE_END = re.compile(r"[.!?\n]")
_LEAD_MARKS = ":→-–—"


def without_link(text: str, help_in_words: str = "", network: Network = Network.X) -> str:
    """The reply with every link (and bare domain) taken out, a lead-in left dangling at
    its end ("More here:", "Updates at") dropped, and `help_in_words` added when it still
    fits the network's limit."""
    spans = sorted([(s, e) for s, e, _ in url_spans(text)] + bare_domains(text))
    if not spans:
        return text
    parts, last = [], 0
    for start, end in spans:
        parts.append(text[last:start])
        last = max(last, end)
    rest = "".join(parts)
    tail = text[last:]
    if not tail.strip(" \t\n.,;:!?)"):  # the link ended the reply: its lead-in goes too
        rest = _drop_lead(rest)
    else:
        rest += tail
    tidy = _BLANKS.sub(" ", _SPACE_BEFORE_PUNCT.sub(r"\1", rest)).strip()
    tidy = tidy.rstrip(_LEAD_MARKS + " ,;").strip()
    if tidy and tidy[-1] not in ".!?…)\"'":
        tidy += "."
    if help_in_words:
        longer = f"{tidy} {help_in_words}".strip()
        if measure(longer, network) <= LIMITS[network]:
            return longer
    return tidy


def _drop_lead(text: str) -> str:
    """Without its last sentence when that is only a short lead-in to the link: at most
    four words ending with a colon or an arrow ("This should help:"), or at most three."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text.rstrip())]
    start = ends[-1] if ends else 0
    lead = text[start:].strip()
    words = lead.split()
    if lead and (len(words) <= 3 or (len(words) <= 4 and lead[-1] in _LEAD_MARKS)):
        return text[:start]
    clause = text.rstrip().rpartition(",")  # "..., details:" loses its clause only
    if lead.endswith(tuple(_LEAD_MARKS)) and clause[1] and len(clause[2].split()) <= 3:
        return clause[0]
    return text


def send_costs(text: str, rules: XLinkRules) -> tuple[str, bool]:
    """What sending this X reply costs, for the card, and whether to offer it without its
    link: "costs $0.20 (link) · $0.015 without"."""
    plain, linked = _usd(rules.prices.post), _usd(rules.prices.post_with_url)
    if not carries_url(text):
        return f"costs {plain} (no link)", False
    if rules.policy is LinkPolicy.NEVER:
        return f"goes without its link (link policy never): {plain}, not {linked}", False
    return f"costs {linked} (link) · {plain} without", True


def group_send_costs(texts: Sequence[str], rules: XLinkRules) -> str:
    """What approving a crisis group sends on X, for its card: "approving all sends 8 X
    replies: $1.07 with their links (5 of 8) · $0.12 without". `texts`: the X replies
    Approve all would send (members awaiting review, not answered by hand)."""
    if not texts:
        return ""
    count, linked = len(texts), sum(carries_url(t) for t in texts)
    plain_total = count * rules.prices.post
    full = linked * rules.prices.post_with_url + (count - linked) * rules.prices.post
    sends = f"approving all sends {count} X repl{'y' if count == 1 else 'ies'}"
    if not linked:
        return f"{sends}: {money(plain_total)} (no links)"
    if rules.policy is LinkPolicy.NEVER:
        never = "without their links (link policy never)"
        return f"{sends} {never}: {money(plain_total)}, not {money(full)}"
    share = "" if linked == count else f" ({linked} of {count})"
    return f"{sends}: {money(full)} with their links{share} · {money(plain_total)} without"


# --- the decision -----------------------------------------------------------------------


class Spend(Protocol):
    def __call__(self) -> tuple[float, float]:
        """X spend so far (USD): today's, and this calendar month's (UTC)."""
        ...


class Told(Protocol):
    def get_setting(self, key: str) -> str | None: ...

    def set_setting(self, key: str, value: str) -> None: ...


@dataclass(frozen=True)
class Choice:
    keep_link: bool
    why: str = ""  # why the link came out
    period: str = ""  # "day 2026-11-03" / "month 2026-11": the budget that ran out


def choose(rules: XLinkRules, text: str, today: date, spent: tuple[float, float]) -> Choice:
    """Keep the link, or send without it and why. `spent`: (today, this month) in USD."""
    if not carries_url(text):
        return Choice(True)
    if rules.policy is LinkPolicy.NEVER:
        return Choice(False, "link policy never")
    cost = rules.prices.post_with_url
    day_spent, month_spent = spent
    month = f"month {today:%Y-%m}"
    if rules.monthly_budget is not None and round(month_spent + cost, 6) > rules.monthly_budget:
        return Choice(False, f"monthly X budget ${rules.monthly_budget:,.2f} reached", month)
    daily = rules.daily_budget if rules.policy is LinkPolicy.BUDGET else None
    if daily is not None and round(day_spent + cost, 6) > daily:
        return Choice(False, f"daily X budget ${daily:,.2f} reached", f"day {today.isoformat()}")
    return Choice(True)


class XLinkGuard:
    """Decides each X reply's variant just before it is sent (`PublishingService.prepare`)."""

    def __init__(
        self,
        rules: XLinkRules,
        spend: Spend,
        told: Told,
        clock: Clock,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.rules = rules
        self.spend = spend
        self.told = told
        self.clock = clock
        self.notify = notify  # posts to the care channel; None logs only

    def without(self, item: OutboxItem, why: str) -> OutboxItem:
        """The item without its link, because a person chose so (the card's button)."""
        if item.network is not Network.X or not carries_url(item.text):
            return item
        text = without_link(item.text, self.rules.help_in_words)
        return item.evolve(text=text, meta={**item.meta, LINK_META: f"removed: {why}"})

    def prepare(self, item: OutboxItem) -> OutboxItem:
        if item.network is not Network.X or LINK_META in item.meta:
            return item  # decided before (an earlier attempt, or a person chose)
        today = self.clock.now().date()
        choice = choose(self.rules, item.text, today, self.spend())
        if choice.keep_link:
            return item.evolve(meta={**item.meta, LINK_META: "kept"})
        if choice.period:
            self._tell_once(choice)
        text = without_link(item.text, self.rules.help_in_words)
        return item.evolve(text=text, meta={**item.meta, LINK_META: f"removed: {choice.why}"})

    def _tell_once(self, choice: Choice) -> None:
        if self.told.get_setting(NOTICE_KEY) == choice.period:
            return
        until = "tomorrow (UTC)" if choice.period.startswith("day") else "next month"
        text = (
            f"X replies now go out without their help link: {choice.why}. A reply with a "
            f"link costs {_usd(self.rules.prices.post_with_url)}, without "
            f"{_usd(self.rules.prices.post)}; links come back {until}. Nothing is held back."
        )
        try:
            if self.notify is not None:
                self.notify(text)
            else:
                log.warning("%s", text)
        except Exception:  # told on the next reply instead; the reply still goes out
            log.exception("could not tell the channel that X links are off")
            return
        self.told.set_setting(NOTICE_KEY, choice.period)


def _usd(value: float) -> str:
    return f"${value:.3f}" if round(value, 2) != value else f"${value:.2f}"
