"""The Slack side under load, against the local fake Slack Web API.

1. Acknowledgement latency of a burst of 200 signed requests to the bolt HTTP endpoint
   (p50/p99): half are ✅ reactions on real cards (each approves a case), half are
   `/care status` commands (each answered). Beside it the same burst sent to a
   do-nothing HTTP server on 127.0.0.1, so what careops adds is visible. Slack wants
   every answer within 3 s.
2. Cards posted per second, with Slack's ~1 message/second/channel pacing on and off.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bot.adapters.slack._poster import ChannelPacer, SlackPoster, web_client
from bot.adapters.slack._surface import SlackSurface
from bot.core.clock import FakeClock
from bot.core.models import Case, CaseState, Mention, Network
from bot.core.sla import SlaPolicy
from tests.fakes.fake_slack import FakeSlackApi
from tests.fakes.slack_requests import command_body, reaction_body, signed_post
from tests.fakes.slack_world import APPROVER, CHANNEL, SECRET, slack_world

EVENTS = 200
CARDS_UNPACED = 300
CARDS_PACED = 4


def run() -> None:
    careops, bare, done = ack_latency()
    for label, (p50, p99, worst) in (("careops", careops), ("do-nothing server", bare)):
        print(
            f"ack latency, {EVENTS} concurrent requests, {label}: p50 {p50 * 1000:.0f} ms,"
            f" p99 {p99 * 1000:.0f} ms, max {worst * 1000:.0f} ms (Slack's limit: 3000 ms)"
        )
    print(f"work done after the burst: {done}")
    for pace, count in ((0.0, CARDS_UNPACED), (1.0, CARDS_PACED)):
        rate = cards_per_second(count, pace)
        label = "off" if pace == 0 else f"on ({pace:.0f} msg/s/channel)"
        print(f"cards posted per second, pacing {label}: {rate:.1f} ({count} cards, one channel)")


Latency = tuple[float, float, float]  # p50, p99, max in seconds


def ack_latency() -> tuple[Latency, Latency, str]:
    clock = FakeClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    half = EVENTS // 2
    with tempfile.TemporaryDirectory() as tmp, slack_world(Path(tmp), clock) as world:
        for n in range(half):
            world.add_mention(_case(n, clock.now()).mention)
        world.tick()  # the cards the reactions land on
        refs = [c.review_ref for c in world.care.store.cases() if c.review_ref]
        assert len(refs) == half, "every case has its card"
        reactions = [
            (reaction_body("white_check_mark", APPROVER, CHANNEL, ref.split("/")[1], f"Ev{n}"),
             False)
            for n, ref in enumerate(refs)
        ]  # fmt: skip
        url = world.api.response_url("bench")
        commands = [(command_body("status", APPROVER, url), True) for _ in range(half)]
        burst = [request for pair in zip(reactions, commands, strict=True) for request in pair]
        took = _send(world.base_url, burst)
        world.rt.drain(120)
        approved = sum(1 for c in world.care.store.cases() if c.state is not CaseState.IN_REVIEW)
        answered = len(world.api.calls_to("response_url"))
        with _do_nothing_server() as bare_url:
            bare = _send(bare_url, burst)
    done = f"{approved}/{half} cases approved, {answered}/{half} /care status answered"
    return _spread(took), _spread(bare), done


def _send(base_url: str, burst: list[tuple[str, bool]]) -> list[float]:
    with ThreadPoolExecutor(len(burst)) as pool:
        results = list(pool.map(lambda r: signed_post(base_url, SECRET, r[0], form=r[1]), burst))
    assert all(status == 200 for status, _, _ in results), "a request was not acknowledged"
    return sorted(took for _, _, took in results)


def _spread(latencies: list[float]) -> Latency:
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return statistics.median(latencies), p99, latencies[-1]


class _Nothing(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # as careops' own endpoint: a burst is not refused at the socket


@contextmanager
def _do_nothing_server() -> Iterator[str]:
    server = _Server(("127.0.0.1", 0), _Nothing)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


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
