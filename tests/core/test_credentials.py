"""Refused credentials: wait 1, 2, 4 ... minutes (at most an hour), one steady notice,
one when it recovers; and a call budget that is never passed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.credentials import AuthBackoff, CallLimit, next_allowed
from bot.core.models import Network

T0 = datetime(2026, 11, 25, 9, tzinfo=UTC)


def test_each_refusal_doubles_the_wait_up_to_an_hour_and_the_notice_stays_the_same() -> None:
    backoff = AuthBackoff(Network.MASTODON, "MASTODON_ACCESS_TOKEN")
    now, waits, notices = T0, [], set()
    for _ in range(9):
        assert not backoff.blocked(now)
        until = backoff.refused(now)
        assert backoff.blocked(now) and backoff.blocked(until - timedelta(seconds=1))
        waits.append((until - now) / timedelta(minutes=1))
        notices.add(backoff.notice)
        now = until
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert notices == {backoff.notice} and "MASTODON_ACCESS_TOKEN" in backoff.notice
    assert backoff.accepted() == "mastodon: signed in again; intake resumed"
    assert backoff.accepted() is None and not backoff.blocked(now)
    assert backoff.refused(now) == now + timedelta(minutes=1)  # a new fault starts short


LIMITS = (CallLimit(25, timedelta(minutes=5)), CallLimit(250, timedelta(days=1)))


def test_a_full_window_says_when_the_next_call_may_be_made() -> None:
    calls = [T0 + timedelta(seconds=i) for i in range(25)]
    assert next_allowed(calls[:24], LIMITS, T0 + timedelta(minutes=1)) is None
    assert next_allowed(calls, LIMITS, T0 + timedelta(minutes=1)) == T0 + timedelta(minutes=5)
    assert next_allowed(calls, LIMITS, T0 + timedelta(minutes=5, seconds=1)) is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 3 * 86_400), max_size=400))
def test_calls_made_only_when_allowed_never_pass_a_limit(wants: list[int]) -> None:
    made: list[datetime] = []
    for second in sorted(wants):
        now = T0 + timedelta(seconds=second)
        if next_allowed(made, LIMITS, now) is None:
            made.append(now)
    for at in made:
        for limit in LIMITS:
            assert sum(at - limit.window < other <= at for other in made) <= limit.count
