"""Mastodon post → Slack card over the notification stream, in real time.

careops runs with its jobs (build_app, start_jobs) against a local Mastodon that streams
(tests/fakes/fake_mastodon.py, Mastodon's documented event format) and the local fake
Slack Web API; CAREOPS_POLL_SECONDS is a minute, so the stream alone explains a card in
seconds. Posts arrive at random gaps; prints post → card and post → case (what the card
says intake took), p50 and p90. Polling figures for comparison: bench_networks.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.adapters.mastodon import MastodonSource
from bot.adapters.slack import SlackOptions
from bot.adapters.slack._poster import RetryAfterHandler
from bot.app import build_app
from bot.config import Settings
from tests.fakes.fake_mastodon import FakeMastodon
from tests.fakes.fake_slack import FakeSlackApi

POSTS = 40
TIMEOUT = 30.0


def _wait(check: Callable[[], object], timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("no card")
        time.sleep(0.005)


def run() -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp, FakeSlackApi() as api, FakeMastodon() as masto:
        settings = Settings(
            SLACK_BOT_TOKEN="xoxb-bench",
            SLACK_SIGNING_SECRET="0123456789abcdef0123456789abcdef",
            SLACK_CHANNEL="C0CARE",
            SLACK_APPROVERS=["U1"],
            SLACK_API_URL=api.url,
            SLACK_PACE_SECONDS=0.0,
            CAREOPS_DATA_DIR=Path(tmp),
            CAREOPS_BRAND_HANDLES=["parcelly"],
            CAREOPS_POLL_SECONDS=60,
            CAREOPS_LOG_LEVEL="WARNING",
            MASTODON_BASE_URL=masto.url,
            MASTODON_ACCESS_TOKEN="token",
        )
        care = build_app(settings, slack=SlackOptions(retry=RetryAfterHandler(sleep=lambda s: 0)))
        [source] = [s for s in care.sources if isinstance(s, MastodonSource)]
        care.startup()
        care.start_jobs()
        cards, intake = [], []
        try:
            _wait(source.pushing)
            _wait(lambda: not source.has_news())
            for i in range(POSTS):
                time.sleep(rng.uniform(0.05, 1.0))
                posted = time.monotonic()
                stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
                note = masto.state.add_mention(
                    f"@parcelly parcel {i} is late", created_at=stamp.replace("+00:00", "Z")
                )
                case_id = f"mastodon:{note['status']['id']}"

                def shown(case_id: str = case_id) -> bool:
                    case = care.store.get_case(case_id)
                    return case is not None and bool(case.review_ref)

                _wait(shown)
                cards.append(time.monotonic() - posted)
                case = care.store.get_case(case_id)
                assert case is not None
                intake.append((case.created_at - case.mention.created_at).total_seconds())
            connects = masto.state.stream_connects
        finally:
            care.close()
    for label, values in (("post → card (Slack)", cards), ("post → case (intake)", intake)):
        p50, p90 = statistics.median(values), statistics.quantiles(values, n=10)[-1]
        print(
            f"mastodon stream, {label:<21} {len(values)} posts: p50 {p50:.2f} s,"
            f" p90 {p90:.2f} s, max {max(values):.2f} s"
        )
    print(f"stream connections: {connects}; polling every 60 s meanwhile (the safety net)")
