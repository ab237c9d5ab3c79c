"""A case card for the terminal: the same `CardView` Slack shows, drawn with rich.

Customer text is shown literally: it is put in `Text` objects (never parsed as markup),
and where it meets a markup string it goes through `rich.markup.escape`, so a post that
contains `[bold]` or `<!channel>` prints exactly those characters.
"""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bot.core.card import RULE_LABELS, CardView
from bot.core.models import CaseState, Network, RuleCheck

NETWORK_NAMES: dict[Network, str] = {
    Network.X: "X",
    Network.BLUESKY: "Bluesky",
    Network.MASTODON: "Mastodon",
}
STATE_STYLES: dict[CaseState, str] = {
    CaseState.IN_REVIEW: "yellow",
    CaseState.APPROVED: "green",
    CaseState.PUBLISHING: "green",
    CaseState.PUBLISHED: "bold green",
    CaseState.DISMISSED: "dim",
    CaseState.FAILED: "bold red",
    CaseState.EXPIRED: "dim",
}
# Guardrail checks (bot/core/guardrails.py) that RULE_LABELS does not name.
EXTRA_LABELS: dict[str, str] = {
    "allowlist": "Only our own links",
    "handles": "No other accounts",
    "prompt_text": "No prompt text",
}
OK_MARK = "✅"
WARN_MARK = "⚠️"


def rule_line(check: RuleCheck) -> str:
    """One rule as a plain line: `✅ Thanks the customer: why` (no markup)."""
    mark = OK_MARK if check.ok else WARN_MARK
    label = RULE_LABELS.get(check.rule) or EXTRA_LABELS.get(check.rule, check.rule)
    return f"{mark} {label}: {check.why}" if check.why else f"{mark} {label}"


def render_card(view: CardView) -> Panel:
    """The whole card as one rich Panel."""
    body = Table.grid(padding=(0, 1))
    body.add_column(style="bold cyan", no_wrap=True)
    body.add_column(overflow="fold")
    for label, value in _header_rows(view):
        body.add_row(label, value)
    parts: list[RenderableType] = [body, _draft_block(view)]
    status = _status_line(view)
    if status:
        parts.append(Text.from_markup(status))
    style = STATE_STYLES.get(view.state, "white")
    return Panel(
        Group(*parts),
        title=_title(view),
        title_align="left",
        subtitle=f"[{style}]{view.state.value.replace('_', ' ')}[/] · {escape(view.case_id)}",
        subtitle_align="right",
        box=box.ROUNDED,
        border_style=style,
        padding=(0, 1),
    )


def _title(view: CardView) -> str:
    who = f"@{view.author}"
    if view.author_name and view.author_name != view.author:
        who = f"{view.author_name} ({who})"
    return f"[bold]{NETWORK_NAMES[view.network]}[/] · {escape(who)}"


def _header_rows(view: CardView) -> list[tuple[str, RenderableType]]:
    rows: list[tuple[str, RenderableType]] = []
    for parent in view.context:
        rows.append(("in reply to", Text(_one_line(parent, 160), style="dim")))
    rows.append(("post", Text(view.text)))  # Text() never parses markup
    if view.url:
        rows.append(("link", Text(view.url, style="blue")))
    if view.tags:
        rows.append(("tags", Text(" · ".join(view.tags), style="magenta")))
    due_style = "red" if view.sla_fraction >= 1.0 else "yellow" if view.sla_fraction >= 0.5 else ""
    due = f"{view.due_at:%Y-%m-%d %H:%M} UTC ({view.elapsed} since the post)"
    rows.append(("due", Text(due, style=due_style)))
    return rows


def _draft_block(view: CardView) -> RenderableType:
    if not view.draft_text:
        return Text("(no draft)", style="dim")
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, expand=True, pad_edge=False)
    drafter = f" by {view.drafter}" if view.drafter else ""
    table.add_column(f"draft{escape(drafter)}", overflow="fold")
    table.add_row(Text(view.draft_text, style="bold"))
    for check in view.all_checks:
        table.add_row(Text(rule_line(check), style="" if check.ok else "yellow"))
    return table


def _status_line(view: CardView) -> str:
    if view.answer_by_hand and view.is_open:
        return (
            "[bold yellow]Answer by hand:[/] X lets us reply only to posts that mention us; "
            f"open {escape(view.url or 'the post')}"
        )
    if view.published_url:
        return f"[green]Published:[/] {escape(view.published_url)}"
    if view.state is CaseState.PUBLISHED:
        return "[green]Published.[/]"
    if view.dismissed_reason:
        return f"[dim]Dismissed: {escape(view.dismissed_reason)}[/]"
    if view.failure:
        return f"[red]Publishing failed:[/] {escape(view.failure)}"
    if view.approved_by:
        return f"[green]Approved by {escape(view.approved_by)}[/]"
    if view.claimed_by:
        return f"Claimed by {escape(view.claimed_by)}"
    return ""


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
