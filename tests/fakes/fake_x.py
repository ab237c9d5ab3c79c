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
