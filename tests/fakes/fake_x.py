"""A requests transport that answers tweepy's calls to api.twitter.com from a route table.

tweepy's `Client` always talks to https://api.twitter.com through `client.session`; a
Session with this adapter mounted keeps every test off the network.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import BaseAdapter

from bot.core.ports import Clock

Reply = tuple[int, dict[str, str], Any]  # status, headers, JSON body
Handler = Callable[["Call"], Reply]


@dataclass
class Call:
    method: str
    path: str
    params: dict[str, str]
    body: Any
    status: int = 0  # what the fake answered, and the body it sent
    answer: Any = None
    at: datetime | None = None  # the fake's clock when called (when it has one)


@dataclass
class FakeX(BaseAdapter):
    """Routes "GET /2/users/1/mentions" to handlers; records every call."""

    routes: dict[str, Handler | list[Reply]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    clock: Clock | None = None

    def __post_init__(self) -> None:
        super().__init__()

    def on(self, route: str, handler: Handler | list[Reply]) -> None:
        self.routes[route] = handler

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        parts = urlsplit(request.url or "")
        params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        body = json.loads(request.body) if request.body else None
        at = self.clock.now() if self.clock is not None else None
        call = Call(request.method or "GET", parts.path, params, body, at=at)
        self.calls.append(call)
        route = f"{call.method} {call.path}"
        handler = self.routes.get(route)
        if handler is None:
            status, headers, payload = 404, {}, {"title": "Not Found", "detail": route}
        elif isinstance(handler, list):
            status, headers, payload = handler.pop(0) if len(handler) > 1 else handler[0]
        else:
            status, headers, payload = handler(call)
        call.status, call.answer = status, payload
        return _response(request, status, headers, payload)

    def close(self) -> None:
        pass

    def session(self) -> requests.Session:
        session = requests.Session()
        session.mount("https://api.twitter.com", self)
        return session

    def calls_to(self, route: str) -> list[Call]:
        return [c for c in self.calls if f"{c.method} {c.path}" == route]


def _response(
    request: requests.PreparedRequest, status: int, headers: dict[str, str], payload: Any
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.reason = {200: "OK", 201: "Created", 429: "Too Many Requests"}.get(status, "Error")
    response.headers.update({"content-type": "application/json", **headers})
    response._content = json.dumps(payload).encode()
    response.url = request.url or ""
    response.request = request
    return response


def recorded(path: str) -> list[dict[str, Any]]:
    """A decoded tweepy cassette: [{request, response}] with the real bodies and headers."""
    with open(path, encoding="utf-8") as handle:
        data: list[dict[str, Any]] = json.load(handle)
    return data


def replay(interaction: dict[str, Any]) -> Reply:
    """One recorded interaction as a reply (content-encoding dropped: the body is decoded)."""
    response = interaction["response"]
    headers = {
        k: v
        for k, v in response["headers"].items()
        if k.lower() not in ("content-encoding", "content-length", "set-cookie")
    }
    return response["status"], headers, response["body"]


def single_post(page: dict[str, Any], index: int = 0) -> dict[str, Any]:
    """GET /2/tweets/:id's answer for one post of a recorded page: `data` is the post
    object (not a list), `includes` are the page's (users, referenced posts)."""
    return {"data": page["data"][index], "includes": page.get("includes", {})}


def not_found(post_id: str) -> dict[str, Any]:
    """X's answer for a deleted or protected post: HTTP 200 with `errors`, no `data`."""
    return {
        "errors": [
            {
                "value": post_id,
                "detail": f"Could not find tweet with id: [{post_id}].",
                "title": "Not Found Error",
                "resource_type": "tweet",
                "parameter": "id",
                "resource_id": post_id,
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            }
        ]
    }


class BrandOnX:
    """A small stateful X for one brand account: customers mention it, the brand replies.

    Serves the routes careops uses (mentions with `since_id`, replies, the brand's own
    posts for reconcile) with authors expanded, and keeps every reply it was sent."""

    def __init__(self, clock: Clock, brand_id: str = "17200003", brand: str = "parcelly") -> None:
        self.clock = clock
        self.brand_id, self.brand = brand_id, brand
        self.fake = FakeX(clock=clock)
        self.posts: list[dict[str, Any]] = []  # customers' mentions, oldest first
        self.replies: list[dict[str, Any]] = []  # the brand's replies, oldest first
        self.fake.on(f"GET /2/users/{brand_id}/mentions", self._mentions)
        self.fake.on("POST /2/tweets", self._create)
        self.fake.on(f"GET /2/users/{brand_id}/tweets", self._timeline)

    def mention(self, text: str, author: str) -> str:
        post_id = str(1862000000000000000 + len(self.posts) + len(self.replies))
        stamp = self.clock.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")
        self.posts.append(
            {
                "id": post_id,
                "text": f"@{self.brand} {text}",
                "author_id": str(abs(hash(author)) % 10**9),
                "username": author,
                "created_at": stamp,
                "conversation_id": post_id,
            }
        )
        return post_id

    def _mentions(self, call: Call) -> Reply:
        since = int(call.params.get("since_id", "0"))
        page = [p for p in reversed(self.posts) if int(p["id"]) > since][:100]
        users = {p["author_id"]: {"id": p["author_id"], "username": p["username"], "name": "C"}
                 for p in page}  # fmt: skip
        data = [{k: v for k, v in p.items() if k != "username"} for p in page]
        return 200, {}, {"data": data, "includes": {"users": list(users.values())}, "meta": {}}

    def _create(self, call: Call) -> Reply:
        post_id = str(1863000000000000000 + len(self.replies))
        parent = str(call.body["reply"]["in_reply_to_tweet_id"])
        self.replies.append({"id": post_id, "text": call.body["text"], "in_reply_to": parent})
        return 201, {}, {"data": {"id": post_id, "text": call.body["text"]}}

    def _timeline(self, call: Call) -> Reply:
        data = [
            {"id": r["id"], "text": r["text"],
             "referenced_tweets": [{"type": "replied_to", "id": r["in_reply_to"]}]}
            for r in reversed(self.replies)
        ]  # fmt: skip
        return 200, {}, {"data": data, "meta": {}}

    def billed(
        self,
        post: float,
        post_with_url: float,
        post_read: float,
        user_read: float,
        request: float = 0.0,
    ) -> float:
        """What X would charge for the calls it answered (same resource once per UTC day),
        a reply being "with URL" when its text has "://" in it; `request` on every
        answered call, were X to bill requests too."""
        total, seen = 0.0, set()
        for call in self.fake.calls:
            if call.status >= 300:
                continue
            total += request
            if call.method == "POST":
                total += post_with_url if "://" in call.body["text"] else post
                continue
            day = call.at.date() if call.at else None
            answer = call.answer or {}
            found = [("p", p["id"]) for p in answer.get("data") or []]
            found += [("u", u["id"]) for u in (answer.get("includes") or {}).get("users", [])]
            for kind, rid in found:
                if (day, kind, rid) not in seen:
                    seen.add((day, kind, rid))
                    total += post_read if kind == "p" else user_read
        return round(total, 6)
