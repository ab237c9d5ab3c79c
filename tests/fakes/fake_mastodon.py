"""A small Mastodon server on 127.0.0.1 for Mastodon.py: notifications, statuses, context,
and the streaming API.

Statuses and notifications are shaped from real recorded ones (tests/fixtures/mastodon),
so Mastodon.py parses exactly what a real server sends. The server honours the
`Idempotency-Key` header like Mastodon does (unless `honour_idempotency` is off, which
is how a test plays "the key expired"), and can answer 429 with `X-RateLimit-Reset`.

`GET /api/v1/streaming/user/notification` streams server-sent events as Mastodon's
streaming server does (its documented format: chunked, `:)` on connect, `:thump`
heartbeats, `event: notification` with the Notification as JSON in `data:`): each
mention added is announced on every open stream. A test drops the streams
(`drop_streams`), refuses new ones with a status (`stream_status`), or serves no
streaming at all (`streaming = False`: 404, as a server without it answers).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import itertools
import json
import queue
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIXTURE = Path(__file__).parent.parent / "fixtures" / "mastodon"
BRAND_ACCOUNT_ID = "117020565966271181"  # mastodonpy_test in the recording


@functools.cache
def _recording(name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((FIXTURE / name).read_text())
    return data


def _recorded(name: str, index: int) -> dict[str, Any]:
    body: dict[str, Any] = _recording(name)[index]["response"]["body"]
    return body


@dataclass
class MastodonState:
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    idempotency: dict[str, str] = field(default_factory=dict)  # key -> status id
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    honour_idempotency: bool = True
    # Statuses on other instances, by their URL: search with resolve=true copies one in.
    remote: dict[str, dict[str, Any]] = field(default_factory=dict)
    rate_limited_until: str | None = None  # ISO time: answer 429 until cleared
    token: str | None = None  # when set, any other bearer token is answered 401
    post_seconds: float = 0.0  # how long posting a status takes (a real server's latency)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(117100000000000001))
    lock: threading.Lock = field(default_factory=threading.Lock)
    streaming: bool = True  # False: the streaming paths answer 404
    stream_status: int = 200  # another code refuses new streams with it
    heartbeat_seconds: float = 0.5
    streams: list[queue.Queue[bytes | None]] = field(default_factory=list)
    stream_connects: int = 0  # streams accepted so far
    announce: bool = True  # False: mentions are added without a word on the streams
    closing: bool = False  # the server is shutting down: a stream opened now ends at once

    def drop_streams(self, *, closing: bool = False) -> None:
        """Close every open stream, as a restarting streaming server does."""
        with self.lock:
            self.closing = self.closing or closing
            for stream in self.streams:
                stream.put(None)

    def _announce(self, note: dict[str, Any]) -> None:
        if not self.announce:
            return
        event = f"event: notification\ndata: {json.dumps(note)}\n\n".encode()
        with self.lock:
            for stream in self.streams:
                stream.put(event)

    def new_id(self) -> str:
        return str(next(self.ids))

    def add_mention(
        self,
        text: str,
        *,
        acct: str = "admin",
        visibility: str = "public",
        in_reply_to_id: str | None = None,
        created_at: str = "2026-11-25T08:55:00.000Z",
    ) -> dict[str, Any]:
        """A customer's status mentioning the brand, and its mention notification."""
        status = self.status(text, acct=acct, visibility=visibility, in_reply_to_id=in_reply_to_id)
        status["created_at"] = created_at
        note = copy.deepcopy(_recorded("test_notifications_mentions_only.json", 2))
        note.update(id=self.new_id(), status=status, account=status["account"])
        note["created_at"] = created_at
        self.notifications.append(note)
        self._announce(note)
        return note

    def status(
        self,
        text: str,
        *,
        acct: str,
        visibility: str = "public",
        in_reply_to_id: str | None = None,
    ) -> dict[str, Any]:
        status = copy.deepcopy(_recorded("test_notifications_mentions_only.json", 0))
        status_id = self.new_id()
        account = copy.deepcopy(status["account"])
        account.update(username=acct.split("@")[0], acct=acct, id=f"9{abs(hash(acct)) % 10**9}")
        if acct == "parcelly":
            account["id"] = BRAND_ACCOUNT_ID
        status.update(
            id=status_id,
            content=f"<p>{_escape(text)}</p>",
            visibility=visibility,
            in_reply_to_id=in_reply_to_id,
            account=account,
            url=f"http://127.0.0.1/@{acct}/{status_id}",
            uri=f"http://127.0.0.1/users/{acct}/statuses/{status_id}",
        )
        self.statuses[status_id] = status
        return status

    def replies(self) -> list[dict[str, Any]]:
        return [s for s in self.statuses.values() if s["account"]["id"] == BRAND_ACCOUNT_ID]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Handler(BaseHTTPRequestHandler):
    state: MastodonState

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def _route(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        headers = {k.lower(): v for k, v in self.headers.items()}
        with self.state.lock:
            self.state.requests.append((method, parts.path, headers))
            token = self.state.token
            if token and headers.get("authorization") != f"Bearer {token}":
                return self._send(401, {"error": "The access token is invalid"})
        if parts.path.startswith("/api/v1/streaming"):
            return self._stream(parts.path)
        with self.state.lock:
            if self.state.rate_limited_until:
                reset = self.state.rate_limited_until
                return self._send(429, {"error": "Too many requests"}, {"X-RateLimit-Reset": reset})
        if method == "POST" and self.state.post_seconds:
            time.sleep(self.state.post_seconds)  # outside the lock: requests overlap
        with self.state.lock:
            if method == "POST" and parts.path == "/api/v1/statuses":
                return self._post_status(headers)
            return self._get(parts.path, query)

    def _get(self, path: str, query: dict[str, list[str]]) -> None:
        state = self.state
        if path == "/api/v1/notifications":
            return self._send(200, _page(state.notifications, query))
        if path == "/api/v1/accounts/verify_credentials":
            brand = state.status("x", acct="parcelly")
            state.statuses.pop(brand["id"])
            return self._send(200, brand["account"])
        if path.startswith("/api/v1/accounts/") and path.endswith("/statuses"):
            account_id = path.split("/")[4]
            own = [s for s in state.statuses.values() if s["account"]["id"] == account_id]
            return self._send(200, _page(own, query))
        if path == "/api/v2/search":
            return self._send(200, _search(state, query))
        if path.startswith("/api/v1/statuses/") and path.endswith("/context"):
            return self._send(
                200, {"ancestors": _ancestors(state, path.split("/")[4]), "descendants": []}
            )
        return self._send(404, {"error": "Record not found"})

    def _post_status(self, headers: dict[str, str]) -> None:
        length = int(headers.get("content-length", "0"))
        raw = self.rfile.read(length).decode()
        if headers.get("content-type", "").startswith("application/json"):
            form = {k: str(v) for k, v in json.loads(raw).items() if v is not None}
        else:
            form = {k: v[-1] for k, v in parse_qs(raw).items()}
        key = headers.get("idempotency-key")
        state = self.state
        if key and state.honour_idempotency and key in state.idempotency:
            return self._send(200, state.statuses[state.idempotency[key]])
        parent = form.get("in_reply_to_id")
        if parent and parent not in state.statuses:
            return self._send(404, {"error": "Record not found"})
        status = state.status(
            form["status"],
            acct="parcelly",
            visibility=form.get("visibility", "public"),
            in_reply_to_id=parent,
        )
        if key:
            state.idempotency[key] = status["id"]
        return self._send(200, status)

    def _stream(self, path: str) -> None:
        state = self.state
        if not state.streaming or path not in ("/api/v1/streaming/user/notification",):
            return self._send(404, {"error": "Not found"})
        if state.stream_status != 200:
            return self._send(state.stream_status, {"error": "Streaming refused"})
        events: queue.Queue[bytes | None] = queue.Queue()
        with state.lock:
            state.streams.append(events)
            state.stream_connects += 1
        self.protocol_version = "HTTP/1.1"  # chunked, as Mastodon's streaming server sends
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            self._chunk(b":)\n")
            while True:
                try:
                    event = events.get(timeout=state.heartbeat_seconds)
                except queue.Empty:
                    event = b":thump\n"
                if event is None or state.closing:
                    break
                self._chunk(event)
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass  # the client went away
        finally:
            with state.lock:
                state.streams.remove(events)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _send(self, code: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)  # a client killed mid-request (the failover test) is gone


def _page(items: list[dict[str, Any]], query: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Mastodon paging: newest first; min_id gives the oldest items right after it."""

    def num(value: str) -> int:
        return int(value)

    limit = int(query.get("limit", ["20"])[0])
    ordered = sorted(items, key=lambda i: num(i["id"]))
    if "max_id" in query:
        ordered = [i for i in ordered if num(i["id"]) < num(query["max_id"][0])]
    if "since_id" in query:
        ordered = [i for i in ordered if num(i["id"]) > num(query["since_id"][0])]
    if "min_id" in query:
        ordered = [i for i in ordered if num(i["id"]) > num(query["min_id"][0])][:limit]
    else:
        ordered = ordered[-limit:]
    return list(reversed(ordered))


def _search(state: MastodonState, query: dict[str, list[str]]) -> dict[str, Any]:
    """Statuses whose url or uri is the query; with resolve=true, a remote one is fetched
    and gets an id on this instance (as Mastodon does). Direct messages are never found."""
    q = query.get("q", [""])[0]
    found = [s for s in state.statuses.values() if q in (s.get("url"), s.get("uri"))]
    if not found and query.get("resolve", [""])[0] in ("true", "1") and q in state.remote:
        status = copy.deepcopy(state.remote[q])
        status["id"] = state.new_id()
        state.statuses[status["id"]] = status
        found = [status]
    statuses = [s for s in found if s.get("visibility") != "direct"]
    return {"accounts": [], "statuses": statuses, "hashtags": []}


def _ancestors(state: MastodonState, status_id: str) -> list[dict[str, Any]]:
    chain = []
    current = state.statuses.get(status_id)
    while current and current.get("in_reply_to_id") in state.statuses:
        current = state.statuses[current["in_reply_to_id"]]
        chain.append(current)
    return list(reversed(chain))


class FakeMastodon:
    """`with FakeMastodon() as server:` → server.url, server.state."""

    def __init__(self, state: MastodonState | None = None) -> None:
        self.state = state or MastodonState()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> FakeMastodon:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.state.drop_streams(closing=True)  # server_close waits for every handler
        self.httpd.shutdown()
        self.httpd.server_close()
