"""Crisis group membership in the store, and who may act from Slack."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.adapters.slack._cards import ACTION_DISMISS, ACTION_EDIT, ACTION_REGENERATE
from bot.adapters.sqlite import SqliteStore
from bot.core.clock import FakeClock
from bot.core.models import CaseGroup, CaseState
from tests.conftest import make_mention
from tests.fakes.slack_requests import interactive_body, signed_post
from tests.fakes.slack_world import APPROVER, CHANNEL, SECRET, STRANGER, SlackWorld, slack_world

AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_group_membership_and_card_places_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "careops.db"
    store = SqliteStore(path)
    groups = store.groups
    groups.start_group(CaseGroup("g:x:1", "app down", ("x:1",)), AT)
    groups.set_ref("g:x:1", "C1/1.000001")
    groups.join_group("g:x:1", "x:2", AT + timedelta(seconds=1))
    groups.set_card_ref("x:2", "C1/1.000009")
    store.close()

    again = SqliteStore(path).groups
    group = again.group_of("x:2")
    assert group == CaseGroup("g:x:1", "app down", ("x:1", "x:2"), "C1/1.000001")
    assert again.group_at("C1/1.000001") == group
    assert again.case_at("C1/1.000009") == "x:2" and again.card_ref("x:1") is None
    assert again.groups_since(AT + timedelta(hours=1)) == []
    again.db.close()


@pytest.fixture
def world(tmp_path: Path, clock: FakeClock) -> Iterator[SlackWorld]:
    with slack_world(tmp_path, clock) as w:
        yield w


def press(world: SlackWorld, action_id: str, user: str) -> None:
    action = {"action_id": action_id, "value": "x:3001", "type": "button", "block_id": "b"}
    body = interactive_body(
        "BlockActionPayload.json",
        user={"id": user},
        channel={"id": CHANNEL},
        trigger_id="13345224609.738474920.8088930838d88f008e0",
        actions=[action],
    )
    assert signed_post(world.base_url, SECRET, body, form=True)[0] == 200
    world.rt.drain()


def test_a_stranger_may_regenerate_but_not_dismiss_or_open_the_editor(world: SlackWorld) -> None:
    world.add_mention(make_mention("3001", "Parcel 5521 is late, help?"))
    world.tick()
    press(world, ACTION_DISMISS, STRANGER)
    press(world, ACTION_EDIT, STRANGER)
    notes = [c.params for c in world.api.calls_to("chat.postEphemeral")]
    assert [n["user"] for n in notes] == [STRANGER, STRANGER]
    assert "closes the customer's case" in notes[0]["text"] and "edit" in notes[1]["text"]
    assert world.api.calls_to("views.open") == []
    press(world, ACTION_REGENERATE, STRANGER)
    case = world.care.store.get_case("x:3001")
    assert case is not None and (case.state, case.draft_seq) == (CaseState.IN_REVIEW, 2)
    press(world, ACTION_DISMISS, APPROVER)
    case = world.care.store.get_case("x:3001")
    assert case is not None and case.state is CaseState.DISMISSED
