"""Response-time targets (the `fast` rule): the clock starts when the customer posts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.models import Mention, Network

# Defaults from the research in DESIGN §1: X users expect 30 minutes; elsewhere 2 hours
# (29% of Facebook users expect an answer within 2 hours).
DEFAULT_TARGET_MINUTES: dict[Network, int] = {
    Network.X: 30,
    Network.BLUESKY: 120,
    Network.MASTODON: 120,
    Network.THREADS: 120,
    Network.FACEBOOK: 120,
    Network.INSTAGRAM: 120,
}


@dataclass(frozen=True)
class SlaPolicy:
    targets: Mapping[Network, timedelta] = field(
        default_factory=lambda: {n: timedelta(minutes=m) for n, m in DEFAULT_TARGET_MINUTES.items()}
    )

    @classmethod
    def from_minutes(cls, minutes: Mapping[str, int | float]) -> SlaPolicy:
        targets = {n: timedelta(minutes=m) for n, m in DEFAULT_TARGET_MINUTES.items()}
        for key, value in minutes.items():
            targets[Network(key)] = timedelta(minutes=float(value))
        return cls(targets)

    def target(self, network: Network) -> timedelta:
        return self.targets[network]

    def due_at(self, mention: Mention) -> datetime:
        return mention.created_at + self.target(mention.network)

    def fraction(self, mention: Mention, now: datetime) -> float:
        """Share of the target used so far: 0.5 at half time, 1.0 when breached."""
        elapsed = (now - mention.created_at).total_seconds()
        return max(0.0, elapsed / self.target(mention.network).total_seconds())


def humanize(delta: timedelta) -> str:
    """'4m', '2h 05m', '3d 4h': short enough for a card line."""
    seconds = int(abs(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    minutes, _ = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"
