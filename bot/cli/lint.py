"""`careops lint`: check a reply against the five rules and the network's length limit.

On X the link rule follows careops.toml's `[x] link_policy` as the running app does:
under `never` and `budget` a reply without a link passes it."""

from __future__ import annotations

import json
import sys
import tomllib
from typing import Annotated

import typer

from bot.adapters.drafters import LinksFileError, load_links
from bot.cli.base import app, fail
from bot.config import plain_ops_file, prompts_path
from bot.core.labels import RULE_LABELS
from bot.core.models import LintResult, Network
from bot.core.rules import link_optional
from bot.core.rules import lint as lint_reply

NETWORKS = ", ".join(n.value for n in Network)
LINK_POLICIES = ("always", "never", "budget")  # bot/ops_file.py XTable.link_policy


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


def _x_link_policy() -> str:
    """careops.toml's `[x] link_policy`, as the running app reads it ("always" without
    the file). Only this value is read (plain TOML, no pydantic: lint starts fast);
    `careops check` checks the whole file."""
    path, named = plain_ops_file()
    try:
        with path.open("rb") as handle:
            table = tomllib.load(handle)
    except FileNotFoundError:
        if named:
            raise fail(f"config file not found: {path}") from None
        return "always"
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise fail(f"{path}: {exc}") from None
    x = table.get("x", {})
    policy = x.get("link_policy", "always") if isinstance(x, dict) else "always"
    if policy not in LINK_POLICIES:
        allowed = ", ".join(LINK_POLICIES)
        raise fail(f"{path}: [x] link_policy must be one of {allowed}, not {policy!r}")
    return str(policy)


CASES = ("complaint", "risk", "crisis", "question", "praise", "wow")


def _light_tone_for(case: str) -> bool:
    """May a reply to this kind of case be playful, by brand.md and the rule?"""
    from bot.adapters.drafters import load_light_tone
    from bot.core.models import Intent
    from bot.core.risk import RISKS
    from bot.core.tone import ToneError, light_tone_ok

    if case not in CASES:
        raise fail(f"unknown case {case!r}: use one of {', '.join(CASES)}")
    try:
        scopes = load_light_tone(prompts_path())
    except ToneError as exc:
        raise fail(str(exc)) from None
    intent = {"complaint": Intent.COMPLAINT, "praise": Intent.PRAISE}.get(case, Intent.QUESTION)
    tags = {"risk": (next(iter(RISKS)),), "wow": ("wow",)}.get(case, ())
    return light_tone_ok(intent, tags, crisis=case == "crisis", scopes=scopes)


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
    case: Annotated[
        str | None,
        typer.Option(
            "--case",
            help=f"What the reply answers ({', '.join(CASES)}): a playful tone fails"
            " unless brand.md allows it there (never for complaint, risk, crisis).",
        ),
    ] = None,
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
    light = True if case is None else _light_tone_for(case)
    optional = link_optional(_x_link_policy())
    result = lint_reply(
        _read_reply(text),
        network=chosen,
        links=links,
        topic=topic,
        needs_link=chosen not in optional,
        light_tone=light,
    )
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        _print_verdicts(result)
    raise typer.Exit(0 if result.ok else 1)
