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

from bot.adapters.stores import open_store
from bot.adapters.x import XMeter, XPublisher, XSource, x_client
from bot.app import build_app
from bot.config import Settings
from bot.core.clock import FakeClock
from bot.core.models import Case, CaseState, Network
from bot.core.x_costs import XPrices
from tests.fakes.fake_x import BrandOnX

START = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
PER_DAY = 300
POLICIES = {
    "always": "link_policy = 'always'",
    "never": "link_policy = 'never'",
    "budget, $20 a day": "link_policy = 'budget'\ndaily_budget = 20",
    "always, $30 monthly budget": "link_policy = 'always'\nmonthly_budget = 30",
}


class Channel:
    def __init__(self) -> None:
        self.said: list[str] = []

    def thread(self, case: Case, text: str) -> None:
        pass

    def direct(self, user: str, text: str) -> None:
        pass

    def channel(self, text: str) -> None:
        self.said.append(text)


def day(toml: str, tmp: Path) -> tuple[BrandOnX, Channel, float]:
    (tmp / "careops.toml").write_text(f"[x]\n{toml}\n")
    settings = Settings(
        CAREOPS_DB=tmp / "careops.db",
        CAREOPS_CONFIG=tmp / "careops.toml",
        SLACK_APPROVERS=["U1"],
        CAREOPS_BRAND_HANDLES=["parcelly"],
    )
    clock = FakeClock(START)
    x = BrandOnX(clock)
    store = open_store(settings)
    meter = XMeter(store, XPrices(), clock)
    reader = x_client("bearer", None, None, None, None, session=x.fake.session())
    writer = x_client(None, "k", "s", "t", "ts", session=x.fake.session())
    channel = Channel()
    app = build_app(
        settings,
        clock=clock,
        store=store,
        sources=[XSource(reader, clock, user_id=x.brand_id, username=x.brand, meter=meter)],
        publishers={
            Network.X: XPublisher(writer, user_id=x.brand_id, username=x.brand, meter=meter)
        },
        notifier=channel,
    )
    app.startup()
    for hour in range(24):
        for n in range(hour * PER_DAY // 24, (hour + 1) * PER_DAY // 24):
            x.mention(f"my parcel {n} is late, where is it?", f"customer{n}")
        app.tick()
        for case in app.store.cases([CaseState.IN_REVIEW]):
            app.review.approve(case.id, "U1")
        app.tick()
        clock.advance(
            timedelta(hours=1) - timedelta(seconds=1) if hour == 23 else timedelta(hours=1)
        )
    spent = sum(r.cost for r in store.usage_since("2000-01-01") if r.network == "x")
    store.close()
    return x, channel, spent


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
