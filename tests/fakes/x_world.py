"""careops on a local fake X for one brand, as the link-policy tests and the X costs bench
run it: the real X adapter, meter, outbox and link guard, a channel that keeps notices."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.adapters.stores import open_store
from bot.adapters.x import XMeter, XPublisher, XSource, x_client
from bot.app import build_app
from bot.careops import Careops
from bot.config import Settings
from bot.core.clock import FakeClock
from bot.core.models import Case, CaseState, Network
from bot.core.x_costs import XPrices
from tests.fakes.fake_x import BrandOnX

BRAND_ID, BRAND = "17200003", "parcelly"


@dataclass
class Channel:
    said: list[str] = field(default_factory=list)

    def thread(self, case: Case, text: str) -> None:
        pass

    def direct(self, user: str, text: str) -> None:
        pass

    def channel(self, text: str) -> None:
        self.said.append(text)


@dataclass
class Run:
    app: Careops
    x: BrandOnX
    channel: Channel
    clock: FakeClock

    def answer(self, count: int, start: int = 0) -> None:
        """`count` customers mention the brand; every draft is approved and sent."""
        for n in range(start, start + count):
            self.x.mention(f"my parcel {n} is late, where is it?", f"customer{n}")
        self.app.tick()
        for case in self.app.store.cases([CaseState.IN_REVIEW]):
            assert self.app.review.approve(case.id, "U1").ok
        self.app.tick()

    def spent(self) -> float:
        rows = self.app.store.usage_since("2000-01-01")
        return round(sum(r.cost for r in rows if r.network == "x"), 6)

    def billed(self) -> float:
        return self.x.billed(**vars(XPrices()))

    def with_link(self) -> list[bool]:
        return ["://" in r["text"] for r in self.x.replies]


def start(tmp_path: Path, toml: str, clock: FakeClock, x: BrandOnX | None = None) -> Run:
    """careops with the real X adapter, meter and outbox against `x` (a new fake X for
    the brand when None), its operating file `toml`, and a channel that keeps notices."""
    (tmp_path / "careops.toml").write_text(toml)
    settings = Settings(
        CAREOPS_DB=tmp_path / "careops.db",
        CAREOPS_CONFIG=tmp_path / "careops.toml",
        SLACK_APPROVERS=["U1"],
        CAREOPS_BRAND_HANDLES=[BRAND],
    )
    x = x or BrandOnX(clock, BRAND_ID, BRAND)
    store = open_store(settings)
    meter = XMeter(store, XPrices(), clock)
    reader = x_client("bearer", None, None, None, None, session=x.fake.session())
    writer = x_client(None, "k", "s", "t", "ts", session=x.fake.session())
    channel = Channel()
    app = build_app(
        settings,
        clock=clock,
        store=store,
        sources=[XSource(reader, clock, user_id=BRAND_ID, username=BRAND, meter=meter)],
        publishers={Network.X: XPublisher(writer, user_id=BRAND_ID, username=BRAND, meter=meter)},
        notifier=channel,
    )
    app.startup()
    return Run(app, x, channel, clock)
