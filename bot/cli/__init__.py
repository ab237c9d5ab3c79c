"""Command line: `careops <command>`. Each module registers its own commands."""

from __future__ import annotations

import sqlite3

import typer

from bot.cli import (  # noqa: F401  (registers commands)
    check,
    db,
    db_copy,
    demo,
    draft,
    eval,
    imports,
    lint,
    ops,
    run,
    train,
    triage,
)
from bot.cli.base import app


def main() -> None:
    try:
        app()
    except sqlite3.DatabaseError as exc:  # a damaged or locked database: one line, no traceback
        typer.secho(
            f"error: the careops database cannot be used ({exc}): `careops db check` says more",
            err=True,
            fg=typer.colors.RED,
        )
        raise SystemExit(2) from None
