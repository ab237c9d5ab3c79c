"""careops db commands: schema migrations and a look at the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.adapters.sqlite import MIGRATIONS, SqliteStore
from bot.cli.base import app, settings

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
