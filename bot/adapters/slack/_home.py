"""App Home: the queue, how long each case has waited, who approved what today."""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from bot.adapters.slack._cards import NETWORK_LABELS
from bot.adapters.slack._escape import escape_mrkdwn, link, who
from bot.core.cases import OPEN_STATES
from bot.core.models import Case, CaseState
from bot.core.sla import humanize

if TYPE_CHECKING:
    from bot.app import Careops

MAX_LISTED = 15
APPROVED_STATES = (CaseState.APPROVED, CaseState.PUBLISHING, CaseState.PUBLISHED)


def home_view(app: Careops) -> dict[str, Any]:
    now = app.clock.now()
    open_cases = app.store.cases(states=OPEN_STATES)
    blocks: list[dict[str, Any]] = [
        _header("Queue"),
        _section(_queue_summary(open_cases, paused=app.paused)),
    ]
    waiting = sorted(
        (c for c in open_cases if c.state in (CaseState.IN_REVIEW, CaseState.FAILED)),
        key=lambda c: c.mention.created_at,
    )
    if waiting:
        lines = [_waiting_line(c, now, app) for c in waiting[:MAX_LISTED]]
        if len(waiting) > MAX_LISTED:
            lines.append(f"…and {len(waiting) - MAX_LISTED} more")
        blocks.append(_section("\n".join(lines)))
    blocks += [_header("Approved today"), _section(_approved_today(app, now))]
    blocks += [_header("Intake and API use today"), _section(_intake_health(app, now))]
    blocks += _operations(app)
    return {"type": "home", "blocks": blocks}


def _intake_health(app: Careops, now: datetime) -> str:
    """Degraded intake (rate limits, gaps, failing sources) and today's requests and spend."""
    lines = [f"⚠️ {escape_mrkdwn(text)}" for text in app.intake_notices]
    if not lines:
        lines.append("✅ Every source answered at its last poll.")
    usage = app.store.usage_since(now.date().isoformat())
    for row in usage:
        cost = f", ${row['cost']:.2f}" if row["cost"] else ""
        lines.append(
            f"{escape_mrkdwn(row['network'])} {escape_mrkdwn(row['kind'])}: {row['count']}{cost}"
        )
    total = sum(row["cost"] for row in usage)
    if total:
        lines.append(f"*Spent today: ${total:.2f}*")
    return "\n".join(lines)


def _operations(app: Careops) -> list[dict[str, Any]]:
    """Today's response-time figures and who is on call (bot/adapters/slack/_ops_commands.py)."""
    from bot.adapters.slack._ops_commands import home_blocks

    return home_blocks(app)


def _queue_summary(cases: list[Case], *, paused: bool) -> str:
    counts: dict[str, int] = {}
    for case in cases:
        counts[case.state.value] = counts.get(case.state.value, 0) + 1
    summary = ", ".join(f"{state.replace('_', ' ')}: {n}" for state, n in counts.items())
    text = f"{len(cases)} open case(s)" + (f" — {summary}" if summary else "")
    return text + ("\n⏸️ Intake is *paused* (`/care resume`)." if paused else "")


def _waiting_line(case: Case, now: datetime, app: Careops) -> str:
    network = NETWORK_LABELS.get(case.network.value, case.network.value)
    late = "⏰ " if app.sla.fraction(case.mention, now) >= 1.0 else ""
    author = link(case.mention.url, f"@{case.mention.author_handle}")
    state = "failed" if case.state is CaseState.FAILED else "waiting"
    return f"{late}{network} {author} — {state} {humanize(now - case.mention.created_at)}"


def _approved_today(app: Careops, now: datetime) -> str:
    midnight = datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)
    approved = [
        c
        for c in app.store.cases(states=APPROVED_STATES)
        if c.approved_by and (c.published_at or c.updated_at) >= midnight
    ]
    if not approved:
        return "Nothing approved yet today."
    per_person: dict[str, list[Case]] = {}
    for case in approved:
        per_person.setdefault(case.approved_by or "", []).append(case)
    lines = []
    for person, cases in sorted(per_person.items(), key=lambda kv: -len(kv[1])):
        posts = ", ".join(
            link(c.published_url or "", f"@{c.mention.author_handle}")
            if c.published_url
            else escape_mrkdwn(f"@{c.mention.author_handle}")
            for c in cases[:10]
        )
        lines.append(f"{who(person)}: {len(cases)} — {posts}")
    return "\n".join(lines)


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}
