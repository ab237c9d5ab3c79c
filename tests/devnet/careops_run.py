"""`careops run --http` against the devnet, configured by a .env as a team does it, with
the fake Slack Web API for cards and signed reactions for approvals."""

from __future__ import annotations

import contextlib
import json
import re
import signal
import sqlite3
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.devnet.services import Devnet
from tests.e2e.processes import card_ref, start_run, wait_until, write_dotenv
from tests.fakes.fake_slack import FakeSlackApi
from tests.fakes.slack_requests import reaction_body, signed_post

SECRET = "0123456789abcdef0123456789abcdef"
TOKEN = "xoxb-devnet-process-token-17"
APPROVER, CHANNEL = "UAPPROVER", "C0CARE"
WAIT = 120.0  # seconds a step may take: seconds when quiet, far more beside other test runs


def write_env(tmp_path: Path, devnet: Devnet, service_url: str, slack: FakeSlackApi) -> None:
    write_dotenv(
        tmp_path,
        {
            "CAREOPS_DATA_DIR": str(tmp_path / "data"),
            "CAREOPS_POLL_SECONDS": "0.5",
            "CAREOPS_BRAND_HANDLES": devnet.brand["handle"],
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_CHANNEL": CHANNEL,
            "SLACK_APPROVERS": APPROVER,
            "SLACK_API_URL": slack.url,
            "SLACK_PACE_SECONDS": "0",
            "BLUESKY_HANDLE": devnet.brand["handle"],
            "BLUESKY_APP_PASSWORD": devnet.brand["app_password"],
            "BLUESKY_SERVICE_URL": service_url,
        },
    )


@dataclass
class CareopsRun:
    """One `careops run` process; its output is read all along (never a full pipe)."""

    tmp_path: Path
    proc: subprocess.Popen[str]
    url: str
    output: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    @classmethod
    def start(cls, tmp_path: Path) -> CareopsRun:
        proc, first = start_run(
            tmp_path,
            "--http",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            ready="listening on",
            files=False,
        )
        match = re.search(r"http://[\d.]+:\d+", first)
        assert match, first
        run = cls(tmp_path, proc, match.group(0), [first])
        run.reader = threading.Thread(target=run._drain, daemon=True)
        run.reader.start()
        return run

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)

    def approve(self, case_id: str, event_id: str) -> None:
        """React ✅ on the case's card, as an approver does, once careops has posted it."""
        ref = wait_until(lambda: card_ref(self.tmp_path, case_id), WAIT, f"the card of {case_id}")
        channel, ts = ref.split("/")
        body = reaction_body("white_check_mark", APPROVER, channel, ts, event_id)
        assert signed_post(self.url, SECRET, body)[0] == 200

    def kill_9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self._close()

    def _close(self) -> None:
        if self.reader is not None:
            self.reader.join(10)  # the pipe ends with the process
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def stop(self) -> None:
        """SIGTERM, as a service manager stops it; it must end cleanly."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                raise AssertionError("careops run did not stop on SIGTERM") from None
            finally:
                self._close()
        assert self.proc.returncode in (0, -signal.SIGKILL), self.log()

    def log(self) -> str:
        return "".join(self.output)


def rows(tmp_path: Path, sql: str, *args: str) -> list[tuple[Any, ...]]:
    """Rows from the running careops's database (read-only)."""
    db = tmp_path / "data" / "careops.db"
    if not db.exists():
        return []
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return list(conn.execute(sql, args).fetchall())


def case_state(tmp_path: Path, case_id: str) -> str | None:
    found = rows(tmp_path, "SELECT state FROM cases WHERE id = ?", case_id)
    return str(found[0][0]) if found else None


def outbox(tmp_path: Path, case_id: str) -> list[dict[str, Any]]:
    sql = "SELECT state, text, remote_id, attempts FROM outbox WHERE case_id = ?"
    keys = ("state", "text", "remote_id", "attempts")
    return [dict(zip(keys, row, strict=True)) for row in rows(tmp_path, sql, case_id)]


def brand_replies(devnet: Devnet, uri: str) -> list[dict[str, Any]]:
    """The brand's replies directly under the post `uri`, as the AppView shows the thread."""
    return [r for r in devnet.thread(uri)["replies"] if r["author"] == devnet.brand["handle"]]


def final_card(slack: FakeSlackApi, reply_uri: str) -> bool:
    """Whether a card update links the published reply."""
    rkey = reply_uri.rsplit("/", 1)[-1]
    return any(rkey in json.dumps(call.params) for call in slack.calls_to("chat.update"))
