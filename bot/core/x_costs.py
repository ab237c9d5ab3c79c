"""What X charges for what careops does there, and the meter that counts it.

X's API is pay-per-use (its price list, "Credit consumption details"): reads are charged
per resource returned (a post, a user), writes per request, and a post whose text
carries a URL ("Content: Create (with URL)") costs about thirteen times a plain one
("Content: Create"). A resource returned again within the same UTC day is not charged
again. The prices are the team's to set (careops.toml `[x.prices]`), because X changes
them without a careops release.

The meter counts each kind of call in the usage log, priced, under these kinds:
`post` and `post_url` (replies sent without and with a URL), `post_read` and
`user_read` (resources returned, once per UTC day: the store keeps the day's ids, so a
restart does not count them again), and `requests` (every answered request, unpriced).
Versions before this one counted every post read as `read`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from bot.core.budget import UsageLog
from bot.core.ports import Clock
from bot.core.text import url_spans

NETWORK = "x"
POST = "post"
POST_URL = "post_url"
POST_READ = "post_read"
USER_READ = "user_read"
REQUESTS = "requests"
LEGACY_READ = "read"  # post reads as earlier versions counted them

# X links a bare domain ("parcelly.com/help") as it links "https://...", and charges the
# post as one with a URL. Like X's link detection (twitter-text), a name, a dot and a
# generic top-level domain make a link; a two-letter country code does only with a path
# after it ("ok.so" is text, "ok.so/x" a link), except .co and .tv. The generic ones are
# the common part of X's list: a rarer one is missed, which prices that reply too low.
GENERIC_TLDS = frozenset(
    """com net org info biz edu gov mil int name pro aero asia cat coop jobs mobi museum
    tel travel app dev page link help support care shop store online site website web
    xyz tech cloud digital services solutions company global media network systems
    agency group team works zone delivery express blog news live today world club
    email social chat guide faq how""".split()  # noqa: SIM905 (a word list reads better)
)
_BARE_DOMAIN = re.compile(
    r"(?<![\w@.\-/])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,24})(?![\w-]|\.[a-z0-9])",
    re.IGNORECASE,
)


def carries_url(text: str) -> bool:
    """Would X count this post as one "with URL"? Any http(s) link counts, t.co-wrapped or
    not, and so does a bare domain that X turns into a link."""
    return bool(url_spans(text)) or bool(bare_domains(text))


def bare_domains(text: str) -> list[tuple[int, int]]:
    """(start, end) of each bare domain X would link, with its path ("parcelly.com/help")."""
    found = []
    for match in _BARE_DOMAIN.finditer(text):
        if _links(match):
            path = _PATH.match(text, match.end())
            found.append((match.start(), path.end() if path else match.end()))
    return found


_PATH = re.compile(r"/[^\s]*?(?=[.,;:!?)\]]*(?:\s|$))")


def _links(match: re.Match[str]) -> bool:
    tld = match.group(1).lower()
    if len(tld) == 2:
        return tld in ("co", "tv") or match.string.startswith("/", match.end())
    return tld in GENERIC_TLDS


@dataclass(frozen=True)
class XPrices:
    """USD per unit: per post created (with or without a URL), per resource read."""

    post: float = 0.015
    post_with_url: float = 0.200
    post_read: float = 0.005
    user_read: float = 0.010
    request: float = 0.0  # per answered request: X bills reads per resource, not per request

    @classmethod
    def from_config(cls, table: Mapping[str, Any]) -> XPrices:
        """From careops.toml's `[x.prices]` (checked by bot/ops_file.py); defaults otherwise."""
        return cls(**{k: float(v) for k, v in table.items()})

    def per(self, kind: str) -> float:
        return {
            POST: self.post,
            POST_URL: self.post_with_url,
            POST_READ: self.post_read,
            LEGACY_READ: self.post_read,
            USER_READ: self.user_read,
            REQUESTS: self.request,
        }.get(kind, 0.0)

    def reply_kind(self, text: str) -> str:
        return POST_URL if carries_url(text) else POST

    def reply(self, text: str) -> float:
        """What sending this reply costs."""
        return self.per(self.reply_kind(text))


