"""The real `careops run --http` with a Facebook Page on a local Graph API: Meta's
handshake, a signed comment delivery acknowledged and then kill -9, a restart that
still makes the card from the stored delivery, and the approved reply posted once."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.error import HTTPError

import pytest

from tests.e2e.processes import card_ref, start_run, wait_until
from tests.fakes.fake_graph import APP_SECRET, PAGE_ID, FakeGraph, page_delivery, signed
from tests.fakes.fake_slack import FakeSlackApi
from tests.faults.harness import approve, base_url, case_state, dotenv

pytestmark = pytest.mark.slow

VERIFY = "verify-token-for-tests"


def run_http(tmp_path: Path) -> tuple[subprocess.Popen[str], str]:
    args = ("--http", "--host", "127.0.0.1", "--port", "0")
    proc, first = start_run(tmp_path, *args, ready="listening on", files=False)
    return proc, base_url(first)


def hook_of(base: str) -> str:
    return f"{base}/meta/webhooks"


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except HTTPError as error:
        return int(error.code)


def test_a_comment_webhook_survives_a_kill_after_its_200_and_is_answered_once(
    tmp_path: Path,
) -> None:
    with FakeGraph() as graph, FakeSlackApi() as api:
        graph.state.feed_hidden = True  # only the webhook can bring this comment in
        dotenv(
            tmp_path, api.url, CAREOPS_BRAND_HANDLES="parcelly", FACEBOOK_PAGE_ID=PAGE_ID,
            META_PAGE_ACCESS_TOKEN="page-token", GRAPH_API_BASE_URL=graph.url,
            META_APP_SECRET=APP_SECRET, META_VERIFY_TOKEN=VERIFY,
            CAREOPS_POLL_SECONDS="300", CAREOPS_POLL_FAST_SECONDS="120",
        )  # fmt: skip
        proc, base = run_http(tmp_path)
        hook = hook_of(base)
        try:
            hub = f"hub.mode=subscribe&hub.verify_token={VERIFY}&hub.challenge=8217"
            with urllib.request.urlopen(f"{hook}?{hub}", timeout=10) as answer:
                assert answer.read() == b"8217"
            post_id = graph.state.add_post()
            comment = graph.state.add_comment(
                "my parcel never came, order PX-50231", post=post_id, at=datetime.now(UTC)
            )
            raw, signature = signed(page_delivery(comment, post_id))
            graph.state.server.hold_reads = threading.Event()  # it cannot fetch the comment
            _, forged = signed(page_delivery(comment, post_id), secret="not-our-app")
            assert post(hook, raw, {"X-Hub-Signature-256": forged}) == 401
            assert post(hook, raw, {"X-Hub-Signature-256": signature}) == 200
            os.kill(proc.pid, signal.SIGKILL)  # right after the 200
            proc.wait(10)
        finally:
            proc.kill()
            proc.communicate(timeout=10)
        assert case_state(tmp_path, f"facebook:{comment['id']}") == ""  # only the delivery
        graph.state.server.hold_reads.set()
        graph.state.server.hold_reads = None
        case_id = f"facebook:{comment['id']}"
        proc, base = run_http(tmp_path)
        try:
            ref = wait_until(lambda: card_ref(tmp_path, case_id), 20, "the card")
            texts = [c.params.get("text", "") for c in api.calls_to("chat.postMessage")]
            assert [t for t in texts if "Facebook comment" in t] == [
                "Facebook comment from Deborah Mills: my parcel never came, order PX-50231"
            ]
            assert approve(base, str(ref).split("/")[1], "EvMetaHook") == 200
            wait_until(lambda: case_state(tmp_path, case_id) == "published", 20, "published")
            later = graph.state.add_comment(
                "a second parcel too", post=post_id, at=datetime.now(UTC)
            )
            raw, signature = signed(page_delivery(later, post_id))
            assert post(hook_of(base), raw, {"X-Hub-Signature-256": signature}) == 200
            # taken at once: polls are minutes apart here, the delivery wakes the source
            wait_until(lambda: card_ref(tmp_path, f"facebook:{later['id']}"), 20, "the next card")
        finally:
            proc.kill()
            proc.communicate(timeout=10)
    [reply] = graph.state.page_replies()
    assert reply["parent"]["id"] == comment["id"]
    assert len([c for c in graph.state.server.calls if c.method == "POST"]) == 1
