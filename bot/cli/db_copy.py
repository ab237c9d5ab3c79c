"""`careops db copy`: the SQLite store, every table, into PostgreSQL."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.base import fail, settings
from bot.cli.db import DataDir, db_app


@db_app.command("copy")
def copy(
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="postgresql://user:password@host:5432/db to copy into;"
            " default CAREOPS_DATABASE_URL (keeps the password off the command line).",
        ),
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Empty a target that already holds rows first.")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Copy the SQLite store, every table, into PostgreSQL (counts checked per table)."""
    from bot.adapters.postgres import (
        CopyRefused,
        DatabaseSettingsError,
        DatabaseUnavailable,
        PostgresStore,
        copy_store,
        display,
    )
    from bot.adapters.sqlite import AlreadyRunning, RunLock, SqliteStore

    config = settings(data_dir=data_dir)
    if to is None and config.database_url is None:
        raise fail("say where to copy: --to postgresql://… or CAREOPS_DATABASE_URL")
    to = to or config.database_url.get_secret_value()  # type: ignore[union-attr]
    if not config.database.exists():
        raise fail(f"{config.database}: no SQLite database to copy")
    try:
        with RunLock(config.database):  # no careops run may write while rows are read
            source = SqliteStore(config.database)
            target = PostgresStore(to)
            try:
                copied = copy_store(source, target, replace=replace)
            finally:
                source.close()
                target.close()
    except (AlreadyRunning, CopyRefused, DatabaseSettingsError, DatabaseUnavailable) as exc:
        raise fail(str(exc).replace(to, display(to))) from None
    for table in copied:
        typer.echo(f"  {table.table:<22} {table.rows:>9} rows")
    total = sum(t.rows for t in copied)
    typer.echo(
        f"{config.database} -> {display(to)}: {len(copied)} tables, {total} rows, counts match."
    )
