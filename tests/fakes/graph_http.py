"""What every fake Meta API server on 127.0.0.1 shares: routing, the access token, usage
headers, rate limits, errors in Meta's shape, and holding an answer back (kill tests).

A world (tests/fakes/fake_threads.py, fake_graph.py) supplies `route(method, path,
params)` returning (status, body); this module serves it as Meta does, under a version
prefix (`/v1.0`, `/v23.0`), reading the token from `access_token` as the Graph API does.
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).parent.parent / "fixtures"
ERROR = json.loads((FIXTURES / "meta" / "error.json").read_text())  # Meta's error object shape


def graph_error(message: str, code: int, status: int = 400, **more: Any) -> tuple[int, Any]:
    """An error answer in Meta's shape (the recorded one, with this message and code)."""
    body = json.loads(json.dumps(ERROR))
    body["error"].update(message=message, code=code, **more)
    return status, body


@dataclass
class Call:
    method: str
    path: str
    params: dict[str, str]


@dataclass
class ServerState:
    """The switches a test flips on any fake Meta server."""

    token: str | None = None  # when set, any other access_token is answered with code 190
    rate_limited: bool = False  # answer every call with code 4 ("Application request limit")
    app_usage: dict[str, int] | None = None  # sent as X-App-Usage on every answer
    buc_usage: dict[str, Any] | None = None  # sent as X-Business-Use-Case-Usage
    hold: threading.Event | None = None  # writes happen, then the answer waits for this
    hold_reads: threading.Event | None = None  # every read waits for this before it answers
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def calls_to(self, method: str, suffix: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path.endswith(suffix)]


class World(Protocol):
    server: ServerState

    def route(self, method: str, path: str, params: dict[str, str]) -> tuple[int, Any]: ...


class _Handler(BaseHTTPRequestHandler):
    world: World
    prefix: str

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        parts = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if method == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            params.update({k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()})
        token = params.pop("access_token", "")
        path = parts.path.removeprefix(self.prefix).strip("/")
        server = self.world.server
        hold = None
        with server.lock:
            server.calls.append(Call(method, path, params))
            if server.token is not None and token != server.token:
                status, body = graph_error("Error validating access token", 190, 401)
            elif server.rate_limited:
                status, body = graph_error("(#4) Application request limit reached", 4)
            else:
                status, body = self.world.route(method, path, params)
                hold = server.hold if method == "POST" and status == 200 else None
                hold = server.hold_reads if method == "GET" else hold
        if hold is not None:
            hold.wait(60)  # the write is done; careops does not hear back (kill tests)
        self._send(status, body)

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        server = self.world.server
        if server.app_usage is not None:
            self.send_header("X-App-Usage", json.dumps(server.app_usage))
        if server.buc_usage is not None:
            self.send_header("X-Business-Use-Case-Usage", json.dumps(server.buc_usage))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)


class GraphServer:
    """`with GraphServer(world, "/v1.0") as server:` → server.url (with the version)."""

    def __init__(self, world: World, prefix: str) -> None:
        handler = type("Handler", (_Handler,), {"world": world, "prefix": prefix})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.root = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.url = self.root + prefix
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> GraphServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def paged(items: list[Any], params: dict[str, str], limit: int = 25) -> dict[str, Any]:
    """Meta's cursor paging over `items` (already in answer order): `after` is an offset."""
    size = int(params.get("limit") or limit)
    start = int(params.get("after") or 0)
    page = items[start : start + size]
    body: dict[str, Any] = {"data": page}
    if page:
        cursors = {"before": str(start), "after": str(start + len(page))}
        body["paging"] = {"cursors": cursors}
        if start + len(page) < len(items):
            body["paging"]["next"] = f"https://graph.example/next?after={start + len(page)}"
    return body
