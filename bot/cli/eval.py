"""careops eval: careops drafts beside the brands' real replies to the same tweets."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli.base import app, fail, settings
from bot.cli.draft import drafting_service
from bot.core.drafting import DraftingService
from bot.core.evaluation import IntentCheck, Tally, comparison_table, drafter_summary
from bot.core.guardrails import check_links, links_in
from bot.core.models import Case, CaseState, Mention, Network
from bot.core.rules import LIMITS, lint, measure
from bot.core.triage import triage

DEFAULT_PAIRS = Path("../shared/data/twcs/pairs.jsonl")
# Hand labels of tweets the intent model never saw (by inbound_id of the pairs file).
DEFAULT_LABELS = (
    Path(__file__).resolve().parents[1] / "training" / "labels" / "twcs_intent_eval.tsv"
)
SHEET_COLUMNS = ("inbound_id", "brand", "post", "draft", "real_reply", "verdict")
WHERE_TO_GET = (
    "no evaluation data at {path}. careops eval reads JSONL pairs with the fields "
    "inbound_text, brand, reply_text (and optionally inbound_author, inbound_id): e.g. "
    "made from the 'Customer Support on Twitter' corpus (Kaggle, thoughtvector, "
    "CC BY-NC-SA 4.0). Pass the file with --data PATH."
)


class _FixedClock:
    """Drafts in an eval are stamped with one time, so runs are repeatable."""

    def now(self) -> datetime:
        return datetime(2017, 11, 30, tzinfo=UTC)


def read_pairs(path: Path, limit: int) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        count = 0
        for line in handle:
            if count >= limit:
                return
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict) and row.get("inbound_text") and row.get("reply_text"):
                count += 1
                yield row


def _case(row: dict[str, Any], index: int, clock: _FixedClock) -> Case:
    author = str(row.get("inbound_author") or f"customer{index}")
    mention = Mention(
        Network.X,
        str(row.get("inbound_id") or index),
        author,
        str(row["inbound_text"]),
        clock.now(),
    )
    now = clock.now()
    return Case(mention.case_id, mention, CaseState.TRIAGED, now, now, triage=triage(mention))


def _count(
    tally: Tally, service: DraftingService, text: str, topic: str, case: Case, drafter: str = ""
) -> None:
    assert case.triage is not None
    result = lint(
        text,
        network=Network.X,
        links=service.links,
        topic=topic,
        customer_handle=case.mention.author_handle,
        needs_link=case.triage.intent.value != "praise",
    )
    tally.add(
        result,
        text=text,
        links_found=len(links_in(text)),
        links_allowed=check_links(text, service.links).ok,
        too_long=measure(text, Network.X) > LIMITS[Network.X],
        drafter=drafter,
        post=case.mention.text,
    )


def run_eval(
    service: DraftingService,
    rows: Iterator[dict[str, Any]],
    sheet: list[dict[str, str]] | None = None,
) -> tuple[Tally, Tally]:
    """Lint careops' draft and the brand's real reply for each pair; with `sheet`, also
    collect a row per pair for a person to judge."""
    ours, theirs, clock = Tally(), Tally(), _FixedClock()
    for index, row in enumerate(rows):
        case = _case(row, index, clock)
        draft = service.draft_for(case)
        assert case.triage is not None
        _count(ours, service, draft.text, draft.topic, case, draft.drafter)
        _count(theirs, service, str(row["reply_text"]), case.triage.topic, case)
        if sheet is not None:
            sheet.append(
                {
                    "inbound_id": str(row.get("inbound_id") or index),
                    "brand": str(row.get("brand") or ""),
                    "post": case.mention.text,
                    "draft": draft.text or draft.note,
                    "real_reply": str(row["reply_text"]),
                    "verdict": "",
                }
            )
    return ours, theirs


def read_labels(path: Path) -> dict[str, str]:
    """inbound_id -> intent, from a TSV (id, intent) with # comment lines."""
    labels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            tweet_id, intent = line.split("\t")[:2]
            labels[tweet_id.strip()] = intent.strip()
    return labels


def check_intents(data: Path, labels: dict[str, str]) -> IntentCheck:
    """Triage every labelled tweet of the data file (whatever --limit says)."""
    check, clock = IntentCheck(), _FixedClock()
    for index, row in enumerate(read_pairs(data, 10**9)):
        label = labels.get(str(row.get("inbound_id")))
        if label is not None:
            case = _case(row, index, clock)
            assert case.triage is not None
            check.add(label, case.triage.intent.value)
    return check


def write_sheet(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=SHEET_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


@app.command("eval")
def eval_command(
    data: Annotated[
        Path, typer.Option("--data", help="JSONL pairs of customer tweet and brand reply.")
    ] = DEFAULT_PAIRS,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Pairs to use.")] = 500,
    drafter: Annotated[str, typer.Option("--drafter", help="offline or openai.")] = "offline",
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the report (markdown).")
    ] = None,
    labels: Annotated[
        Path,
        typer.Option(
            "--labels", help="Hand intent labels by inbound_id (TSV) for the intent check."
        ),
    ] = DEFAULT_LABELS,
    sheet: Annotated[
        Path | None,
        typer.Option(
            "--sheet", help="Write a review sheet (CSV: post, draft, real reply, empty verdict)."
        ),
    ] = None,
) -> None:
    """Drafts beside the brands' real replies: rule pass rates, length, whether a reply
    names a detail of the post, and triage's intent against hand labels."""
    if drafter not in ("offline", "openai"):
        raise fail("--drafter must be offline or openai")
    if not data.exists():
        raise fail(WHERE_TO_GET.format(path=data))
    config = settings()
    if drafter == "openai" and config.openai_api_key is None:
        raise fail("--drafter openai needs OPENAI_API_KEY (and OPENAI_BASE_URL for another server)")
    service = drafting_service(config, _FixedClock(), drafter)
    rows: list[dict[str, str]] | None = [] if sheet is not None else None
    ours, theirs = run_eval(service, read_pairs(data, limit), rows)
    if ours.n == 0:
        raise fail(f"no usable pairs in {data}")
    parts = [
        f"# careops eval: {ours.n} customer tweets from {data.name}",
        "",
        comparison_table(ours, theirs, ("careops drafts", "brand replies")),
        "",
        f"Drafts by: {drafter_summary(ours)}. Brand replies are linted against links.yaml, "
        "so their own (shortened) links count as outside it. A reply names a detail when it "
        "shares an uncommon word, number or code with the post.",
    ]
    intents = check_intents(data, read_labels(labels)) if labels.exists() else None
    if intents is not None and intents.n:
        parts += [
            "",
            f"## Intent: triage against {intents.n} hand-labelled tweets ({labels.name})",
            "",
            intents.table(),
        ]
    if sheet is not None and rows is not None:
        write_sheet(sheet, rows)
        parts += ["", f"Review sheet: {sheet} ({len(rows)} rows; fill in the verdict column)."]
    report = "\n".join(parts)
    typer.echo(report)
    if out is not None:
        out.write_text(report + "\n", encoding="utf-8")
