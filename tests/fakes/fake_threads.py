"""A small Threads API on 127.0.0.1: mentions, reply containers and their status, publish,
the brand's replies, publishing quotas. Objects are shaped from Meta's documented
examples (tests/fixtures/threads, see ATTRIBUTION.md).

Like Threads, a container is published at most once (publishing it again is refused),
and every reply counts against the daily reply quota.
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.fakes.graph_http import FIXTURES, GraphServer, ServerState, graph_error, paged

BRAND_ID = "17841400000000001"
BRAND = "parcelly"


@functools.cache
def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / "threads" / name).read_text())


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


@dataclass
class ThreadsState:
    server: ServerState = field(default_factory=ServerState)
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    mentions: list[str] = field(default_factory=list)  # oldest first
    containers: dict[str, dict[str, Any]] = field(default_factory=dict)
    reply_quota_usage: int = 0
    quota_usage: int = 0
    container_status: str = "FINISHED"  # what a new container reports until published
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(18060000000000001))

    def new_id(self) -> str:
        return str(next(self.ids))

    def add_mention(
        self, text: str, *, author: str = "lena.bakes", at: datetime, reply_to: str | None = None
    ) -> dict[str, Any]:
        """A customer's post that @-mentions the brand (shaped like the documented one)."""
        post = copy.deepcopy(_fixture("mentions.json")["data"][1 if reply_to else 0])
        post_id = self.new_id()
        post.update(
            id=post_id,
            text=text,
            username=author,
            timestamp=stamp(at),
            permalink=f"https://www.threads.net/@{author}/post/C{post_id[-9:]}",
            root_post={"id": self.posts[reply_to]["root_post"]["id"] if reply_to else post_id},
        )
        if reply_to:
            post["replied_to"] = {"id": reply_to}
        self.posts[post_id] = post
        self.mentions.append(post_id)
        return post

    def replies(self) -> list[dict[str, Any]]:
        """The brand's published replies, oldest first."""
        return [p for p in self.posts.values() if p["username"] == BRAND]

    # --- routes ---------------------------------------------------------------------

    def route(self, method: str, path: str, params: dict[str, str]) -> tuple[int, Any]:
        parts = path.split("/")
        if method == "POST" and parts == [BRAND_ID, "threads"]:
            return self._container(params)
        if method == "POST" and parts == [BRAND_ID, "threads_publish"]:
            return self._publish(params.get("creation_id", ""))
        if method == "GET" and parts == [BRAND_ID, "mentions"]:
            return 200, self._mentions(params)
        if method == "GET" and parts == [BRAND_ID, "replies"]:
            return 200, paged(list(reversed(self.replies())), params)
        if method == "GET" and parts == [BRAND_ID, "threads_publishing_limit"]:
            return 200, self._limits()
        if method == "GET" and parts == [BRAND_ID]:
            return 200, {"id": BRAND_ID, "username": BRAND}
        if method == "GET" and len(parts) == 1:
            return self._object(parts[0], params)
        return graph_error(f"Unsupported {method} request to {path}", 100)

    def _mentions(self, params: dict[str, str]) -> dict[str, Any]:
        since = int(params.get("since") or 0)
        newest_first = [self.posts[i] for i in reversed(self.mentions)]
        fresh = [p for p in newest_first if _epoch(p["timestamp"]) >= since]
        return paged(fresh, params)

    def _container(self, params: dict[str, str]) -> tuple[int, Any]:
        parent = params.get("reply_to_id", "")
        if parent not in self.posts:
            return graph_error("(#100) Param reply_to_id is not a valid Threads ID", 100)
        if params.get("media_type") != "TEXT" or not params.get("text"):
            return graph_error("(#100) The parameter text is required", 100)
        container_id = self.new_id()
        status = {"status": self.container_status, "id": container_id}
        self.containers[container_id] = {**status, "text": params["text"], "reply_to": parent}
        return 200, {**_fixture("create_container.json"), "id": container_id}

    def _publish(self, container_id: str) -> tuple[int, Any]:
        container = self.containers.get(container_id)
        if container is None:
            return graph_error("(#100) Invalid creation_id", 100)
        if container["status"] == "PUBLISHED":
            return graph_error("(#24) The media has already been published", 24)
        if container["status"] != "FINISHED":
            return graph_error("(#9007) Media is not ready to be published", 9007)
        post = copy.deepcopy(_fixture("replies.json")["data"][0])
        reply_id = self.new_id()
        parent = self.posts[container["reply_to"]]
        post.update(
            id=reply_id,
            text=container["text"],
            username=BRAND,
            timestamp=stamp(datetime.now(UTC)),
            permalink=f"https://www.threads.net/@{BRAND}/post/C{reply_id[-9:]}",
            replied_to={"id": parent["id"]},
            root_post=parent["root_post"],
        )
        self.posts[reply_id] = post
        container.update(status="PUBLISHED", published=reply_id)
        self.reply_quota_usage += 1
        return 200, {**_fixture("publish.json"), "id": reply_id}

    def _limits(self) -> dict[str, Any]:
        body = copy.deepcopy(_fixture("publishing_limit.json"))
        body["data"][0].update(
            quota_usage=self.quota_usage, reply_quota_usage=self.reply_quota_usage
        )
        return dict(body)

    def _object(self, object_id: str, params: dict[str, str]) -> tuple[int, Any]:
        if object_id in self.containers:
            status = dict(_fixture("container_status.json"))  # the documented answer
            return 200, {**status, "status": self.containers[object_id]["status"], "id": object_id}
        if object_id in self.posts:
            wanted = (params.get("fields") or "id").split(",")
            post = self.posts[object_id]
            return 200, {k: post[k] for k in {"id", *wanted} if k in post}
        return graph_error(
            f"Unsupported get request. Object with ID '{object_id}' does not exist", 100
        )


def _epoch(value: Any) -> int:
    """A post's time; one without a readable time is always sent (as junk would be)."""
    try:
        return int(datetime.fromisoformat(value).timestamp())
    except (TypeError, ValueError):
        return 2**62


class FakeThreads(GraphServer):
    """`with FakeThreads() as threads:` → threads.url (THREADS_API_BASE_URL), threads.state."""

    def __init__(self, state: ThreadsState | None = None) -> None:
        self.state = state or ThreadsState()
        super().__init__(self.state, "/v1.0")

    def __enter__(self) -> FakeThreads:
        super().__enter__()
        return self
