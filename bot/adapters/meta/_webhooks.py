"""Meta webhooks: deliveries stored before Meta hears its 200, then read by the sources.

`careops run --http` serves `WEBHOOK_PATH` beside Slack's endpoint when META_APP_SECRET
and META_VERIFY_TOKEN are set. Meta first checks the URL with a GET (`hub.mode`,
`hub.verify_token`, `hub.challenge`): the challenge is echoed only for our verify token.
Each POST must carry `X-Hub-Signature-256`, the HMAC-SHA256 of the raw body under the
app secret; anything else is refused. A body over 1 MB is refused from its
Content-Length before it is read. A signed delivery is written to its own SQLite file
beside the database (`careops-webhooks.db`, as the Slack action journal is) before the
200: if that write fails Meta gets a 503 and sends it again, so a comment is never
acknowledged and lost. The write wakes the loop; the Facebook and Instagram sources
read new deliveries on their next poll (each keeps the last one it read in its cursor)
and fetch each comment they name. Polling stays on as the safety net.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from bot.adapters.http_body import BodyRefused, read_body
from bot.adapters.http_body import answer as _answer
from bot.adapters.sqlite import open_side_file

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/meta/webhooks"
MAX_BODY = 1_000_000
KEEP_SECONDS = 7 * 24 * 3600  # after a week the safety-net poll has long covered it
WRITE_TIMEOUT = 2.0  # seconds: Meta waits 20 s for an answer, then retries
StartResponse = Callable[..., Any]


def inbox_path(database: Path) -> Path:
    return database.with_name(f"{database.stem}-webhooks.db")


@dataclass(frozen=True)
class Delivery:
    id: int
    body: str


class WebhookInbox:
    """Signed deliveries in arrival order, each read by every source after its last."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self.conn = open_side_file(
            self.path,
            WRITE_TIMEOUT,
            "CREATE TABLE IF NOT EXISTS deliveries (id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " body TEXT NOT NULL, received_at REAL NOT NULL)",
        )
        self.lock = threading.Lock()

    def add(self, body: str) -> int:
        """Store a delivery (raises sqlite3.Error or OSError when it cannot)."""
        with self.lock:
            cursor = self.conn.execute(
                "INSERT INTO deliveries (body, received_at) VALUES (?, ?)", (body, time.time())
            )
            return int(cursor.lastrowid or 0)

    def after(self, last: int, limit: int = 200) -> list[Delivery]:
        with self.lock:
            rows = self.conn.execute(
                "SELECT id, body FROM deliveries WHERE id > ? ORDER BY id LIMIT ?", (last, limit)
            ).fetchall()
        return [Delivery(int(i), str(b)) for i, b in rows]

    def last_id(self) -> int:
        with self.lock:
            row = self.conn.execute("SELECT max(id) FROM deliveries").fetchone()
        return int(row[0] or 0)

    def prune(self, now: float | None = None) -> int:
        with self.lock:
            cursor = self.conn.execute(
                "DELETE FROM deliveries WHERE received_at < ?",
                ((now or time.time()) - KEEP_SECONDS,),
            )
            return int(cursor.rowcount)

    def close(self) -> None:
        with self.lock:
            self.conn.close()


def signature_ok(secret: str, body: bytes, header: str) -> bool:
    """`X-Hub-Signature-256: sha256=<hex>` is the HMAC-SHA256 of the raw body."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.strip())


class MetaWebhooks:
    """The WSGI app at WEBHOOK_PATH."""

    def __init__(
        self,
        inbox: WebhookInbox,
        app_secret: str,
        verify_token: str,
        wake: Callable[[], None] = lambda: None,
        limit: int = MAX_BODY,
    ) -> None:
        self.inbox = inbox
        self._secret = app_secret
        self._verify_token = verify_token
        self.wake = wake
        self.limit = limit

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if method == "GET":
            return self._verify(environ, start_response)
        if method != "POST":
            return _answer(start_response, 405, "GET or POST")
        return self._deliver(environ, start_response)

    def _verify(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        query = {k: v[-1] for k, v in parse_qs(str(environ.get("QUERY_STRING", ""))).items()}
        token = query.get("hub.verify_token", "")
        if query.get("hub.mode") == "subscribe" and hmac.compare_digest(token, self._verify_token):
            return _answer(start_response, 200, query.get("hub.challenge", ""))
        log.warning("meta webhooks: a verification with the wrong verify token was refused")
        return _answer(start_response, 403, "wrong verify token")

    def _deliver(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            body = read_body(environ, self.limit)
        except BodyRefused as refused:
            return _answer(start_response, refused.status, refused.why)
        if not signature_ok(self._secret, body, str(environ.get("HTTP_X_HUB_SIGNATURE_256", ""))):
            log.warning("meta webhooks: a delivery without a valid signature was refused")
            return _answer(start_response, 401, "invalid signature")
        try:
            self.inbox.add(body.decode("utf-8", "replace"))
        except (sqlite3.Error, OSError) as exc:  # not stored: Meta must send it again
            log.error("meta webhooks: a delivery could not be stored (%s); Meta will resend", exc)
            return _answer(start_response, 503, "not stored, send it again")
        self.wake()
        return _answer(start_response, 200, "EVENT_RECEIVED")


def changes(body: str, object_type: str) -> list[tuple[str, Any]]:
    """The (entry id, change) pairs of one delivery for `object_type` ("page" or
    "instagram"); a body of another object gives none. Raises ValueError when the body
    is not a Meta delivery at all (the source quarantines it)."""
    data = json.loads(body)
    if not isinstance(data, dict) or not isinstance(data.get("entry"), list):
        raise ValueError("not a webhook delivery (no entry list)")
    if data.get("object") != object_type:
        return []
    found = []
    for entry in data["entry"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("changes"), list):
            raise ValueError("an entry without a changes list")
        found += [(str(entry.get("id")), change) for change in entry["changes"]]
    return found
