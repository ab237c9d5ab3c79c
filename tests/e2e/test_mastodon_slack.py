"""The whole loop against a local fake Mastodon and a local fake Slack:
mention notification → case → card → signed ✅ reaction → one status in the thread,
and a restart after a publish that never heard back posts nothing more."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.adapters.slack import SlackOptions
from bot.adapters.slack._poster import RetryAfterHandler
from bot.app import build_app
from bot.careops import Careops
from bot.config import Settings
from bot.core.clock import FakeClock
from bot.core.models import CaseState, Network
from tests.e2e.crashes import DiesAfterSending, KilledMidCall
from tests.fakes.fake_mastodon import FakeMastodon
from tests.fakes.fake_slack import FakeSlackApi
from tests.fakes.slack_requests import reaction_body, signed_post

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
CHANNEL = "C0CARE"
APPROVER = "UAPPROVER"


def config(api: FakeSlackApi, mastodon: FakeMastodon, data_dir: Path) -> Settings:
    return Settings(
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_CHANNEL=CHANNEL,
        SLACK_APPROVERS=[APPROVER],
        SLACK_API_URL=api.url,
        SLACK_PACE_SECONDS=0.0,
        CAREOPS_DATA_DIR=data_dir,
        CAREOPS_BRAND_HANDLES=["parcelly"],
        MASTODON_BASE_URL=mastodon.url,
        MASTODON_ACCESS_TOKEN="token",
    )


@contextmanager
def running(settings: Settings, clock: FakeClock) -> Iterator[tuple[Careops, str]]:
    slack = SlackOptions(retry=RetryAfterHandler(sleep=lambda s: None))
    care = build_app(settings, clock=clock, slack=slack)
    assert care.slack is not None
    care.startup()
    server = care.slack.serve_http("127.0.0.1", 0)
    host, port = server.server_address[:2]
    try:
        yield care, f"http://{host!s}:{port}"
    finally:
        care.close()


def wait_until(check: Any, timeout: float = 5.0) -> None:
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, "timed out"
        time.sleep(0.02)


def test_mastodon_mention_to_card_to_one_reply_across_a_restart(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    with FakeMastodon() as mastodon, FakeSlackApi() as api:
        note = mastodon.state.add_mention(
            "@parcelly my parcel never came, order 5521",
            acct="ana@example.social",
            visibility="unlisted",
            created_at="2026-11-25T08:57:00.000Z",
        )
        mastodon.state.honour_idempotency = False  # only our own reconcile may save us
        settings = config(api, mastodon, tmp_path / "data")
        with running(settings, clock) as (care, url):
            rt = care.slack
            assert rt is not None
            rt.submit(care.tick).result(10)
            case_id = f"mastodon:{note['status']['id']}"
            [card] = api.wait_for("chat.postMessage")
            assert card.params["channel"] == CHANNEL
            assert "order 5521" in str(card.params["blocks"])
            case = care.store.get_case(case_id)
            assert case is not None and case.review_ref
            ts = case.review_ref.split("/")[1]

            publisher = care.publishers[Network.MASTODON]
            care.publishing.publishers = {Network.MASTODON: DiesAfterSending(publisher)}
            body = reaction_body("white_check_mark", APPROVER, CHANNEL, ts, "EvMasto1")
            assert signed_post(url, SECRET, body)[0] == 200
            wait_until(lambda: care.store.get_case(case_id).state is CaseState.APPROVED)
            with suppress(KilledMidCall):
                rt.submit(care.publishing.publish_pending).result(10)
            assert len(mastodon.state.replies()) == 1

        with running(settings, clock) as (care, _):  # careops starts again
            rt = care.slack
            assert rt is not None
            rt.submit(care.tick).result(10)
            final = care.store.get_case(case_id)

    [reply] = mastodon.state.replies()
    assert reply["in_reply_to_id"] == note["status"]["id"]
    assert reply["visibility"] == "unlisted"
    assert reply["content"].count("@ana@example.social") == 1  # the customer is notified once
    posts = [headers for method, _, headers in mastodon.state.requests if method == "POST"]
    assert [h["idempotency-key"] for h in posts] == [case.draft_id]
    assert final is not None and final.state is CaseState.PUBLISHED
    assert final.published_id == reply["id"]
    updates = [c.params for c in api.calls_to("chat.update") if c.params.get("ts") == ts]
    assert updates and "published" in str(updates[-1]).lower()
