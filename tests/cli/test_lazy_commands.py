"""`careops` imports a command's module only when that command runs: `--help`,
`careops lint` and `careops triage` stay quick (the start-up figures are in `make bench`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import typer.main
from typer._click.core import Context

from bot.cli import app
from bot.cli.base import COMMANDS

HEAVY = (
    "slack_bolt",
    "slack_sdk",
    "matplotlib",
    "numpy",
    "bot.app",
    "bot.careops",
    "bot.adapters.sqlite",
    "openai",
    "pydantic",  # Settings: commands that connect to something
    "bot.core.drafting",
    "bot.adapters.slack._runtime",  # the bolt app and its listeners
)


def modules_after(*argv: str) -> list[str]:
    """The heavy modules a real `careops ARGV` process has imported when it exits (and
    'the intent model' when it read it)."""
    code = (
        "import atexit, json, sys\n"
        "def loaded():\n"
        f"    found = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "    intent = sys.modules.get('bot.core.intent')\n"  # the model is read on first use
        "    read = bool(intent and intent.shipped_model.cache_info().currsize)\n"
        "    return found + ['the intent model'] * read\n"
        "atexit.register(lambda: print(json.dumps(loaded())))\n"
        f"sys.argv = ['careops', *{list(argv)!r}]\n"
        "from bot.cli import main\nmain()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_help_list_is_each_commands_own_help() -> None:
    group = typer.main.get_group(app)
    ctx = Context(group)
    for name, (_, line) in COMMANDS.items():
        command = group.get_command(ctx, name)
        assert command is not None, name
        assert command.get_short_help_str(limit=500) == line, name


def test_help_lint_and_triage_import_none_of_slack_the_store_pydantic_or_charts() -> None:
    assert modules_after("--help") == []
    assert modules_after("lint", "Thanks! DM us at https://help.parcelly.example/") == []
    assert modules_after("triage", "--help") == []
    assert modules_after("triage", "my parcel is late") == ["the intent model"]
    assert "slack_bolt" in modules_after("manifest", "--socket")  # imported when it runs


def test_purge_scrubs_the_action_journal_without_the_slack_runtime(tmp_path: Path) -> None:
    from bot.adapters.sqlite import SqliteStore

    SqliteStore(tmp_path / "careops.db").close()
    (tmp_path / "careops-actions.db").touch()  # a journal to scrub
    argv = ("purge", "--author", "@maria_g", "--yes", "--data-dir", str(tmp_path))
    assert "bot.adapters.slack._runtime" not in modules_after(*argv)
    assert "bot.adapters.slack._runtime" in modules_after("manifest", "--socket")
