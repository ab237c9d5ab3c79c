"""Posting to Slack: per-channel pacing, Retry-After on 429, approvers from user groups."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.adapters.slack._approvers import Approvers
from bot.adapters.slack._commands import SUBCOMMANDS, dispatch
from bot.adapters.slack._manifest import manifest
from bot.adapters.slack._poster import ChannelPacer, RetryAfterHandler, SlackPoster, web_client
from bot.adapters.slack._reply import CommandReply
from bot.adapters.slack._surface import SlackNotifier
from bot.core.models import Case, CaseState
from tests.conftest import make_mention
from tests.fakes.fake_slack import FIXTURES, FakeSlackApi
from tests.fakes.slack_requests import signature


class TickingTime:
    """A monotonic clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def api() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as fake:
        yield fake


def test_pacer_spaces_messages_per_channel_and_not_across_channels() -> None:
    t = TickingTime()
    pacer = ChannelPacer(1.0, monotonic=t.monotonic, sleep=t.sleep)
    waits = [pacer.wait("C1"), pacer.wait("C1"), pacer.wait("C2"), pacer.wait("C1")]
    assert waits == [0.0, 1.0, 0.0, 1.0]
    assert ChannelPacer(0, monotonic=t.monotonic, sleep=t.sleep).wait("C1") == 0.0


def test_a_429_is_retried_after_the_seconds_slack_names(api: FakeSlackApi) -> None:
    api.fail_next("chat.postMessage", status=429, retry_after=7)
    slept: list[float] = []
    retry = RetryAfterHandler(sleep=slept.append)
    poster = SlackPoster(web_client("xoxb-t", api.url, retry=retry), ChannelPacer(0))
    channel, ts = poster.post("C0CARE", "hello")
    assert slept == [7.0]
    assert (channel, ts) == ("C0CARE", "1764061200.000001")
    assert len(api.calls_to("chat.postMessage")) == 2


def test_notifier_threads_on_the_card_and_falls_back_to_the_channel(api: FakeSlackApi) -> None:
    notifier = SlackNotifier(SlackPoster(web_client("xoxb-t", api.url), ChannelPacer(0)), "C0CARE")
    mention = make_mention("4001")
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    carded = Case("x:4001", mention, CaseState.IN_REVIEW, now, now, review_ref="C0CARE/17.01")
    notifier.thread(carded, "half the SLA used")
    notifier.thread(carded.evolve(review_ref=None), "no card yet")
    notifier.direct("UONCALL", "you are on call")
    posts = [c.params for c in api.calls_to("chat.postMessage")]
    assert [(p["channel"], p.get("thread_ts")) for p in posts] == [
        ("C0CARE", "17.01"),
        ("C0CARE", None),
        ("UONCALL", None),
    ]
    assert api.calls_to("chat.postMessage")[0].headers["authorization"] == "Bearer xoxb-t"


def test_group_approvers_are_resolved_once_per_ttl(api: FakeSlackApi) -> None:
    api.groups["S0CARE"] = ["UANA", "UBEN"]
    t = TickingTime()
    approvers = Approvers(
        web_client("xoxb-t", api.url), ["ULEAD", "S0CARE"], ttl=300, monotonic=t.monotonic
    )
    assert approvers.ids() == {"ULEAD", "UANA", "UBEN"}
    assert approvers.is_approver("UBEN") and not approvers.is_approver("UEVE")
    api.groups["S0CARE"] = ["UANA"]
    assert approvers.is_approver("UBEN")  # cached
    assert len(api.calls_to("usergroups.users.list")) == 1
    t.now += 301
    assert not approvers.is_approver("UBEN")
    assert len(api.calls_to("usergroups.users.list")) == 2


def test_an_unknown_group_locks_nobody_in_and_lists_no_one(api: FakeSlackApi) -> None:
    approvers = Approvers(web_client("xoxb-t", api.url), ["S0GONE"])
    assert approvers.ids() == frozenset()
    assert not approvers.is_approver("UANY")


def test_slacks_published_signing_example() -> None:
    vector = json.loads((FIXTURES / "signing_vector.json").read_text())
    assert signature(vector["secret"], vector["timestamp"], vector["body"]) == vector["signature"]
    verifier = SignatureVerifier(vector["secret"], clock=_FrozenClock(int(vector["timestamp"])))
    headers = {
        "x-slack-request-timestamp": vector["timestamp"],
        "x-slack-signature": vector["signature"],
    }
    assert verifier.is_valid_request(vector["body"], headers)
    assert not verifier.is_valid_request(vector["body"] + "x", headers)


class _FrozenClock:
    def __init__(self, now: int) -> None:
        self._now = now

    def now(self) -> float:
        return float(self._now)


def test_unknown_subcommands_answer_with_help_that_lists_registered_ones() -> None:
    def wave(app: object, user: str, args: str) -> CommandReply:
        """Wave at the team."""
        return CommandReply(f"wave {args}")

    SUBCOMMANDS["wave"] = wave  # type: ignore[assignment]
    try:
        assert dispatch(None, "U1", "wave hello").text == "wave hello"  # type: ignore[arg-type]
        help_text = dispatch(None, "U1", "nonsense").text  # type: ignore[arg-type]
        assert "`/care wave` — Wave at the team." in help_text
    finally:
        del SUBCOMMANDS["wave"]


def test_manifest_points_every_request_at_one_url_in_http_mode() -> None:
    http = manifest(url="https://care.example/slack/events")
    assert (
        http["settings"]["event_subscriptions"]["request_url"]
        == "https://care.example/slack/events"
    )
    assert http["settings"]["interactivity"]["request_url"] == "https://care.example/slack/events"
    assert http["features"]["slash_commands"][0]["url"] == "https://care.example/slack/events"
    assert "reaction_added" in http["settings"]["event_subscriptions"]["bot_events"]
    socket = manifest(socket_mode=True)
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in socket["settings"]["interactivity"]
    assert "usergroups:read" in socket["oauth_config"]["scopes"]["bot"]
