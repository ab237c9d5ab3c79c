"""Command line: `careops <command>`. Each module registers its own commands."""

from __future__ import annotations

from bot.app import tune_gc
from bot.cli import (  # noqa: F401  (registers commands)
    check,
    db,
    db_copy,
    demo,
    draft,
    eval,
    lint,
    ops,
    run,
    train,
    triage,
)
from bot.cli.base import app


def main() -> None:
    tune_gc()
    app()
