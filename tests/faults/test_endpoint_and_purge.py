"""The running `careops run --http`: hostile bodies get 400/413 without a traceback, and
a person's data can be purged while it runs, which carries on."""

from __future__ import annotations

import http.client
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from tests.e2e.processes import clean_env
from tests.fakes.fake_slack import FakeSlackApi
from tests.fakes.slack_requests import signature, signed_post
from tests.faults.harness import SECRET, card_of, careops_http, case_state, dotenv

pytestmark = pytest.mark.slow


def announce_30_mb(base: str, secret: str) -> int:
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    ts = str(int(time.time()))
    conn.putrequest("POST", "/slack/events")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", "30000000")
    conn.putheader("X-Slack-Request-Timestamp", ts)
    conn.putheader("X-Slack-Signature", signature(secret, ts, "{}"))
    conn.endheaders(b"{")
    try:
        return conn.getresponse().status
    finally:
        conn.close()


def test_malformed_and_oversized_bodies_then_a_purge_while_it_runs(tmp_path: Path) -> None:
    with FakeSlackApi() as api:
        dotenv(tmp_path, api.url)
        with careops_http(tmp_path, api) as run:
            card_of(tmp_path, "9301")
            form = "payload=" + urllib.parse.quote("[1,2,3]")
            assert signed_post(run.base, SECRET, form, form=True)[0] == 400
            nope = "payload=" + urllib.parse.quote('{"type": "block_actions", "actions": "nope"}')
            assert signed_post(run.base, SECRET, nope, form=True)[0] == 400
            assert signed_post(run.base, SECRET, "{broken")[0] == 400
            assert announce_30_mb(run.base, SECRET) == 413
            assert announce_30_mb(run.base, "not the secret" * 3) == 413

            purged = subprocess.run(
                [sys.executable, "-c", "from bot.cli import main; main()",
                 "purge", "--author", "@maria_g", "--yes"],
                cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert purged.returncode == 0, purged.stderr
            assert "purged @maria_g: 1 cases" in purged.stdout
            assert "drafting_examples_fts" in purged.stdout and "quarantine" in purged.stdout
            assert case_state(tmp_path, "x:9301") == ""
            card_of(tmp_path, "9302")  # the running careops carries on
            output = run.stop()
    assert "Traceback" not in output
    assert output.count("refused a signed Slack request") == 3
