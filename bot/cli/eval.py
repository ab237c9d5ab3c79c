"""careops eval: careops drafts beside the brands' real replies to the same tweets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli.base import app, fail, settings
from bot.cli.draft import drafting_service
from bot.core.drafting import DraftingService
from bot.core.evaluation import Tally, comparison_table, drafter_summary
from bot.core.guardrails import check_links, links_in
from bot.core.models import Case, CaseState, Mention, Network
from bot.core.rules import LIMITS, lint, measure
from bot.core.triage import triage

DEFAULT_PAIRS = Path("../shared/data/twcs/pairs.jsonl")
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
    result = lint(
        text,
        network=Network.X,
        links=service.links,
        topic=topic,
        customer_handle=case.mention.author_handle,
    )
    tally.add(
        result,
        text=text,
        links_found=len(links_in(text)),
        links_allowed=check_links(text, service.links).ok,
        too_long=measure(text, Network.X) > LIMITS[Network.X],
        drafter=drafter,
    )


def run_eval(service: DraftingService, rows: Iterator[dict[str, Any]]) -> tuple[Tally, Tally]:
    ours, theirs, clock = Tally(), Tally(), _FixedClock()
    for index, row in enumerate(rows):
        case = _case(row, index, clock)
        draft = service.draft_for(case)
        assert case.triage is not None
        _count(ours, service, draft.text, draft.topic, case, draft.drafter)
        _count(theirs, service, str(row["reply_text"]), case.triage.topic, case)
    return ours, theirs


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
) -> None:
    """Per rule, the pass rate of careops drafts beside the brands' real replies."""
    if drafter not in ("offline", "openai"):
        raise fail("--drafter must be offline or openai")
    if not data.exists():
        raise fail(WHERE_TO_GET.format(path=data))
    config = settings()
    if drafter == "openai" and config.openai_api_key is None:
        raise fail("--drafter openai needs OPENAI_API_KEY (and OPENAI_BASE_URL for another server)")
    service = drafting_service(config, _FixedClock(), drafter)
    ours, theirs = run_eval(service, read_pairs(data, limit))
    if ours.n == 0:
        raise fail(f"no usable pairs in {data}")
    report = "\n".join(
        [
            f"# careops eval: {ours.n} customer tweets from {data.name}",
            "",
            comparison_table(ours, theirs, ("careops drafts", "brand replies")),
            "",
            f"Drafts by: {drafter_summary(ours)}. Brand replies are linted against links.yaml, "
            "so their own (shortened) links count as outside it.",
        ]
    )
    typer.echo(report)
    if out is not None:
        out.write_text(report + "\n", encoding="utf-8")
