"""careops with its jobs running against a local Mastodon that streams: a post is a Slack
card in seconds (CAREOPS_POLL_SECONDS is a minute, so no poll explains it), a mention
posted while the stream is down is taken in when it reconnects, and nothing is doubled."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.mastodon import MastodonSource
from bot.adapters.slack import SlackOptions
from bot.adapters.slack._poster import RetryAfterHandler
from bot.app import build_app
from bot.careops import Careops
from bot.config import Settings
from bot.core.models import CaseState
from tests.fakes.fake_mastodon import FakeMastodon
from tests.fakes.fake_slack import FakeSlackApi

pytestmark = pytest.mark.slow  # careops with its jobs, a few seconds a test

POSTS = 10


def wait_for(check: Callable[[], object], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@contextmanager
def careops_running(tmp_path: Path) -> Iterator[tuple[Careops, FakeMastodon, MastodonSource]]:
    with FakeSlackApi() as api, FakeMastodon() as mastodon:
        settings = Settings(
            SLACK_BOT_TOKEN="xoxb-test-token",
            SLACK_SIGNING_SECRET="8f742231b10e8888abcd99yyyzzz85a5",
            SLACK_CHANNEL="C0CARE",
            SLACK_APPROVERS=["UAPPROVER"],
            SLACK_API_URL=api.url,
            SLACK_PACE_SECONDS=0.0,
            CAREOPS_DATA_DIR=tmp_path,
            CAREOPS_BRAND_HANDLES=["parcelly"],
            CAREOPS_POLL_SECONDS=60,
            MASTODON_BASE_URL=mastodon.url,
            MASTODON_ACCESS_TOKEN="token",
        )
        care = build_app(settings, slack=SlackOptions(retry=RetryAfterHandler(sleep=lambda s: 0)))
        [source] = [s for s in care.sources if isinstance(s, MastodonSource)]
        care.startup()
        care.start_jobs()
        try:
            wait_for(source.pushing, timeout=10)
            wait_for(lambda: not source.has_news(), timeout=10)  # the first poll is done
            yield care, mastodon, source
        finally:
            care.close()


def now_stamp() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def card_for(care: Careops, status_id: str) -> bool:
    case = care.store.get_case(f"mastodon:{status_id}")
    return case is not None and case.state is CaseState.IN_REVIEW and bool(case.review_ref)


def test_a_streamed_mention_is_a_card_in_seconds_and_never_twice(tmp_path: Path) -> None:
    with careops_running(tmp_path) as (care, mastodon, _):
        took = []
        for i in range(POSTS):
            posted = time.monotonic()
            note = mastodon.state.add_mention(
                f"@parcelly parcel {i} has not moved for a week", created_at=now_stamp()
            )
            wait_for(lambda note=note: card_for(care, note["status"]["id"]), timeout=10)
            took.append(time.monotonic() - posted)
        cases = care.store.cases()
    p90 = statistics.quantiles(took, n=10)[-1]
    assert p90 <= 3.0, f"post → card p90 {p90:.2f} s over the stream ({took})"
    assert len(cases) == POSTS == len({c.review_ref for c in cases})


def test_a_mention_posted_while_the_stream_is_down_is_taken_in_when_it_is_back(
    tmp_path: Path,
) -> None:
    with careops_running(tmp_path) as (care, mastodon, source):
        mastodon.state.stream_status = 503  # the streaming server restarts
        mastodon.state.drop_streams()
        wait_for(lambda: not source.pushing(), timeout=5)
        note = mastodon.state.add_mention("@parcelly nobody answers", created_at=now_stamp())
        assert not mastodon.state.streams, "no stream could have announced it"
        mastodon.state.stream_status = 200
        wait_for(source.pushing, timeout=10)
        wait_for(lambda: card_for(care, note["status"]["id"]), timeout=10)  # not in 60 s
        assert len(care.store.cases()) == 1


class NotLeading:
    """Leadership as a follower sees it (PostgreSQL): another instance leads."""

    def epoch(self) -> int | None:
        return None

    def start(self, on_lead: Callable[[], None]) -> None: ...

    def stop(self) -> None: ...

    def status_line(self) -> str:
        return "leader: elsewhere"


def test_a_follower_does_not_stream(tmp_path: Path) -> None:
    with FakeSlackApi() as api, FakeMastodon() as mastodon:
        settings = Settings(
            SLACK_BOT_TOKEN="xoxb-test-token",
            SLACK_SIGNING_SECRET="8f742231b10e8888abcd99yyyzzz85a5",
            SLACK_CHANNEL="C0CARE",
            SLACK_API_URL=api.url,
            CAREOPS_DATA_DIR=tmp_path,
            MASTODON_BASE_URL=mastodon.url,
            MASTODON_ACCESS_TOKEN="token",
        )
        care = build_app(settings, slack=SlackOptions())
        care.lease = NotLeading()
        care.startup()
        care.start_jobs()
        try:
            time.sleep(0.5)
            assert mastodon.state.stream_connects == 0 and care.store.cases() == []
        finally:
            care.close()
