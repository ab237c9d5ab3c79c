"""The one owner of the SQLite connection: its lock, its transactions, every statement.

Everything else in this package (the store's repositories, the examples index) talks
to SQLite through a `Database`: `query` and `execute` run under its lock, and
`transaction()` groups several of them into one commit. The connection is shared by the
loop, the scheduler and Slack's worker, so no other module may hold it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from bot.adapters.sqlite._health import create_private

Row = dict[str, Any]


class Changed(Protocol):
    @property
    def rowcount(self) -> int: ...


class SqlDatabase(Protocol):
    """What the repositories written once for both stores (crisis groups, operations
    state, the read side) need: SQL with `?` placeholders that SQLite and PostgreSQL both
    read (`ON CONFLICT DO NOTHING`, `RETURNING`, a quoted `"user"`). `Database` is SQLite's;
    the PostgreSQL store has its own (bot/adapters/postgres/_sql.py)."""

    dialect: str  # "sqlite" | "postgresql": for the few steps only one database has

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Changed: ...

    def transaction(self) -> AbstractContextManager[object]: ...

    def table_exists(self, name: str) -> bool: ...


class Database:
    """One SQLite file in WAL mode with `synchronous=NORMAL`: a killed process loses
    nothing committed (what the outbox relies on), at a small risk of losing the last
    commits on power loss."""

    dialect = "sqlite"

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        if self.path != ":memory:":
            create_private(Path(self.path))  # 0600: it holds session tokens and posts
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=5000")
        conn.execute("PRAGMA foreign_keys=ON")
        self._conn = conn
        self._lock = threading.RLock()
        self._depth = 0

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._lock:
            cursor = self._conn.execute(sql, params)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows as tuples: for reads of many rows, where a dict per row would cost."""
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self._lock:
            row = self._conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def batches(self, sql: str, size: int) -> Iterator[list[tuple[Any, ...]]]:
        """The rows of a query `size` at a time, as tuples (copying a whole table out);
        the lock is held until the last batch is read."""
        with self._lock:
            cursor = self._conn.execute(sql)
            while batch := cursor.fetchmany(size):
                yield batch

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        """Run one statement (its own commit unless inside `transaction()`)."""
        with self._lock:
            return self._conn.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._lock:
            self._conn.executemany(sql, rows)

    def transaction(self, *, immediate: bool = True) -> Transaction:
        """Group several calls into one commit (nested calls join the outer one)."""
        return Transaction(self, "BEGIN IMMEDIATE" if immediate else "BEGIN")

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    @property
    def changes(self) -> int:
        """Rows this connection has changed so far: a cheap "did anything change"."""
        return self._conn.total_changes

    def table_exists(self, name: str) -> bool:
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        return self.one(sql, (name,)) is not None

    def trace(self, callback: Callable[[str], object] | None) -> None:
        """See every statement run (tests that count writes)."""
        self._conn.set_trace_callback(callback)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class Transaction:
    """BEGIN IMMEDIATE … COMMIT (ROLLBACK on error) under the database's lock; re-entrant."""

    __slots__ = ("begin", "db")

    def __init__(self, db: Database, begin: str) -> None:
        self.db = db
        self.begin = begin

    def __enter__(self) -> None:
        db = self.db
        db._lock.acquire()
        if db._depth == 0:
            try:
                db._conn.execute(self.begin)
            except BaseException:
                db._lock.release()
                raise
        db._depth += 1

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        db = self.db
        try:
            db._depth -= 1
            if db._depth == 0:
                _finish(db._conn, commit=kind is None)
        finally:
            db._lock.release()


def _finish(conn: sqlite3.Connection, *, commit: bool) -> None:
    """COMMIT or ROLLBACK; a COMMIT that fails (disk full …) is rolled back, never left open."""
    if not commit:
        conn.execute("ROLLBACK")
        return
    try:
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
