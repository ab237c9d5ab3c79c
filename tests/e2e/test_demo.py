"""`careops demo` end to end, in subprocesses: outbox, re-runs, no terminal, crashes."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest

from bot.adapters.files import JsonlOutbox
from bot.adapters.sqlite import SqliteStore
from bot.core.clock import FakeClock
from bot.core.models import Case, CaseState, OutboxState

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
OUTBOX_FIELDS = {"network", "in_reply_to", "text", "draft_id", "published_at"}
SAMPLES = [
    json.loads(line)
    for line in resources.files("bot.samples").joinpath("mentions.jsonl").read_text().splitlines()
    if line.strip()
]
QUARANTINE_REASONS = (
    "bad JSON",
    "missing fields: author, created_at",
    "line too large",
    "not UTF-8",
)

# Runs the real `careops demo --approve-all`, but SIGKILLs itself around the Nth reply
# written to the outbox: "before" the line is written or "after" it, before the
# database hears that the reply went out.
CRASHING_DEMO = """
import os, signal, sys
from bot.adapters.files import _jsonl as files
from bot.cli import main

when, nth, data_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
original = files.JsonlOutbox.publish
calls = []

def publish(self, item):
    calls.append(item.draft_id)
    if len(calls) == nth and when == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    result = original(self, item)
    if len(calls) == nth and when == "after":
        os.kill(os.getpid(), signal.SIGKILL)
    return result

files.JsonlOutbox.publish = publish
sys.argv = ["careops", "demo", "--approve-all", "--data-dir", data_dir]
main()
"""


def clean_env(home: Path) -> dict[str, str]:
    """No careops, Slack, model or editor settings leak in from the developer's shell."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "PYTHONPATH": str(REPO),
        "LANG": "C.UTF-8",
        "COLUMNS": "220",  # wide enough that long temp paths are not wrapped
    }


