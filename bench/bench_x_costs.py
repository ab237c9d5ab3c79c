"""A simulated day of 300 X replies under each link policy: what X bills, per reply.

Every mention goes through the real loop (intake, offline draft, approval, outbox, the
X adapter and its meter) against a local fake X, one round an hour. Prints, per policy,
the replies sent with and without their link, the notices the channel got, careops's
count of the spend and what X would bill for the calls it answered (they must agree).
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.clock import FakeClock
from bot.core.x_costs import XPrices
from tests.fakes.fake_x import BrandOnX
from tests.fakes.x_world import Channel, start

START = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
PER_DAY = 300
POLICIES = {
    "always": "link_policy = 'always'",
    "never": "link_policy = 'never'",
    "budget, $20 a day": "link_policy = 'budget'\ndaily_budget = 20",
    "always, $30 monthly budget": "link_policy = 'always'\nmonthly_budget = 30",
}


def day(toml: str, tmp: Path) -> tuple[BrandOnX, Channel, float]:
    run = start(tmp, f"[x]\n{toml}\n", FakeClock(START))
    for hour in range(24):
        run.answer((hour + 1) * PER_DAY // 24 - hour * PER_DAY // 24, hour * PER_DAY // 24)
        run.clock.advance(
            timedelta(hours=1) - timedelta(seconds=1) if hour == 23 else timedelta(hours=1)
        )
    spent = run.spent()
    run.app.store.close()
    return run.x, run.channel, spent


def run() -> None:
    print(f"{'policy':<30} {'replies':>7} {'link':>5} {'without':>7} {'notices':>7}"
          f" {'counted':>9} {'X bills':>9} {'per reply':>9}")  # fmt: skip
    for name, toml in POLICIES.items():
        with tempfile.TemporaryDirectory() as tmp:
            x, channel, spent = day(toml, Path(tmp))
        linked = sum("://" in r["text"] for r in x.replies)
        billed = x.billed(**vars(XPrices()))
        print(
            f"{name:<30} {len(x.replies):>7} {linked:>5} {len(x.replies) - linked:>7}"
            f" {len(channel.said):>7} {f'${spent:,.2f}':>9} {f'${billed:,.2f}':>9}"
            f" {f'${spent / max(len(x.replies), 1):.3f}':>9}"
        )
