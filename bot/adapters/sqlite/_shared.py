"""What the SQL modules shared by both stores (operations state, crisis groups) need
from a store: rows for a query, a statement, one transaction, whether a table exists.

That SQL reads the same on SQLite and PostgreSQL (`?` placeholders, `ON CONFLICT DO
NOTHING`, `RETURNING`, quoted `"user"`); the PostgreSQL store turns `?` into `%s`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from bot.core.ports import Store


class SqlResult(Protocol):
    @property
    def rowcount(self) -> int: ...


class SqlConnection(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> SqlResult: ...


class SqlStore(Store, Protocol):
    """A core `Store` whose SQL the shared modules may run too."""

    dialect: str  # "sqlite" | "postgresql": for the few steps only one database has

    @property
    def conn(self) -> SqlConnection: ...

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]: ...

    def has_table(self, name: str) -> bool: ...

    def quarantined(self) -> list[dict[str, Any]]: ...
