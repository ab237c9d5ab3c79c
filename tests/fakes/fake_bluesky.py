"""A small Bluesky PDS on 127.0.0.1 for the atproto SDK: sessions, notifications, records.

Notifications are built from the SDK's own models (`notification()`), or taken from the
real recorded bodies in tests/fixtures/bluesky. createRecord refuses a record key that
exists the way the reference PDS does (HTTP 500, its database's unique key: not a
400 saying so); createSession calls are counted (the real limit is 30 per 5 min) and
refused with 401 unless the password is `state.password`.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from atproto import models

BRAND_DID = "did:plc:abcdef123456xyz456798aaa"  # the createSession stub's account
BRAND_HANDLE = "parcelly.bsky.social"


def jwt(scope: str, lifetime: int = 7200) -> str:
    """An HS256-shaped token the SDK can read the expiry of (the fake never checks it)."""

    def b64(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    payload = {
        "scope": scope,
        "sub": BRAND_DID,
        "iat": int(time.time()),
        "exp": int(time.time()) + lifetime,
        "jti": str(time.monotonic_ns()),
    }
    return f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{b64(payload)}.c2lnbmF0dXJl"


def notification(
    text: str,
    *,
    rkey: str,
    handle: str = "maria.bsky.social",
    reason: str = "mention",
    indexed_at: str = "2026-11-25T08:55:00.000Z",
    reply_to: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """A listNotifications item made with the atproto SDK models, as JSON."""
    did = did_for(handle)
    reply = None
    if reply_to:
        ref = models.ComAtprotoRepoStrongRef.Main(uri=reply_to[0], cid=reply_to[1])
        reply = models.AppBskyFeedPost.ReplyRef(root=ref, parent=ref)
    record = models.AppBskyFeedPost.Record(text=text, created_at=indexed_at, reply=reply)
    note = models.AppBskyNotificationListNotifications.Notification(
        uri=f"at://{did}/app.bsky.feed.post/{rkey}",
        cid=_cid(rkey),
        author=models.AppBskyActorDefs.ProfileView(did=did, handle=handle, display_name="Maria"),
        reason=reason,
        record=record,
        is_read=False,
        indexed_at=indexed_at,
    )
    data: dict[str, Any] = note.model_dump(by_alias=True, exclude_none=True)
    return data


def did_for(handle: str) -> str:
    """The DID the fake gives a handle's account."""
    return f"did:plc:{hashlib.sha256(handle.encode()).hexdigest()[:24]}"


def _cid(seed: str) -> str:
    return (
        "bafyrei" + base64.b32encode(hashlib.sha256(seed.encode()).digest()).decode().lower()[:52]
    )


@dataclass
class BlueskyState:
    notifications: list[dict[str, Any]] = field(default_factory=list)  # newest first
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)  # uri -> post view
    handles: dict[str, str] = field(default_factory=dict)  # handle -> did (resolveHandle)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)  # did -> profile view
    profiles_down: bool = False  # getProfiles answers 502 (the AppView away)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # rkey -> record
    password: str = "app-password"  # the app password createSession accepts
    sessions_created: int = 0
    refreshes: int = 0
    calls: list[tuple[str, str]] = field(default_factory=list)
    expire_access: bool = False  # answer ExpiredToken (HTTP 400) to the next authed call
    rate_limited_reset: int | None = None
    # Page as the AppView does: the cursor is the last item's indexedAt (its sortAt) alone
    # and the next page starts strictly below it, so posts arriving meanwhile never shift
    # a page (and one sharing the stamp of a page's last item is not on the next page).
    keyset_paging: bool = False
    pages_until_outage: int | None = None  # listNotifications pages served before a 502
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def push(self, note: dict[str, Any]) -> None:
        self.notifications.insert(0, note)

    def add_post(self, uri: str, text: str) -> None:
        self.posts[uri] = {
            "uri": uri,
            "cid": _cid(uri),
            "author": {"did": "did:plc:x", "handle": "x.bsky.social"},
            "record": {
                "$type": "app.bsky.feed.post",
                "text": text,
                "createdAt": "2026-11-25T08:00:00Z",
            },
            "indexedAt": "2026-11-25T08:00:00Z",
        }


