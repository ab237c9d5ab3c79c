"""Helpers for the fault tests: the real `careops run --http` process (tests/e2e/processes.py)
against the fake Slack Web API, with its database broken in the ways a disk breaks."""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.adapters.files._jsonl import mention_to_inbox
from tests.conftest import make_mention
from tests.e2e.processes import card_ref, start_run, wait_until, write_dotenv
from tests.fakes.fake_slack import FakeSlackApi
from tests.fakes.slack_requests import reaction_body, signed_post

SECRET = "0123456789abcdef0123456789abcdef"
TOKEN = "xoxb-faults-token-42"
APPROVER, CHANNEL = "UAPPROVER", "C0CARE"


def dotenv(tmp_path: Path, api_url: str, **extra: str) -> None:
    write_dotenv(
        tmp_path,
        {
            "CAREOPS_DATA_DIR": str(tmp_path / "data"),
            "CAREOPS_POLL_SECONDS": "0.2",
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_CHANNEL": CHANNEL,
            "SLACK_APPROVERS": APPROVER,
            "SLACK_API_URL": api_url,
            "SLACK_PACE_SECONDS": "0",
            **extra,
        },
    )


@dataclass
class Running:
    proc: subprocess.Popen[str]
    base: str  # http://127.0.0.1:PORT
    api: FakeSlackApi
    started: list[str]  # what it said before it was ready

    def lines_until(self, text: str) -> list[str]:
        """Output lines up to and including the first that contains `text`."""
        assert self.proc.stdout is not None
        seen = []
        for line in self.proc.stdout:
            seen.append(line)
            if text in line:
                return seen
        raise AssertionError(f"careops ended without saying {text!r}: {''.join(seen)}")

    def stop(self) -> str:
        """Everything it said (start-up included) once it is gone."""
        if self.proc.poll() is None:
            self.proc.kill()
        out, _ = self.proc.communicate(timeout=10)
        return "".join(self.started) + (out or "")


def base_url(line: str) -> str:
    match = re.search(r"http://[\d.]+:\d+", line)
    assert match, f"careops run did not say where it listens: {line!r}"
    return match.group(0)


@contextlib.contextmanager
def careops_http(
    tmp_path: Path, api: FakeSlackApi, ready: str = "listening on", *, files: bool = True
) -> Iterator[Running]:
    """`careops run --http` on the file inbox and outbox (`files=False`: on the networks
    its .env configures)."""
    before: list[str] = []
    proc, first = start_run(
        tmp_path, "--http", "--host", "127.0.0.1", "--port", "0",
        ready=ready, before=before, files=files,
    )  # fmt: skip
    running = Running(proc, base_url(first) if "listening on" in first else "", api, before)
    try:
        yield running
    finally:
        running.stop()


def remount(path: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(path)], check=True)


def add_mention(tmp_path: Path, external_id: str) -> None:
    mention = make_mention(external_id, f"Where is my parcel? Order {external_id}.")
    with (tmp_path / "inbox.jsonl").open("a", encoding="utf-8") as inbox:
        inbox.write(json.dumps(mention_to_inbox(mention)) + "\n")


def card_of(tmp_path: Path, external_id: str, timeout: float = 15) -> str:
    """Take a mention in and return its card's ts once the running careops stored it."""
    add_mention(tmp_path, external_id)
    ref = wait_until(lambda: card_ref(tmp_path, f"x:{external_id}"), timeout, "the card")
    return str(ref).split("/")[1]


def approve(base: str, ts: str, event_id: str) -> int:
    body = reaction_body("white_check_mark", APPROVER, CHANNEL, ts, event_id)
    return signed_post(base, SECRET, body)[0]


def outbox_lines(tmp_path: Path) -> list[dict[str, object]]:
    path = tmp_path / "outbox.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def case_state(tmp_path: Path, case_id: str) -> str:
    db = tmp_path / "data" / "careops.db"
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        row = conn.execute("SELECT state FROM cases WHERE id = ?", (case_id,)).fetchone()
    return str(row[0]) if row else ""


@contextlib.contextmanager
def write_locked(db: Path) -> Iterator[None]:
    """Another program holding a write transaction on the database (an open `sqlite3`
    shell, a backup tool): careops's writes wait past their busy timeout and fail."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()
