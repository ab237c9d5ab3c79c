"""The Meta webhook endpoint: Meta's verification handshake, signed deliveries stored
before the 200, everything else refused; served beside Slack's endpoint over HTTP."""

from __future__ import annotations

import http.client
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest

from bot.adapters.meta import MetaWebhooks, WebhookInbox
from bot.adapters.meta._webhooks import signature_ok
from tests.fakes.fake_graph import APP_SECRET, signed
from tests.fakes.graph_http import FIXTURES

VERIFY = "verify-token-for-tests"
DELIVERY = json.loads((FIXTURES / "meta" / "webhook_page_feed_comment.json").read_text())


@pytest.fixture
def inbox(tmp_path: Path) -> Iterator[WebhookInbox]:
    box = WebhookInbox(tmp_path / "careops-webhooks.db")
    yield box
    box.close()


def call(app: MetaWebhooks, method: str, *, query: dict[str, str] | None = None,
         body: bytes = b"", headers: dict[str, str] | None = None) -> tuple[int, str]:  # fmt: skip
    environ: dict[str, Any] = {"REQUEST_METHOD": method, "QUERY_STRING": urlencode(query or {})}
    setup_testing_defaults(environ)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    answer: list[str] = []
    chunks = app(environ, lambda status, headers: answer.append(status))
    return int(answer[0].split()[0]), b"".join(chunks).decode()


def test_the_handshake_echoes_the_challenge_only_for_our_verify_token(inbox: WebhookInbox) -> None:
    app = MetaWebhooks(inbox, APP_SECRET, VERIFY)
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}
    assert call(app, "GET", query=query) == (200, "1158201444")
    assert call(app, "GET", query={**query, "hub.verify_token": "guess"})[0] == 403
    assert call(app, "GET", query={**query, "hub.mode": "unsubscribe"})[0] == 403
    assert call(app, "PUT")[0] == 405


def test_a_signed_delivery_is_stored_before_the_200_and_wakes_the_loop(inbox: WebhookInbox) -> None:
    woken: list[bool] = []
    app = MetaWebhooks(inbox, APP_SECRET, VERIFY, wake=lambda: woken.append(True))
    raw, signature = signed(DELIVERY)
    assert call(app, "POST", body=raw, headers={"X-Hub-Signature-256": signature})[0] == 200
    [stored] = inbox.after(0)
    assert json.loads(stored.body) == DELIVERY and woken == [True]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        {"X-Hub-Signature-256": signed(DELIVERY, secret="another-apps-secret")[1]},
        {"X-Hub-Signature": "sha1=whatever"},  # the old SHA-1 header alone is not enough
    ],
)
def test_an_unsigned_or_wrongly_signed_delivery_is_refused_and_not_stored(
    inbox: WebhookInbox, headers: dict[str, str]
) -> None:
    raw, _ = signed(DELIVERY)
    assert (
        call(MetaWebhooks(inbox, APP_SECRET, VERIFY), "POST", body=raw, headers=headers)[0] == 401
    )
    assert inbox.after(0) == []


def test_a_body_over_the_limit_is_refused_from_its_length_before_it_is_read(
    inbox: WebhookInbox,
) -> None:
    app = MetaWebhooks(inbox, APP_SECRET, VERIFY, limit=1000)
    raw, signature = signed({"object": "page", "entry": [], "pad": "x" * 2000})
    environ: dict[str, Any] = {"REQUEST_METHOD": "POST", "CONTENT_LENGTH": str(len(raw))}
    setup_testing_defaults(environ)

    class Unread(io.BytesIO):
        def read(self, *args: Any) -> bytes:
            raise AssertionError("the body was read")

    environ["wsgi.input"] = Unread()
    environ["HTTP_X_HUB_SIGNATURE_256"] = signature
    status: list[str] = []
    app(environ, lambda s, h: status.append(s))
    assert status[0].startswith("413") and inbox.after(0) == []


def test_a_delivery_that_cannot_be_stored_gets_a_503_so_meta_sends_it_again(
    inbox: WebhookInbox,
) -> None:
    raw, signature = signed(DELIVERY)
    inbox.close()  # the store is gone (disk full, file removed): nothing can be written
    status, _ = call(MetaWebhooks(inbox, APP_SECRET, VERIFY), "POST", body=raw,
                     headers={"X-Hub-Signature-256": signature})  # fmt: skip
    assert status == 503


def test_the_signature_is_the_hmac_sha256_of_the_raw_body() -> None:
    raw, signature = signed(DELIVERY)
    assert signature_ok(APP_SECRET, raw, signature)
    assert not signature_ok(APP_SECRET, raw + b" ", signature)
    assert not signature_ok(APP_SECRET, raw, signature.upper())


def test_the_inbox_keeps_order_and_survives_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "careops-webhooks.db"
    first = WebhookInbox(path)
    ids = [first.add(f'{{"n": {i}}}') for i in range(3)]
    first.close()
    again = WebhookInbox(path)
    assert [d.id for d in again.after(ids[0])] == ids[1:] and again.last_id() == ids[-1]
    assert (path.stat().st_mode & 0o777) == 0o600
    again.close()


def test_served_beside_slack_over_http(tmp_path: Path) -> None:
    """`careops run --http` serves the webhook path on the same port as Slack's."""
    from bot.adapters.slack._runtime import route_by_path

    inbox = WebhookInbox(tmp_path / "w.db")
    slack_calls: list[str] = []

    def slack(environ: dict[str, Any], start: Any) -> list[bytes]:
        slack_calls.append(environ["PATH_INFO"])
        start("200 OK", [])
        return [b"slack"]

    app = route_by_path(slack, {"/meta/webhooks": MetaWebhooks(inbox, APP_SECRET, VERIFY)})
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = make_server("127.0.0.1", 0, app, handler_class=Quiet)
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        raw, signature = signed(DELIVERY)
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=5)
        conn.request("POST", "/meta/webhooks", raw, {"X-Hub-Signature-256": signature})
        assert conn.getresponse().status == 200
        conn.request("POST", "/slack/events", b"{}")
        assert conn.getresponse().read() == b"slack"
    finally:
        server.shutdown()
        server.server_close()
    assert len(inbox.after(0)) == 1 and slack_calls == ["/slack/events"]
    inbox.close()
