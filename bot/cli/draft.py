"""careops draft: a checked reply for an ad-hoc text, with the configured drafter."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.cli.base import app, fail, settings
from bot.config import Settings
from bot.core.drafting import DraftingService
from bot.core.models import Case, CaseState, Draft, Mention, Network, Triage
from bot.core.ports import Clock, Drafter
from bot.core.triage import triage


def drafting_service(config: Settings, clock: Clock, drafter: str | None = None) -> DraftingService:
    """Offline drafter as the fallback; OpenAI first when asked for or when a key is set."""
    from bot.adapters.drafters import OfflineDrafter, load_light_tone, load_links

    links = load_links(config.prompts)
    offline = OfflineDrafter(links, clock)
    use_openai = drafter == "openai" or (drafter is None and config.openai_api_key is not None)
    primary: Drafter = offline
    if use_openai:
        from bot.adapters.drafters import build_drafter

        primary = build_drafter(config, links, clock, None)
    return DraftingService(
        primary,
        offline,
        links,
        clock,
        brand_handles=config.brand_handles,
        light_tone=load_light_tone(config.prompts),
    )


def adhoc_case(network: Network, text: str, clock: Clock, author: str = "customer") -> Case:
    """A triaged case for text that did not come from a network (ids are placeholders)."""
    now = clock.now()
    mention = Mention(network, "adhoc", author, text, now)
    return Case(mention.case_id, mention, CaseState.TRIAGED, now, now, triage=triage(mention))


def draft_json(draft: Draft, triage: Triage | None = None) -> dict[str, object]:
    return {
        "triage": triage.to_dict() if triage else None,
        "text": draft.text,
        "drafter": draft.drafter,
        "topic": draft.topic,
        "ok": draft.lint.ok,
        "rules": [{"rule": c.rule, "ok": c.ok, "why": c.why} for c in draft.checks],
        "note": draft.note,
    }


@app.command("draft")
def draft_command(
    post: Annotated[
        str | None, typer.Argument(metavar="[TEXT]", help="The customer's post to answer.")
    ] = None,
    text: Annotated[
        str | None, typer.Option("--text", help="The post, as an option (same as TEXT).")
    ] = None,
    network: Annotated[
        Network, typer.Option("--network", help="Network whose length limit applies.")
    ] = Network.X,
    author: Annotated[str, typer.Option("--author", help="Customer handle.")] = "customer",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Draft a reply for TEXT: triage, draft (OpenAI when OPENAI_API_KEY is set), lint."""
    from bot.adapters.clock import SystemClock

    if post is not None and text is not None:
        raise fail("give the post once: as TEXT or as --text")
    text = post if post is not None else text
    if text is None or not text.strip():
        raise fail("no post to answer: careops draft 'my parcel is late'")
    clock = SystemClock()
    try:
        service = drafting_service(settings(), clock)
    except (ValueError, OSError) as exc:
        raise fail(str(exc)) from None
    case = adhoc_case(network, text, clock, author.lstrip("@"))
    draft = service.draft_for(case)
    if as_json:
        typer.echo(json.dumps(draft_json(draft, case.triage), ensure_ascii=False))
        return
    typer.echo(draft.text)
    typer.echo(f"\ndrafter: {draft.drafter}" + (f" ({draft.note})" if draft.note else ""))
    for check in draft.checks:
        typer.echo(f"  {'ok ' if check.ok else 'BAD'} {check.rule}: {check.why}")
