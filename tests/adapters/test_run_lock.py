"""One careops run per database: a second is refused with who holds it; a dead one frees it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.adapters.sqlite._run_lock import AlreadyRunning, RunLock, lock_path


def test_a_second_run_on_the_same_database_is_refused_and_named(tmp_path: Path) -> None:
    db = tmp_path / "data" / "careops.db"
    with RunLock(db):
        with pytest.raises(AlreadyRunning) as refused:
            RunLock(db).acquire()
        assert f"pid {os.getpid()} on " in str(refused.value)
        assert "could send the same reply twice" in str(refused.value)
        with RunLock(tmp_path / "other.db"):  # another database is another team's business
            pass
    with RunLock(db):  # released on exit: the next run starts
        pass
    assert lock_path(db) == tmp_path / "data" / "careops.db.run.lock"


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    db = tmp_path / "careops.db"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from bot.adapters.sqlite import RunLock;"
            f" lock = RunLock(Path({str(db)!r})); lock.acquire(); print('held', flush=True);"
            " time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(AlreadyRunning, match=f"pid {holder.pid} "):
            RunLock(db).acquire()
    finally:
        holder.kill()  # as kill -9: no clean-up code runs
        holder.wait(10)
        if holder.stdout is not None:
            holder.stdout.close()
    with RunLock(db):
        pass


def test_an_unreadable_lock_file_still_locks(tmp_path: Path) -> None:
    db = tmp_path / "careops.db"
    with RunLock(db):
        lock_path(db).write_text("not json")
        with pytest.raises(AlreadyRunning, match="holder unknown"):
            RunLock(db).acquire()
