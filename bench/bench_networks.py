"""Simulated days of intake from all three networks, on a fake clock: polls a day, post →
case, and X's read spend, for the fixed 60 s rhythm and the adaptive one (bot/core/rhythm.py).

X is served through tweepy's session, Bluesky and Mastodon by local servers on
127.0.0.1. A quiet day has 30 mentions per network at random; a busy day 600, half of
them in ten bursts of ten minutes. A case counts as open for 15 minutes after intake.
"""

from __future__ import annotations

import random
import statistics
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from atproto import Client

from bot.adapters.bluesky import BlueskySession, BlueskySource
from bot.adapters.mastodon import MastodonSource, mastodon_client
from bot.adapters.sqlite import SqliteStore
from bot.adapters.x import XMeter, XSource, x_client
from bot.core.budget import BUDGETS
from bot.core.clock import FakeClock
from bot.core.models import Network
from bot.core.ports import MentionSource
from bot.core.rhythm import Pace, PollRhythm, paces_for
from bot.core.x_costs import XPrices
from tests.fakes.fake_bluesky import BRAND_HANDLE, FakeBluesky, notification
from tests.fakes.fake_mastodon import FakeMastodon
from tests.fakes.fake_x import Call, FakeX

START = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
DAY = timedelta(days=1)
QUIET_SECONDS = 60.0  # CAREOPS_POLL_SECONDS' default: the fixed rhythm, and the quiet pace
FAST_SECONDS = 10.0  # CAREOPS_POLL_FAST_SECONDS' default
OPEN_FOR = timedelta(minutes=15)  # a case is answered this long after it is taken in
DAYS = {"quiet": 30, "busy": 600}  # mentions a day per network; busy: half of them in bursts
BURSTS, BURST_SPAN = 10, timedelta(minutes=10)
SIMULATED = (Network.X, Network.BLUESKY, Network.MASTODON)


def _arrivals(rng: random.Random, per_day: int) -> list[datetime]:
    """Posting times over the day, ending a few minutes early so the last poll sees them
    all. A busy day has bursts (a delay, an outage): half its mentions come in ten of them."""
    span = DAY - timedelta(minutes=15)
    bursty = per_day // 2 if per_day >= 100 else 0
    times = [START + span * rng.random() for _ in range(per_day - bursty)]
    starts = [START + span * rng.random() for _ in range(BURSTS)]
    times += [starts[i % BURSTS] + BURST_SPAN * rng.random() for i in range(bursty)]
    return sorted(times)


