"""A small X API v2 on 127.0.0.1 for tweepy pointed at it with X_API_BASE_URL.

It keeps posts and answers what careops asks: the brand's mention timeline (since_id,
pagination_token, the author expansion), creating a reply (POST /2/tweets), the brand's
own posts (reconcile after a crash reads them), the brand's user. Posts are shaped like
the recorded bodies in tests/fixtures/x (get_users_mentions.json, create_tweet_resp.json,
search_tweets_query.json). X has no idempotency key: a second POST of the same reply is a
second post, which is what the crash test counts.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BRAND_ID, BRAND = "1500000000000000001", "parcelly"


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class XState:
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {BRAND_ID: {"id": BRAND_ID, "name": "Parcelly", "username": BRAND}}
    )
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    bearer_token: str | None = None  # when set, another bearer token is answered 401
    # When set, a reply is posted and its answer held until the event is set: careops
    # can be killed while X has the reply and careops has not heard back.
    hold_answers: threading.Event | None = None
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1861234567890000000))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_mention(self, text: str, *, username: str = "maria_g", at: datetime) -> dict[str, Any]:
        """A customer's post that @-mentions the brand."""
        user_id = str(9_000_000 + int(hashlib.sha256(username.encode()).hexdigest()[:5], 16))
        self.users[user_id] = {"id": user_id, "name": username.title(), "username": username}
        return self._post(user_id, f"@{BRAND} {text}", at, mentions=[BRAND])

    def replies(self) -> list[dict[str, Any]]:
        return [p for p in self.posts.values() if p["author_id"] == BRAND_ID]

    def _post(
        self,
        author_id: str,
        text: str,
        at: datetime,
        *,
        mentions: list[str] = (),  # type: ignore[assignment]
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        post_id = str(next(self.ids))
        post: dict[str, Any] = {
            "id": post_id,
            "text": text,
            "author_id": author_id,
            "created_at": _stamp(at),
            "conversation_id": reply_to["conversation_id"] if reply_to else post_id,
            "edit_history_tweet_ids": [post_id],
            "entities": {
                "mentions": [{"start": 0, "end": len(m) + 1, "username": m} for m in mentions]
            },
        }
        if reply_to:
            post["referenced_tweets"] = [{"type": "replied_to", "id": reply_to["id"]}]
            post["in_reply_to_user_id"] = reply_to["author_id"]
        self.posts[post_id] = post
        return post


class _Handler(BaseHTTPRequestHandler):
    state: XState

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def _route(self) -> None:
        answer = self._answer()
        if self.command == "POST" and self.state.hold_answers is not None:
            self.state.hold_answers.wait(30)
        self._send(*answer)

    def _answer(self) -> tuple[int, Any]:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length)) if length else {}
        auth = self.headers.get("authorization") or ""
        with self.state.lock:
            self.state.requests.append((self.command, parts.path, query))
            wanted = self.state.bearer_token
            if not auth or (wanted and auth.startswith("Bearer ") and auth != f"Bearer {wanted}"):
                return 401, {"title": "Unauthorized", "status": 401, "detail": "Unauthorized"}
            route = f"{self.command} {parts.path}"
            if route == f"GET /2/users/{BRAND_ID}/mentions":
                return self._timeline(query, lambda p: p["author_id"] != BRAND_ID)
            if route == f"GET /2/users/{BRAND_ID}/tweets":
                return self._timeline(query, lambda p: p["author_id"] == BRAND_ID)
            if route == "POST /2/tweets":
                return self._create(body)
            if route == "GET /2/users/me":
                return 200, {"data": self.state.users[BRAND_ID]}
            return 404, {"title": "Not Found Error", "detail": route}

    def _timeline(self, query: dict[str, str], wanted: Any) -> tuple[int, Any]:
        """Newest first after since_id, `max_results` a page, the next page's offset as
        the token; authors in `includes.users`, as the expansion asks."""
        since = int(query.get("since_id") or 0)
        posts = sorted(
            (p for p in self.state.posts.values() if wanted(p) and int(p["id"]) > since),
            key=lambda p: int(p["id"]),
            reverse=True,
        )
        start = int(query.get("pagination_token") or 0)
        size = int(query.get("max_results") or 10)
        page = posts[start : start + size]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
        if start + size < len(posts):
            meta["next_token"] = str(start + size)
        answer: dict[str, Any] = {"meta": meta}
        if page:  # X leaves `data` out of an empty page
            authors = {p["author_id"] for p in page}
            answer["data"] = page
            answer["includes"] = {"users": [self.state.users[a] for a in sorted(authors)]}
        return 200, answer

    def _create(self, body: dict[str, Any]) -> tuple[int, Any]:
        parent = self.state.posts.get(str((body.get("reply") or {}).get("in_reply_to_tweet_id")))
        if parent is None:
            return 400, {"title": "Invalid Request", "detail": "no such post"}
        post = self.state._post(BRAND_ID, body["text"], datetime.now(UTC), reply_to=parent)
        return 201, {"data": {k: post[k] for k in ("id", "text", "edit_history_tweet_ids")}}

    def _send(self, code: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class FakeXServer:
    def __init__(self, state: XState | None = None) -> None:
        self.state = state or XState()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> FakeXServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
