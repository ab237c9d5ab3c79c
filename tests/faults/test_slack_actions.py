"""Slack actions under faults, on the real `careops run --http` process: killed right
after Slack got its 200, the database locked past its busy timeout, the disk full."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import pytest

from tests.e2e.processes import wait_until
from tests.fakes.fake_slack import FakeSlackApi
from tests.faults.harness import (
    APPROVER,
    approve,
    card_of,
    careops_http,
    case_state,
    dotenv,
    outbox_lines,
    write_locked,
)

pytestmark = pytest.mark.slow


def published(tmp_path: Path, count: int) -> list[dict[str, object]]:
    wait_until(lambda: len(outbox_lines(tmp_path)) >= count, 20, f"{count} outbox line(s)")
    return outbox_lines(tmp_path)


def test_sigkill_right_after_the_200_of_a_checkmark_then_a_restart_publishes_once(
    tmp_path: Path,
) -> None:
    """Twice: once as it comes, once with the database held so the work cannot have been
    stored before the kill (only the journal has it)."""
    db = tmp_path / "data" / "careops.db"
    with FakeSlackApi() as api:
        dotenv(tmp_path, api.url)
        with careops_http(tmp_path, api) as run:
            first, second = card_of(tmp_path, "9001"), card_of(tmp_path, "9002")
            assert approve(run.base, first, "EvKill1") == 200
            os.kill(run.proc.pid, signal.SIGKILL)
            run.proc.wait(10)
        with careops_http(tmp_path, api) as run:
            assert [line["in_reply_to"] for line in published(tmp_path, 1)] == ["9001"]
            with write_locked(db):
                assert approve(run.base, second, "EvKill2") == 200
                os.kill(run.proc.pid, signal.SIGKILL)
                run.proc.wait(10)
            assert case_state(tmp_path, "x:9002") == "in_review"  # the kill won the race
        with careops_http(tmp_path, api) as run:
            lines = published(tmp_path, 2)
            output = run.stop()
    assert sorted(line["in_reply_to"] for line in lines) == ["9001", "9002"]
    assert "replaying Slack action" in output
    assert "Traceback" not in output


def test_the_database_locked_past_its_busy_timeout_during_an_approval(tmp_path: Path) -> None:
    """Slack still gets its 200 at once; the reply goes out after the lock, exactly once,
    and the log says so in a line or two, not one per retry."""
    db = tmp_path / "data" / "careops.db"
    with FakeSlackApi() as api:
        dotenv(tmp_path, api.url)
        with careops_http(tmp_path, api) as run:
            ts = card_of(tmp_path, "9101")
            released = threading.Event()
            with write_locked(db):
                assert approve(run.base, ts, "EvLock") == 200
                threading.Timer(6.5, released.set).start()  # past the 5 s busy timeout
                released.wait(10)
                assert outbox_lines(tmp_path) == []
            lines = published(tmp_path, 1)
            wait_until(lambda: case_state(tmp_path, "x:9101") == "published", 10, "published")
            output = run.stop()
    assert [line["in_reply_to"] for line in lines] == ["9101"]
    assert output.count("database is locked") <= 4, output
    assert "Traceback" not in output.split("database is locked")[-1]


def test_disk_full_during_an_approval_is_told_and_works_once_there_is_room(
    tmp_path: Path, tmpfs: Path
) -> None:
    with FakeSlackApi() as api:
        dotenv(tmp_path, api.url)
        with careops_http(tmp_path, api) as run:
            ts = card_of(tmp_path, "9201")
            filler = tmpfs / "filler"
            with filler.open("wb", buffering=0) as handle:  # nothing left to flush at close
                try:
                    while True:
                        handle.write(b"\0" * 65536)
                except OSError:
                    pass  # ENOSPC: the disk is full
            assert approve(run.base, ts, "EvFull1") == 200
            told = api.wait_for("chat.postEphemeral", timeout=10)[0].params
            assert told["user"] == APPROVER
            assert told["text"].startswith("Not saved (database or disk is full)")
            assert case_state(tmp_path, "x:9201") == "in_review"
            filler.unlink()
            assert approve(run.base, ts, "EvFull2") == 200
            lines = published(tmp_path, 1)
            output = run.stop()
    assert [line["in_reply_to"] for line in lines] == ["9201"]
    assert "Traceback" not in output.split("is full")[-1]
