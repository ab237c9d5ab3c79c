"""Socket Mode end to end: bolt's builtin client against a fake Socket Mode server.

The runtime connects as `careops run --socket` does (`SlackRuntime.socket_mode`): it asks
the fake Web API for a websocket URL with the app-level token, opens the websocket on
127.0.0.1, and every envelope the fake pushes goes through bolt and careops' listeners.
Polling and publishing are driven by hand (`tick`) so each step is deterministic.
"""

from __future__ import annotations

import json
import signal
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer

from bot.adapters.files._jsonl import mention_to_inbox
from bot.adapters.slack._cards import ACTION_APPROVE, EDIT_BLOCK, EDIT_INPUT, EDIT_VIEW
from bot.cli.run import _serve_socket_mode
from bot.core.clock import FakeClock
from bot.core.models import CaseState
from tests.conftest import make_mention
from tests.e2e.processes import card_ref, start_run, wait_until, write_dotenv
from tests.fakes.fake_slack import FakeSlackApi
from tests.fakes.fake_socket_mode import (
    FakeSocketMode,
    events_api_envelope,
    interactive_envelope,
    slash_command_envelope,
)
from tests.fakes.slack_requests import command_body, interactive_body, reaction_body
from tests.fakes.slack_world import APPROVER, CHANNEL, SlackWorld, slack_world, world_settings

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


def test_a_reaction_envelope_is_acked_and_publishes_exactly_one_reply(sock: SocketWorld) -> None:
    opened = sock.world.api.calls_to("apps.connections.open")
    assert [call.headers["authorization"] for call in opened] == [f"Bearer {APP_TOKEN}"]
    ts = sock.card_for("8001", "My parcel 5521 never arrived")
    card = sock.world.api.calls_to("chat.postMessage")[0].params
    assert card["channel"] == CHANNEL and "5521" in json.dumps(card["blocks"])

    busy = threading.Event()
    sock.world.rt.submit(busy.wait, 10)  # the core is busy: the ack must not wait for it
    try:
        envelope_id = sock.react("white_check_mark", ts, "EvSock1")
        ack = sock.server.wait_ack(envelope_id, timeout=3)
        assert ack.envelope_id == envelope_id and ack.payload is None
        waiting = sock.world.care.store.get_case("x:8001")
        assert waiting is not None and waiting.state is CaseState.IN_REVIEW
    finally:
        busy.set()
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


def test_an_empty_edit_is_refused_in_the_ack_payload(sock: SocketWorld) -> None:
    sock.card_for("8006", "Wrong size delivered")
    blank = {EDIT_BLOCK: {EDIT_INPUT: {"type": "plain_text_input", "value": "  "}}}
    form = interactive_body(
        "ViewSubmissionPayload.json",
        user={"id": APPROVER},
        view={"callback_id": EDIT_VIEW, "private_metadata": "x:8006", "state": {"values": blank}},
    )
    payload = json.loads(dict(urllib.parse.parse_qsl(form))["payload"])
    envelope = interactive_envelope(payload, "fake-envelope-edit")
    assert envelope["accepts_response_payload"] is True
    ack = sock.server.wait_ack(sock.server.push(envelope))
    assert ack.payload == {
        "response_action": "errors",
        "errors": {EDIT_BLOCK: "The reply cannot be empty."},
    }
    sock.world.rt.drain()
    case = sock.world.care.store.get_case("x:8006")
    assert case is not None and case.draft_seq == 1  # the blank reply changed nothing


