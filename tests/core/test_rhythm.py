"""The polling rhythm: faster while mentions arrive or cases are open, slower when quiet;
never above a network's read budget or the X spend polling may use, never below the quiet
pace's floor, and settling on one interval when nothing changes."""

from __future__ import annotations

import math
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.core.budget import BUDGETS, DEFAULT_SHARE
from bot.core.clock import FakeClock
from bot.core.models import Network
from bot.core.rhythm import (
    DAY_SECONDS,
    GROWTH,
    Pace,
    PollRhythm,
    Seen,
    budget_floor,
    next_interval,
    pace_for,
    polling_allowance,
    push_allowance,
    requests_per_poll,
    spend_reached,
    target,
)

SECONDS = st.floats(min_value=0.01, max_value=100_000, allow_nan=False)
ANY_PREVIOUS = st.one_of(SECONDS, st.sampled_from([0.0, -5.0, math.nan, math.inf, -math.inf, 1e-9]))
SEEN = st.builds(
    Seen,
    arrived=st.integers(0, 500),
    open_cases=st.integers(0, 50),
    streaming=st.booleans(),
    over_budget=st.booleans(),
)
COST = st.one_of(st.just(0.0), st.floats(min_value=1e-6, max_value=1.0))
SPEND = st.one_of(st.none(), st.floats(min_value=0.01, max_value=10_000))


@st.composite
def paces(draw: st.DrawFn) -> tuple[Network, Pace, float, float | None]:
    network = draw(st.sampled_from(list(Network)))
    cost, spend = draw(COST), draw(SPEND)
    pace = pace_for(
        network, quiet=draw(SECONDS), fast=draw(SECONDS), cost_per_poll=cost, spend_per_day=spend
    )
    return network, pace, cost, spend


@given(paces(), ANY_PREVIOUS, SEEN)
def test_never_above_the_read_budget_nor_the_spend_polling_may_use(
    paced: tuple[Network, Pace, float, float | None], previous: float, seen: Seen
) -> None:
    network, pace, cost, spend = paced
    interval = next_interval(previous, seen, pace)
    budget = BUDGETS[network]["read"]
    polls_per_window = budget.window.total_seconds() / interval
    used = polls_per_window * requests_per_poll(network)
    assert used <= budget.requests_per_window() * DEFAULT_SHARE * (1 + 1e-9)
    if cost > 0 and spend:
        assert DAY_SECONDS / interval * cost <= spend * (1 + 1e-9)


@given(paces(), ANY_PREVIOUS, SEEN)
def test_never_faster_than_the_busy_pace_nor_slower_than_the_quiet_one(
    paced: tuple[Network, Pace, float, float | None], previous: float, seen: Seen
) -> None:
    network, pace, cost, spend = paced
    interval = next_interval(previous, seen, pace)
    floor = budget_floor(
        network, requests_per_poll(network), cost_per_poll=cost, spend_per_day=spend
    )
    assert math.isfinite(interval)
    assert floor <= pace.fastest <= interval <= pace.quiet


@given(paces(), ANY_PREVIOUS, SEEN)
def test_with_nothing_changing_the_rhythm_settles_on_the_target_and_stays(
    paced: tuple[Network, Pace, float, float | None], previous: float, seen: Seen
) -> None:
    _, pace, _, _ = paced
    steps = math.ceil(math.log(pace.quiet / pace.fastest) / math.log(GROWTH)) + 2
    intervals = [previous]
    for _ in range(steps):
        intervals.append(next_interval(intervals[-1], seen, pace))
    settled = intervals[-1]
    assert math.isclose(settled, target(seen, pace))
    assert next_interval(settled, seen, pace) == settled
    walk = intervals[1:]  # from the first decision on, it moves one way only
    assert walk == sorted(walk) or walk == sorted(walk, reverse=True)


@given(paces(), ANY_PREVIOUS)
def test_a_mention_makes_the_next_poll_the_fastest_at_once(
    paced: tuple[Network, Pace, float, float | None], previous: float
) -> None:
    _, pace, _, _ = paced
    assert next_interval(previous, Seen(arrived=1), pace) == pace.fastest


def test_quiet_polls_slow_down_step_by_step_and_open_cases_hold_it_attentive() -> None:
    pace = pace_for(Network.X, quiet=60, fast=10)
    assert pace == Pace(fastest=10, attentive=30, quiet=60)
    walk = [10.0]
    for _ in range(5):
        walk.append(next_interval(walk[-1], Seen(), pace))
    assert walk == [10, 15, 22.5, 33.75, 50.625, 60]
    assert next_interval(10, Seen(open_cases=2), pace) == 15
    assert next_interval(22.5, Seen(open_cases=2), pace) == 30  # held there, not 60
    assert next_interval(60, Seen(open_cases=2), pace) == 30  # faster at once


