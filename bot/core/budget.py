"""Rate budgets of the networks (DESIGN §4): polling intervals, 429 waits, where use is logged.

Pure arithmetic over published limits, so the scheduler, the sources and the benchmark
agree on one set of numbers. A source polls at most as often as half its budget allows,
leaving the other half for retries, thread context and the people using the same app.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Protocol

from bot.core.models import Network

DEFAULT_SHARE = 0.5  # of a read budget that polling may use
DEFAULT_429_WAIT = timedelta(seconds=60)  # when a 429 names no reset
MAX_429_WAIT = timedelta(hours=1)  # a reset further away is a clock problem, not a plan
_DAY = timedelta(hours=24)


@dataclass(frozen=True)
class Budget:
    """One published limit: `limit` units per `window`, `cost` units per request."""

    network: Network
    kind: str  # "read", "post", "session"
    limit: int
    window: timedelta
    cost: int = 1
    note: str = ""

    def requests_per_window(self) -> int:
        return self.limit // self.cost

    def per_day(self) -> float:
        return self.requests_per_window() * (timedelta(days=1) / self.window)


BUDGETS: dict[Network, dict[str, Budget]] = {
    Network.X: {
        "read": Budget(Network.X, "read", 450, timedelta(minutes=15), note="mentions, per app"),
        "search": Budget(Network.X, "search", 450, timedelta(minutes=15), note="recent search"),
        "post": Budget(Network.X, "post", 100, timedelta(minutes=15), note="posts, per user"),
    },
    Network.BLUESKY: {
        "read": Budget(Network.BLUESKY, "read", 3000, timedelta(minutes=5), note="PDS, per IP"),
        "post": Budget(
            Network.BLUESKY, "post", 5000, timedelta(hours=1), cost=3, note="write points"
        ),
        "session": Budget(
            Network.BLUESKY, "session", 30, timedelta(minutes=5), note="createSession"
        ),
    },
    Network.MASTODON: {
        "read": Budget(Network.MASTODON, "read", 300, timedelta(minutes=5), note="per account"),
        "post": Budget(Network.MASTODON, "post", 300, timedelta(minutes=5), note="per account"),
    },
    # Meta's limits grow with the account's audience; these are the floors.
    Network.THREADS: {
        "read": Budget(
            Network.THREADS, "read", 48_000, _DAY, note="4,800 × impressions (at least 10)"
        ),
        "reply": Budget(Network.THREADS, "reply", 1000, _DAY, note="API-published replies"),
        "post": Budget(Network.THREADS, "post", 250, _DAY, note="API-published posts"),
    },
    Network.FACEBOOK: {
        "read": Budget(Network.FACEBOOK, "read", 4800, _DAY, note="4,800 × engaged users"),
        "post": Budget(Network.FACEBOOK, "post", 4800, _DAY, note="same bucket as reads"),
    },
    Network.INSTAGRAM: {
        "read": Budget(Network.INSTAGRAM, "read", 4800, _DAY, note="4,800 × impressions"),
        "post": Budget(Network.INSTAGRAM, "post", 4800, _DAY, note="same bucket as reads"),
    },
}


def poll_interval(
    network: Network,
    requests_per_poll: float,
    *,
    floor_seconds: float = 0.0,
    share: float = DEFAULT_SHARE,
) -> float:
    """Seconds between polls so that polling uses at most `share` of the read budget.

    `floor_seconds` is the configured interval: the budget only ever slows polling down.
    """
    budget = BUDGETS[network]["read"]
    allowed = budget.requests_per_window() * share
    derived = budget.window.total_seconds() * max(requests_per_poll, 1.0) / allowed
    return max(derived, floor_seconds)


def wait_until(now: datetime, headers: Mapping[str, str]) -> datetime:
    """When a 429 answer lets us try again, from the headers the network sent.

    X: `x-rate-limit-reset` (epoch seconds); Bluesky: `ratelimit-reset` (epoch seconds);
    Mastodon: `x-ratelimit-reset` (ISO time); anyone: `retry-after` (seconds or HTTP date).
    Unknown or absurd values fall back to a minute, and never beyond an hour.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    for name in ("x-rate-limit-reset", "ratelimit-reset", "x-ratelimit-reset"):
        when = _parse_reset(lower.get(name))
        if when is not None:
            return _bounded(now, when)
    retry = lower.get("retry-after")
    if retry:
        when = _parse_retry_after(now, retry)
        if when is not None:
            return _bounded(now, when)
    return now + DEFAULT_429_WAIT


def _bounded(now: datetime, when: datetime) -> datetime:
    if when <= now:
        return now + timedelta(seconds=1)
    return min(when, now + MAX_429_WAIT)


def _parse_reset(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(int(float(value)), tz=UTC)
    except (ValueError, OverflowError, OSError):
        pass
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parse_retry_after(now: datetime, value: str) -> datetime | None:
    try:
        return now + timedelta(seconds=float(value))
    except (ValueError, OverflowError):
        pass
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class UsageLog(Protocol):
    """Where sources and publishers count requests and spend (the store implements it)."""

    def record_usage(
        self, network: str, kind: str, count: int = 1, cost: float = 0.0, day: str | None = None
    ) -> None: ...


class RateGate:
    """Remembers a 429 until the network's reset, so a source skips calls meanwhile."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.until: datetime | None = None

    def blocked(self, now: datetime) -> bool:
        if self.until is not None and now >= self.until:
            self.until = None
        return self.until is not None

    def limited(self, now: datetime, headers: Mapping[str, str]) -> datetime:
        self.until = wait_until(now, headers)
        return self.until

    def notice(self) -> str:
        when = self.until.strftime("%H:%M UTC") if self.until else "later"
        return f"{self.network.value}: rate limited until {when}; intake degraded"


# Meta (Graph API, Threads) reports how much of a rolling limit is used, in percent, in
# the X-App-Usage and X-Business-Use-Case-Usage headers, and throttles at 100%.
USAGE_SLOW_AT = 75.0  # from here the safety-net poll runs only every SLOW_POLL
USAGE_STOP_AT = 95.0  # from here no call is made until Meta says access is back
SLOW_POLL = timedelta(minutes=10)
DEFAULT_REGAIN = timedelta(minutes=10)  # when Meta names no time to regain access


class UsageGate:
    """One Meta network's rate-limit usage as last reported: slow down from 75%, stop
    from 95% (or after a rate-limit error) until the time Meta estimates, at most an hour."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.percent = 0.0
        self.until: datetime | None = None

    def seen(self, now: datetime, percent: float, regain: timedelta | None = None) -> None:
        """The highest usage a response reported, and Meta's time to regain access."""
        self.percent = percent
        if percent >= USAGE_STOP_AT:
            self.limited(now, regain)

    def limited(self, now: datetime, regain: timedelta | None = None) -> datetime:
        """Meta refused a call for its rate limit (or usage is at the stop line)."""
        wait = regain if regain and regain > timedelta(0) else DEFAULT_REGAIN
        self.until = now + min(wait, MAX_429_WAIT)
        return self.until

    def blocked(self, now: datetime) -> bool:
        if self.until is not None and now >= self.until:
            self.until = None
            self.percent = 0.0  # the next answer says where it stands now
        return self.until is not None

    @property
    def slowed(self) -> bool:
        return self.percent >= USAGE_SLOW_AT

    def notice(self) -> str:
        when = self.until.strftime("%H:%M UTC") if self.until else "later"
        return (
            f"{self.network.value}: Meta's rate limit is nearly used"
            f" ({self.percent:.0f}%); no calls until {when}; intake degraded"
        )
