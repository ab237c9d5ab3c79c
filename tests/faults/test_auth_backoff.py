"""A wrong Bluesky app password through a running `careops run`: one createSession call,
not one a poll (it was 28 in 28 s, and Bluesky locks an account out after 30 in five
minutes), and the channel is told once, without the password."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.e2e.processes import start_run, wait_until
from tests.fakes.fake_bluesky import BRAND_HANDLE, FakeBluesky
from tests.fakes.fake_slack import FakeSlackApi
from tests.faults.harness import dotenv

pytestmark = pytest.mark.slow

WRONG = "wrng-pass-word-1234"


def test_a_wrong_app_password_is_tried_once_and_said_once(tmp_path: Path) -> None:
    with FakeBluesky() as bluesky, FakeSlackApi() as api:
        bluesky.state.password = "the-one-set-on-bluesky"
        dotenv(
            tmp_path,
            api.url,
            BLUESKY_HANDLE=BRAND_HANDLE,
            BLUESKY_APP_PASSWORD=WRONG,
            BLUESKY_SERVICE_URL=bluesky.url,
        )
        proc, _ = start_run(
            tmp_path, "--http", "--host", "127.0.0.1", "--port", "0",
            ready="listening on", files=False,
        )  # fmt: skip
        try:

            def told() -> list[str]:
                texts = [json.dumps(c.params) for c in api.calls_to("chat.postMessage")]
                return [t for t in texts if "credentials were refused" in t]

            wait_until(told, 20, "the channel to hear of the refused password")
            time.sleep(3)  # fifteen more polls at CAREOPS_POLL_SECONDS=0.2: none may sign in
            tried = [c for c in bluesky.state.calls if c[1] == "com.atproto.server.createSession"]
            said = told()
            messages = json.dumps([c.params for c in api.calls])
        finally:
            proc.kill()
            output, _ = proc.communicate(timeout=10)
    assert len(tried) == 1
    assert len(said) == 1 and "BLUESKY_APP_PASSWORD" in said[0]
    assert WRONG not in output and WRONG not in messages
    assert "Traceback" not in output
