"""`careops run --http` as a team starts it: the console script, settings from a `.env`.

Everything else drives the runtime in-process with Settings objects; this test is the
one that reads configuration the way a person writes it (comma-separated approvers,
empty `NAME=` lines copied from .env.example) and stops the process with SIGTERM.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.files._jsonl import mention_to_inbox
from tests.conftest import make_mention
from tests.e2e.processes import card_ref, clean_env, start_run, wait_until, write_dotenv
from tests.fakes.fake_slack import FakeSlackApi
from tests.fakes.slack_requests import reaction_body, signed_post

SECRET = "0123456789abcdef0123456789abcdef"
TOKEN = "xoxb-e2e-process-token-77"
APPROVER, CHANNEL = "UAPPROVER", "C0CARE"

pytestmark = pytest.mark.slow


def dotenv(tmp_path: Path, api_url: str) -> None:
    write_dotenv(
        tmp_path,
        {
            "CAREOPS_DATA_DIR": str(tmp_path / "data"),
            "CAREOPS_POLL_SECONDS": "0.2",
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_CHANNEL": CHANNEL,
            "SLACK_APPROVERS": f"{APPROVER}, UOTHER",
            "SLACK_API_URL": api_url,
            "SLACK_PACE_SECONDS": "0",
        },
    )


@pytest.fixture
def careops_run(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str, FakeSlackApi]]:
    with FakeSlackApi() as api:
        dotenv(tmp_path, api.url)
        proc, first = start_run(
            tmp_path, "--http", "--host", "127.0.0.1", "--port", "0", ready="listening on"
        )
        try:
            match = re.search(r"http://[\d.]+:\d+", first)
            assert match, f"careops run did not start: {first!r}"
            yield proc, match.group(0), api
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)


def test_inbox_to_card_to_reaction_to_one_outbox_line_then_a_clean_stop(
    tmp_path: Path, careops_run: tuple[subprocess.Popen[str], str, FakeSlackApi]
) -> None:
    proc, base, api = careops_run
    mention = make_mention("7001", "Where is my parcel? Order 5521.")
    (tmp_path / "inbox.jsonl").write_text(json.dumps(mention_to_inbox(mention)) + "\n")
    posted = api.wait_for("chat.postMessage", timeout=15)[0].params
    assert posted["channel"] == CHANNEL and "5521" in json.dumps(posted["blocks"])
    card_ts = "1764061200.000001"  # the fake's first message
    # The fake records the post before careops hears back and stores where its card is.
    wait_until(lambda: card_ref(tmp_path, "x:7001") == f"{CHANNEL}/{card_ts}", 15, "the card's ref")
    body = reaction_body("white_check_mark", APPROVER, CHANNEL, card_ts, "EvProc1")
    assert signed_post(base, SECRET, body)[0] == 200
    outbox = tmp_path / "outbox.jsonl"
    wait_until(lambda: outbox.exists() and outbox.read_text().strip(), 15, "the outbox line")
    second = subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; main()", "run", "--http", "--port", "0"],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 2
    assert f"another careops run (pid {proc.pid} on " in second.stderr
    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=15)
    assert proc.returncode == 0, output
    lines = outbox.read_text().splitlines()  # the process is gone: this is everything it sent
    assert len(lines) == 1 and json.loads(lines[0])["in_reply_to"] == "7001"
    assert TOKEN not in output and SECRET not in output
    assert "Traceback" not in output
