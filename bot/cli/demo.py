"""`careops demo`: the whole loop on bundled sample mentions, no credentials, no network.

The demo writes `DIR/inbox.jsonl` from the sample mentions (times shifted so the newest
is a few minutes old) plus a few malformed lines, runs intake, lets a person decide each
case in the terminal (or decides unattended), and publishes approved replies to
`DIR/outbox.jsonl`. It delivers the same batch on every run: mentions already seen are
counted as duplicates, and replies already in the outbox are never written again.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from bot.adapters.clock import SystemClock
from bot.adapters.files import JsonlOutbox
from bot.adapters.sqlite._codec import iso, parse_time
from bot.adapters.terminal import (
    ReviewTally,
    TerminalReview,
    TerminalSurface,
    editor_edit,
    needs_answer_by_hand,
    read_single_key,
    review_unattended,
)
from bot.app import file_app
from bot.careops import Careops
from bot.cli.base import app, fail, settings
from bot.config import Settings
from bot.core.models import Case, CaseState, OutboxState

NEWEST_SAMPLE_AGE = timedelta(minutes=4)
ONE_MEGABYTE = 1_000_000


@dataclass
class DemoRun:
    """Everything the summary reports about one run."""

    outbox: Path
    new: int = 0
    duplicates: int = 0
    expired: int = 0
    spam: int = 0
    quarantined: list[tuple[str, str]] = field(default_factory=list)  # where, reason
    reconciled: int = 0
    published: int = 0
    failed: list[str] = field(default_factory=list)
    outbox_total: int = 0
    tally: ReviewTally = field(default_factory=ReviewTally)
    answer_by_hand: list[Case] = field(default_factory=list)
    left_open: int = 0


# --- the inbox --------------------------------------------------------------------------


def sample_lines(now: datetime) -> list[str]:
    """The bundled samples as inbox lines, shifted so the newest is a few minutes old."""
    text = resources.files("bot.samples").joinpath("mentions.jsonl").read_text("utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    times = [parse_time(row["created_at"]) for row in rows]
    shift = now - NEWEST_SAMPLE_AGE - max(t for t in times if t is not None)
    for row, at in zip(rows, times, strict=True):
        assert at is not None
        row["created_at"] = iso(at + shift)
    return [json.dumps(row, ensure_ascii=False) for row in rows]


def malformed_lines(now: datetime) -> list[bytes]:
    """What real intake meets sooner or later; each must be quarantined, not crash the run."""
    base = {"network": "x", "author": "junk", "created_at": iso(now)}
    binary = bytes(b for b in range(256) if b not in b"\r\n")
    return [
        b'{"network": "x", "id": "broken-1", "text": "cut off mid-wri',
        json.dumps(
            {"network": "mastodon", "id": "broken-2", "text": "no author, no time"}
        ).encode(),
        json.dumps({**base, "id": "broken-3", "text": "A" * ONE_MEGABYTE}).encode(),
        binary * 4,
    ]


def prepare_inbox(data_dir: Path, now: datetime) -> Path:
    """Write DIR/inbox.jsonl afresh (atomically, so a crash never leaves half a file)."""
    inbox = data_dir / "inbox.jsonl"
    lines = [line.encode("utf-8") for line in sample_lines(now)] + malformed_lines(now)
    partial = inbox.with_suffix(".jsonl.tmp")
    partial.write_bytes(b"".join(line + b"\n" for line in lines))
    os.replace(partial, inbox)
    return inbox


# --- the run ----------------------------------------------------------------------------


DEMO_DIR = "demo"  # sample cases must never land in the team's real database


def demo_settings(base: Settings, data_dir: Path) -> Settings:
    """Offline whatever the environment says: no model calls, the database in DIR."""
    return base.model_copy(update={"data_dir": data_dir, "db_path": None, "openai_api_key": None})


def run_demo(conf: Settings, console: Console, *, mode: str) -> DemoRun:
    """mode: "interactive", "approve-all" or "unattended" (approve passing drafts only)."""
    conf.data_dir.mkdir(parents=True, exist_ok=True)
    clock = SystemClock()
    inbox = prepare_inbox(conf.data_dir, clock.now())
    run = DemoRun(outbox=conf.data_dir / "outbox.jsonl")
    careops = file_app(conf, inbox, run.outbox, clock=clock, approvers=lambda: ())
    try:
        run.reconciled = sum(o.published for o in careops.startup())
        for source in careops.sources:  # the batch is delivered afresh on every run
            careops.store.set_cursor(source.name, "0")
        _intake(careops, run)
        notes = careops.services.relations.card_notes
        surface = TerminalSurface(console, clock, careops.sla, costs=careops.x_rules, notes=notes)
        open_cases = _open_cases(careops)
        if open_cases:
            console.rule(f"[bold]{len(open_cases)} case(s) to review")
        run.tally = _review(careops, conf, surface, open_cases, mode)
        _publish(careops, run)
        _remaining(careops, run)
    finally:
        careops.store.close()
    run.outbox_total = len(JsonlOutbox(run.outbox, clock).published())
    return run


def _intake(careops: Careops, run: DemoRun) -> None:
    seen = {row["id"] for row in careops.store.quarantined()}
    tick = careops.tick()  # polls the inbox, then sends replies a previous run left pending
    run.new, run.duplicates = tick.intake.new, tick.intake.duplicates
    run.expired, run.spam = tick.intake.expired, tick.intake.spam
    run.quarantined = [
        (row["source"], row["reason"])
        for row in careops.store.quarantined()
        if row["id"] not in seen
    ]
    _count_published(run, tick.published)


def _open_cases(careops: Careops) -> list[Case]:
    cases = careops.store.cases([CaseState.IN_REVIEW])
    return sorted(cases, key=lambda c: (careops.sla.due_at(c.mention), c.id))


def _review(
    careops: Careops, conf: Settings, surface: TerminalSurface, cases: list[Case], mode: str
) -> ReviewTally:
    if mode == "interactive":
        session = TerminalReview(
            careops.review,
            surface,
            read_key=read_single_key,
            read_line=input,
            edit_text=editor_edit(conf.editor) if conf.editor else None,
        )
        return session.run(cases)
    return review_unattended(
        careops.review, cases, approve_failing=mode == "approve-all", surface=surface
    )


def _publish(careops: Careops, run: DemoRun) -> None:
    _count_published(run, careops.publishing.publish_pending())


def _count_published(run: DemoRun, outcomes: list[Any]) -> None:
    for outcome in outcomes:
        if outcome.published:
            run.published += 1
        elif outcome.item.state is OutboxState.FAILED:
            run.failed.append(f"{outcome.item.case_id}: {outcome.item.error}")


def _remaining(careops: Careops, run: DemoRun) -> None:
    still_open = careops.store.cases([CaseState.IN_REVIEW])
    run.answer_by_hand = [c for c in still_open if needs_answer_by_hand(c)]
    run.left_open = len(still_open) - len(run.answer_by_hand)


# --- the summary ------------------------------------------------------------------------


def print_summary(console: Console, run: DemoRun) -> None:
    console.rule("[bold]Summary")

    def line(*parts: str | tuple[str, str]) -> None:
        console.print(Text.assemble(*parts))  # data is never read as markup

    line(f"New cases:      {run.new}" + _extra(run))
    line(f"Duplicates:     {run.duplicates} (mentions already seen: one case each)")
    line(f"Quarantined:    {len(run.quarantined)}")
    for where, reason in run.quarantined:
        line(f"  - {reason} ", (f"({where})", "dim"))
    line(f"Approved:       {len(run.tally.approved)}")
    if run.published:
        line(f"Published:      {run.published} → {run.outbox}")
    else:
        line(f"Published:      nothing new; {run.outbox_total} replies already in {run.outbox}")
    if run.reconciled:
        line(f"  ({run.reconciled} interrupted earlier, confirmed in the outbox, not sent again)")
    for failure in run.failed:
        line(("  failed: ", "red"), failure)
    line(f"Dismissed:      {len(run.tally.dismissed) + run.spam}" + _spam(run))
    line(f"Answer by hand: {len(run.answer_by_hand)}")
    for case in run.answer_by_hand:
        line(f"  - @{case.mention.author_handle}: {case.mention.url}")
    if run.left_open:
        line(f"Left to review: {run.left_open} (run `{invoked_as()} demo` again to continue)")
    line("")
    line(
        "Next: check a reply against the rules with ",
        (f"{invoked_as()} lint 'Thanks for asking! DM us.'", "bold"),
        ", run the tests with ",
        ("make test", "bold"),
        ", or connect Slack (see README.md).",
    )


def invoked_as() -> str:
    """How a person runs careops from here: `careops` when it is on PATH, else the
    script beside this interpreter (`.venv/bin/careops` after `make demo`)."""
    script = Path(sys.executable).with_name("careops")
    if shutil.which("careops") or not script.exists():
        return "careops"
    try:
        return str(script.relative_to(Path.cwd()))
    except ValueError:
        return str(script)


def _extra(run: DemoRun) -> str:
    return f" ({run.expired} too old to answer)" if run.expired else ""


def _spam(run: DemoRun) -> str:
    return f" ({run.spam} as spam, automatically)" if run.spam else ""


@app.command()
def demo(
    approve_all: Annotated[
        bool,
        typer.Option("--approve-all", help="Approve every draft without asking (scripts and CI)."),
    ] = False,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Where the demo's inbox, outbox and database live. Default: demo/ inside"
            " CAREOPS_DATA_DIR (.careops/demo), never the database `careops run` uses.",
        ),
    ] = None,
) -> None:
    """Run the whole loop on sample mentions in this terminal: no credentials, no network.

    Without a terminal (`careops demo < /dev/null`), drafts that pass every rule are
    approved and the rest dismissed.
    """
    base = settings()
    conf = demo_settings(base, data_dir or base.data_dir / DEMO_DIR)
    root = logging.getLogger()
    root.setLevel(max(root.level, logging.WARNING))  # the summary tells the story
    mode = "approve-all" if approve_all else "interactive" if sys.stdin.isatty() else "unattended"
    console = Console(highlight=False)
    if mode == "unattended":
        console.print("No terminal on stdin: approving drafts that pass every rule.")
    try:
        run = run_demo(conf, console, mode=mode)
    except OSError as exc:
        raise fail(f"{conf.data_dir}: {exc.strerror or exc}") from None
    except KeyboardInterrupt:
        raise fail("interrupted; nothing is lost: run `careops demo` again", 130) from None
    print_summary(console, run)
