"""Command line: `careops <command>`. Each module registers its own commands; a module
is imported when its command runs (bot/cli/base.py: COMMANDS)."""

from __future__ import annotations

import sqlite3

import typer

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