class ReadLog(UsageLog, Protocol):
    """The usage log that also keeps the day's resources read (the store implements it)."""

    def record_reads(
        self, network: str, kind: str, ids: Collection[str], cost_each: float, day: str
    ) -> int:
        """Count the ids not counted on `day` (YYYY-MM-DD) yet, at `cost_each`, in the
        day's usage, the ids and the count in one transaction; how many were new."""
        ...


class XSpendMeter:
    """Counts X calls in the usage log, priced. A post or user returned twice in one UTC
    day is charged once by X, so it is counted once here: the store keeps the day's ids,
    so a restart counts none again, and this process remembers the ids it counted today,
    so one returned again costs no write."""

    def __init__(self, usage: ReadLog | None, prices: XPrices, clock: Clock) -> None:
        self.usage = usage
        self.prices = prices
        self.clock = clock
        self._lock = threading.Lock()
        self._day: date | None = None
        self._seen: set[tuple[str, str]] = set()

    def read(self, post_ids: Iterable[str], user_ids: Iterable[str]) -> None:
        """One answered read request and the resources it returned."""
        day = self.clock.now().date()
        with self._lock:
            if day != self._day:
                self._day, self._seen = day, set()
            posts = self._new(POST_READ, post_ids)
            users = self._new(USER_READ, user_ids)
        self._record(REQUESTS, 1, day)
        self._record_reads(POST_READ, posts, day)
        self._record_reads(USER_READ, users, day)

    def created(self, text: str) -> None:
        """One post created (a reply sent) with this text."""
        day = self.clock.now().date()
        self._record(REQUESTS, 1, day)
        self._record(self.prices.reply_kind(text), 1, day)

    def _new(self, kind: str, ids: Iterable[str]) -> list[str]:
        """The ids this process has not counted today."""
        fresh = {(kind, i) for i in ids} - self._seen
        self._seen |= fresh
        return sorted(i for _, i in fresh)

    def _record_reads(self, kind: str, ids: list[str], day: date) -> None:
        if self.usage is not None and ids:
            self.usage.record_reads(NETWORK, kind, ids, self.prices.per(kind), day.isoformat())

    def _record(self, kind: str, count: int, day: date) -> None:
        if self.usage is None or not count:
            return
        cost = round(self.prices.per(kind) * count, 6)
        self.usage.record_usage(NETWORK, kind, count, cost, day.isoformat())


# --- what was spent ---------------------------------------------------------------------

UsageRow = tuple[str, str, int, float]  # day (YYYY-MM-DD), kind, count, cost: network x only


@dataclass(frozen=True)
class DaySpend:
    day: str
    replies: int = 0
    with_link: int = 0
    post_reads: int = 0
    user_reads: int = 0
    cost: float = 0.0  # reads and replies

    @property
    def per_reply(self) -> float | None:
        """The day's whole X spend over the replies sent that day."""
        return self.cost / self.replies if self.replies else None


@dataclass(frozen=True)
class XSpend:
    days: tuple[DaySpend, ...]  # oldest first, days with any X use only
    month: str  # YYYY-MM (UTC) of `month_to_date`
    month_to_date: float
    monthly_budget: float | None = None

    @property
    def total(self) -> DaySpend:
        return DaySpend(
            "total",
            sum(d.replies for d in self.days),
            sum(d.with_link for d in self.days),
            sum(d.post_reads for d in self.days),
            sum(d.user_reads for d in self.days),
            round(sum(d.cost for d in self.days), 6),
        )

    @property
    def budget_used(self) -> float | None:
        return self.month_to_date / self.monthly_budget if self.monthly_budget else None


def month_start(today: date) -> date:
    return today.replace(day=1)


def first_day_needed(since: date, today: date) -> date:
    """How far back usage must be read for `x_spend`: the period and this month."""
    return min(since, month_start(today))


def spent_so_far(rows: Iterable[UsageRow], today: date) -> tuple[float, float]:
    """X spend today and this calendar month (UTC), from rows reaching back to the 1st."""
    day, first = today.isoformat(), month_start(today).isoformat()
    listed = [(d, cost) for d, _, _, cost in rows if d >= first]
    return sum(c for d, c in listed if d == day), sum(c for _, c in listed)


