"""App Home: the queue, how long each case has waited, who approved what today.

Every part reads only what it shows: counts by state, the oldest waiting cases, today's
approvers and a few of their cases, today's figures."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from bot.adapters.slack._escape import escape_mrkdwn, link, who
from bot.adapters.slack._ops_commands import home_blocks, x_spend_lines
from bot.core.card import who_wrote
from bot.core.cases import OPEN_STATES
from bot.core.models import Case, CaseState
from bot.core.services import Services
from bot.core.sla import humanize

MAX_LISTED = 15
PER_PERSON = 10
WAITING = (CaseState.IN_REVIEW, CaseState.FAILED)


def home_view(services: Services) -> dict[str, Any]:
    now = services.clock.now()
    counts = services.queries.count_by_state(OPEN_STATES)
    blocks: list[dict[str, Any]] = [
        _header("Queue"),
        _section(_queue_summary(counts, paused=services.ops.paused)),
    ]
    waiting = sum(counts.get(state, 0) for state in WAITING)
    if waiting:
        oldest = services.queries.oldest(WAITING, MAX_LISTED)
        lines = [_waiting_line(c, now, services) for c in oldest]
        if waiting > MAX_LISTED:
            lines.append(f"…and {waiting - MAX_LISTED} more")
        blocks.append(_section("\n".join(lines)))
    blocks += [_header("Approved today"), _section(_approved_today(services, now))]
    blocks += [_header("Intake and API use today"), _section(_intake_health(services))]
    blocks += home_blocks(services.ops)
    return {"type": "home", "blocks": blocks}


def _intake_health(services: Services) -> str:
    """Degraded intake (rate limits, gaps, failing sources) and today's requests and spend."""
    lines = [f"⚠️ {escape_mrkdwn(text)}" for text in services.ops.intake_notices]
    if not lines:
        lines.append("✅ Every source answered at its last poll.")
    usage = services.ops.usage_today()
    for row in usage:
        cost = f", ${row.cost:.2f}" if row.cost else ""
        lines.append(f"{escape_mrkdwn(row.network)} {escape_mrkdwn(row.kind)}: {row.count}{cost}")
    total = sum(row.cost for row in usage)
    if total:
        lines.append(f"*Spent today: ${total:.2f}*")
    if services.ops.x_budget():  # X is pay-per-use: the month so far against its budget
        today = services.clock.now().date()
        lines += x_spend_lines(services.ops, today, today)[-1:]
    return "\n".join(lines)


def _queue_summary(counts: dict[CaseState, int], *, paused: bool) -> str:
    summary = ", ".join(
        f"{state.value.replace('_', ' ')}: {counts[state]}"
        for state in CaseState
        if counts.get(state)
    )
    text = f"{sum(counts.values())} open case(s)" + (f" — {summary}" if summary else "")
    return text + ("\n⏸️ Intake is *paused* (`/care resume`)." if paused else "")


def _waiting_line(case: Case, now: datetime, services: Services) -> str:
    network = case.network.label
    late = "⏰ " if services.sla.fraction(case.mention, now) >= 1.0 else ""
    mention = case.mention
    author = link(mention.url, who_wrote(mention.network, mention.author_handle, ""))
    state = "failed" if case.state is CaseState.FAILED else "waiting"
    return f"{late}{network} {author} — {state} {humanize(now - case.mention.created_at)}"


def _approved_today(services: Services, now: datetime) -> str:
    midnight = datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)
    people = services.queries.approvers_since(midnight)
    if not people:
        return "Nothing approved yet today."
    lines = []
    for person, count in people:
        cases = services.queries.approved_by(person, midnight, PER_PERSON)
        posts = ", ".join(
            link(c.published_url or "", f"@{c.mention.author_handle}")
            if c.published_url
            else escape_mrkdwn(f"@{c.mention.author_handle}")
            for c in cases
        )
        lines.append(f"{who(person)}: {count} — {posts}")
    return "\n".join(lines)


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}
