"""A pass-through proxy in front of the devnet's PDS that can hold one createRecord.

careops is pointed at the tap (`BLUESKY_SERVICE_URL`), so a test knows the exact moment a
reply is in flight: `hold("after")` lets the PDS write the record and keeps its answer
back (the reply exists, careops has not heard), `hold("before")` keeps the request from
the PDS (nothing was written). The test kills careops while the call is held.

The atproto SDK moves to the PDS named in the account's DID document after logging in;
the tap rewrites that URL in session answers to its own, so careops keeps talking
through it (the session careops stores then names the tap as its PDS too).
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}
SESSION_CALLS = ("createSession", "refreshSession", "getSession")
CREATE = "/xrpc/com.atproto.repo.createRecord"


class PdsTap:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.creates: list[int] = []  # the PDS's status for each createRecord it received
        self.held = threading.Event()  # set once the held call is where it was asked to stop
        self._release = threading.Event()
        self._hold: Literal["before", "after"] | None = None
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> PdsTap:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    def hold(self, where: Literal["before", "after"]) -> None:
        """Hold the next createRecord `before` or `after` the PDS has it, until `release`."""
        self._hold = where

    def release(self) -> None:
        """Let the held call go: its connection is closed with no answer."""
        self._release.set()

    def _take_hold(self) -> Literal["before", "after"] | None:
        with self._lock:
            where, self._hold = self._hold, None
            return where

    def _forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        parts = urlsplit(self.upstream)
        conn = http.client.HTTPConnection(parts.hostname or "localhost", parts.port, timeout=60)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
        finally:
            conn.close()
        if any(call in path for call in SESSION_CALLS):
            data = data.replace(self.upstream.encode(), self.url.encode())
        kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP]
        return answer.status, kept, data

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        tap = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._relay()

            def do_POST(self) -> None:
                self._relay()

            def _relay(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in HOP_BY_HOP and k.lower() != "accept-encoding"
                }
                is_create = self.path.startswith(CREATE)
                where = tap._take_hold() if is_create else None
                if where == "before":
                    return self._drop()
                status, kept, data = tap._forward(self.command, self.path, headers, body)
                if is_create:
                    tap.creates.append(status)
                if where == "after":
                    return self._drop()
                self.send_response(status)
                for name, value in kept:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _drop(self) -> None:
                tap.held.set()
                tap._release.wait(120)
                self.close_connection = True

        return Handler