def test_the_busy_pace_is_never_faster_than_the_network_allows() -> None:
    assert pace_for(Network.X, quiet=60, fast=1).fastest == 4.0  # 450 / 15 min, half
    assert pace_for(Network.MASTODON, quiet=60, fast=1).fastest == 2.0  # 300 / 5 min, half
    assert pace_for(Network.BLUESKY, quiet=60, fast=0.1).fastest == 0.4  # 2 requests a poll
    # a quiet interval set below the budget is raised to it; a busy one above quiet is quiet
    assert pace_for(Network.MASTODON, quiet=0.2, fast=10) == Pace(2.0, 2.0, 2.0)
    assert pace_for(Network.X, quiet=30, fast=120) == Pace(30, 30, 30)


def test_a_stream_or_a_spent_x_budget_keeps_polling_quiet() -> None:
    pace = pace_for(Network.MASTODON, quiet=60, fast=10)
    assert next_interval(10, Seen(arrived=5, streaming=True), pace) == 15  # slowing down
    assert next_interval(60, Seen(arrived=5, streaming=True), pace) == 60
    assert next_interval(60, Seen(arrived=5, over_budget=True), pace) == 60


def test_if_x_billed_requests_polling_fast_is_paid_only_from_a_budget() -> None:
    free = pace_for(Network.X, quiet=60, fast=10)
    assert free.fastest == 10  # X bills resources returned: an empty poll costs nothing
    no_budget = pace_for(Network.X, quiet=60, fast=10, cost_per_poll=0.001)
    assert no_budget.fastest == 60  # no budget set: no faster than quiet
    allowance = polling_allowance(daily_budget=None, monthly_budget=310.0)
    assert allowance is not None and math.isclose(allowance, 1.0)  # 10% of $10 a day
    paid = pace_for(Network.X, quiet=60, fast=10, cost_per_poll=0.001, spend_per_day=allowance)
    assert math.isclose(paid.fastest, 86.4) and paid.quiet == paid.fastest  # $1 a day
    assert polling_allowance(20.0, 310.0) == 1.0
    assert polling_allowance(5.0, None) == 0.5
    assert polling_allowance(None, None) is None


def test_spend_reached_by_day_or_month() -> None:
    assert not spend_reached(5, 100, daily_budget=None, monthly_budget=None)
    assert spend_reached(5, 300, daily_budget=None, monthly_budget=300)
    assert spend_reached(20, 100, daily_budget=20, monthly_budget=300)
    assert not spend_reached(19.99, 100, daily_budget=20, monthly_budget=300)


def test_the_rhythm_says_which_sources_are_due_and_when() -> None:
    clock = FakeClock()
    open_cases = {"x": 0}
    rhythm = PollRhythm(
        {"x": pace_for(Network.X, quiet=60, fast=10)},
        clock,
        open_cases=lambda name: open_cases[name],
    )
    assert rhythm.due("x") and rhythm.due("inbox") and rhythm.any_due()  # first poll: now
    assert rhythm.polled("x", arrived=3) == 10
    assert not rhythm.due("x") and not rhythm.any_due() and rhythm.due("inbox")
    clock.advance(timedelta(seconds=9.9))
    assert not rhythm.due("x")
    clock.advance(timedelta(seconds=0.1))
    assert rhythm.due("x")
    open_cases["x"] = 1
    assert rhythm.polled("x", arrived=0) == 15
    assert rhythm.polled("x", arrived=0) == 22.5
    assert rhythm.polled("x", arrived=0) == 30
    open_cases["x"] = 0
    assert rhythm.polled("x", arrived=0) == 45
    assert rhythm.polled("inbox", arrived=2) is None  # not paced: polled on every tick


def test_rings_of_a_stream_get_polls_only_within_the_read_budget_share() -> None:
    clock = FakeClock()
    allowance = push_allowance(Network.MASTODON, clock)
    read = BUDGETS[Network.MASTODON]["read"]
    share = int(read.requests_per_window() * DEFAULT_SHARE)
    for _ in range(share):  # a flood: a ring, a poll, again, within a second
        assert allowance.available()
        allowance.spend()
    assert not allowance.available(), "the window's share is spent: the next ring waits"
    clock.advance(read.window - timedelta(seconds=1))
    assert not allowance.available()
    clock.advance(timedelta(seconds=1))
    assert allowance.available(), "the first polls have left the window"
