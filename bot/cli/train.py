"""careops train: fit the intent model again from the labelled tweets, and measure it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.base import app, fail

SHARED = Path("../shared/data")


@app.command("train")
def train_command(
    complaints: Annotated[
        Path, typer.Option("--complaints", help="The labelled complaints corpus (JSONL).")
    ] = SHARED / "complaints" / "complaints.jsonl",
    twcs: Annotated[
        Path, typer.Option("--twcs", help="twcs pairs.jsonl: the hand-labelled tweets' text.")
    ] = SHARED / "twcs" / "pairs.jsonl",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Where to write the model (default: the shipped one)."),
    ] = None,
    evaluate: Annotated[
        bool, typer.Option("--evaluate/--no-evaluate", help="Cross-validate and print figures.")
    ] = True,
) -> None:
    """Train the intent model (scikit-learn) and write it where triage reads it."""
    for path in (complaints, twcs):
        if not path.exists():
            raise fail(f"no training data at {path}: pass --complaints / --twcs")
    from bot.core.intent import MODEL_PATH
    from bot.training.intent import evaluate as measure
    from bot.training.intent import fit, load_corpus, write_model

    corpus = load_corpus(complaints, twcs)
    if evaluate:
        typer.echo(measure(corpus).markdown())
    target = out or MODEL_PATH
    write_model(fit(corpus.examples), target)
    typer.echo(
        f"\nwrote {target} ({target.stat().st_size // 1024} KiB, {len(corpus.examples)} examples)"
    )
