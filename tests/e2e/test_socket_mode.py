"""Socket Mode end to end: bolt's builtin client against a fake Socket Mode server.

The runtime connects as `careops run --socket` does (`SlackRuntime.socket_mode`): it asks
the fake Web API for a websocket URL with the app-level token, opens the websocket on
127.0.0.1, and every envelope the fake pushes goes through bolt and careops' listeners.
Polling and publishing are driven by hand (`tick`) so each step is deterministic.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack.cards import ACTION_APPROVE
from bot.core.clock import FakeClock
from bot.core.models import CaseState
from tests.conftest import make_mention
from tests.fakes.fake_socket_mode import (
    FakeSocketMode,
    events_api_envelope,
    interactive_envelope,
    slash_command_envelope,
)
from tests.fakes.slack_requests import command_body, interactive_body, reaction_body
from tests.fakes.slack_world import APPROVER, CHANNEL, SlackWorld, slack_world

APP_TOKEN = "xapp-1-ACARE-1764061200-socketmodetoken"


@dataclass
class SocketWorld:
    world: SlackWorld
    server: FakeSocketMode
    handler: Any  # bolt's SocketModeHandler

    def card_for(self, external_id: str, text: str) -> str:
        """Take a mention in and return the ts of its card in the channel."""
        self.world.add_mention(make_mention(external_id, text))
        self.world.tick()
        self.world.rt.drain()
        case = self.world.care.store.get_case(f"x:{external_id}")
        assert case is not None and case.review_ref, "no card was posted"
        return case.review_ref.split("/")[1]

    def react(self, reaction: str, ts: str, event_id: str, **retry: Any) -> str:
        body = json.loads(reaction_body(reaction, APPROVER, CHANNEL, ts, event_id))
        return self.server.push(events_api_envelope(body, self.server.next_envelope_id(), **retry))


@pytest.fixture
def sock(tmp_path: Path, clock: FakeClock) -> Iterator[SocketWorld]:
    with (
        FakeSocketMode() as server,
        slack_world(tmp_path, clock, socket_mode=True) as world,
    ):
        world.api.socket_url = server.url
        handler = world.rt.socket_mode(APP_TOKEN)
        handler.connect()  # what start() does, without blocking
        try:
            server.wait_connections(1)
            yield SocketWorld(world, server, handler)
        finally:
            handler.close()


def test_the_client_asks_for_its_url_with_the_app_token_and_gets_hello(sock: SocketWorld) -> None:
    opened = sock.world.api.calls_to("apps.connections.open")
    assert len(opened) == 1
    assert opened[0].headers["authorization"] == f"Bearer {APP_TOKEN}"
    assert sock.server.open_connections == 1


def test_a_reaction_envelope_is_acked_and_publishes_exactly_one_reply(sock: SocketWorld) -> None:
    ts = sock.card_for("8001", "My parcel 5521 never arrived")
    card = sock.world.api.calls_to("chat.postMessage")[0].params
    assert card["channel"] == CHANNEL and "5521" in json.dumps(card["blocks"])

    envelope_id = sock.react("white_check_mark", ts, "EvSock1")
    ack = sock.server.wait_ack(envelope_id)
    assert ack.envelope_id == envelope_id and ack.payload is None
    sock.world.rt.drain()
    for _ in range(3):  # more rounds after the first: still one reply
        sock.world.tick()
    lines = sock.world.outbox_lines()
    assert [line["in_reply_to"] for line in lines] == ["8001"]
    case = sock.world.care.store.get_case("x:8001")
    assert case is not None and case.state is CaseState.PUBLISHED


def test_a_redelivered_event_is_acked_again_but_acted_on_once(sock: SocketWorld) -> None:
    ts = sock.card_for("8002", "Where is my refund?")
    first = sock.react("repeat", ts, "EvSockDup")
    sock.server.wait_ack(first)
    # Slack redelivers the same event (same event_id) in a new envelope when unsure.
    again = sock.react("repeat", ts, "EvSockDup", retry_attempt=1, retry_reason="timeout")
    assert sock.server.wait_ack(again).envelope_id == again
    sock.world.rt.drain()
    case = sock.world.care.store.get_case("x:8002")
    assert case is not None and case.draft_seq == 2  # one regenerate, not two
    assert sock.world.rt.dedup.dropped == 1


def test_care_status_is_acked_empty_and_answered_through_the_response_url(
    sock: SocketWorld,
) -> None:
    sock.card_for("8003", "App keeps crashing")
    response_url = sock.world.api.response_url("status")
    fields = dict(urllib.parse.parse_qsl(command_body("status", APPROVER, response_url)))
    envelope_id = sock.server.push(slash_command_envelope(fields, "fake-envelope-cmd"))
    ack = sock.server.wait_ack(envelope_id)
    assert ack.payload is None  # bolt acks at once; the answer comes from the worker
    answer = sock.world.api.wait_for("response_url")[0].params
    assert answer["response_type"] == "ephemeral"
    assert "*Queue*: in_review: 1" in answer["text"]


def test_the_approve_button_over_the_socket_approves_the_case(sock: SocketWorld) -> None:
    sock.card_for("8004", "Charged twice for order 7731")
    action = {"action_id": ACTION_APPROVE, "value": "x:8004", "type": "button", "block_id": "b"}
    form = interactive_body(
        "BlockActionPayload.json",
        user={"id": APPROVER},
        channel={"id": CHANNEL},
        actions=[action],
    )
    payload = json.loads(dict(urllib.parse.parse_qsl(form))["payload"])
    envelope_id = sock.server.push(interactive_envelope(payload, "fake-envelope-btn"))
    assert sock.server.wait_ack(envelope_id).payload is None
    sock.world.rt.drain()
    case = sock.world.care.store.get_case("x:8004")
    assert case is not None and case.state is CaseState.APPROVED
    sock.world.tick()
    assert [line["in_reply_to"] for line in sock.world.outbox_lines()] == ["8004"]


def test_after_a_refresh_request_the_client_reconnects_and_keeps_working(
    sock: SocketWorld,
) -> None:
    ts = sock.card_for("8005", "Where is parcel 9910?")
    sock.server.disconnect("refresh_requested")
    sock.server.wait_connections(2)
    assert len(sock.world.api.calls_to("apps.connections.open")) == 2  # a fresh URL
    envelope_id = sock.react("white_check_mark", ts, "EvSockAfter")
    assert sock.server.wait_ack(envelope_id).connection == 2
    sock.world.rt.drain()
    sock.world.tick()
    assert [line["in_reply_to"] for line in sock.world.outbox_lines()] == ["8005"]
