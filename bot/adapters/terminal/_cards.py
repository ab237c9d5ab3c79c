"""A case card for the terminal: the same `CardView` Slack shows, drawn with rich.

Customer text is shown literally: everything that comes from a post (text, names, links,
reasons) goes into `Text` objects, which rich never parses as markup, so a post that
contains `[bold]`, `\\[` or `<!channel>` prints exactly those characters. (Escaping
with `rich.markup.escape` is not enough: it leaves a lone `\\[` to be read as `[`.)
"""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bot.core.card import CardView, neutralised
from bot.core.labels import RULE_LABELS
from bot.core.models import CaseState, Network, RuleCheck

NETWORK_NAMES: dict[Network, str] = {network: network.label for network in Network}
STATE_STYLES: dict[CaseState, str] = {
    CaseState.IN_REVIEW: "yellow",
    CaseState.APPROVED: "green",
    CaseState.PUBLISHING: "green",
    CaseState.PUBLISHED: "bold green",
    CaseState.DISMISSED: "dim",
    CaseState.FAILED: "bold red",
    CaseState.EXPIRED: "dim",
}
OK_MARK = "✅"
WARN_MARK = "⚠️"


def rule_line(check: RuleCheck) -> str:
    """One rule as a plain line: `✅ Thanks the customer: why` (no markup)."""
    mark = OK_MARK if check.ok else WARN_MARK
    label = RULE_LABELS.get(check.rule, check.rule)
    return f"{mark} {label}: {check.why}" if check.why else f"{mark} {label}"


def render_card(view: CardView) -> Panel:
    """The whole card as one rich Panel, bidi overrides shown as marks."""
    view = neutralised(view)
    body = Table.grid(padding=(0, 1))
    body.add_column(style="bold cyan", no_wrap=True)
    body.add_column(overflow="fold")
    for label, value in _header_rows(view):
        body.add_row(label, value)
    parts: list[RenderableType] = [body, _draft_block(view)]
    status = _status_line(view)
    if status is not None:
        parts.append(status)
    style = STATE_STYLES.get(view.state, "white")
    state = view.state.value.replace("_", " ")
    return Panel(
        Group(*parts),
        title=_title(view),
        title_align="left",
        subtitle=Text.assemble((state, style), " · ", view.case_id),
        subtitle_align="right",
        box=box.ROUNDED,
        border_style=style,
        padding=(0, 1),
    )


def _title(view: CardView) -> Text:
    title = Text.assemble((NETWORK_NAMES[view.network], "bold"), " · ", view.who)
    if view.audience:
        title.append(f" · {'📣 ' if view.large_audience else ''}{view.audience}")
    return title


def _header_rows(view: CardView) -> list[tuple[str, RenderableType]]:
    rows: list[tuple[str, RenderableType]] = []
    for parent in view.context:
        rows.append(("in reply to", Text(_one_line(parent, 160), style="dim")))
    rows.append(("post", Text(view.text)))  # Text() never parses markup
    if view.url:
        rows.append(("link", Text(view.url, style="blue")))
    if view.tags:
        rows.append(("tags", Text(" · ".join(view.tags), style="magenta")))
    if view.history:
        rows.append(("customer", Text(view.history, style="dim")))
    for line in view.risks:
        rows.append(("risk", Text(line, style="bold red")))
    if view.wow is not None:
        rows.append(("wow", Text(view.wow.text, style="bold green")))
    due_style = "red" if view.sla_fraction >= 1.0 else "yellow" if view.sla_fraction >= 0.5 else ""
    due = f"{view.due_at:%Y-%m-%d %H:%M} UTC ({view.elapsed} since the post)"
    rows.append(("due", Text(due, style=due_style)))
    if view.intake:
        rows.append(("", Text(f"taken in {view.intake} after the post", style="dim")))
    return rows


def _draft_block(view: CardView) -> RenderableType:
    if not view.draft_text:
        lines = [rule_line(c) for c in view.checks if not c.ok]  # e.g. answer by hand
        return Text("\n".join(lines) or "(no draft)", style="yellow" if lines else "dim")
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, expand=True, pad_edge=False)
    drafter = f" by {view.drafter}" if view.drafter else ""
    table.add_column(Text(f"draft{drafter}"), overflow="fold")
    table.add_row(Text(view.draft_text, style="bold"))
    for check in view.all_checks:
        table.add_row(Text(rule_line(check), style="" if check.ok else "yellow"))
    if view.send_costs and view.is_open:
        table.add_row(Text(f"💸 On X this reply {view.send_costs}", style="dim"))
    return table


def _status_line(view: CardView) -> Text | None:
    if view.answer_by_hand and view.is_open:
        return Text.assemble(
            ("Answer by hand: ", "bold yellow"),
            "X lets us reply only to posts that mention us; open ",
            view.url or "the post",
        )
    if view.published_url:
        return Text.assemble(("Published: ", "green"), view.published_url)
    if view.state is CaseState.PUBLISHED:
        return Text("Published.", style="green")
    if view.dismissed_reason:
        return Text(f"Dismissed: {view.dismissed_reason}", style="dim")
    if view.failure:
        return Text.assemble(("Publishing failed: ", "red"), view.failure)
    if view.approved_by:
        return Text(f"Approved by {view.approved_by}", style="green")
    if view.claimed_by:
        return Text(f"Claimed by {view.claimed_by}")
    return None


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