def test_an_app_token_slack_refuses_stops_the_run_with_a_plain_error(
    tmp_path: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    bot_token_by_mistake = "xoxb-not-an-app-token"
    with slack_world(tmp_path, clock, socket_mode=True) as world:
        config = world_settings(world.api, tmp_path / "data", SLACK_APP_TOKEN=bot_token_by_mistake)
        with pytest.raises(typer.Exit) as stopped:
            _serve_socket_mode(world.rt, config, threading.Event())
    assert stopped.value.exit_code == 2
    error = capsys.readouterr().err
    assert "SLACK_APP_TOKEN (not_allowed_token_type)" in error
    assert bot_token_by_mistake not in error


def test_slack_gone_when_connecting_stops_the_run_with_a_plain_error(
    tmp_path: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    with slack_world(tmp_path, clock, socket_mode=True) as world:
        config = world_settings(world.api, tmp_path / "data", SLACK_APP_TOKEN="xapp-1-A-1-abc")
        world.api.server.shutdown()  # Slack stops answering after start-up
        world.api.server.server_close()
        with pytest.raises(typer.Exit) as stopped:
            _serve_socket_mode(world.rt, config, threading.Event())
    assert stopped.value.exit_code == 2
    assert f"error: cannot reach Slack at {world.api.url}" in capsys.readouterr().err


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


# --- `careops run --socket` as a process ------------------------------------------------

BOT_TOKEN = "xoxb-e2e-socket-token-31"


def socket_dotenv(tmp_path: Path, api_url: str) -> None:
    """The shipped .env.example filled in for Socket Mode (no signing secret needed)."""
    write_dotenv(
        tmp_path,
        {
            "CAREOPS_DATA_DIR": str(tmp_path / "data"),
            "CAREOPS_POLL_SECONDS": "0.2",
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_CHANNEL": CHANNEL,
            "SLACK_APPROVERS": APPROVER,
            "SLACK_API_URL": api_url,
            "SLACK_PACE_SECONDS": "0",
        },
    )


@pytest.mark.slow
def test_careops_run_socket_acts_on_an_envelope_and_stops_cleanly_on_sigterm(
    tmp_path: Path,
) -> None:
    with FakeSlackApi() as api, FakeSocketMode() as server:
        api.socket_url = server.url
        socket_dotenv(tmp_path, api.url)
        started = f"careops: Socket Mode, cards in {CHANNEL}"
        proc, first = start_run(tmp_path, "--socket", ready=started)
        try:
            server.wait_connections(1, timeout=15)

            mention = make_mention("8101", "Where is my parcel? Order 5521.")
            (tmp_path / "inbox.jsonl").write_text(json.dumps(mention_to_inbox(mention)) + "\n")
            posted = api.wait_for("chat.postMessage", timeout=15)[0].params
            assert posted["channel"] == CHANNEL and "5521" in json.dumps(posted["blocks"])
            ref = wait_until(lambda: card_ref(tmp_path, "x:8101"), 10, "the card's ref")
            body = json.loads(
                reaction_body("white_check_mark", APPROVER, CHANNEL, ref.split("/")[1], "EvP1")
            )
            envelope_id = server.push(events_api_envelope(body, "fake-envelope-proc"))
            assert server.wait_ack(envelope_id, timeout=10).payload is None
            outbox = tmp_path / "outbox.jsonl"
            wait_until(lambda: outbox.exists() and outbox.read_text().strip(), 15, "the reply")

            proc.send_signal(signal.SIGTERM)
            output = first + proc.communicate(timeout=15)[0]
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
        assert proc.returncode == 0, output
        server.wait_closed(timeout=5)  # the process closed its websocket before exiting
    lines = outbox.read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["in_reply_to"] == "8101"
    assert "Traceback" not in output
    assert BOT_TOKEN not in output and APP_TOKEN not in output


def test_an_envelope_is_acked_only_after_its_journal_row_is_written(sock: SocketWorld) -> None:
    import contextlib
    import sqlite3
    import time

    from bot.adapters.slack._journal import journal_path

    ts = sock.card_for("8101", "My parcel 8101 never arrived")
    journal = journal_path(Path(sock.world.care.store.path))
    other = sqlite3.connect(journal, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # the journal is busy for a moment (within 1 s)
    released: list[float] = []

    def release() -> None:
        other.execute("ROLLBACK")
        released.append(time.monotonic())

    timer = threading.Timer(0.4, release)
    timer.start()
    envelope_id = sock.react("white_check_mark", ts, "EvSockJ")
    sock.server.wait_ack(envelope_id, timeout=3)
    acked = time.monotonic()
    timer.join()
    other.close()
    assert released and acked >= released[0]  # the ack waited for the row
    with contextlib.closing(sqlite3.connect(journal)) as conn:
        assert conn.execute("SELECT key FROM actions").fetchall() == [("event:EvSockJ",)]
    sock.world.rt.drain()
    case = sock.world.care.store.get_case("x:8101")
    assert case is not None and case.state is CaseState.APPROVED
