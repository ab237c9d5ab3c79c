"""The customer beyond one post, on Slack: history on the card, `/care link` and `unlink`,
wow moments with a 🎁 recorded once, and a gesture's monthly budget (fake Slack Web API,
the real bolt endpoint, signed requests)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.slack._cards import ACTION_GIFT
from bot.config import PACKAGE_DIR
from bot.core.clock import FakeClock
from bot.core.models import Network
from tests.adapters.slack.test_slack_endpoint import react, slash
from tests.conftest import make_mention
from tests.fakes.slack_requests import interactive_body, signed_post
from tests.fakes.slack_world import APPROVER, CHANNEL, SECRET, STRANGER, SlackWorld, slack_world

BABY = "@parcelly we just had a baby and your driver carried the pram upstairs, so kind 💛"
TIGHT_BUDGET = """\
gestures:
  card: {label: a handwritten card, cost: 3, monthly_budget: 3}
suggest: {milestone: card}
"""


@pytest.fixture
def world(tmp_path: Path, clock: FakeClock) -> Iterator[SlackWorld]:
    prompts = tmp_path / "prompts"
    shutil.copytree(PACKAGE_DIR.parent / "prompts", prompts)
    (prompts / "wow.yaml").write_text(TIGHT_BUDGET, encoding="utf-8")
    with slack_world(tmp_path, clock, settings={"CAREOPS_PROMPTS_DIR": prompts}) as w:
        yield w


def card(world: SlackWorld, clock: FakeClock, n: int, text: str, **mention: object) -> dict:
    """Take one mention in; the card Slack was sent for it (its ts and its blocks)."""
    mention_ = make_mention(str(n), text, now=clock.now(), minutes_ago=1, **mention)  # type: ignore[arg-type]
    world.add_mention(mention_)
    posts = len(world.api.calls_to("chat.postMessage"))
    world.tick()
    post = world.api.wait_for("chat.postMessage", posts + 1)[-1]
    case = world.care.store.get_case(mention_.case_id)
    assert case is not None and case.review_ref
    return {
        "ts": case.review_ref.split("/")[1],
        "blocks": json.dumps(post.params["blocks"], ensure_ascii=False),
    }


def updated_blocks(world: SlackWorld, ts: str) -> str:
    updates = [c for c in world.api.calls_to("chat.update") if c.params["ts"] == ts]
    return json.dumps(updates[-1].params["blocks"], ensure_ascii=False) if updates else ""


def test_a_returning_customers_card_says_how_often_and_how_last_time_went(
    world: SlackWorld, clock: FakeClock
) -> None:
    first = card(world, clock, 2001, "@parcelly parcel 5521 is late, where is it?")
    assert "first contact" in first["blocks"]
    clock.advance(minutes=12)
    react(world, "white_check_mark", APPROVER, first["ts"], "EvH1")
    world.rt.drain()
    world.tick()  # published, 13 minutes after the post
    clock.advance(days=14)
    second = card(world, clock, 2002, "@parcelly the tracking page is stuck on order 6610")
    assert (
        "🗂 2nd contact · last: delivery, answered in 13 min, 14 days ago · first seen November"
        in (second["blocks"])
    )
    case = world.care.store.get_case("x:2002")
    assert case is not None and case.triage is not None
    assert "repeat" not in case.triage.tags  # 14 days apart: no repeat complainer


def test_a_second_complaint_within_a_week_raises_the_priority(
    world: SlackWorld, clock: FakeClock
) -> None:
    card(world, clock, 2001, "@parcelly parcel 5521 is late, where is it?")
    clock.advance(days=2)
    again = card(world, clock, 2002, "@parcelly still no parcel, order 5521, this is useless")
    case = world.care.store.get_case("x:2002")
    assert case is not None and case.triage is not None
    assert "repeat" in case.triage.tags and case.triage.priority.value == "high"
    assert "2nd contact · last: delivery, still open, 2 days ago" in again["blocks"]


def test_care_link_joins_two_networks_into_one_history_and_unlink_splits_it(
    world: SlackWorld, clock: FakeClock
) -> None:
    card(world, clock, 2001, "@parcelly love the new tracking page")
    answer = slash(world, "link x:maria_g bluesky:maria.bsky.social", user=STRANGER)
    assert answer.startswith("Linked as one customer: bluesky:maria.bsky.social, x:maria_g.")
    clock.advance(hours=1)
    bsky = card(world, clock, 3001, "hi @parcelly, is there a store in Leeds?",
                network=Network.BLUESKY, author="maria.bsky.social")  # fmt: skip
    assert "2nd contact · last: praise" in bsky["blocks"] and "also x:maria_g" in bsky["blocks"]

    assert slash(world, "unlink bluesky:maria.bsky.social") == "Unlinked bluesky:maria.bsky.social."
    assert "is linked to nobody" in slash(world, "unlink bluesky:maria.bsky.social")
    assert "Not linked: unknown network" in slash(world, "link x:maria_g myspace:maria")
    clock.advance(hours=1)
    later = card(world, clock, 3002, "@parcelly and one in York?",
                 network=Network.BLUESKY, author="maria.bsky.social")  # fmt: skip
    assert "2nd contact" in later["blocks"] and "x:maria_g" not in later["blocks"]
    log = world.care.store.people.link_log()
    assert [(action, user) for action, _, user, _ in log] == [("link", STRANGER),
                                                              ("unlink", APPROVER)]  # fmt: skip


def test_a_wow_moment_on_the_card_and_a_gift_recorded_once_under_slack_retries(
    world: SlackWorld, clock: FakeClock
) -> None:
    moment = card(world, clock, 2001, BABY)
    assert (
        "🎉 *Wow moment*: new baby · suggest: a handwritten card ($3; $3 of $3 left"
        in (moment["blocks"])
    )
    assert ACTION_GIFT in moment["blocks"]
    statuses = [react(world, "gift", STRANGER, moment["ts"], "EvG1")]
    statuses += [react(world, "gift", STRANGER, moment["ts"], "EvG1", retry=n) for n in (1, 2, 3)]
    react(world, "gift", APPROVER, moment["ts"], "EvG2")  # a second person, a second event
    world.rt.drain()

    assert statuses == [200, 200, 200, 200] and world.rt.dedup.dropped == 3
    gesture = world.care.store.wow.gesture("x:2001")
    assert gesture is not None and gesture.user == STRANGER and not gesture.over_budget
    audit = [a for a in world.care.store.audit("x:2001") if a.action == "gift"]
    assert [(a.actor, a.detail) for a in audit] == [(STRANGER, "a handwritten card ($3)")]
    blocks = updated_blocks(world, moment["ts"])
    assert f"🎁 done: a handwritten card by <@{STRANGER}>" in blocks
    assert ACTION_GIFT not in blocks  # no button once it is done

    week = slash(world, "wow")
    assert "*Wow moments, last 7 days*: 1 (1 milestone), 1 with a gesture" in week
    assert f"new baby — 🎁 a handwritten card by <@{STRANGER}>" in week
    assert "a handwritten card: $3 of $3 spent this month (1 made)" in week


def test_a_gift_past_the_budget_is_refused_to_a_non_approver_and_an_approver_may(
    world: SlackWorld, clock: FakeClock
) -> None:
    first = card(world, clock, 2001, BABY)
    react(world, "gift", STRANGER, first["ts"], "EvB1")  # $3 of $3: the budget is spent
    world.rt.drain()
    second = card(world, clock, 2002, "@parcelly it's my birthday and the cake came early!")
    assert "over budget: $0 of $3 left this month, an approver decides" in second["blocks"]

    button = {"action_id": ACTION_GIFT, "value": "x:2002", "type": "button", "block_id": "b"}
    press = interactive_body("BlockActionPayload.json", user={"id": STRANGER},
                             channel={"id": CHANNEL}, actions=[button])  # fmt: skip
    assert signed_post(world.base_url, SECRET, press, form=True)[0] == 200
    world.rt.drain()
    note = world.api.wait_for("chat.postEphemeral")[-1].params
    assert note["user"] == STRANGER and "Only approvers can go past" in note["text"]
    assert world.care.store.wow.gesture("x:2002") is None

    react(world, "gift", APPROVER, second["ts"], "EvB2")
    world.rt.drain()
    gesture = world.care.store.wow.gesture("x:2002")
    assert gesture is not None and gesture.user == APPROVER and gesture.over_budget
    assert "(over budget, an approver's call)" in updated_blocks(world, second["ts"])
