"""The SQLite store's own file: WAL mode, migrations on a real file, reopening it.
(Every repository test runs on both stores in tests/store_contract/.)"""

from __future__ import annotations

import sqlite3

from bot.adapters.sqlite import MIGRATIONS, SqliteStore
from bot.core.models import Case, CaseState
from tests.conftest import make_mention


def a_case(clock, external_id="1") -> Case:
    m = make_mention(external_id)
    return Case(m.case_id, m, CaseState.NEW, clock.now(), clock.now())


def test_migrations_apply_once_on_a_real_file_in_wal_mode(tmp_path):
    path = tmp_path / "careops.db"
    first = SqliteStore(path, auto_migrate=False)
    assert first.migrate() == sorted(m.version for m in MIGRATIONS)
    assert first.migrate() == []
    first.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    versions = [r[0] for r in conn.execute("SELECT version FROM migrations ORDER BY version")]
    assert versions == sorted(m.version for m in MIGRATIONS)
    conn.close()


def test_data_survives_reopening_the_file(tmp_path, clock):
    path = tmp_path / "careops.db"
    store = SqliteStore(path)
    store.save_case(a_case(clock), None)
    store.close()
    assert SqliteStore(path).get_case("x:1") is not None