class _Handler(BaseHTTPRequestHandler):
    state: BlueskyState

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def _route(self) -> None:
        parts = urlsplit(self.path)
        nsid = parts.path.removeprefix("/xrpc/")
        query = parse_qs(parts.query)
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length)) if length else {}
        with self.state.lock:
            self.state.calls.append((self.command, nsid))
            handler = getattr(self, "_" + nsid.replace(".", "_"), None)
            if handler is None:
                return self._send(501, {"error": "MethodNotImplemented"})
            if self.state.rate_limited_reset and "Session" not in nsid:
                reset = str(self.state.rate_limited_reset)
                return self._send(
                    429,
                    {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                    {"RateLimit-Reset": reset, "RateLimit-Limit": "3000"},
                )
            if self.state.expire_access and "Session" not in nsid:
                self.state.expire_access = False
                return self._send(400, {"error": "ExpiredToken", "message": "Token has expired"})
            return handler(query, body)

    def _com_atproto_server_createSession(self, query: Any, body: dict[str, Any]) -> None:
        if body.get("password") != self.state.password:
            return self._send(
                401,
                {"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
            )
        self.state.sessions_created += 1
        self._send(200, self._session())

    def _com_atproto_server_refreshSession(self, query: Any, body: Any) -> None:
        self.state.refreshes += 1
        self._send(200, self._session())

    def _session(self) -> dict[str, Any]:
        """As a PDS answers: with the DID document, whose PDS the SDK then talks to."""
        pds = {"id": "#atproto_pds", "type": "AtprotoPersonalDataServer"}
        return {
            "did": BRAND_DID,
            "handle": BRAND_HANDLE,
            "accessJwt": jwt("com.atproto.appPass"),
            "refreshJwt": jwt("com.atproto.refresh", 86400),
            "active": True,
            "didDoc": {
                "@context": ["https://www.w3.org/ns/did/v1"],
                "id": BRAND_DID,
                "alsoKnownAs": [f"at://{BRAND_HANDLE}"],
                "service": [{**pds, "serviceEndpoint": f"http://{self.headers['Host']}"}],
            },
        }

    def _app_bsky_notification_listNotifications(self, query: dict[str, Any], body: Any) -> None:
        reasons = set(query.get("reasons", [])) or None
        notes = [n for n in self.state.notifications if not reasons or n["reason"] in reasons]
        limit = int(query.get("limit", ["50"])[0])
        if self.state.pages_until_outage is not None:
            if self.state.pages_until_outage <= 0:
                return self._send(502, {"error": "UpstreamFailure", "message": "Bad Gateway"})
            self.state.pages_until_outage -= 1
        if self.state.keyset_paging:
            return self._send(200, _keyset_page(notes, query.get("cursor", [""])[0], limit))
        start = int(query.get("cursor", ["0"])[0])
        page = notes[start : start + limit]
        result: dict[str, Any] = {"notifications": page}
        if start + limit < len(notes):
            result["cursor"] = str(start + limit)
        self._send(200, result)

    def _app_bsky_feed_getPosts(self, query: dict[str, Any], body: Any) -> None:
        posts = [self.state.posts[u] for u in query.get("uris", []) if u in self.state.posts]
        self._send(200, {"posts": posts})

    def _app_bsky_actor_getProfiles(self, query: dict[str, Any], body: Any) -> None:
        if self.state.profiles_down:
            return self._send(502, {"error": "UpstreamFailure", "message": "Bad Gateway"})
        actors = set(query.get("actors", []))
        found = [p for p in self.state.profiles.values() if {p["did"], p["handle"]} & actors]
        self._send(200, {"profiles": found})

    def _com_atproto_identity_resolveHandle(self, query: dict[str, Any], body: Any) -> None:
        handle = query.get("handle", [""])[0]
        if handle not in self.state.handles:
            return self._send(
                400, {"error": "InvalidRequest", "message": "Unable to resolve handle"}
            )
        self._send(200, {"did": self.state.handles[handle]})

    def _com_atproto_repo_createRecord(self, query: Any, body: dict[str, Any]) -> None:
        rkey = body.get("rkey") or f"3l{next(self.state.ids):011d}"
        if rkey in self.state.records:  # seen on @atproto/pds (dev-env 0.6.7): a bare 500
            return self._send(
                500, {"error": "InternalServerError", "message": "Internal Server Error"}
            )
        self.state.records[rkey] = body["record"]
        self._send(200, {"uri": f"at://{BRAND_DID}/{body['collection']}/{rkey}", "cid": _cid(rkey)})

    def _com_atproto_repo_getRecord(self, query: dict[str, Any], body: Any) -> None:
        rkey = query["rkey"][0]
        if rkey not in self.state.records:
            return self._send(
                400, {"error": "RecordNotFound", "message": f"Could not locate record: {rkey}"}
            )
        uri = f"at://{BRAND_DID}/{query['collection'][0]}/{rkey}"
        self._send(200, {"uri": uri, "cid": _cid(rkey), "value": self.state.records[rkey]})

    def _send(self, code: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _keyset_page(notes: list[dict[str, Any]], cursor: str, limit: int) -> dict[str, Any]:
    ordered = sorted(notes, key=lambda n: str(n["indexedAt"]), reverse=True)
    if cursor:
        ordered = [n for n in ordered if n["indexedAt"] < cursor]
    page = ordered[:limit]
    result: dict[str, Any] = {"notifications": page}
    if len(ordered) > limit:
        result["cursor"] = page[-1]["indexedAt"]
    return result


class FakeBluesky:
    def __init__(self, state: BlueskyState | None = None) -> None:
        self.state = state or BlueskyState()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> FakeBluesky:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
