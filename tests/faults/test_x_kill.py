"""kill -9 of the real `careops run` while X holds its answer to a reply it has already
posted (careops never heard back): after a restart reconcile finds the reply among the
brand's posts and nothing is sent again. X on a local fake through X_API_BASE_URL."""

from __future__ import annotations

import os
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.e2e.network_worker import network_settings
from tests.e2e.processes import card_ref, wait_until
from tests.fakes.fake_slack import FakeSlackApi
from tests.fakes.fake_x_server import FakeXServer
from tests.faults.harness import approve, careops_http, case_state, dotenv

pytestmark = pytest.mark.slow


def test_killed_while_x_holds_the_answer_then_restarted_replies_once(tmp_path: Path) -> None:
    with FakeXServer() as x, FakeSlackApi() as api:
        dotenv(tmp_path, api.url, CAREOPS_BRAND_HANDLES="parcelly", **network_settings("x", x.url))
        post = x.state.add_mention("my parcel is late, order 5521", at=datetime.now(UTC))
        case_id = f"x:{post['id']}"
        with careops_http(tmp_path, api, files=False) as run:
            ref = wait_until(lambda: card_ref(tmp_path, case_id), 20, "the card")
            x.state.hold_answers = threading.Event()
            assert approve(run.base, str(ref).split("/")[1], "EvXKill") == 200
            wait_until(x.state.replies, 20, "the reply on X")
            os.kill(run.proc.pid, signal.SIGKILL)  # X has it; careops never heard back
            run.proc.wait(10)
            assert case_state(tmp_path, case_id) == "publishing"
        x.state.hold_answers.set()
        x.state.hold_answers = None
        with careops_http(tmp_path, api, files=False) as run:
            wait_until(lambda: case_state(tmp_path, case_id) == "published", 20, "published")
            output = run.stop()
    [reply] = x.state.replies()
    assert reply["referenced_tweets"] == [{"type": "replied_to", "id": post["id"]}]
    assert [r for r in x.state.requests if r[0] == "POST"] == [("POST", "/2/tweets", {})]
    assert "Traceback" not in output
