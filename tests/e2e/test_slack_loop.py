"""End to end with the fake Slack Web API: inbox line → card → ✅ → one outbox line.

The scheduler runs for real here (poll every 0.2 s), as `careops run` starts it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.models import CaseState, Draft
from bot.core.ports import DraftRequest
from tests.conftest import make_mention
from tests.fakes.slack_requests import command_body, reaction_body, signed_post
from tests.fakes.slack_world import APPROVER, CHANNEL, SECRET, SlackWorld, slack_world

POLL = 0.2


class GatedDrafter:
    """Drafts at once until `hold()`; then every draft waits until `release()`."""

    label = "gated"

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.open = threading.Event()
        self.open.set()
        self.started = threading.Event()

    def hold(self) -> None:
        self.open.clear()

    def release(self) -> None:
        self.open.set()

    def draft(self, request: DraftRequest) -> Draft:
        self.started.set()
        assert self.open.wait(10), "drafter was never released"
        text = "Thanks for telling us, and sorry! Track it here: https://help.parcelly.example/"
        return Draft(request.draft_id, request.case_id, text, self.label, self.clock.now())


@pytest.fixture
def drafter(clock: FakeClock) -> GatedDrafter:
    return GatedDrafter(clock)


@pytest.fixture
def world(tmp_path: Path, clock: FakeClock, drafter: GatedDrafter) -> Iterator[SlackWorld]:
    settings = {"CAREOPS_POLL_SECONDS": POLL}
    with slack_world(tmp_path, clock, drafter=drafter, settings=settings, jobs=True) as w:
        yield w


def wait_until(check, timeout: float) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, "timed out"
        time.sleep(0.02)
    return time.monotonic() - started


def last_update(world: SlackWorld) -> dict[str, object]:
    updates = world.api.calls_to("chat.update")
    return updates[-1].params if updates else {}


def card_ts(world: SlackWorld, case_id: str) -> str:
    """The card's ts, once the case has recorded where its card is."""

    def ref() -> str | None:
        case = world.care.store.get_case(case_id)
        return case.review_ref if case else None

    wait_until(ref, 2.0)
    return str(ref()).split("/")[1]


def test_inbox_line_to_card_to_approval_to_exactly_one_outbox_line(world: SlackWorld) -> None:
    world.add_mention(make_mention("5001", "My parcel 5521 never arrived"))
    took = wait_until(lambda: world.api.calls_to("chat.postMessage"), POLL + 1.0)
    post = world.api.calls_to("chat.postMessage")[0].params
    assert post["channel"] == CHANNEL and "5521" in json.dumps(post["blocks"])
    assert took < POLL + 1.0

    ts = card_ts(world, "x:5001")
    body = reaction_body("white_check_mark", APPROVER, CHANNEL, ts, "EvE2E1")
    assert signed_post(world.base_url, SECRET, body)[0] == 200
    wait_until(lambda: world.outbox_lines(), 3.0)
    time.sleep(3 * POLL)  # a few more ticks: still exactly one line
    lines = world.outbox_lines()
    assert [line["in_reply_to"] for line in lines] == ["5001"]
    assert lines[0]["text"].startswith("Thanks for telling us")
    wait_until(lambda: world.care.store.get_case("x:5001").state is CaseState.PUBLISHED, 2.0)  # type: ignore[union-attr]
    wait_until(lambda: "published" in json.dumps(last_update(world)), 2.0)
    assert world.api.calls_to("chat.update")[-1].params["ts"] == ts


def test_every_request_is_acknowledged_within_3s_while_drafting_is_slow(
    world: SlackWorld, drafter: GatedDrafter
) -> None:
    world.add_mention(make_mention("5002", "Where is my refund?"))
    wait_until(lambda: world.api.calls_to("chat.postMessage"), POLL + 1.0)
    ts = card_ts(world, "x:5002")

    drafter.hold()
    try:
        regenerate = reaction_body("repeat", APPROVER, CHANNEL, ts, "EvSlow1")
        latencies = [signed_post(world.base_url, SECRET, regenerate)[2]]
        assert drafter.started.wait(3)  # the worker is now stuck in drafting
        approve = reaction_body("white_check_mark", APPROVER, CHANNEL, ts, "EvSlow2")
        status = command_body("status", APPROVER, world.api.response_url())
        for _ in range(5):
            latencies.append(signed_post(world.base_url, SECRET, approve)[2])
            latencies.append(signed_post(world.base_url, SECRET, status, form=True)[2])
        assert max(latencies) < 3.0
        assert world.api.calls_to("response_url") == []  # the work itself is still queued
    finally:
        drafter.release()
    world.rt.drain()
    regenerated = world.care.store.get_case("x:5002")
    assert regenerated is not None and regenerated.draft_seq == 2
