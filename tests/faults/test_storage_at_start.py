"""At start-up: a database careops cannot use stops it with one line naming the file and
what to do; one on a read-only file system is waited for, and careops carries on by
itself once it is writable again."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.adapters.files._jsonl import mention_to_inbox
from bot.adapters.sqlite import SqliteStore
from tests.conftest import make_mention
from tests.e2e.processes import clean_env
from tests.fakes.fake_slack import FakeSlackApi
from tests.faults.harness import careops_http, dotenv, remount

pytestmark = pytest.mark.slow


def run_once(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; main()", "run", "--http", "--port", "0",
         "--source", "file:inbox.jsonl", "--publisher", "file:outbox.jsonl"],
        cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_a_damaged_or_unopenable_database_stops_careops_with_one_line(tmp_path: Path) -> None:
    with FakeSlackApi() as api:
        dotenv(tmp_path, api.url)
        data = tmp_path / "data"
        data.mkdir()
        db = data / "careops.db"
        db.write_bytes(b"this is not a database, it is a shopping list\n" * 100)
        damaged = run_once(tmp_path)
        status = subprocess.run(
            [sys.executable, "-c", "from bot.cli import main; main()", "db", "status"],
            cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        db.unlink()
        db.mkdir()
        not_a_file = run_once(tmp_path)
        db.rmdir()
        data.rmdir()
        data.write_text("a file where the data directory belongs")
        not_a_dir = run_once(tmp_path)
    for done in (damaged, not_a_file, not_a_dir, status):
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr + done.stdout
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert f"{db} is damaged (file is not a database): move it aside" in damaged.stderr
    assert "careops db backup" in damaged.stderr
    assert "cannot be used (file is not a database): `careops db check`" in status.stderr
    assert f"{db} is not a database file: move it aside" in not_a_file.stderr
    assert f"{data} is not a directory: set CAREOPS_DATA_DIR" in not_a_dir.stderr


def test_read_only_at_start_then_writable_carries_on_without_a_restart(
    tmp_path: Path, tmpfs: Path
) -> None:
    SqliteStore(tmpfs / "careops.db").close()  # a database from an earlier run
    remount(tmpfs, "ro")
    with FakeSlackApi() as api:
        dotenv(tmp_path, api.url)
        mention = make_mention("8101", "Where is my parcel? Order 8101.")
        (tmp_path / "inbox.jsonl").write_text(json.dumps(mention_to_inbox(mention)) + "\n")
        with careops_http(tmp_path, api, ready="read-only") as run:
            assert api.calls_to("chat.postMessage") == []
            remount(tmpfs, "rw")
            said = run.lines_until("listening on")
            assert "usable again: starting" in "".join(said)
            posted = api.wait_for("chat.postMessage", timeout=15)[0].params
            assert "8101" in json.dumps(posted["blocks"])
            output = run.stop()
    assert "Traceback" not in "".join(said) + output
