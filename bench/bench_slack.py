"""The Slack side under load, against the local fake Slack Web API.

1. Acknowledgement latency of 200 concurrent signed events to the bolt HTTP endpoint
   (p50/p99): Slack wants every answer within 3 s.
2. Cards posted per second, with Slack's ~1 message/second/channel pacing on and off.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.adapters.slack._poster import ChannelPacer, SlackPoster, web_client
from bot.adapters.slack._surface import SlackSurface
from bot.core.clock import FakeClock
from bot.core.models import Case, CaseState, Mention, Network
from bot.core.sla import SlaPolicy
from tests.fakes.fake_slack import FakeSlackApi
from tests.fakes.slack_requests import reaction_body, signed_post
from tests.fakes.slack_world import APPROVER, CHANNEL, SECRET, slack_world

EVENTS = 200
CARDS_UNPACED = 300
CARDS_PACED = 4


def run() -> None:
    p50, p99, worst = ack_latency()
    print(
        f"ack latency, {EVENTS} concurrent signed events: p50 {p50 * 1000:.0f} ms, "
        f"p99 {p99 * 1000:.0f} ms, max {worst * 1000:.0f} ms (Slack's limit: 3000 ms)"
    )
    for pace, count in ((0.0, CARDS_UNPACED), (1.0, CARDS_PACED)):
        rate = cards_per_second(count, pace)
        label = "off" if pace == 0 else f"on ({pace:.0f} msg/s/channel)"
        print(f"cards posted per second, pacing {label}: {rate:.1f} ({count} cards, one channel)")


def ack_latency() -> tuple[float, float, float]:
    clock = FakeClock()
    with tempfile.TemporaryDirectory() as tmp, slack_world(Path(tmp), clock) as world:
        bodies = [
            reaction_body("eyes", APPROVER, CHANNEL, f"1764000000.{n:06d}", f"EvBench{n}")
            for n in range(EVENTS)
        ]
        with ThreadPoolExecutor(EVENTS) as pool:
            results = list(pool.map(lambda b: signed_post(world.base_url, SECRET, b), bodies))
        assert all(status == 200 for status, _, _ in results), "an event was not acknowledged"
        latencies = sorted(took for _, _, took in results)
        world.rt.drain(60)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return statistics.median(latencies), p99, latencies[-1]


def cards_per_second(count: int, pace: float) -> float:
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    with FakeSlackApi() as api:
        poster = SlackPoster(web_client("xoxb-bench", api.url), ChannelPacer(pace))
        surface = SlackSurface(poster, CHANNEL, FakeClock(now), SlaPolicy())
        cases = [_case(n, now) for n in range(count)]
        started = time.perf_counter()
        for case in cases:
            surface.show(case, None)
        took = time.perf_counter() - started
        assert len(api.calls_to("chat.postMessage")) == count
    return count / took


def _case(n: int, now: datetime) -> Case:
    mention = Mention(
        Network.X, str(n), f"customer{n}", f"parcel {n} is late", now - timedelta(minutes=3)
    )
    return Case(mention.case_id, mention, CaseState.IN_REVIEW, now, now)


if __name__ == "__main__":
    run()
