"""Command line: `careops <command>`. Each module registers its own commands."""

from __future__ import annotations

from bot.app import tune_gc
from bot.cli import check, db, demo, draft, eval, lint, ops, run  # noqa: F401  (registers commands)
from bot.cli.base import app


def main() -> None:
    tune_gc()
    app()
