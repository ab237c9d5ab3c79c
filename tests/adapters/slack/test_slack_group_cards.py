"""Group cards say who decided, Dismiss all closes a group, and no card update is lost
at shutdown. Driven through the signed bolt endpoint against the fake Slack Web API."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack._cards import ACTION_APPROVE_WITHOUT_LINK
from bot.adapters.slack._group_blocks import (
    ACTION_APPROVE_ALL,
    ACTION_DISMISS_ALL,
    ACTION_SHOW_CASES,
    decision_lines,
)
from bot.adapters.slack._group_cards import GroupCards
from bot.adapters.slack._poster import ChannelPacer
from bot.core.clock import FakeClock
from bot.core.crisis_groups import CaseGroup, GroupDecisions, Tally
from bot.core.models import CaseState
from tests.e2e.test_slack_crisis import (
    SECOND,
    crisis_burst,
    press,
    shown,
    updates_at,
    wait_for_text,
)
from tests.fakes.slack_requests import interactive_body, signed_post
from tests.fakes.slack_world import APPROVER, CHANNEL, SECRET, STRANGER, SlackWorld, slack_world

LEAD = "@parcelly your tracking app is down again, cannot see where my parcel 5500 is"
APPROVERS = {"SLACK_APPROVERS": [APPROVER, SECOND]}


@pytest.fixture
def world(tmp_path: Path, clock: FakeClock) -> Iterator[SlackWorld]:
    with slack_world(tmp_path, clock, settings={**APPROVERS, "SLACK_PACE_SECONDS": 0.2}) as w:
        yield w


@pytest.fixture
def slow_world(tmp_path: Path, clock: FakeClock) -> Iterator[SlackWorld]:
    """Group cards update at most once a minute, so an update is still due at shutdown."""
    settings = {**APPROVERS, "SLACK_PACE_SECONDS": 60.0}
    with slack_world(tmp_path, clock, settings=settings, pacer=ChannelPacer(0.0)) as w:
        yield w


def group_cards(world: SlackWorld) -> GroupCards:
    return world.rt.cards


def the_group(world: SlackWorld, ts: str) -> CaseGroup:
    group = world.care.store.groups.group_at(f"{CHANNEL}/{ts}")
    assert group is not None
    return group


def buttons(call: Any) -> dict[str, dict[str, Any]]:
    actions = [b for b in call.params["blocks"] if b["type"] == "actions"]
    return {e["action_id"]: e for block in actions for e in block["elements"]}


def notes(world: SlackWorld) -> list[str]:
    return [c.params["text"] for c in world.api.calls_to("chat.postEphemeral")]


def test_dismiss_all_asks_first_is_for_approvers_and_dismisses_each_member_once(
    world: SlackWorld,
) -> None:
    ts = crisis_burst(world, similar=6)
    wait_for_text(world, ts, "Dismiss all (6)")
    button = buttons(updates_at(world, ts)[-1])[ACTION_DISMISS_ALL]
    assert button["style"] == "danger" and button["confirm"]["title"]["text"] == "Dismiss all?"
    assert "6 cases" in button["confirm"]["text"]["text"]
    group = the_group(world, ts)

    press(world, ACTION_DISMISS_ALL, group.id, STRANGER)
    assert notes(world)[-1] == "Only approvers can approve replies."
    assert all(world.care.store.get_case(c).state is CaseState.IN_REVIEW for c in group.members)  # type: ignore[union-attr]

    press(world, ACTION_DISMISS_ALL, group.id, APPROVER)
    action = {"action_id": ACTION_DISMISS_ALL, "value": group.id, "type": "button"}
    body = interactive_body(
        "BlockActionPayload.json", user={"id": APPROVER}, channel={"id": CHANNEL}, actions=[action]
    )
    assert signed_post(world.base_url, SECRET, body, form=True, retry_num=1)[0] == 200
    world.rt.drain()
    press(world, ACTION_DISMISS_ALL, group.id, SECOND)  # a second person, a moment later

    assert notes(world).count("Dismiss all: 6 dismissed.") == 1
    assert notes(world)[-1] == "Dismiss all: nothing left to dismiss."
    for case_id in group.members:
        moves = [a for a in world.care.store.audit(case_id) if a.to_state == "dismissed"]
        assert [(a.actor, a.detail) for a in moves] == [
            (APPROVER, f"dismissed as part of group: {LEAD}")
        ]
    wait_for_text(world, ts, f"🚫 Dismissed by <@{APPROVER}> (6 cases)")
    last = updates_at(world, ts)[-1]
    assert "dismissed: 6" in shown(last)
    assert ACTION_DISMISS_ALL not in buttons(last) and ACTION_APPROVE_ALL not in buttons(last)


def test_updates_due_at_shutdown_are_sent_before_close_returns(
    slow_world: SlackWorld, clock: FakeClock
) -> None:
    world = slow_world
    ts = crisis_burst(world, similar=12)
    assert "12 similar mentions" not in shown(updates_at(world, ts)[-1])  # folded, due later
    clock.advance(seconds=1)
    press(world, ACTION_APPROVE_ALL, the_group(world, ts).id, APPROVER)
    before = len(updates_at(world, ts))

    started = time.monotonic()
    assert group_cards(world).close() == []
    assert time.monotonic() - started < 2.0
    flushed = updates_at(world, ts)[before:]
    assert len(flushed) == 1
    assert "12 similar mentions" in shown(flushed[0])
    assert f"⏳ 1 of 2 approvals: <@{APPROVER}>" in shown(flushed[0])

    press(world, ACTION_APPROVE_ALL, the_group(world, ts).id, SECOND)  # work after close
    assert f"✅ Approved by <@{APPROVER}> and <@{SECOND}> for 12 cases" in shown(
        updates_at(world, ts)[-1]
    )  # rendered at once, not left for a timer that will never run


def test_close_gives_up_on_a_hanging_slack_and_names_the_stale_groups(
    slow_world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    world = slow_world
    ts = crisis_burst(world, similar=3)
    cards = group_cards(world)
    release = threading.Event()
    render = cards._render
    cards._render = lambda group_id: release.wait(5)  # type: ignore[method-assign]
    try:
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="bot.adapters.slack._group_cards"):
            stale = cards.close(timeout=0.2)
        assert time.monotonic() - started < 1.0
    finally:
        release.set()
        cards._render = render  # type: ignore[method-assign]
    group = the_group(world, ts)
    assert stale == [group.id]
    assert f"group cards left stale at shutdown: {group.id}" in caplog.text


def test_a_group_card_left_stale_by_a_stop_is_rendered_at_the_next_start(
    tmp_path: Path, clock: FakeClock
) -> None:
    settings = {**APPROVERS, "SLACK_PACE_SECONDS": 60.0}
    with slack_world(tmp_path, clock, settings=settings, pacer=ChannelPacer(0.0)) as first:
        ts = crisis_burst(first, similar=5)
        clock.advance(seconds=1)
        press(first, ACTION_APPROVE_ALL, the_group(first, ts).id, APPROVER)
        first.api.fail_next("chat.update", status=500, error="fatal_error")  # Slack is down
        assert group_cards(first).close() == [the_group(first, ts).id]
        assert group_cards(first).repo.stale() == [the_group(first, ts).id]

    clock.advance(seconds=1)
    with slack_world(tmp_path, clock, settings=settings, pacer=ChannelPacer(0.0)) as again:
        again.rt.drain()
        [update] = updates_at(again, ts)
        assert "5 similar mentions" in shown(update)
        assert f"⏳ 1 of 2 approvals: <@{APPROVER}>" in shown(update)  # from the store

    clock.advance(timedelta(seconds=1))
    with slack_world(tmp_path, clock, settings=settings, pacer=ChannelPacer(0.0)) as third:
        third.rt.drain()
        assert third.api.calls_to("chat.update") == []  # nothing changed since: no update


@pytest.mark.parametrize(
    ("decisions", "lines"),
    [
        (
            GroupDecisions(2, approved=(Tally(("UANA1", "UBEN2"), 12),)),
            ["✅ Approved by <@UANA1> and <@UBEN2> for 12 cases · 2 of 2 approvals"],
        ),
        (
            GroupDecisions(1, approved=(Tally(("UANA1",), 1),)),
            ["✅ Approved by <@UANA1> for 1 case"],
        ),
        (
            GroupDecisions(3, pending=(Tally(("UANA1",), 4),)),
            ["⏳ 1 of 3 approvals: <@UANA1>; waiting for 2 more approvers (4 cases)"],
        ),
        (  # crisis mode ended after the first approvals: one more is still asked for
            GroupDecisions(1, pending=(Tally(("UANA1",), 2),)),
            ["⏳ 1 of 2 approvals: <@UANA1>; waiting for a second approver (2 cases)"],
        ),
        (
            GroupDecisions(1, dismissed=(Tally(("terminal",), 2), Tally(("",), 1))),
            ["🚫 Dismissed by terminal (2 cases)", "🚫 Dismissed (1 case)"],
        ),
        (
            GroupDecisions(1, dismissed=(Tally(("<!channel>",), 1),)),
            ["🚫 Dismissed by &lt;!channel&gt; (1 case)"],
        ),
        (
            GroupDecisions(1, approved=tuple(Tally((f"UAPPROVER{n}",), 5 - n) for n in range(5))),
            [
                "✅ Approved by <@UAPPROVER0> for 5 cases",
                "✅ Approved by <@UAPPROVER1> for 4 cases",
                "✅ Approved by <@UAPPROVER2> for 3 cases",
                "…and 3 cases decided by others",
            ],
        ),
        (GroupDecisions(2), []),
    ],
)
def test_decision_lines_name_people_and_counts(decisions: GroupDecisions, lines: list[str]) -> None:
    assert decision_lines(decisions) == lines


def test_the_group_card_and_its_members_cards_say_what_sending_on_x_costs(
    world: SlackWorld,
) -> None:
    ts = crisis_burst(world, similar=4)
    wait_for_text(world, ts, "Approve all (4)")
    # each crisis draft points to the status page: four replies with a link
    sending = "💸 On X, approving all sends 4 X replies: $0.80 with their links · $0.06 without"
    assert sending in shown(updates_at(world, ts)[-1])

    group = the_group(world, ts)
    press(world, ACTION_SHOW_CASES, group.id, STRANGER)
    members = [c for c in world.api.calls_to("chat.postMessage") if c.params.get("thread_ts")]
    assert len(members) == 4
    for card in members:
        assert "💸 On X this reply costs $0.20 (link) · $0.015 without" in shown(card)
        assert ACTION_APPROVE_WITHOUT_LINK in buttons(card)

    press(world, ACTION_DISMISS_ALL, group.id, APPROVER)
    wait_for_text(world, ts, "🚫 Dismissed")
    assert "💸" not in shown(updates_at(world, ts)[-1])  # nothing left to send