def x_rows(usage: Iterable[Any]) -> list[UsageRow]:
    """X's rows of the store's usage table (rows as mappings or as objects)."""

    def get(row: Any, name: str) -> Any:
        return row[name] if isinstance(row, Mapping) else getattr(row, name)

    return [
        (str(get(r, "day")), str(get(r, "kind")), int(get(r, "count")), float(get(r, "cost")))
        for r in usage
        if get(r, "network") == NETWORK
    ]


def x_spend(
    rows: Iterable[UsageRow], *, since: date, today: date, monthly_budget: float | None
) -> XSpend:
    """Per-day X figures from `since`, and this month's spend against the budget. `rows`
    must reach back to the earlier of `since` and the first of this month."""
    per_day: dict[str, dict[str, float]] = {}
    month, first = today.strftime("%Y-%m"), month_start(today).isoformat()
    month_to_date = 0.0
    for day, kind, count, cost in rows:
        if day >= first:
            month_to_date += cost
        if day >= since.isoformat():
            totals = per_day.setdefault(day, {})
            totals[kind] = totals.get(kind, 0) + count
            totals["cost"] = totals.get("cost", 0.0) + cost
    days = tuple(
        DaySpend(
            day,
            replies=int(t.get(POST, 0) + t.get(POST_URL, 0)),
            with_link=int(t.get(POST_URL, 0)),
            post_reads=int(t.get(POST_READ, 0) + t.get(LEGACY_READ, 0)),
            user_reads=int(t.get(USER_READ, 0)),
            cost=round(t.get("cost", 0.0), 6),
        )
        for day, t in sorted(per_day.items())
    )
    return XSpend(days, month, round(month_to_date, 6), monthly_budget)


def money(value: float | None) -> str:
    """$0.20, $0.015, $1,234.50: cents, or a tenth of a cent below ten cents."""
    if value is None:
        return "–"
    return (
        f"${value:,.3f}" if 0 < abs(value) < 0.1 and round(value, 2) != value else f"${value:,.2f}"
    )


def budget_line(spend: XSpend) -> str:
    used = spend.budget_used
    if used is None:
        return f"{spend.month} to date: {money(spend.month_to_date)} (no monthly budget set)"
    return (
        f"{spend.month} to date: {money(spend.month_to_date)} of "
        f"{money(spend.monthly_budget)} budget ({used:.0%})"
    )


def day_line(day: DaySpend) -> str:
    link = f", {day.with_link} with link" if day.replies else ""
    return (
        f"{day.day}: {money(day.cost)}, {day.replies} replies{link}, "
        f"{money(day.per_reply)} a reply; read {day.post_reads} posts, {day.user_reads} users"
    )


def spend_markdown(spend: XSpend) -> str:
    lines = [
        "## X spend",
        "",
        "| day | replies | with link | posts read | users read | spend | per reply |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for d in (*spend.days, spend.total) if spend.days else ():
        label = "**total**" if d.day == "total" else d.day
        lines.append(
            f"| {label} | {d.replies} | {d.with_link} | {d.post_reads} | {d.user_reads} "
            f"| {money(d.cost)} | {money(d.per_reply)} |"
        )
    if not spend.days:
        lines.append("| – | 0 | 0 | 0 | 0 | $0.00 | – |")
    lines += ["", budget_line(spend) + ".", ""]
    return "\n".join(lines)


def spend_csv_rows(spend: XSpend) -> list[tuple[str, str, dict[str, object]]]:
    """The CSV report's X rows (scope, name, values; USD as plain numbers): one per day
    (`x_day`), the period's total (`x_total`) and the month to date against the budget
    (`x_month`)."""

    def figures(d: DaySpend) -> dict[str, object]:
        per_reply = None if d.per_reply is None else round(d.per_reply, 6)
        return {
            "x_replies": d.replies,
            "x_with_link": d.with_link,
            "x_posts_read": d.post_reads,
            "x_users_read": d.user_reads,
            "x_spend_usd": d.cost,
            "x_per_reply_usd": per_reply,
        }

    rows = [("x_day", d.day, figures(d)) for d in spend.days]
    rows.append(("x_total", "all", figures(spend.total)))
    used = spend.budget_used
    month: dict[str, object] = {
        "x_spend_usd": spend.month_to_date,
        "x_monthly_budget_usd": spend.monthly_budget,
        "x_budget_used": None if used is None else round(used, 4),
    }
    return [*rows, ("x_month", spend.month, month)]
