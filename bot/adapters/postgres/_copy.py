"""`careops db copy`: every table of a SQLite store into a PostgreSQL store.

Tables are found in the source (so a table added by a later migration is copied too),
rows go over with COPY in one transaction, identity counters continue after the
copied ids, and the row count of every table is compared at the end: a copy that
does not match rolls back and says which table. A target that already holds rows is
refused unless the caller asks to replace them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import sql

from bot.adapters.postgres._store import PostgresStore
from bot.adapters.sqlite import SqliteStore

SKIPPED = {"migrations"}  # each store records its own
EXAMPLES, EXAMPLES_FTS = "drafting_examples", "drafting_examples_fts"
BATCH = 2_000


class CopyRefused(RuntimeError):
    """The copy cannot start or did not match; nothing was changed in the target."""


@dataclass(frozen=True)
class TableCopy:
    table: str
    rows: int


def data_tables(source: SqliteStore) -> list[str]:
    """The source's own tables: no SQLite internals, full-text tables or their shadows."""
    rows = source.db.query("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")
    virtual = [r["name"] for r in rows if str(r["sql"]).upper().startswith("CREATE VIRTUAL")]
    return [
        r["name"]
        for r in rows
        if not r["name"].startswith("sqlite_")
        and r["name"] not in SKIPPED
        and not any(r["name"] == v or r["name"].startswith(v + "_") for v in virtual)
    ]


def copy_store(source: SqliteStore, target: PostgresStore, *, replace: bool) -> list[TableCopy]:
    """Copy every data table; returns the rows per table (checked equal on both sides)."""
    _same_schema(source, target)
    tables = data_tables(source)
    missing = [t for t in tables if not target.has_table(t)]
    if missing:
        raise CopyRefused(f"the target has no table {', '.join(missing)}: is it migrated?")
    filled = [t for t in tables if _count(target, t)]
    if filled and not replace:
        raise CopyRefused(
            f"the target already holds rows ({', '.join(filled)}); use --replace to empty it first"
        )
    with target.sql.transaction() as conn:
        if filled:
            names = sql.SQL(", ").join(map(sql.Identifier, [*tables, EXAMPLES_FTS]))
            conn.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY").format(names))
        for table in tables:
            _copy_table(source, conn, table)
        if EXAMPLES in tables:
            conn.execute(
                "INSERT INTO drafting_examples_fts (rowid, mention_text)"
                " SELECT rowid, mention_text FROM drafting_examples"
            )
        _continue_identities(conn)
        result = [TableCopy(t, _check_count(source, target, t)) for t in tables]
    return result


def _same_schema(source: SqliteStore, target: PostgresStore) -> None:
    mine = {r["version"] for r in source.db.query("SELECT version FROM migrations")}
    theirs = {r["version"] for r in target.db.query("SELECT version FROM migrations")}
    if mine != theirs:
        raise CopyRefused(
            f"the two databases are at different migrations ({sorted(mine ^ theirs)}):"
            " run `careops db migrate` on both with the same careops version"
        )


def _count(store: SqliteStore | PostgresStore, table: str) -> int:
    return int(store.db.scalar(f'SELECT count(*) FROM "{table}"'))


def _copy_table(source: SqliteStore, conn: Any, table: str) -> None:
    columns = [r["name"] for r in source.db.query(f'PRAGMA table_info("{table}")')]
    if table == EXAMPLES:
        columns = ["rowid", *columns]  # the full-text rows point at it
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    select = f'SELECT {", ".join(columns)} FROM "{table}"'
    with conn.cursor() as cursor, cursor.copy(statement) as copy:
        for batch in source.db.batches(select, BATCH):
            for row in batch:
                copy.write_row([_clean(v) for v in row])


def _clean(value: Any) -> Any:
    """PostgreSQL text cannot hold NUL (SQLite can, in a quarantined preview)."""
    return value.replace("\x00", "\ufffd") if isinstance(value, str) else value


def _continue_identities(conn: Any) -> None:
    """Ids given by the database (audit, quarantine, overrides …) continue after the
    copied ones."""
    identities = conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND is_identity = 'YES'"
    ).fetchall()
    for table, column in identities:
        conn.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence({t}, {c}), coalesce(max({col}), 0) + 1,"
                " false) FROM {table}"
            ).format(
                t=sql.Literal(table),
                c=sql.Literal(column),
                col=sql.Identifier(column),
                table=sql.Identifier(table),
            )
        )


def _check_count(source: SqliteStore, target: PostgresStore, table: str) -> int:
    want, got = _count(source, table), _count(target, table)
    if want != got:
        raise CopyRefused(f"{table}: {want} rows in the source but {got} copied; nothing kept")
    return got
