"""The bolt HTTP endpoint driven by signed requests, against the fake Slack Web API."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.slack._cards import ACTION_APPROVE, ACTION_EDIT, EDIT_VIEW
from bot.core.clock import FakeClock
from bot.core.models import CaseState
from tests.conftest import make_mention
from tests.fakes.slack_requests import (
    command_body,
    home_opened_body,
    interactive_body,
    reaction_body,
    signed_post,
    thread_reply_body,
)
from tests.fakes.slack_world import APPROVER, CHANNEL, SECRET, STRANGER, SlackWorld, slack_world


@pytest.fixture
def world(tmp_path: Path, clock: FakeClock) -> Iterator[SlackWorld]:
    with slack_world(tmp_path, clock) as w:
        yield w


def card_on_slack(world: SlackWorld, text: str = "Parcel 5521 is late, help?") -> tuple[str, str]:
    """Take a mention in and return the (channel, ts) of its card."""
    world.add_mention(make_mention("2001", text))
    world.tick()
    post = world.api.wait_for("chat.postMessage")[-1]
    assert post.params["channel"] == CHANNEL
    case = world.care.store.get_case("x:2001")
    assert case is not None and case.review_ref == f"{CHANNEL}/1764061200.000001"
    assert post.params["text"].startswith("X mention from @maria_g")
    return CHANNEL, "1764061200.000001"


def react(
    world: SlackWorld, reaction: str, user: str, ts: str, event_id: str, retry: int | None = None
) -> int:
    body = reaction_body(reaction, user, CHANNEL, ts, event_id)
    status, _, _ = signed_post(world.base_url, SECRET, body, retry_num=retry)
    return status


def test_approver_checkmark_publishes_once_even_when_slack_delivers_it_four_times(
    world: SlackWorld,
) -> None:
    _, ts = card_on_slack(world)
    statuses = [react(world, "white_check_mark", APPROVER, ts, "Ev01")]
    statuses += [react(world, "white_check_mark", APPROVER, ts, "Ev01", retry=n) for n in (1, 2, 3)]
    world.rt.drain()
    world.tick()

    assert statuses == [200, 200, 200, 200]
    assert world.rt.dedup.dropped == 3
    lines = world.outbox_lines()
    assert len(lines) == 1 and lines[0]["in_reply_to"] == "2001"
    case = world.care.store.get_case("x:2001")
    assert case is not None and case.state is CaseState.PUBLISHED
    approvals = [a for a in world.care.store.audit(case.id) if a.to_state == "approved"]
    assert [a.actor for a in approvals] == [APPROVER]
    final = world.api.calls_to("chat.update")[-1].params
    assert final["ts"] == ts
    assert f"<@{APPROVER}>" in json.dumps(final["blocks"]) and "published" in json.dumps(
        final["blocks"]
    )


def test_a_non_approvers_checkmark_publishes_nothing_and_gets_an_ephemeral_note(
    world: SlackWorld,
) -> None:
    _, ts = card_on_slack(world)
    assert react(world, "white_check_mark", STRANGER, ts, "Ev02") == 200
    world.rt.drain()
    world.tick()

    assert world.outbox_lines() == []
    note = world.api.wait_for("chat.postEphemeral")[0].params
    assert note["user"] == STRANGER and "approvers" in note["text"]
    case = world.care.store.get_case("x:2001")
    assert case is not None and case.state is CaseState.IN_REVIEW


def test_pencil_answers_in_thread_and_an_approvers_thread_reply_becomes_the_draft(
    world: SlackWorld,
) -> None:
    _, ts = card_on_slack(world)
    react(world, "pencil2", APPROVER, ts, "Ev03")
    world.rt.drain()
    prompt = world.api.calls_to("chat.postMessage")[-1].params
    assert prompt["thread_ts"] == ts and ACTION_EDIT in json.dumps(prompt["blocks"])

    new_text = "Thanks Maria &amp; sorry! Track it here: <https://help.parcelly.example/delivery>"
    body = thread_reply_body(APPROVER, new_text, CHANNEL, ts, "Ev04")
    assert signed_post(world.base_url, SECRET, body)[0] == 200
    world.rt.drain()
    case = world.care.store.get_case("x:2001")
    assert case is not None and case.draft_seq == 2
    _, draft = world.care.review.with_draft(case)
    assert draft is not None
    assert (
        draft.text == "Thanks Maria & sorry! Track it here: https://help.parcelly.example/delivery"
    )
    assert draft.drafter == f"human:{APPROVER}"


def test_a_strangers_thread_reply_is_conversation_not_a_draft(world: SlackWorld) -> None:
    _, ts = card_on_slack(world)
    signed_post(world.base_url, SECRET, thread_reply_body(STRANGER, "lol", CHANNEL, ts, "Ev05"))
    world.rt.drain()
    case = world.care.store.get_case("x:2001")
    assert case is not None and case.draft_seq == 1


def test_edit_button_opens_a_modal_and_its_submission_rechecks_the_draft(world: SlackWorld) -> None:
    card_on_slack(world)
    action = {"action_id": ACTION_EDIT, "value": "x:2001", "type": "button", "block_id": "b"}
    body = interactive_body(
        "BlockActionPayload.json",
        user={"id": APPROVER, "username": "ana"},
        channel={"id": CHANNEL, "name": "care"},
        trigger_id="13345224609.738474920.8088930838d88f008e0",
        actions=[action],
    )
    status, _, _ = signed_post(world.base_url, SECRET, body, form=True)
    assert status == 200
    opened = world.api.wait_for("views.open")[0].params
    assert opened["view"]["private_metadata"] == "x:2001"

    values = {"draft": {"text": {"type": "plain_text_input", "value": "We are on it, thanks!"}}}
    submit = interactive_body(
        "ViewSubmissionPayload.json",
        user={"id": APPROVER},
        view={"callback_id": EDIT_VIEW, "private_metadata": "x:2001", "state": {"values": values}},
    )
    assert signed_post(world.base_url, SECRET, submit, form=True)[0] == 200
    world.rt.drain()
    case = world.care.store.get_case("x:2001")
    assert case is not None and case.state is CaseState.IN_REVIEW
    _, draft = world.care.review.with_draft(case)
    assert draft is not None and draft.text == "We are on it, thanks!"
    assert any(not c.ok for c in draft.checks)  # no link: the re-check says so
    assert "Helpful link" in json.dumps(world.api.calls_to("chat.update")[-1].params["blocks"])


def test_empty_modal_submission_is_refused_with_a_field_error(world: SlackWorld) -> None:
    values = {"draft": {"text": {"type": "plain_text_input", "value": "   "}}}
    submit = interactive_body(
        "ViewSubmissionPayload.json",
        user={"id": APPROVER},
        view={"callback_id": EDIT_VIEW, "private_metadata": "x:2001", "state": {"values": values}},
    )
    status, text, _ = signed_post(world.base_url, SECRET, submit, form=True)
    assert status == 200
    assert json.loads(text) == {
        "response_action": "errors",
        "errors": {"draft": "The reply cannot be empty."},
    }


def test_approve_button_works_like_the_reaction(world: SlackWorld) -> None:
    card_on_slack(world)
    action = {"action_id": ACTION_APPROVE, "value": "x:2001", "type": "button", "block_id": "b"}
    body = interactive_body(
        "BlockActionPayload.json",
        user={"id": APPROVER},
        channel={"id": CHANNEL},
        actions=[action],
    )
    assert signed_post(world.base_url, SECRET, body, form=True)[0] == 200
    world.rt.drain()
    world.tick()
    assert len(world.outbox_lines()) == 1


def slash(world: SlackWorld, text: str, user: str = APPROVER) -> str:
    body = command_body(text, user, world.api.response_url(text.split(" ")[0] or "empty"))
    status, ack_text, _ = signed_post(world.base_url, SECRET, body, form=True)
    assert status == 200 and ack_text == ""
    world.rt.drain()
    answers = world.api.wait_for("response_url", len(world.api.calls_to("response_url")))
    return str(answers[-1].params["text"])


def test_care_status_pause_resume_and_help(world: SlackWorld, clock: FakeClock) -> None:
    card_on_slack(world)
    clock.advance(minutes=20)  # the X post is 25 minutes old: past half of 30
    status = slash(world, "status")
    assert "in_review: 1" in status and "Oldest waiting" in status
    assert "0 past target, 1 past half time" in status

    assert "Only approvers" in slash(world, "pause", user=STRANGER)
    assert world.care.paused is False
    assert "paused" in slash(world, "pause")
    assert world.care.paused is True
    assert "resumed" in slash(world, "resume")
    assert world.care.paused is False
    help_text = slash(world, "whatever")
    assert "/care status" in help_text and "/care draft" in help_text


def test_care_draft_shows_the_draft_for_a_post_url(world: SlackWorld) -> None:
    card_on_slack(world)
    answer = slash(world, "draft https://x.com/maria_g/status/2001")
    assert "in_review" in answer and "> " in answer
    assert "not connected to X" in slash(world, "draft https://x.com/someone/status/999")


def test_app_home_lists_the_queue(world: SlackWorld) -> None:
    card_on_slack(world)
    assert signed_post(world.base_url, SECRET, home_opened_body(APPROVER, "Ev06"))[0] == 200
    published = world.api.wait_for("views.publish")[0].params
    assert published["user_id"] == APPROVER
    text = json.dumps(published["view"])
    assert "1 open case" in text and "@maria_g" in text and "Nothing approved yet today" in text


def test_a_mention_with_channel_markup_is_escaped_on_the_card(world: SlackWorld) -> None:
    card_on_slack(world, "<!channel> wake up <https://evil.example|your bank> & pay")
    post = world.api.calls_to("chat.postMessage")[0].params
    assert "<!channel>" not in post["text"]
    blocks = json.dumps(post["blocks"])
    assert "&lt;!channel&gt;" in blocks and "<!channel>" not in blocks
    assert "<https://evil.example" not in blocks
    assert "&lt;https://evil.example|your bank&gt; &amp; pay" in blocks


def test_wrong_signature_and_stale_timestamp_answer_401(world: SlackWorld) -> None:
    body = reaction_body("white_check_mark", APPROVER, CHANNEL, "1.2", "Ev07")
    assert signed_post(world.base_url, SECRET, body, sign_with="not-the-secret")[0] == 401
    stale = int(time.time()) - 6 * 60
    assert signed_post(world.base_url, SECRET, body, timestamp=stale)[0] == 401
    assert signed_post(world.base_url, SECRET, body)[0] == 200


def test_app_home_shows_who_approved_what_today(world: SlackWorld) -> None:
    _, ts = card_on_slack(world)
    react(world, "white_check_mark", APPROVER, ts, "Ev08")
    world.rt.drain()
    world.tick()
    signed_post(world.base_url, SECRET, home_opened_body(APPROVER, "Ev09"))
    text = json.dumps(world.api.wait_for("views.publish")[0].params["view"])
    assert f"<@{APPROVER}>: 1" in text and "0 open case" in text
