"""`careops lint`: check a reply against the five rules and the network's length limit."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from bot.adapters.drafters import LinksFileError, load_links
from bot.cli.base import app, fail
from bot.config import prompts_path
from bot.core.labels import RULE_LABELS
from bot.core.models import LintResult, Network
from bot.core.rules import lint as lint_reply

NETWORKS = ", ".join(n.value for n in Network)


def _read_reply(given: str | None) -> str:
    if given is not None and given != "-":
        if not given.strip():
            raise fail("the reply is empty")
        return given.strip()
    if sys.stdin.isatty():
        typer.echo("Paste the reply, then press Ctrl-D on a new line:", err=True)
    try:
        text = sys.stdin.read()
    except UnicodeDecodeError:
        raise fail("the reply on stdin is not valid UTF-8 text") from None
    text = text.strip()
    if not text:
        raise fail(
            "no reply given: careops lint 'Thanks ...', "
            "or pipe it in: echo 'Thanks ...' | careops lint"
        )
    return text


def _print_verdicts(result: LintResult) -> None:
    for check in result.checks:
        mark = "✅" if check.ok else "⚠️"
        label = RULE_LABELS.get(check.rule, check.rule)
        typer.echo(f"{mark} {label}: {check.why}  [{check.rule}]")


@app.command()
def lint(
    text: Annotated[
        str | None, typer.Argument(help="The reply; read from stdin when absent or '-'.")
    ] = None,
    network: Annotated[
        str, typer.Option("--network", "-n", help=f"Network whose limit applies: {NETWORKS}.")
    ] = Network.X.value,
    topic: Annotated[
        str, typer.Option("--topic", "-t", help="links.yaml topic the reply should link to.")
    ] = "general",
    as_json: Annotated[
        bool, typer.Option("--json", help='Print {"ok": ..., "rules": [...]} instead.')
    ] = False,
) -> None:
    """Check a reply (the argument, or stdin) against the rules. Exit 1 when any rule fails."""
    try:
        chosen = Network(network.strip().lower())
    except ValueError:
        raise fail(f"unknown network {network!r}: use one of {NETWORKS}") from None
    try:
        links = load_links(prompts_path())  # not Settings: lint starts in a fraction of the time
    except LinksFileError as exc:
        raise fail(str(exc)) from None
    result = lint_reply(_read_reply(text), network=chosen, links=links, topic=topic)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        _print_verdicts(result)
    raise typer.Exit(0 if result.ok else 1)
