"""Every test here runs against both stores: SQLite (in memory) and PostgreSQL (a fresh
database on the session's server; skipped where PostgreSQL is not installed)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.adapters.sqlite import SqliteStore


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "sqlite":
        db: Any = SqliteStore(":memory:")
    else:
        from bot.adapters.postgres import PostgresStore

        db = PostgresStore(request.getfixturevalue("pg_url"))
    yield db
    db.close()
