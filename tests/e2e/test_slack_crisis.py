"""Crisis mode in Slack: similar mentions share one group card; Approve all needs two people.

Driven through the real bolt endpoint with signed requests against the fake Slack Web
API; posts and updates are counted there.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.slack._cards import ACTION_DISMISS
from bot.adapters.slack._group_blocks import ACTION_APPROVE_ALL, ACTION_SHOW_CASES
from bot.core.clock import FakeClock
from bot.core.models import CaseState
from tests.conftest import make_mention
from tests.fakes.fake_slack import ApiCall
from tests.fakes.slack_requests import command_body, interactive_body, reaction_body, signed_post
from tests.fakes.slack_world import APPROVER, CHANNEL, SECRET, STRANGER, SlackWorld, slack_world
from tests.shared_data import complaint_burst

SECOND = "UAPPROVER2"
PACE = 0.2
OUTAGE = "@parcelly your tracking app is down again, cannot see where my parcel {n} is"


@pytest.fixture
def world(tmp_path: Path, clock: FakeClock) -> Iterator[SlackWorld]:
    settings = {"SLACK_APPROVERS": [APPROVER, SECOND], "SLACK_PACE_SECONDS": PACE}
    with slack_world(tmp_path, clock, settings=settings) as w:
        yield w


def slash(world: SlackWorld, text: str, user: str = APPROVER) -> None:
    body = command_body(text, user, world.api.response_url("crisis"))
    assert signed_post(world.base_url, SECRET, body, form=True)[0] == 200
    world.rt.drain()


def press(world: SlackWorld, action_id: str, value: str, user: str) -> None:
    action = {"action_id": action_id, "value": value, "type": "button", "block_id": "b"}
    body = interactive_body(
        "BlockActionPayload.json", user={"id": user}, channel={"id": CHANNEL}, actions=[action]
    )
    assert signed_post(world.base_url, SECRET, body, form=True)[0] == 200
    world.rt.drain()


def card_posts(world: SlackWorld) -> list[ApiCall]:
    """Cards in the channel itself (not thread replies, not plain notes)."""
    return [
        c
        for c in world.api.calls_to("chat.postMessage")
        if c.params.get("channel") == CHANNEL
        and "blocks" in c.params
        and not c.params.get("thread_ts")
    ]


def in_thread(world: SlackWorld, ts: str) -> list[ApiCall]:
    return [c for c in world.api.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts]


def updates_at(world: SlackWorld, ts: str) -> list[ApiCall]:
    return [c for c in world.api.calls_to("chat.update") if c.params.get("ts") == ts]


def shown(call: ApiCall) -> str:
    """What a card update shows: its notification text and every block, as JSON text."""
    return call.params.get("text", "") + json.dumps(call.params["blocks"], ensure_ascii=False)


def wait_for_text(world: SlackWorld, ts: str, text: str, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = updates_at(world, ts)
        if found and text in shown(found[-1]):
            return
        time.sleep(0.02)
    last = shown(updates_at(world, ts)[-1]) if updates_at(world, ts) else "no update"
    raise AssertionError(f"{text!r} never reached the card at {ts}: {last}")


def real_complaints(count: int) -> list[str]:
    rows = complaint_burst()
    return [r["text"] for r in rows if r["is_complaint"]][:count]


def crisis_burst(world: SlackWorld, similar: int = 30, others: int = 0) -> str:
    """Crisis on, a burst taken in; returns the group card's ts."""
    slash(world, "crisis on app outage")
    for n in range(similar):
        world.add_mention(make_mention(f"90{n:02d}", OUTAGE.format(n=5500 + n), author=f"c{n}"))
    for n, text in enumerate(real_complaints(others) if others else []):  # corpus if needed
        world.add_mention(make_mention(f"80{n:02d}", text, author=f"r{n}"))
    world.tick()
    world.rt.drain()
    lead = world.care.store.get_case("x:9000")
    assert lead is not None and lead.review_ref is not None
    return lead.review_ref.split("/")[1]


