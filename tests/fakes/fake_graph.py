"""A small Graph API on 127.0.0.1 for a Facebook Page and an Instagram professional
account: posts and media with their comments, one comment by id, replies under a
comment, and webhook deliveries as Meta signs them.

Comment objects are shaped from recorded Graph API answers and Meta's documented
examples (tests/fixtures/meta, see ATTRIBUTION.md): a Facebook comment has `id`
("<post>_<comment>"), `message`, `created_time`, `from`, `parent` (replies),
`permalink_url`; an Instagram comment `id`, `text`, `timestamp`, `username`, `from`,
`parent_id`, `media`.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import hmac
import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.fakes.graph_http import FIXTURES, GraphServer, ServerState, graph_error, paged

PAGE_ID = "1093847561203344"
IG_ID = "17841400000000002"
BRAND = "parcelly"
APP_SECRET = "meta-app-secret-for-tests"


@functools.cache
def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / "meta" / name).read_text())


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


@dataclass
class GraphState:
    server: ServerState = field(default_factory=ServerState)
    posts: list[dict[str, Any]] = field(default_factory=list)  # Page posts, newest first
    media: list[dict[str, Any]] = field(default_factory=list)  # Instagram media, newest first
    comments: dict[str, dict[str, Any]] = field(default_factory=dict)  # both networks, by id
    feed_hidden: bool = False  # the Page's feed answers with no posts (only webhooks tell)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1094000000000001))

    def new_id(self) -> str:
        return str(next(self.ids))

    # --- Facebook ------------------------------------------------------------------------

    def add_post(self) -> str:
        post_id = f"{PAGE_ID}_{self.new_id()}"
        self.posts.insert(0, {"id": post_id, "comments": []})
        return post_id

    def add_comment(
        self,
        text: str,
        *,
        post: str | None = None,
        author: tuple[str, str] = ("7381920456612309", "Deborah Mills"),
        at: datetime,
        parent: str | None = None,
    ) -> dict[str, Any]:
        """A comment on a Page post (recorded shape, with the fields careops asks for)."""
        post = post or (self.posts[0]["id"] if self.posts else self.add_post())
        comment = copy.deepcopy(_fixture("page_post_comments.json")["data"][0])
        part = self.new_id()
        comment_id = f"{post.split('_')[1]}_{part}"
        comment.update(
            id=comment_id,
            message=text,
            created_time=stamp(at),
            permalink_url=f"https://www.facebook.com/{PAGE_ID}/posts/{post.split('_')[1]}/"
            f"?comment_id={part}",
            **{"from": {"id": author[0], "name": author[1]}},
        )
        if parent:
            comment["parent"] = {"id": parent}
        self.comments[comment_id] = {**comment, "_post": post}
        next(p for p in self.posts if p["id"] == post)["comments"].insert(0, comment_id)
        return comment

    def page_replies(self) -> list[dict[str, Any]]:
        return [c for c in self.comments.values() if c.get("from", {}).get("id") == PAGE_ID]

    # --- Instagram -----------------------------------------------------------------------

    def add_media(self) -> dict[str, Any]:
        template = copy.deepcopy(_fixture("ig_user_media.json")["data"][0])
        media_id = self.new_id()
        template.update(id=media_id, permalink=f"https://www.instagram.com/p/D{media_id[-8:]}/")
        self.media.insert(0, {**template, "comments": []})
        return template

    def add_ig_comment(
        self, text: str, *, username: str = "sofia.draws", at: datetime, parent: str | None = None
    ) -> dict[str, Any]:
        media = self.media[0] if self.media else self.add_media()
        comment = copy.deepcopy(_fixture("ig_comment.json"))
        comment_id = self.new_id()
        comment.update(
            id=comment_id,
            text=text,
            timestamp=stamp(at),
            username=username,
            **{"from": {"id": f"9{abs(hash(username)) % 10**8}", "username": username}},
        )
        if parent:
            comment["parent_id"] = parent
        self.comments[comment_id] = {**comment, "_media": media["id"]}
        if not parent:
            next(m for m in self.media if m["id"] == media["id"])["comments"].insert(0, comment_id)
        return comment

    def ig_replies(self) -> list[dict[str, Any]]:
        return [c for c in self.comments.values() if c.get("username") == BRAND]

    # --- routes --------------------------------------------------------------------------

    def route(self, method: str, path: str, params: dict[str, str]) -> tuple[int, Any]:
        parts = path.split("/")
        if method == "POST" and len(parts) == 2 and parts[1] in ("comments", "replies"):
            return self._reply(parts[0], parts[1], params.get("message", ""))
        if method != "GET":
            return graph_error(f"Unsupported {method} request", 100)
        if parts == [PAGE_ID, "feed"]:
            return 200, self._feed(params)
        if parts == [IG_ID, "media"]:
            return 200, self._media(params)
        if len(parts) == 2 and parts[1] in ("comments", "replies"):
            return self._under(parts[0], params)
        if parts == [PAGE_ID]:
            return 200, {"id": PAGE_ID, "name": "Parcelly"}
        if parts == [IG_ID]:
            return 200, {"id": IG_ID, "username": BRAND}
        if len(parts) == 1 and parts[0] in self.comments:
            return 200, self._shown(parts[0])
        return graph_error("(#100) Object does not exist, cannot be loaded", 100)

    def _shown(self, comment_id: str) -> dict[str, Any]:
        comment = {k: v for k, v in self.comments[comment_id].items() if not k.startswith("_")}
        media_id = self.comments[comment_id].get("_media")
        if media_id:
            media = next(m for m in self.media if m["id"] == media_id)
            comment["media"] = {"id": media_id, "permalink": media["permalink"]}
        return comment

    def _thread(self, ids: list[str]) -> list[dict[str, Any]]:
        """Facebook's filter(stream): top-level comments and their replies, newest first."""
        found = [c for c in self.comments.values() if c["id"] in ids or (
            "parent" in c and c["parent"]["id"] in ids)]  # fmt: skip
        return [
            self._shown(c["id"])
            for c in sorted(found, key=lambda c: c["created_time"], reverse=True)
        ]

    def _feed(self, params: dict[str, str]) -> dict[str, Any]:
        if self.feed_hidden:
            return {"data": []}
        posts = []
        for post in self.posts[: int(params.get("limit") or 25)]:
            comments = paged(self._thread(post["comments"]), {})
            posts.append({"id": post["id"], "comments": comments})
        return {"data": posts}

    def _media(self, params: dict[str, str]) -> dict[str, Any]:
        items = []
        for media in self.media[: int(params.get("limit") or 25)]:
            top = [self._with_replies(c) for c in media["comments"]]
            items.append(
                {"id": media["id"], "permalink": media["permalink"], "comments": paged(top, {})}
            )
        return {"data": items}

    def _with_replies(self, comment_id: str) -> dict[str, Any]:
        comment = self._shown(comment_id)
        comment.pop("media", None)
        replies = [
            self._shown(c["id"]) for c in self.comments.values() if c.get("parent_id") == comment_id
        ]
        if replies:
            comment["replies"] = {"data": replies}
        return comment

    def _under(self, object_id: str, params: dict[str, str]) -> tuple[int, Any]:
        if object_id in (p["id"] for p in self.posts):
            post = next(p for p in self.posts if p["id"] == object_id)
            return 200, paged(self._thread(post["comments"]), params)
        if any(m["id"] == object_id for m in self.media):
            media = next(m for m in self.media if m["id"] == object_id)
            return 200, paged([self._with_replies(c) for c in media["comments"]], params)
        if object_id in self.comments:
            under = [
                self._shown(c["id"])
                for c in self.comments.values()
                if c.get("parent", {}).get("id") == object_id or c.get("parent_id") == object_id
            ]
            return 200, paged(
                sorted(
                    under, key=lambda c: c.get("created_time") or c.get("timestamp"), reverse=True
                ),
                params,
            )
        return graph_error("(#100) Object does not exist, cannot be loaded", 100)

    def _reply(self, comment_id: str, edge: str, message: str) -> tuple[int, Any]:
        target = self.comments.get(comment_id)
        if target is None:
            return graph_error("(#100) Object does not exist, cannot be loaded", 100)
        if not message:
            return graph_error("(#100) The parameter message is required", 100)
        now = datetime.now(UTC)
        if edge == "comments":  # Facebook: under the thread's top-level comment
            top = target.get("parent", {}).get("id") or comment_id
            reply = self.add_comment(
                message, post=target["_post"], author=(PAGE_ID, "Parcelly"), at=now, parent=top
            )
            return 200, {"id": reply["id"]}
        top = target.get("parent_id") or comment_id  # Instagram adds a reply to the top one
        reply = self.add_ig_comment(message, username=BRAND, at=now, parent=top)
        return 200, {"id": reply["id"]}


