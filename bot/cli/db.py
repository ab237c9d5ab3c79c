"""careops db commands: schema migrations, a look at the store, backups and checks."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.adapters.sqlite import MIGRATIONS, backup, integrity_problems
from bot.adapters.stores import describe, open_store
from bot.cli.base import app, fail, settings
from bot.config import Settings

db_app = typer.Typer(
    help="The careops database (SQLite file, or PostgreSQL with CAREOPS_DATABASE_URL).",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Where careops.db lives (env CAREOPS_DATA_DIR).")
]


def _open(config: Settings, **kwargs: Any) -> Any:
    """The configured store, or one clear line (exit 2) when PostgreSQL refuses or is away."""
    from bot.adapters.postgres import DatabaseSettingsError, DatabaseUnavailable

    try:
        return open_store(config, **kwargs)
    except (DatabaseSettingsError, DatabaseUnavailable) as exc:
        raise fail(str(exc)) from None


@db_app.command("migrate")
def migrate(data_dir: DataDir = None) -> None:
    """Create or upgrade the database schema (safe to run any time)."""
    config = settings(data_dir=data_dir)
    where = describe(config)
    store = _open(config, auto_migrate=False)
    applied = store.migrate()
    latest = max(m.version for m in MIGRATIONS)
    if applied:
        typer.echo(f"{where}: applied migrations {', '.join(map(str, applied))}; now at {latest}.")
    else:
        typer.echo(f"{where}: up to date (version {latest}).")
    store.close()


@db_app.command("status")
def status(data_dir: DataDir = None) -> None:
    """Cases by state, quarantine count, and (PostgreSQL) which instance leads."""
    config = settings(data_dir=data_dir)
    if config.database_url is None and not config.database.exists():
        typer.echo(
            f"{config.database}: no database yet (run `careops db migrate` or `careops demo`)."
        )
        raise typer.Exit(0)
    store = _open(config)
    typer.echo(describe(config))
    for state, n in sorted(store.count_by_state().items()):
        typer.echo(f"  {state:<11} {n}")
    typer.echo(f"  quarantined {len(store.quarantined())}")
    if config.database_url is not None:
        from bot.adapters.postgres import leader_line

        typer.echo(f"  {leader_line(store, config.lease_seconds)}")
    store.close()


@db_app.command("backup")
def backup_command(
    target: Annotated[Path, typer.Argument(help="File to write, or a directory to write into.")],
    data_dir: DataDir = None,
) -> None:
    """Copy the database while careops runs (SQLite's online backup): one consistent copy."""
    path = _sqlite_only(settings(data_dir=data_dir), "backup")
    if not path.is_file():
        raise fail(f"{path}: no database to copy")
    try:
        done = backup(path, target)
    except (OSError, sqlite3.DatabaseError) as exc:
        raise fail(f"cannot copy {path} to {target}: {exc}") from None
    problems = integrity_problems(done.target)
    if problems:
        raise fail(f"the copy {done.target} fails its check: {problems[0]}", code=1)
    size = done.bytes / 1_000_000
    typer.echo(f"{path} -> {done.target} ({size:.1f} MB in {done.seconds:.1f} s, checked)")


@db_app.command("check")
def check_command(data_dir: DataDir = None) -> None:
    """Read every page and index of the database (PRAGMA integrity_check); exit 1 if damaged."""
    path = _sqlite_only(settings(data_dir=data_dir), "check")
    if not path.is_file():
        raise fail(f"{path}: no database")
    problems = integrity_problems(path)
    if problems:
        for line in problems:
            typer.echo(f"{path}: {line}", err=True)
        raise fail(
            f"{path} is damaged: stop careops, move the file aside and put back the last"
            " copy made with `careops db backup`",
            code=1,
        )
    typer.echo(f"{path}: ok")


def _sqlite_only(config: Settings, command: str) -> Path:
    if config.database_url is not None:
        raise fail(
            f"careops db {command} is for the SQLite file; PostgreSQL has its own tools"
            " (pg_dump, amcheck): see docs/deploy.md"
        )
    return config.database
