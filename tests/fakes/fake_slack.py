"""A fake Slack: the Web API on 127.0.0.1 plus helpers to send signed requests to bolt.

`FakeSlackApi` records every call (method, parameters, headers) and answers with the
real response shapes in tests/fixtures/slack/ filled in with plausible values (`ok`,
channel, an increasing `ts`). `fail_next` scripts an error such as a 429 with
`Retry-After`. Requests to `/response/...` stand in for slash-command response URLs.
`apps.connections.open` answers with `socket_url` (a `FakeSocketMode` server's URL) when
the bearer is an app-level token (xapp-…), and with Slack's error for any other token.
Signed requests to the bolt endpoint are built in `tests.fakes.slack_requests`.
"""

from __future__ import annotations

import copy
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "slack"
BOT_USER = "UCAREBOT"
BOT_ID = "BCAREBOT"
TEAM = "T0CARE"


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float


@dataclass
class _Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlackApi:
    def __init__(self) -> None:
        self.calls: list[ApiCall] = []
        self.groups: dict[str, list[str]] = {}
        self.socket_url: str | None = None  # what apps.connections.open hands out
        self._failures: dict[str, list[_Failure]] = {}
        self._lock = threading.Lock()
        self._ts = 0
        self._shapes = {
            name: fixture(f"{name}.json")
            for name in (
                "auth.test",
                "chat.postMessage",
                "chat.update",
                "chat.postEphemeral",
                "usergroups.users.list",
                "views.open",
                "views.publish",
            )
        }
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- lifecycle ------------------------------------------------------------------
    def __enter__(self) -> FakeSlackApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/api/"

    def response_url(self, name: str = "cmd") -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/response/{name}"

    # --- inspection -----------------------------------------------------------------
    def calls_to(self, method: str) -> list[ApiCall]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[ApiCall]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            time.sleep(0.01)
        raise AssertionError(f"expected {count} call(s) to {method}, got {self.calls_to(method)}")

    def fail_next(
        self, method: str, *, status: int = 429, error: str = "ratelimited", retry_after: int = 1
    ) -> None:
        headers = {"Retry-After": str(retry_after)} if status == 429 else {}
        failure = _Failure(status, {"ok": False, "error": error}, headers)
        with self._lock:
            self._failures.setdefault(method, []).append(failure)

    # --- answers --------------------------------------------------------------------
    def _answer(
        self, method: str, params: dict[str, Any], headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            queued = self._failures.get(method) or []
            if queued:
                failure = queued.pop(0)
                return failure.status, failure.body, failure.headers
        if method == "apps.connections.open":
            return 200, self._connections_open(headers or {}), {}
        with self._lock:
            if method in ("chat.postMessage", "chat.postEphemeral", "views.open", "views.publish"):
                self._ts += 1
            ts = f"1764061200.{self._ts:06d}"
        body = copy.deepcopy(self._shapes.get(method, {"ok": True}))
        body.update(ok=True, error="", warning="", needed="", provided="")
        filler = getattr(self, "_fill_" + method.replace(".", "_"), None)
        if filler is not None:
            filler(body, params, ts)
        return 200, body, {}

    def _connections_open(self, headers: dict[str, str]) -> dict[str, Any]:
        """Slack hands a websocket URL only to an app-level token (xapp-…)."""
        bearer = headers.get("authorization", "").removeprefix("Bearer ")
        if not bearer.startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        if self.socket_url is None:
            return {"ok": False, "error": "no socket server set on the fake"}
        return {"ok": True, "url": self.socket_url}

    def _fill_auth_test(self, body: dict[str, Any], params: dict[str, Any], ts: str) -> None:
        body.update(user_id=BOT_USER, bot_id=BOT_ID, team_id=TEAM, user="careops", team="Care")

    def _fill_chat_postMessage(self, body: dict[str, Any], params: dict[str, Any], ts: str) -> None:
        channel = str(params.get("channel", ""))
        if channel.startswith(("U", "W")):
            channel = "D" + channel[1:]  # a message to a user id lands in the DM
        body.update(channel=channel, ts=ts)
        body["message"].update(ts=ts, text=params.get("text", ""), bot_id=BOT_ID, user=BOT_USER)
        body["message"]["thread_ts"] = params.get("thread_ts", "")

    def _fill_chat_update(self, body: dict[str, Any], params: dict[str, Any], ts: str) -> None:
        body.update(channel=params.get("channel"), ts=params.get("ts"), text=params.get("text"))

    def _fill_chat_postEphemeral(
        self, body: dict[str, Any], params: dict[str, Any], ts: str
    ) -> None:
        body["message_ts"] = ts

    def _fill_usergroups_users_list(
        self, body: dict[str, Any], params: dict[str, Any], ts: str
    ) -> None:
        group = str(params.get("usergroup", ""))
        if group not in self.groups:
            body.update(ok=False, error="no_such_subteam")
        body["users"] = list(self.groups.get(group, []))

    def _fill_views_publish(self, body: dict[str, Any], params: dict[str, Any], ts: str) -> None:
        body["view"]["id"] = f"V{ts.replace('.', '')}"

    _fill_views_open = _fill_views_publish

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _serve(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                params = _params(url.query, self.headers, self.rfile)
                if url.path.startswith("/response/"):
                    method = "response_url"
                else:
                    method = url.path.removeprefix("/api/")
                headers = {k.lower(): v for k, v in self.headers.items()}
                with api._lock:
                    api.calls.append(ApiCall(method, params, headers, time.monotonic()))
                status, body, extra = (
                    (200, {"ok": True}, {})
                    if method == "response_url"
                    else api._answer(method, params, headers)
                )
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _params(query: str, headers: Any, rfile: Any) -> dict[str, Any]:
    params: dict[str, Any] = dict(urllib.parse.parse_qsl(query))
    raw = rfile.read(int(headers.get("Content-Length") or 0)).decode()
    if not raw:
        return params
    if "json" in (headers.get("Content-Type") or ""):
        params.update(json.loads(raw))
    else:
        for key, value in urllib.parse.parse_qsl(raw):
            params[key] = _maybe_json(value)
    return params


def _maybe_json(value: str) -> Any:
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
