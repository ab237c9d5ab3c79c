"""The card on X says what sending costs and offers "Send without link"; the button
follows Approve's rules (approvers only) and the reply goes out without its link."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.models import CaseState, Network
from bot.core.x_costs import carries_url
from tests.conftest import make_mention
from tests.fakes.slack_requests import interactive_body, signed_post
from tests.fakes.slack_world import APPROVER, CHANNEL, SECRET, STRANGER, SlackWorld, slack_world

WITHOUT = "careops_approve_without_link"
WORDS = "Our help pages are under Help on our website."


@pytest.fixture
def world(tmp_path: Path, clock: FakeClock) -> Iterator[SlackWorld]:
    (tmp_path / "careops.toml").write_text(f"[x]\nhelp_in_words = '{WORDS}'\n")
    settings = {"CAREOPS_CONFIG": tmp_path / "careops.toml"}
    with slack_world(tmp_path, clock, settings=settings) as w:
        yield w


def press(world: SlackWorld, action_id: str, value: str, user: str) -> None:
    action = {"action_id": action_id, "value": value, "type": "button", "block_id": "b"}
    body = interactive_body(
        "BlockActionPayload.json", user={"id": user}, channel={"id": CHANNEL}, actions=[action]
    )
    assert signed_post(world.base_url, SECRET, body, form=True)[0] == 200
    world.rt.drain()


def card(world: SlackWorld) -> str:
    posts = [c for c in world.api.calls_to("chat.postMessage") if "blocks" in c.params]
    return json.dumps(posts[-1].params["blocks"], ensure_ascii=False)


def test_x_card_shows_both_prices_and_sends_without_link_for_an_approver(
    world: SlackWorld,
) -> None:
    world.add_mention(make_mention("1861", network=Network.X))
    world.tick()
    shown = card(world)
    assert "costs $0.20 (link) · $0.015 without" in shown
    assert WITHOUT in shown and "Send without link" in shown
    draft = world.care.store.get_draft(world.care.store.get_case("x:1861").draft_id or "")
    assert draft is not None and carries_url(draft.text)

    press(world, WITHOUT, "x:1861", STRANGER)
    refused = world.api.calls_to("chat.postEphemeral")
    assert refused and "Only approvers can approve replies." in refused[-1].params["text"]
    assert world.care.store.get_case("x:1861").state is CaseState.IN_REVIEW

    press(world, WITHOUT, "x:1861", APPROVER)
    world.tick()
    [sent] = world.outbox_lines()
    assert not carries_url(sent["text"]) and sent["text"].endswith(WORDS)
    case = world.care.store.get_case("x:1861")
    assert case is not None and case.state is CaseState.PUBLISHED
    audit = " ".join(a.detail for a in world.care.store.audit("x:1861"))
    assert f"sent without its link (chosen by {APPROVER})" in audit


def test_other_networks_show_no_x_costs(world: SlackWorld) -> None:
    world.add_mention(make_mention("1862", network=Network.MASTODON))
    world.tick()
    assert "costs $" not in card(world) and WITHOUT not in card(world)
