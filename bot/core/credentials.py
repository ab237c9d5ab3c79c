"""When a network refuses careops's credentials: back off, say so once, recover.

A wrong password or a revoked token fails the same way on every try, and a network may
punish the tries (Bluesky locks an account out after 30 createSession calls in five
minutes or 300 in a day). So after a refusal the network is asked again after one
minute, then two, four ... at most an hour apart; the notice reads the same on every
poll until it works, so the channel hears it once, and once more when it recovers.
A restart tries at once: that is how a fixed setting is picked up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.models import Network

FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)


class CredentialsRefused(Exception):
    """The network refused careops's credentials, or careops is waiting before it asks
    again; the message is the notice for people."""


class AuthBackoff:
    """One network's credentials: when they may be tried next, and what to tell people."""

    def __init__(self, network: Network, setting: str) -> None:
        self.network = network
        self.setting = setting  # what a person fixes: "BLUESKY_APP_PASSWORD" ...
        self.failures = 0
        self.until: datetime | None = None

    def blocked(self, now: datetime) -> bool:
        return self.until is not None and now < self.until

    def refused(self, now: datetime) -> datetime:
        """Count a refusal; returns when the next try may be made."""
        self.failures += 1
        wait = min(FIRST_WAIT * 2 ** min(self.failures - 1, 16), LONGEST_WAIT)
        self.until = now + wait
        return self.until

    def accepted(self) -> str | None:
        """The credentials worked: the notice that it recovered, if it had failed."""
        recovered = self.failures > 0
        self.failures, self.until = 0, None
        return f"{self.network.value}: signed in again; intake resumed" if recovered else None

    @property
    def notice(self) -> str:
        return (
            f"{self.network.value}: the credentials were refused (check {self.setting});"
            " careops tries again after 1, 2, 4 ... minutes, at most hourly, and at once"
            " after a restart"
        )


@dataclass(frozen=True)
class CallLimit:
    """At most `count` calls in any `window`."""

    count: int
    window: timedelta


def next_allowed(
    calls: Sequence[datetime], limits: Sequence[CallLimit], now: datetime
) -> datetime | None:
    """None when one more call now stays within every limit; otherwise the earliest time
    it would (when enough of the calls in the full window have left it)."""
    latest: datetime | None = None
    for limit in limits:
        recent = sorted(at for at in calls if now - limit.window < at <= now)
        if len(recent) >= limit.count:
            free_at = recent[len(recent) - limit.count] + limit.window
            latest = free_at if latest is None else max(latest, free_at)
    return latest
