"""How often each network is polled: faster while mentions arrive or cases are open,
slower when quiet, never faster than the network's published read budget allows nor
than the team lets polling spend on X.

`next_interval` is the decision, pure: the interval after a poll, from the interval
before it and what that poll saw. It speeds up at once (a mention arrived: the next is
likely close behind, and a customer with an open case may write again) and slows down
by `GROWTH` per quiet poll, so a burst is followed closely and one stray mention does
not keep a network busy for long. With the same input it settles on one interval in a
few polls and stays there.

`PollRhythm` keeps each network's interval and when it is due next; the tick asks it
which sources to poll, and the watch job asks it when to wake the tick.

X bills reads per resource returned (once per UTC day), not per request, so a poll that
finds nothing is free and a faster rhythm reads each mention once, as a slower one would.
Should X bill requests as such (`[x.prices] request`), polling faster than the quiet
interval is paid only within a share of the team's X budget (`POLL_SPEND_SHARE`), and
never once the month's (or the day's) X budget is reached.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.budget import BUDGETS, DEFAULT_SHARE, poll_interval
from bot.core.models import Network
from bot.core.ports import Clock

GROWTH = 1.5  # a quiet poll makes the next interval this much longer, up to the target
ATTENTIVE_FACTOR = 3.0  # open cases, nothing new: this many times the busy interval
POLL_SPEND_SHARE = 0.1  # of the X budget that polling itself may cost (if X bills requests)
DAY_SECONDS = 86_400.0

# Requests one poll makes when it finds nothing new: X the mentions timeline (a listening
# search has its own bucket); Bluesky listNotifications and a getPosts for parents;
# Mastodon the notifications page (a context call per reply is counted with the mentions).
REQUESTS_PER_POLL: dict[Network, float] = {
    Network.X: 1.0,
    Network.BLUESKY: 2.0,
    Network.MASTODON: 1.0,
}


STREAM_LONGEST_RETRY = 60.0  # seconds between tries to reconnect a dropped stream, at most
STREAM_UNSUPPORTED_WAIT = 3600.0  # a server without streaming is asked again hourly


def stream_retry(failures: int) -> float:
    """Seconds before reconnecting a stream after `failures` failed tries in a row:
    1, 2, 4 ... at most `STREAM_LONGEST_RETRY`."""
    return min(2.0 ** min(max(failures, 1) - 1, 16), STREAM_LONGEST_RETRY)


class PollAllowance:
    """At most `limit` polls in any `window` seconds. A stream rings for every mention, and
    each ring asks for a poll at once; in a flood of mentions this keeps those polls within
    the share of the network's read budget polling may use (`DEFAULT_SHARE`)."""

    def __init__(self, limit: int, window: float, clock: Clock) -> None:
        self.limit = max(limit, 1)
        self.window = timedelta(seconds=window)
        self.clock = clock
        self._polls: deque[datetime] = deque()

    def available(self) -> bool:
        since = self.clock.now() - self.window
        while self._polls and self._polls[0] <= since:
            self._polls.popleft()
        return len(self._polls) < self.limit

    def spend(self) -> None:
        self._polls.append(self.clock.now())


def push_allowance(network: Network, clock: Clock) -> PollAllowance:
    """The polls a stream's rings may ask of `network` (its read budget's share)."""
    budget = BUDGETS[network]["read"]
    limit = budget.requests_per_window() * DEFAULT_SHARE / requests_per_poll(network)
    return PollAllowance(int(limit), budget.window.total_seconds(), clock)


def requests_per_poll(network: Network) -> float:
    return REQUESTS_PER_POLL.get(network, 1.0)


@dataclass(frozen=True)
class Pace:
    """One network's intervals in seconds: `fastest` while mentions arrive, `attentive`
    while cases are open, `quiet` otherwise (CAREOPS_POLL_SECONDS)."""

    fastest: float
    attentive: float
    quiet: float


def budget_floor(
    network: Network,
    requests_per_poll: float,
    *,
    cost_per_poll: float = 0.0,
    spend_per_day: float | None = None,
    share: float = DEFAULT_SHARE,
) -> float:
    """The shortest interval the network's read budget allows (`share` of it), and where a
    poll costs money, the one that keeps polling within `spend_per_day` (USD)."""
    floor = poll_interval(network, requests_per_poll, share=share)
    if cost_per_poll > 0 and spend_per_day:
        floor = max(floor, DAY_SECONDS * cost_per_poll / spend_per_day)
    return floor


def pace_for(
    network: Network,
    *,
    quiet: float,
    fast: float,
    cost_per_poll: float = 0.0,
    spend_per_day: float | None = None,
) -> Pace:
    """The pace of one network from the settings (quiet and busy intervals) and its budgets.

    A poll that costs money with no X budget to pay it from is never made faster than
    `quiet`: a faster rhythm is paid for only within a budget the team set."""
    floor = budget_floor(
        network,
        requests_per_poll(network),
        cost_per_poll=cost_per_poll,
        spend_per_day=spend_per_day,
    )
    quiet = max(_finite(quiet, floor), floor)
    fastest = max(floor, min(_finite(fast, quiet), quiet))
    if cost_per_poll > 0 and not spend_per_day:
        fastest = quiet
    attentive = min(max(fastest * ATTENTIVE_FACTOR, fastest), quiet)
    return Pace(fastest, attentive, quiet)


