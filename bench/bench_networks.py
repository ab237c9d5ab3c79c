"""A simulated day of intake from all three networks, on a fake clock.

X is served through tweepy's session, Bluesky and Mastodon by local servers on
127.0.0.1. Mentions arrive at random (about 300 a day per network); each source polls
at the interval its rate budget allows (never faster than CAREOPS_POLL_SECONDS' default
of 60 s). Prints requests per network against the day's budget, X's pay-per-use spend,
and the mean and p90 time from post to case.
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
from bot.core.budget import BUDGETS, poll_interval
from bot.core.clock import FakeClock
from bot.core.models import Network
from bot.core.ports import MentionSource
from bot.core.x_costs import XPrices
from tests.fakes.fake_bluesky import BRAND_HANDLE, FakeBluesky, notification
from tests.fakes.fake_mastodon import FakeMastodon
from tests.fakes.fake_x import Call, FakeX

START = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
DAY = timedelta(days=1)
PER_DAY = 300
FLOOR_SECONDS = 60.0
SIMULATED = (Network.X, Network.BLUESKY, Network.MASTODON)


def _arrivals(rng: random.Random) -> list[datetime]:
    """Posting times over the day, ending a few minutes early so the last poll sees them all."""
    span = DAY - timedelta(minutes=5)
    return sorted(START + span * rng.random() for _ in range(PER_DAY))


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
    rng = random.Random(11)
    clock = FakeClock(START)
    arrivals = {network: _arrivals(rng) for network in SIMULATED}
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
        pending = {n: list(ts) for n, ts in arrivals.items() if n is not Network.X}
        intervals = {n: poll_interval(n, 1, floor_seconds=FLOOR_SECONDS) for n in SIMULATED}
        next_poll = dict.fromkeys(SIMULATED, START)
        cursors: dict[Network, str | None] = dict.fromkeys(SIMULATED)
        cursors[Network.MASTODON] = "0"
        cursors[Network.BLUESKY] = _stamp(START)
        cursors[Network.X] = '{"mentions": {"since": "1"}}'
        latency: dict[Network, list[float]] = {n: [] for n in SIMULATED}
        seen: set[str] = set()
        requests: Counter[Network] = Counter()
        while clock.now() < START + DAY:
            network = min(next_poll, key=lambda n: next_poll[n])
            clock.set(next_poll[network])
            _deliver(network, pending, clock.now(), bsky, masto)
            before = _request_count(network, xworld, bsky, masto)
            batch = sources[network].poll(cursors[network])
            requests[network] += _request_count(network, xworld, bsky, masto) - before
            cursors[network] = batch.cursor or cursors[network]
            for mention in batch.mentions:
                if mention.case_id not in seen:
                    seen.add(mention.case_id)
                    latency[network].append((clock.now() - mention.created_at).total_seconds())
            next_poll[network] += timedelta(seconds=intervals[network])
        _report(intervals, requests, latency, store)
        store.close()


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


def _report(
    intervals: dict[Network, float],
    requests: Counter[Network],
    latency: dict[Network, list[float]],
    store: SqliteStore,
) -> None:
    print(
        f"{'network':<9} {'interval':>9} {'requests':>9} {'budget/day':>11} {'used':>6}"
        f" {'cases':>6} {'mean post→case':>15} {'p90':>7}"
    )
    for network in SIMULATED:
        budget = BUDGETS[network]["read"].per_day()
        lat = latency[network]
        p90 = statistics.quantiles(lat, n=10)[-1] if len(lat) > 1 else 0.0
        print(
            f"{network.value:<9} {intervals[network]:>8.0f}s {requests[network]:>9}"
            f" {budget:>11,.0f} {requests[network] / budget:>6.1%} {len(lat):>6}"
            f" {statistics.fmean(lat) if lat else 0:>14.1f}s {p90:>6.1f}s"
        )
    rows = [r for r in store.usage_since("1970-01-01") if r.network == "x"]
    usage: Counter[str] = Counter()
    for row in rows:
        usage[row.kind] += row.count
    print(
        f"X pay-per-use: {usage['post_read']} posts and {usage['user_read']} users read,"
        f" {usage['requests']} requests, ${sum(r.cost for r in rows):.2f} for the day"
    )
