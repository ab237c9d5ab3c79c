"""careops db commands: schema migrations and a look at the store."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Annotated

import typer

from bot.adapters.sqlite import MIGRATIONS, SqliteStore, backup, integrity_problems
from bot.cli.base import app, fail, settings

db_app = typer.Typer(help="The careops database (SQLite, one file).", no_args_is_help=True)
app.add_typer(db_app, name="db")

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Where careops.db lives (env CAREOPS_DATA_DIR).")
]


@db_app.command("migrate")
def migrate(data_dir: DataDir = None) -> None:
    """Create or upgrade the database schema (safe to run any time)."""
    path = settings(data_dir=data_dir).database
    store = SqliteStore(path, auto_migrate=False)
    applied = store.migrate()
    latest = max(m.version for m in MIGRATIONS)
    if applied:
        typer.echo(f"{path}: applied migrations {', '.join(map(str, applied))}; now at {latest}.")
    else:
        typer.echo(f"{path}: up to date (version {latest}).")
    store.close()


@db_app.command("status")
def status(data_dir: DataDir = None) -> None:
    """Cases by state, outbox and quarantine counts."""
    path = settings(data_dir=data_dir).database
    if not path.exists():
        typer.echo(f"{path}: no database yet (run `careops db migrate` or `careops demo`).")
        raise typer.Exit(0)
    store = SqliteStore(path)
    counts = store.count_by_state()
    typer.echo(f"{path}")
    for state, n in sorted(counts.items()):
        typer.echo(f"  {state:<11} {n}")
    typer.echo(f"  quarantined {len(store.quarantined())}")
    store.close()


@db_app.command("backup")
def backup_command(
    target: Annotated[Path, typer.Argument(help="File to write, or a directory to write into.")],
    data_dir: DataDir = None,
) -> None:
    """Copy the database while careops runs (SQLite's online backup): one consistent copy."""
    path = settings(data_dir=data_dir).database
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
    path = settings(data_dir=data_dir).database
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