def paces_for(
    names: Iterable[str],
    *,
    quiet: float,
    fast: float,
    x_cost_per_poll: float = 0.0,
    x_daily_budget: float | None = None,
    x_monthly_budget: float | None = None,
) -> dict[str, Pace]:
    """The pace of each source that is a network with a published read budget; another
    source (a file inbox) has none and is polled on every tick."""
    paces = {}
    for name in names:
        network = next((n for n in Network if n.value == name), None)
        if network is None or "read" not in BUDGETS.get(network, {}):
            continue
        on_x = network is Network.X
        paces[name] = pace_for(
            network,
            quiet=quiet,
            fast=fast,
            cost_per_poll=x_cost_per_poll if on_x else 0.0,
            spend_per_day=polling_allowance(x_daily_budget, x_monthly_budget) if on_x else None,
        )
    return paces


@dataclass(frozen=True)
class Seen:
    """What a network's last poll found, and the state around it."""

    arrived: int = 0  # new mentions taken in by that poll
    open_cases: int = 0  # cases on this network a person still has to act on
    streaming: bool = False  # a live stream tells of new mentions: polls are a safety net
    over_budget: bool = False  # X: the team's X budget is reached, no faster polling


def target(seen: Seen, pace: Pace) -> float:
    """The interval this state calls for."""
    if seen.streaming or seen.over_budget:
        return pace.quiet
    if seen.arrived > 0:
        return pace.fastest
    if seen.open_cases > 0:
        return pace.attentive
    return pace.quiet


def next_interval(previous: float, seen: Seen, pace: Pace) -> float:
    """Seconds until the next poll: the target at once when it is faster, else a step of
    `GROWTH` towards it; always within [pace.fastest, pace.quiet]."""
    goal = target(seen, pace)
    before = _finite(previous, pace.quiet)
    step = goal if goal <= before else min(goal, before * GROWTH)
    return min(max(step, pace.fastest), pace.quiet)


def _finite(value: float, otherwise: float) -> float:
    return value if math.isfinite(value) and value > 0 else otherwise


def spend_reached(
    today: float, month: float, *, daily_budget: float | None, monthly_budget: float | None
) -> bool:
    """Has X spend reached the team's budget for today or this month?"""
    return bool(
        (monthly_budget is not None and month >= monthly_budget)
        or (daily_budget is not None and today >= daily_budget)
    )


def polling_allowance(daily_budget: float | None, monthly_budget: float | None) -> float | None:
    """USD a day that polling itself may cost on X: a share of the day's budget (or of the
    month's, spread over 31 days); None without a budget."""
    per_day = daily_budget if daily_budget is not None else None
    if monthly_budget is not None:
        spread = monthly_budget / 31
        per_day = spread if per_day is None else min(per_day, spread)
    return per_day * POLL_SPEND_SHARE if per_day is not None else None


class PollRhythm:
    """Each paced source's interval and when it is due; a source without a pace (a file
    inbox) is due on every tick. Not thread-safe: the tick alone calls `polled`."""

    def __init__(
        self,
        paces: Mapping[str, Pace],
        clock: Clock,
        *,
        open_cases: Callable[[str], int] = lambda name: 0,
        over_budget: Callable[[str], bool] = lambda name: False,
    ) -> None:
        self.paces = dict(paces)
        self.clock = clock
        self.open_cases = open_cases
        self.over_budget = over_budget
        self.intervals: dict[str, float] = {name: pace.quiet for name, pace in self.paces.items()}
        self._due: dict[str, datetime] = {}  # absent: due now (the first poll runs at start)

    def due(self, name: str) -> bool:
        when = self._due.get(name)
        return name not in self.paces or when is None or self.clock.now() >= when

    def any_due(self) -> bool:
        """Is a paced source due? (Asked twice a second by the watch job: no I/O.)"""
        return any(self.due(name) for name in self.paces)

    def polled(self, name: str, arrived: int, *, streaming: bool = False) -> float | None:
        """Record a poll of `name` (also a failed one) and set when it is due next."""
        pace = self.paces.get(name)
        if pace is None:
            return None
        now = self.clock.now()
        self._due[name] = now + timedelta(seconds=self.intervals[name])  # if what follows fails
        seen = Seen(
            arrived=arrived,
            open_cases=self.open_cases(name) if not arrived and not streaming else 0,
            streaming=streaming,
            over_budget=self.over_budget(name),
        )
        interval = next_interval(self.intervals[name], seen, pace)
        self.intervals[name] = interval
        self._due[name] = now + timedelta(seconds=interval)
        return interval

    def hold(self) -> None:
        """Intake is paused: no source is due before its interval has passed again."""
        now = self.clock.now()
        for name, interval in self.intervals.items():
            self._due[name] = now + timedelta(seconds=interval)
