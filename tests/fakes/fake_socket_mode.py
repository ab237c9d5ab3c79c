"""A fake Slack Socket Mode server on 127.0.0.1 (a websocket, `websockets`' sync server).

Slack's side of Socket Mode, as its documentation describes it: the app calls
`apps.connections.open` with its app-level token (answered by `FakeSlackApi`, pointed at
`FakeSocketMode.url`), opens the websocket, receives `{"type": "hello", ...}`, then
envelopes `{"envelope_id", "type", "payload", "accepts_response_payload"}` of type
`events_api`, `interactive` or `slash_commands`. The app acknowledges each one by
sending `{"envelope_id": ...}` back, with a `payload` when it answers in the ack.
A `{"type": "disconnect", "reason": "refresh_requested"}` message asks the app to
open a fresh connection (a new `apps.connections.open`).

Tests push envelopes with `push` (the `*_envelope` helpers wrap the recorded payload
shapes of tests/fixtures/slack/) and wait for the app's answers with `wait_ack`.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

APP_ID = "ACARE"
PING_SECONDS = 0.1


@dataclass(frozen=True)
class SocketAck:
    """What the app sent back for one envelope."""

    envelope_id: str
    payload: dict[str, Any] | None
    connection: int  # which connection (1, 2, …) carried it


class FakeSocketMode:
    def __init__(self) -> None:
        self.acks: list[SocketAck] = []
        self.other_messages: list[str] = []  # anything the app sent that is not an ack
        self._connections: list[ServerConnection] = []
        self._open: dict[int, ServerConnection] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        # Frequent pings, as Slack's own server pings: slack_sdk's builtin client holds its
        # receive lock for up to 3 s while waiting for a frame, and closing (or replacing)
        # a connection waits for that lock, so quiet sockets make every close take 3 s.
        self.server: Server = serve(
            self._session, "127.0.0.1", 0, compression=None, ping_interval=PING_SECONDS
        )
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- lifecycle ------------------------------------------------------------------
    def __enter__(self) -> FakeSocketMode:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            still_open = list(self._open.values())
        for connection in still_open:
            connection.close()
        self.server.shutdown()
        self.thread.join(5)

    @property
    def url(self) -> str:
        """A URL shaped like the one apps.connections.open returns."""
        port = self.server.socket.getsockname()[1]
        return f"ws://127.0.0.1:{port}/link/?ticket=fake-ticket&app_id={APP_ID}"

    # --- inspection -----------------------------------------------------------------
    @property
    def connections(self) -> int:
        """How many connections the app has opened so far."""
        with self._lock:
            return len(self._connections)

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._open)

    def wait_connections(self, count: int, timeout: float = 5.0) -> None:
        """Wait until the app has opened `count` connections and the newest is open."""
        self._wait(lambda: len(self._connections) >= count and bool(self._open), timeout)

    def wait_closed(self, timeout: float = 5.0) -> None:
        """Wait until the app has no connection open any more."""
        self._wait(lambda: not self._open, timeout)

    def wait_ack(self, envelope_id: str, timeout: float = 5.0) -> SocketAck:
        self._wait(lambda: self._ack_for(envelope_id) is not None, timeout)
        with self._lock:
            found = self._ack_for(envelope_id)
        assert found is not None
        return found

    def acks_for(self, envelope_id: str) -> list[SocketAck]:
        with self._lock:
            return [ack for ack in self.acks if ack.envelope_id == envelope_id]

    # --- sending --------------------------------------------------------------------
    def push(self, envelope: dict[str, Any]) -> str:
        """Send an envelope on the newest open connection; returns its envelope_id."""
        self._newest().send(json.dumps(envelope))
        return str(envelope["envelope_id"])

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the app to reconnect, as Slack does every few hours (and before deploys)."""
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}}
        self._newest().send(json.dumps(message))

    # --- the websocket session ------------------------------------------------------
    def _session(self, connection: ServerConnection) -> None:
        with self._changed:
            self._connections.append(connection)
            number = len(self._connections)
            self._open[number] = connection
            self._changed.notify_all()
        try:
            connection.send(json.dumps(_hello(number)))
            for raw in connection:
                self._received(str(raw), number)
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                self._open.pop(number, None)
                self._changed.notify_all()

    def _received(self, raw: str, number: int) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            message = None
        with self._changed:
            if isinstance(message, dict) and "envelope_id" in message:
                ack = SocketAck(str(message["envelope_id"]), message.get("payload"), number)
                self.acks.append(ack)
            else:
                self.other_messages.append(raw)
            self._changed.notify_all()

    def _newest(self) -> ServerConnection:
        with self._lock:
            assert self._open, "the app has no open Socket Mode connection"
            return self._open[max(self._open)]

    def _ack_for(self, envelope_id: str) -> SocketAck | None:
        return next((a for a in self.acks if a.envelope_id == envelope_id), None)

    def _wait(self, ready: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not ready():
                left = deadline - time.monotonic()
                assert left > 0, "timed out waiting for the Socket Mode client"
                self._changed.wait(left)

    def next_envelope_id(self) -> str:
        return f"fake-envelope-{next(self._ids):04d}"


def _hello(number: int) -> dict[str, Any]:
    return {
        "type": "hello",
        "num_connections": number,
        "debug_info": {"host": "fake", "approximate_connection_time": 18060},
        "connection_info": {"app_id": APP_ID},
    }


# --- envelopes ------------------------------------------------------------------------


def events_api_envelope(
    body: dict[str, Any], envelope_id: str, *, retry_attempt: int = 0, retry_reason: str = ""
) -> dict[str, Any]:
    """An Events API delivery: `body` is the event_callback an HTTP app would be POSTed."""
    return {
        "envelope_id": envelope_id,
        "payload": body,
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": retry_attempt,
        "retry_reason": retry_reason,
    }


def interactive_envelope(payload: dict[str, Any], envelope_id: str) -> dict[str, Any]:
    """A block_actions / view_submission payload (the JSON an HTTP app gets as payload=)."""
    accepts = payload.get("type") == "view_submission"
    return {
        "envelope_id": envelope_id,
        "payload": payload,
        "type": "interactive",
        "accepts_response_payload": accepts,
    }


def slash_command_envelope(fields: dict[str, Any], envelope_id: str) -> dict[str, Any]:
    """A slash command: the form fields an HTTP app would be POSTed, as a JSON object."""
    return {
        "envelope_id": envelope_id,
        "payload": fields,
        "type": "slash_commands",
        "accepts_response_payload": True,
    }
