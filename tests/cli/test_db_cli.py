"""`careops db backup` and `careops db check` on a database another connection is using."""

from __future__ import annotations

import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.adapters.sqlite import SqliteStore
from bot.cli import app
from tests.conftest import make_mention
from tests.core.test_jobs import add_case

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CAREOPS_CONFIG", raising=False)
    return tmp_path


def cli(home: Path, *args: str):
    return CliRunner().invoke(app, list(args), env={"CAREOPS_DATA_DIR": str(home / "data")})


def test_database_files_are_private_from_the_start(home: Path) -> None:
    store = SqliteStore(home / "data" / "careops.db")
    store.set_setting("bluesky.session", "a session token")
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (home / "data").iterdir()}
    store.close()
    assert modes == {"careops.db": 0o600, "careops.db-wal": 0o600, "careops.db-shm": 0o600}
    assert stat.S_IMODE((home / "data").stat().st_mode) == 0o700


def test_backup_copies_a_database_in_use_consistently_and_privately(home: Path) -> None:
    store = SqliteStore(home / "data" / "careops.db")
    for n in range(50):
        add_case(store, make_mention(str(n)), NOW)
    store.db.execute("BEGIN IMMEDIATE")  # a writer in the middle of a transaction
    store.db.execute("DELETE FROM cases")
    try:
        done = cli(home, "db", "backup", str(home / "copy.db"))
    finally:
        store.db.execute("ROLLBACK")
    assert done.exit_code == 0, done.output
    assert "copy.db" in done.output and "checked" in done.output
    with sqlite3.connect(home / "copy.db") as copy:
        assert copy.execute("SELECT count(*) FROM cases").fetchone() == (50,)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert stat.S_IMODE((home / "copy.db").stat().st_mode) == 0o600
    again = cli(home, "db", "backup", str(home / "copy.db"))
    assert again.exit_code == 2 and "exists" in again.output
    into_dir = cli(home, "db", "backup", str(home))
    assert into_dir.exit_code == 0 and len(list(home.glob("careops-*.db"))) == 1
    store.close()


def test_check_says_ok_or_names_the_damage_and_what_to_do(home: Path) -> None:
    assert cli(home, "db", "check").exit_code == 2  # no database yet
    store = SqliteStore(home / "data" / "careops.db")
    for n in range(300):
        add_case(store, make_mention(str(n), "a long complaint " * 20), NOW)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    ok = cli(home, "db", "check")
    assert ok.exit_code == 0 and ok.output.strip().endswith("careops.db: ok")
    db = home / "data" / "careops.db"
    data = bytearray(db.read_bytes())
    page = 4096
    data[page * 5 : page * 5 + 200] = b"\xff" * 200  # a page in the middle is garbage
    db.write_bytes(bytes(data))
    bad = cli(home, "db", "check")
    assert bad.exit_code == 1
    assert "is damaged" in bad.output and "careops db backup" in bad.output
