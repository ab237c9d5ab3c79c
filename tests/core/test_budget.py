"""Rate budgets: polling intervals, 429 waits from each network's headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.core.budget import BUDGETS, poll_interval, wait_until
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