def test_thirty_similar_mentions_make_one_card_updated_in_place(world: SlackWorld) -> None:
    ts = crisis_burst(world, similar=30, others=3)
    wait_for_text(world, ts, "30 similar mentions")

    posts = card_posts(world)
    assert len(posts) == 1 + 3  # one group card; the three unrelated complaints keep their own
    assert len(updates_at(world, ts)) <= 30
    refs = {world.care.store.get_case(f"x:90{n:02d}").review_ref for n in range(30)}
    assert refs == {f"{CHANNEL}/{ts}"}  # every member points at the group card
    blocks = json.dumps(updates_at(world, ts)[-1].params["blocks"])
    assert "Approve all (30)" in blocks and "Show cases" in blocks
    assert "&lt;" not in OUTAGE and "parcel 5529" in blocks  # latest samples are shown


def test_bulk_approve_needs_a_second_approver_and_publishes_each_member_once(
    world: SlackWorld,
) -> None:
    ts = crisis_burst(world, similar=12)
    wait_for_text(world, ts, "12 similar mentions")
    group = world.care.store.groups.group_at(f"{CHANNEL}/{ts}")
    assert group is not None and len(group.members) == 12

    press(world, ACTION_APPROVE_ALL, group.id, APPROVER)
    press(world, ACTION_APPROVE_ALL, group.id, APPROVER)  # the same person again counts once
    world.tick()
    assert world.outbox_lines() == []
    notes = [c.params["text"] for c in world.api.calls_to("chat.postEphemeral")]
    assert notes[-1] == "Approve all: 0 approved, 12 waiting for a second approver."
    wait_for_text(
        world, ts, f"⏳ 1 of 2 approvals: <@{APPROVER}>; waiting for a second approver (12 cases)"
    )

    press(world, ACTION_APPROVE_ALL, group.id, STRANGER)
    assert "Only approvers" in world.api.calls_to("chat.postEphemeral")[-1].params["text"]

    react = reaction_body("white_check_mark", SECOND, CHANNEL, ts, "EvGroup2")
    assert signed_post(world.base_url, SECRET, react)[0] == 200  # ✅ on the group card
    world.rt.drain()
    world.tick()
    world.tick()
    lines = world.outbox_lines()
    assert sorted(line["in_reply_to"] for line in lines) == [f"90{n:02d}" for n in range(12)]
    for n in range(12):
        case = world.care.store.get_case(f"x:90{n:02d}")
        assert case is not None and case.state is CaseState.PUBLISHED
        assert set(case.approvals) == {APPROVER, SECOND}
    wait_for_text(world, ts, "published: 12")
    approved = f"✅ Approved by <@{APPROVER}> and <@{SECOND}> for 12 cases · 2 of 2 approvals"
    wait_for_text(world, ts, approved)
    assert updates_at(world, ts)[-1].params["text"].startswith(f"12 similar mentions · {approved}")
    assert "waiting for" not in shown(updates_at(world, ts)[-1])


def test_show_cases_posts_each_member_into_the_thread_where_each_can_be_acted_on(
    world: SlackWorld,
) -> None:
    ts = crisis_burst(world, similar=4)
    group = world.care.store.groups.group_at(f"{CHANNEL}/{ts}")
    assert group is not None
    press(world, ACTION_SHOW_CASES, group.id, STRANGER)  # anyone may look
    thread = in_thread(world, ts)
    assert len(thread) == 4
    gaps = [b.at - a.at for a, b in itertools.pairwise(thread)]
    assert min(gaps) >= PACE * 0.9  # paced like any message in the channel
    press(world, ACTION_SHOW_CASES, group.id, STRANGER)
    assert (
        len([c for c in world.api.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts])
        == 4
    )

    second = world.care.store.groups.card_ref("x:9001")
    assert second is not None
    press(world, ACTION_DISMISS, "x:9001", APPROVER)  # the member card's own button
    dismissed = world.care.store.get_case("x:9001")
    assert dismissed is not None and dismissed.state is CaseState.DISMISSED
    assert world.care.store.get_case("x:9002").state is CaseState.IN_REVIEW
    assert "Dismissed" in json.dumps(updates_at(world, second.split("/")[1])[-1].params["blocks"])
    wait_for_text(world, ts, "Approve all (3)")


def test_with_crisis_mode_off_similar_mentions_each_get_their_own_card(world: SlackWorld) -> None:
    for n in range(3):
        world.add_mention(make_mention(f"70{n}", OUTAGE.format(n=n), author=f"o{n}"))
    world.tick()
    world.rt.drain()
    assert len(card_posts(world)) == 3
    refs = {world.care.store.get_case(f"x:70{n}").review_ref for n in range(3)}
    assert len(refs) == 3
