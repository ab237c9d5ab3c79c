"""careops triage: how careops sorts a post (intent, sentiment, priority, language, topic,
risk), for one text or for a JSONL file of a team's own labelled posts."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from bot.cli.base import app, fail
from bot.core.models import Mention, Network, Triage
from bot.core.risk import risk_lines
from bot.core.triage import triage

NOW = datetime(2000, 1, 1, tzinfo=UTC)  # triage never reads the time


def mention_for(text: str, row: dict[str, Any] | None = None) -> Mention:
    """A mention for a bare text; a JSONL row may add author, followers and thread context."""
    row = row or {}
    context = row.get("context") or ()
    followers = row.get("followers")
    return Mention(
        Network.X,
        str(row.get("id") or "adhoc"),
        str(row.get("author") or "customer"),
        text,
        NOW,
        context=tuple(str(c) for c in context) if isinstance(context, list) else (),
        in_reply_to=str(row["in_reply_to"]) if row.get("in_reply_to") else None,
        meta={"followers": str(followers)} if isinstance(followers, int) else {},
    )


def _print(result: Triage) -> None:
    typer.echo(f"intent:    {result.intent.value}")
    typer.echo(f"sentiment: {result.sentiment:+.2f} ({result.mood})")
    typer.echo(f"priority:  {result.priority.value}")
    typer.echo(f"language:  {result.language}")
    typer.echo(f"topic:     {result.topic}")
    lines = risk_lines(result.tags)
    typer.echo("risk:      " + ("\n           ".join(lines) if lines else "none"))
    if result.tags:
        typer.echo(f"tags:      {', '.join(result.tags)}")


def triage_lines(lines: Iterable[str], out: IO[str], err: IO[str]) -> int:
    """Each JSON object back with a `triage` object added; returns how many lines were bad.
    A line that is not a JSON object, or has no text, is named on `err` and skipped."""
    bad = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            err.write(f"line {number}: not JSON ({exc.msg})\n")
            bad += 1
            continue
        text = row.get("text") if isinstance(row, dict) else None
        if not isinstance(text, str):
            err.write(f"line {number}: needs a JSON object with a text field\n")
            bad += 1
            continue
        row["triage"] = triage(mention_for(text, row)).to_dict()
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return bad


def _lines(source: str) -> Iterator[str]:
    if source == "-":
        yield from sys.stdin
        return
    path = Path(source)
    if not path.is_file():
        raise fail(f"no such file: {path}")
    with path.open(encoding="utf-8", errors="replace") as handle:
        yield from handle


@app.command("triage")
def triage_command(
    text: Annotated[
        str | None, typer.Argument(metavar="[TEXT]", help="The post; read from stdin when absent.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    jsonl: Annotated[
        str | None,
        typer.Option(
            "--jsonl",
            metavar="FILE",
            help="Triage every JSON object (with a text field) of FILE, or of stdin with '-'; "
            "each is written back with a triage object added.",
        ),
    ] = None,
) -> None:
    """Show how careops sorts a post: intent, sentiment, priority, language, topic, risk."""
    if jsonl is not None:
        if text is not None:
            raise fail("give a TEXT or --jsonl, not both")
        bad = triage_lines(_lines(jsonl), sys.stdout, sys.stderr)
        raise typer.Exit(1 if bad else 0)
    if text is None:
        text = sys.stdin.read()
    if not text.strip():
        raise fail("no post given: careops triage 'my parcel is late'")
    result = triage(mention_for(text.strip()))
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        _print(result)
