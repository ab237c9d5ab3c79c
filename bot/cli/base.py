"""The typer application and the options every command shares.

Each area registers its commands in its own module (`bot/cli/<area>.py`) with
`@app.command()`; `bot/cli/__init__.py` imports them all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from bot.config import Settings, load_settings
from bot.logging_setup import configure_logging

app = typer.Typer(
    name="careops",
    help="Social customer care from Slack: mentions in, rule-checked replies out, exactly once.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_overrides: dict[str, Any] = {}
_logging_ready: list[bool] = []


@app.callback()
def _global_options(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", help="Team operating file (SLA targets, rotation). Env: CAREOPS_CONFIG."
        ),
    ] = None,
) -> None:
    """careops: social customer care from Slack."""
    if config is not None:
        _overrides["config_path"] = config


def settings(**overrides: Any) -> Settings:
    """Settings from env/.env, the global options, then this command's own flags.

    Also sets up logging (with secrets masked) the first time a command asks.
    """
    loaded = load_settings(**{**_overrides, **overrides})
    if not _logging_ready:
        configure_logging(loaded)
        _logging_ready.append(True)
    return loaded


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a plain error for a person (no traceback) and return the exit to raise."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)