def careops(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env={**clean_env(tmp_path), **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = careops(tmp_path, "demo", *args, "--data-dir", str(tmp_path / "data"))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    return done


def outbox_rows(tmp_path: Path, data: str = "data") -> list[dict[str, object]]:
    lines = (tmp_path / data / "outbox.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines]


def summary(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout.split("Summary", 1)[1]


def settled(tmp_path: Path) -> dict[CaseState, list[Case]]:
    store = SqliteStore(tmp_path / "data" / "careops.db")
    try:
        return {state: store.cases([state]) for state in CaseState}
    finally:
        store.close()


def test_approve_all_publishes_each_reply_once_and_a_second_run_publishes_nothing(
    tmp_path: Path,
) -> None:
    first = summary(demo(tmp_path, "--approve-all"))
    cases = settled(tmp_path)
    published, spam = cases[CaseState.PUBLISHED], cases[CaseState.DISMISSED]
    by_hand = cases[CaseState.IN_REVIEW]
    assert len(published) + len(spam) + len(by_hand) == len(SAMPLES)
    assert all(c.network.value == "x" and not c.mention.summoned for c in by_hand)
    assert all(c.dismissed_reason.startswith("spam") for c in spam)

    rows = outbox_rows(tmp_path)
    assert all(set(row) == OUTBOX_FIELDS for row in rows)
    assert len({row["draft_id"] for row in rows}) == len(rows) == len(published) > 0
    assert sorted(r["draft_id"] for r in rows) == sorted(c.draft_id for c in published)
    assert sorted(r["in_reply_to"] for r in rows) == sorted(
        c.mention.external_id for c in published
    )
    assert all(str(row["text"]).strip() for row in rows)
    assert f"New cases:      {len(SAMPLES)}" in first
    assert f"Approved:       {len(published)}" in first
    assert f"Published:      {len(published)} → {tmp_path / 'data' / 'outbox.jsonl'}" in first
    assert f"Answer by hand: {len(by_hand)}" in first
    assert "Quarantined:    4" in first
    for reason in QUARANTINE_REASONS:
        assert reason in first

    before = (tmp_path / "data" / "outbox.jsonl").read_bytes()
    second = summary(demo(tmp_path, "--approve-all"))
    assert (tmp_path / "data" / "outbox.jsonl").read_bytes() == before
    assert "New cases:      0" in second
    assert f"Duplicates:     {len(SAMPLES)}" in second
    assert f"Published:      nothing new; {len(published)} replies already in" in second
    assert "Approved:       0" in second
    assert "Quarantined:    4" in second


def test_without_a_terminal_only_drafts_passing_every_rule_are_published(tmp_path: Path) -> None:
    (tmp_path / "careops.toml").write_text("[x.prices]\npost_with_url = 0.25\n")
    done = careops(tmp_path, "demo")  # no --data-dir: .careops/demo/ in the working directory
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "No terminal on stdin: approving drafts that pass every rule." in done.stdout
    assert "💸 On X this reply costs $0.25 (link) · $0.015 without" in done.stdout  # the team's
    assert not (tmp_path / ".careops" / "careops.db").exists()  # the run's database: untouched
    store = SqliteStore(tmp_path / ".careops" / "demo" / "careops.db")
    published = store.cases([CaseState.PUBLISHED])
    dismissed = store.cases([CaseState.DISMISSED])
    assert len(published) > 0
    assert all(store.get_draft(c.draft_id).lint.ok for c in published)
    assert all(not store.get_draft(c.draft_id).lint.ok for c in dismissed if c.draft_id)
    assert sorted(r["draft_id"] for r in outbox_rows(tmp_path, ".careops/demo")) == sorted(
        c.draft_id for c in published
    )
    assert f"Approved:       {len(published)}" in summary(done)
    store.close()


def crash(tmp_path: Path, when: str, nth: int) -> None:
    data = str(tmp_path / "data")
    done = subprocess.run(
        [sys.executable, "-c", CRASHING_DEMO, when, str(nth), data],
        cwd=tmp_path,
        env=clean_env(tmp_path),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == -9, done.stderr  # it really died mid-publish


def test_killed_mid_publish_the_next_start_reconciles_nothing_lost_nothing_twice(
    tmp_path: Path,
) -> None:
    crash(tmp_path, "after", 1)  # reply written, database not told
    assert len(outbox_rows(tmp_path)) == 1
    crash(tmp_path, "after", 5)  # reconciles the first, then dies after five more
    assert len(outbox_rows(tmp_path)) == 6
    crash(tmp_path, "before", 1)  # dies with a row in `publishing` and no reply
    assert len(outbox_rows(tmp_path)) == 6

    done = demo(tmp_path, "--approve-all")
    assert "interrupted earlier, confirmed in the outbox, not sent again" in done.stdout
    ids = [r["draft_id"] for r in outbox_rows(tmp_path)]
    assert len(ids) == len(set(ids))

    store = SqliteStore(tmp_path / "data" / "careops.db")
    published = store.cases([CaseState.PUBLISHED])
    assert sorted(c.draft_id for c in published) == sorted(ids)
    assert store.outbox([OutboxState.PENDING, OutboxState.PUBLISHING, OutboxState.FAILED]) == []
    store.close()
    outbox = JsonlOutbox(tmp_path / "data" / "outbox.jsonl", FakeClock())
    assert set(outbox.published()) == set(ids)


def test_unwritable_data_dir_from_the_environment_is_a_plain_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    done = careops(tmp_path, "demo", "--approve-all", CAREOPS_DATA_DIR=str(blocker / "data"))
    assert done.returncode == 2
    assert f"error: {blocker / 'data'}" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


class Terminal:
    """`careops demo` on a pseudo-terminal: wait for each key prompt, press a key."""

    PROMPT = b"help > "

    def __init__(self, tmp_path: Path) -> None:
        argv = [sys.executable, "-m", "bot", "demo", "--data-dir", str(tmp_path / "data")]
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child becomes the demo, its stdin a terminal
            os.chdir(tmp_path)
            os.execve(sys.executable, argv, {**clean_env(tmp_path), "TERM": "dumb"})
        self.seen = b""
        self.answered = 0

    def _read(self, done: Callable[[], bool], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            if select.select([self.fd], [], [], 0.2)[0]:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:  # the demo ended and closed the terminal
                    return
                if not chunk:
                    return
                self.seen += chunk

    def press(self, key: str) -> None:
        self._read(lambda: self.seen.count(self.PROMPT) > self.answered)
        assert self.seen.count(self.PROMPT) > self.answered, self.seen.decode(errors="replace")
        self.answered += 1
        os.write(self.fd, key.encode())

    def finish(self) -> str:
        self._read(lambda: False)
        deadline = time.monotonic() + 10
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        while pid == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        if pid == 0:  # still running: stop it and fail
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            pytest.fail("the demo did not finish:\n" + self.seen.decode(errors="replace"))
        assert os.waitstatus_to_exitcode(status) == 0
        return self.seen.decode("utf-8", "replace").replace("\r\n", "\n")


def test_on_a_terminal_each_key_decides_a_case(tmp_path: Path) -> None:
    term = Terminal(tmp_path)
    for key in ("?", "a", "d", "s", "q"):
        term.press(key)
    seen = term.finish()
    assert "approve: the reply goes to the outbox" in seen  # the help
    assert "Approved: publishing." in seen and "Dismissed." in seen
    assert "Skipped: it stays open for later." in seen
    assert "Approved:       1" in seen and "Published:      1 →" in seen
    cases = settled(tmp_path)
    assert len(cases[CaseState.PUBLISHED]) == 1
    assert len(outbox_rows(tmp_path)) == 1
    assert "Left to review:" in seen
