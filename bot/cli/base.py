"""The typer application and the options every command shares.

Each area registers its commands in its own module (`bot/cli/<area>.py`) with
`@app.command()`. `COMMANDS` lists them with their module, and a module is imported
only when its command runs (`LazyCommands`): `careops lint` and `careops --help` do not
pay for Slack, the store or matplotlib. Settings are read when a command asks.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer._click.core import Command, Context  # typer bundles its own click
from typer._click.formatting import HelpFormatter
from typer.core import TyperGroup

if TYPE_CHECKING:
    from bot.config import Settings

# name -> (modules that register it, its line in `careops --help`); a test checks that
# each line is the command's own help.
COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "check": (
        ("bot.cli.check",),
        "Verify careops.toml, Slack and each configured network account; exit 1 if any is wrong.",
    ),
    "db": (
        ("bot.cli.db", "bot.cli.db_copy"),
        "The careops database (SQLite file, or PostgreSQL with CAREOPS_DATABASE_URL).",
    ),
    "demo": (
        ("bot.cli.demo",),
        "Run the whole loop on sample mentions in this terminal: no credentials, no network.",
    ),
    "draft": (
        ("bot.cli.draft",),
        "Draft a reply for TEXT: triage, draft (OpenAI when OPENAI_API_KEY is set), lint.",
    ),
    "eval": (
        ("bot.cli.eval",),
        "Drafts beside the brands' real replies: rule pass rates, length, whether a reply"
        " names a detail of the post, and triage's intent against hand labels.",
    ),
    "import": (
        ("bot.cli.imports",),
        "Bring past mentions into the store (a backlog from another tool), drafted offline.",
    ),
    "lint": (("bot.cli.lint",), "Check a reply (the argument, or stdin) against the rules."),
    "manifest": (
        ("bot.cli.run",),
        "Print the Slack app manifest (YAML) to create the careops app.",
    ),
    "oncall": (
        ("bot.cli.ops",),
        "Who is on call (rotation from careops.toml plus /care cover).",
    ),
    "purge": (
        ("bot.cli.ops",),
        "Delete one person's data on their request: cases, drafts, replies sent, audit rows,"
        " drafting examples and their index, quarantined posts that name them.",
    ),
    "report": (
        ("bot.cli.ops",),
        "Response-time report: median/p90 first reply, answered in time, per network/person.",
    ),
    "run": (
        ("bot.cli.run",),
        "Run careops in Slack: cards in SLACK_CHANNEL, reactions, buttons, /care, App Home.",
    ),
    "train": (
        ("bot.cli.train",),
        "Train the intent model (scikit-learn) and write it where triage reads it.",
    ),
    "triage": (
        ("bot.cli.triage",),
        "Show how careops sorts a post: intent, sentiment, priority, language, topic, risk.",
    ),
}


class LazyCommands(TyperGroup):
    """The command group: a command's module is imported when the command is asked for;
    the list in `--help` comes from COMMANDS without importing anything."""

    def list_commands(self, ctx: Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name not in COMMANDS:
            return None
        for module in COMMANDS[cmd_name][0]:
            importlib.import_module(module)
        group = typer.main.get_group(app)  # now with the command registered
        return group.commands.get(cmd_name)

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, text) for name, (_, text) in sorted(COMMANDS.items())])


app = typer.Typer(
    name="careops",
    cls=LazyCommands,
    help="Social customer care from Slack: mentions in, rule-checked replies out, exactly once.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
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
    from bot.config import load_settings
    from bot.logging_setup import configure_logging

    loaded = load_settings(**{**_overrides, **overrides})
    if not _logging_ready:
        configure_logging(loaded)
        _logging_ready.append(True)
    return loaded


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a plain error for a person (no traceback) and return the exit to raise."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)