def _stamp(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class XWorld:
    """Mentions of @parcelly (id 42) that exist once the fake clock has passed them."""

    def __init__(self, clock: FakeClock, times: list[datetime]) -> None:
        self.clock = clock
        self.posts = [
            {
                "id": str(1000 + i),
                "text": f"@parcelly where is parcel {i}?",
                "author_id": str(7000 + i),  # one customer each: X charges per user read
                "created_at": _stamp(t),
            }
            for i, t in enumerate(times)
        ]
        self.fake = FakeX()
        self.fake.on("GET /2/users/42/mentions", self.serve)

    def serve(self, call: Call) -> tuple[int, dict[str, str], Any]:
        since = int(call.params.get("since_id", "0"))
        now = _stamp(self.clock.now())
        visible = [p for p in self.posts if p["created_at"] <= now and int(p["id"]) > since]
        page = list(reversed(visible))[:100]
        users = [
            {"id": p["author_id"], "username": f"c{p['author_id']}", "name": "C"} for p in page
        ]
        body = {"data": page, "meta": {"result_count": len(visible)}, "includes": {"users": users}}
        return 200, {}, body


def run() -> None:
    rows = []
    for day, per_day in DAYS.items():
        for rhythm in ("fixed 60 s", "adaptive"):
            rows += _simulate(day, per_day, adaptive=rhythm == "adaptive", label=rhythm)
    _report(rows)


def _simulate(day: str, per_day: int, *, adaptive: bool, label: str) -> list[dict[str, Any]]:
    rng = random.Random(11)
    clock = FakeClock(START)
    arrivals = {network: _arrivals(rng, per_day) for network in SIMULATED}
    with tempfile.TemporaryDirectory() as tmp, FakeBluesky() as bsky, FakeMastodon() as masto:
        store = SqliteStore(Path(tmp) / "bench.db")
        xworld = XWorld(clock, arrivals[Network.X])
        sources: dict[Network, MentionSource] = {
            Network.X: XSource(
                x_client("bearer", None, None, None, None, session=xworld.fake.session()),
                clock,
                user_id="42",
                username="parcelly",
                meter=XMeter(store, XPrices(), clock),
            ),
            Network.BLUESKY: BlueskySource(
                BlueskySession(
                    Client(base_url=bsky.url), BRAND_HANDLE, "app-password", store, store
                ),
                clock,
            ),
            Network.MASTODON: MastodonSource(
                mastodon_client(masto.url, "token"), clock, usage=store, with_context=False
            ),
        }
        taken: dict[Network, list[datetime]] = {n: [] for n in SIMULATED}

        def open_cases(name: str) -> int:
            now = clock.now()
            return sum(1 for t in taken[Network(name)] if now - OPEN_FOR < t <= now)

        fast = FAST_SECONDS if adaptive else QUIET_SECONDS
        paces = paces_for([n.value for n in SIMULATED], quiet=QUIET_SECONDS, fast=fast)
        if not adaptive:  # the rhythm before this one: every source each 60 s
            paces = {name: Pace(QUIET_SECONDS, QUIET_SECONDS, QUIET_SECONDS) for name in paces}
        rhythm = PollRhythm(paces, clock, open_cases=open_cases)
        pending = {n: list(ts) for n, ts in arrivals.items() if n is not Network.X}
        next_poll = dict.fromkeys(SIMULATED, START)
        cursors: dict[Network, str | None] = dict.fromkeys(SIMULATED)
        cursors[Network.MASTODON] = "0"
        cursors[Network.BLUESKY] = _stamp(START)
        cursors[Network.X] = '{"mentions": {"since": "1"}}'
        latency: dict[Network, list[float]] = {n: [] for n in SIMULATED}
        seen: set[str] = set()
        requests: Counter[Network] = Counter()
        polls: Counter[Network] = Counter()
        while clock.now() < START + DAY:
            network = min(next_poll, key=lambda n: next_poll[n])
            clock.set(next_poll[network])
            _deliver(network, pending, clock.now(), bsky, masto)
            before = _request_count(network, xworld, bsky, masto)
            batch = sources[network].poll(cursors[network])
            requests[network] += _request_count(network, xworld, bsky, masto) - before
            polls[network] += 1
            cursors[network] = batch.cursor or cursors[network]
            arrived = 0
            for mention in batch.mentions:
                if mention.case_id not in seen:
                    seen.add(mention.case_id)
                    arrived += 1
                    taken[network].append(clock.now())
                    latency[network].append((clock.now() - mention.created_at).total_seconds())
            interval = rhythm.polled(network.value, arrived)
            next_poll[network] += timedelta(seconds=interval or QUIET_SECONDS)
        x_reads = sum(
            r.cost for r in store.usage_since("1970-01-01") if r.network == "x" and r.cost
        )
        store.close()
    return [
        {
            "day": day,
            "rhythm": label,
            "network": network,
            "polls": polls[network],
            "requests": requests[network],
            "latency": latency[network],
            "x_reads": x_reads if network is Network.X else None,
        }
        for network in SIMULATED
    ]


def _deliver(
    network: Network,
    pending: dict[Network, list[datetime]],
    now: datetime,
    bsky: FakeBluesky,
    masto: FakeMastodon,
) -> None:
    queue = pending.get(network, [])
    while queue and queue[0] <= now:
        when = queue.pop(0)
        if network is Network.BLUESKY:
            bsky.state.push(
                notification(
                    "@parcelly help",
                    rkey=f"3k{len(bsky.state.notifications)}",
                    indexed_at=_stamp(when),
                )
            )
        else:
            masto.state.add_mention("@parcelly help", created_at=_stamp(when))


def _request_count(network: Network, x: XWorld, bsky: FakeBluesky, masto: FakeMastodon) -> int:
    if network is Network.X:
        return len(x.fake.calls)
    if network is Network.BLUESKY:
        return len(bsky.state.calls)
    return len(masto.state.requests)


def _report(rows: list[dict[str, Any]]) -> None:
    print(
        f"{'day':<6} {'rhythm':<11} {'network':<9} {'polls/day':>9} {'budget used':>11}"
        f" {'cases':>6} {'p50 post→case':>14} {'p90':>7} {'X reads/day':>12}"
    )
    for row in rows:
        network, lat = row["network"], sorted(row["latency"])
        budget = BUDGETS[network]["read"].per_day()
        p50 = statistics.median(lat) if lat else 0.0
        p90 = statistics.quantiles(lat, n=10)[-1] if len(lat) > 1 else 0.0
        spend = f"${row['x_reads']:.2f}" if row["x_reads"] is not None else ""
        print(
            f"{row['day']:<6} {row['rhythm']:<11} {network.value:<9} {row['polls']:>9,}"
            f" {row['requests'] / budget:>11.1%} {len(lat):>6} {p50:>13.1f}s {p90:>6.1f}s"
            f" {spend:>12}"
        )
