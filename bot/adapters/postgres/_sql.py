"""Running SQL on the pool: one connection per thread inside `transaction()`, a pooled
connection per statement outside it; SQL written with SQLite's `?` placeholders.

The repositories that both stores share (operations state, crisis groups) are written
once, in SQL both databases read, with `?` placeholders; `pg()` turns them into
psycopg's `%s`. `SqlConnection` gives those modules the `execute(sql, params)` call
they use on SQLite.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

Row = dict[str, Any]


@lru_cache(maxsize=512)
def pg(sql: str) -> bytes:
    """SQL with `?` placeholders as psycopg wants it (`%s`, a literal `%` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s").encode()


class Result:
    """What a statement returned, read before its connection went back to the pool."""

    __slots__ = ("rowcount", "rows")

    def __init__(self, rowcount: int, rows: list[Row]) -> None:
        self.rowcount = rowcount
        self.rows = rows

    def fetchone(self) -> Row | None:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[Row]:
        return list(self.rows)


class Sql:
    """The pool, and the thread's open transaction if it has one."""

    def __init__(self, pool: ConnectionPool[Any]) -> None:
        self.pool = pool
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[Any]]:
        """One commit for everything inside; nested use joins the outer transaction."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            yield conn
            return
        with self.pool.connection() as conn, conn.transaction():
            self._local.conn = conn
            try:
                yield conn
            finally:
                self._local.conn = None

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """The thread's transaction connection, or a pooled one (autocommit)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            yield conn
            return
        with self.pool.connection() as pooled:
            yield pooled

    def run(self, sql: str | bytes, params: Sequence[Any] | dict[str, Any] = ()) -> Result:
        # without parameters psycopg reads `%` as it is
        query = (pg(sql) if params else sql.encode()) if isinstance(sql, str) else sql
        with self.connection() as conn:
            cursor = conn.cursor(row_factory=dict_row)
            cursor.execute(query, params or None)
            rows = cursor.fetchall() if cursor.description else []
            return Result(cursor.rowcount, rows)

    def rows(self, sql: str | bytes, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        return self.run(sql, params).rows

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        with self.connection() as conn, conn.cursor() as cursor:
            cursor.executemany(pg(sql), rows)


class SqlConnection:
    """`store.conn` for the shared SQL modules: `execute(sql, params)` and `executemany`."""

    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        return self._sql.run(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._sql.many(sql, rows)


class PgDatabase:
    """The `SqlDatabase` the repositories written once for both stores run on (crisis
    groups, operations state, the read side): `?` placeholders, rows as dicts."""

    dialect = "postgresql"

    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._sql.rows(sql, params)

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows as tuples (every column of `sql` needs a distinct name)."""
        return [tuple(row.values()) for row in self._sql.rows(sql, params)]

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self._sql.rows(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else next(iter(row.values()))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        return self._sql.run(sql, params)

    def transaction(self) -> AbstractContextManager[object]:
        return self._sql.transaction()

    def table_exists(self, name: str) -> bool:
        return bool(self.scalar("SELECT to_regclass(?) IS NOT NULL", (name,)))