def signed(body: dict[str, Any], secret: str = APP_SECRET) -> tuple[bytes, str]:
    """A webhook body and its X-Hub-Signature-256, as Meta sends them."""
    raw = json.dumps(body).encode()
    return raw, "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def page_delivery(comment: dict[str, Any], post_id: str) -> dict[str, Any]:
    """The feed webhook for a new comment (Meta's Page feed shape, recorded values)."""
    body = copy.deepcopy(_fixture("webhook_page_feed_comment.json"))
    entry = body["entry"][0]
    entry["id"] = PAGE_ID
    value = entry["changes"][0]["value"]
    value.update(
        comment_id=comment["id"],
        post_id=post_id,
        parent_id=comment.get("parent", {}).get("id", post_id),
        message=comment["message"],
        created_time=int(datetime.fromisoformat(comment["created_time"]).timestamp()),
        **{"from": comment["from"]},
    )
    return dict(body)


def instagram_delivery(comment: dict[str, Any], media_id: str) -> dict[str, Any]:
    body = copy.deepcopy(_fixture("webhook_instagram_comment.json"))
    entry = body["entry"][0]
    entry["id"] = IG_ID
    value = entry["changes"][0]["value"]
    value.update(
        id=comment["id"], text=comment["text"], media={"id": media_id, "media_product_type": "FEED"}
    )
    value["from"] = comment["from"]
    if comment.get("parent_id"):
        value["parent_id"] = comment["parent_id"]
    else:
        value.pop("parent_id")
    return dict(body)


class FakeGraph(GraphServer):
    """`with FakeGraph() as graph:` → graph.url (GRAPH_API_BASE_URL), graph.state."""

    def __init__(self, state: GraphState | None = None) -> None:
        self.state = state or GraphState()
        super().__init__(self.state, "/v23.0")

    def __enter__(self) -> FakeGraph:
        super().__enter__()
        return self
