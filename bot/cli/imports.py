"""`careops import FILE.jsonl`: past mentions (the inbox format) into the store, without
Slack: each goes through the loop as any mention does (triage, an offline draft, or
expired when it is older than its network's reply window), duplicates are counted and
changed nothing, lines that cannot become a mention are quarantined with their reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from bot.adapters.files import read_inbox
from bot.app import build_app
from bot.careops import Careops
from bot.cli.base import app, fail, settings
from bot.core.loop import IntakeSummary

BATCH_LINES = 1_000


def import_file(
    care: Careops, path: Path, progress: Callable[[int], None] = lambda done: None
) -> IntakeSummary:
    """Take in every line of `path` through the loop; `progress(bytes read so far)`."""
    summary = IntakeSummary()
    for batch, done in read_inbox(path, care.clock, BATCH_LINES):
        found = care.loop.ingest_batch(batch, source=f"import:{path.name}")
        found.cases.clear()  # a summary of counts: a million cases need not stay in memory
        summary.add(found)
        progress(done)
    return summary


@app.command(name="import")
def import_command(
    file: Annotated[Path, typer.Argument(help="Mentions, one JSON object a line (inbox format).")],
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Where careops.db lives (env CAREOPS_DATA_DIR)."),
    ] = None,
) -> None:
    """Bring past mentions into the store (a backlog from another tool), drafted offline."""
    if not file.is_file():
        raise fail(f"{file}: no such file")
    care = build_app(settings(data_dir=data_dir), sources=[], publishers={}, offline=True)
    try:
        summary = _with_progress(care, file)
    finally:
        care.store.close()
    typer.echo(
        f"{file}: {summary.new} new ({summary.expired} too old to answer, kept as expired;"
        f" {summary.spam} spam), {summary.duplicates} duplicates,"
        f" {summary.quarantined} quarantined, {summary.own_posts} the brand's own posts"
    )


def _with_progress(care: Careops, file: Path) -> IntakeSummary:
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    columns = ("[progress.description]{task.description}", BarColumn(), DownloadColumn())
    with Progress(*columns, TimeRemainingColumn(), transient=True) as bar:
        task = bar.add_task(f"importing {file.name}", total=file.stat().st_size)
        return import_file(care, file, lambda done: bar.update(task, completed=done))
