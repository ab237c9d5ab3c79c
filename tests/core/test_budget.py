"""Rate budgets: polling intervals, 429 waits from each network's headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.core.budget import BUDGETS, UsageGate, poll_interval, wait_until
from bot.core.models import Network

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_intervals_use_half_the_read_budget_and_respect_the_floor() -> None:
    assert poll_interval(Network.X, 2) == 900 * 2 / 225  # 450/15 min, half of it
    assert poll_interval(Network.MASTODON, 1) == 2.0
    assert poll_interval(Network.X, 2, floor_seconds=60) == 60
    assert BUDGETS[Network.BLUESKY]["post"].requests_per_window() == 1666  # creates cost 3


def test_each_networks_reset_header_is_read() -> None:
    reset = NOW + timedelta(minutes=7)
    epoch = str(int(reset.timestamp()))
    assert wait_until(NOW, {"x-rate-limit-reset": epoch}) == reset
    assert wait_until(NOW, {"RateLimit-Reset": epoch}) == reset
    assert wait_until(NOW, {"X-RateLimit-Reset": reset.isoformat()}) == reset
    assert wait_until(NOW, {"Retry-After": "30"}) == NOW + timedelta(seconds=30)
    assert wait_until(NOW, {}) == NOW + timedelta(minutes=1)
    assert wait_until(NOW, {"x-rate-limit-reset": "nonsense"}) == NOW + timedelta(minutes=1)


@given(
    st.dictionaries(
        st.sampled_from(
            ["x-rate-limit-reset", "ratelimit-reset", "x-ratelimit-reset", "retry-after"]
        ),
        st.text(max_size=30),
    )
)
def test_any_headers_give_a_wait_between_now_and_an_hour(headers: dict[str, str]) -> None:
    when = wait_until(NOW, headers)
    assert NOW < when <= NOW + timedelta(hours=1)


def test_meta_usage_slows_from_75_percent_and_stops_from_95_until_meta_says() -> None:
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    gate = UsageGate(Network.FACEBOOK)
    gate.seen(now, 74.0)
    assert not gate.slowed and not gate.blocked(now)
    gate.seen(now, 80.0, timedelta(0))
    assert gate.slowed and not gate.blocked(now)
    gate.seen(now, 96.0, timedelta(minutes=19))  # estimated_time_to_regain_access: 19
    assert gate.blocked(now + timedelta(minutes=18))
    assert "96%" in gate.notice() and "09:19 UTC" in gate.notice()
    assert not gate.blocked(now + timedelta(minutes=19))
    assert not gate.slowed  # the next answer's headers say where usage stands


def test_meta_rate_limit_without_a_time_waits_ten_minutes_and_never_beyond_an_hour() -> None:
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    gate = UsageGate(Network.THREADS)
    assert gate.limited(now) == now + timedelta(minutes=10)
    assert gate.limited(now, timedelta(hours=30)) == now + timedelta(hours=1)
    assert gate.limited(now, timedelta(0)) == now + timedelta(minutes=10)


def test_threads_reply_and_post_limits_are_per_day() -> None:
    assert BUDGETS[Network.THREADS]["reply"].per_day() == 1000
    assert BUDGETS[Network.THREADS]["post"].per_day() == 250
    for network in Network:  # every network has a read budget to poll within
        assert poll_interval(network, 1, floor_seconds=60) >= 60
