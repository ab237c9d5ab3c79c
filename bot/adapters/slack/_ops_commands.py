"""`/care oncall|cover|crisis|stats` and App Home's operations part.

Each handler is a plain function `(context, user_id, args) -> CommandReply`, listed in
`SUBCOMMANDS` (bot/adapters/slack/_commands.py). They translate between Slack text and
the core's operations service; no rules live here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from slack_sdk import WebClient

from bot.adapters.slack._escape import escape_mrkdwn
from bot.adapters.slack._reply import CommandContext, CommandReply
from bot.core.oncall import CoverError, Override, parse_cover
from bot.core.operations import Operations
from bot.core.permissions import Action
from bot.core.relations_report import relations_figures, relations_text
from bot.core.reports import Figures, Report, parse_since, to_text
from bot.core.x_costs import budget_line, day_line, first_day_needed, money, x_rows, x_spend

log = logging.getLogger(__name__)


def who(user: str | None) -> str:
    return f"<@{user}>" if user else "nobody"


def oncall_command(ctx: CommandContext, user_id: str, args: str) -> CommandReply:
    """Who is on call now, who is next, and the week ahead."""
    team = ctx.services.ops.roster
    if team.rotation is None and not team.overrides():
        return CommandReply("No on-call rotation yet: add an `[oncall]` table to careops.toml.")
    now = ctx.services.clock.now()
    tz = team.rotation.tz if team.rotation else None
    upcoming = team.handoffs(now, now + timedelta(days=14))
    lines = [f"*On call now*: {who(team.who_at(now))}"]
    if upcoming:
        nxt = upcoming[0]
        lines.append(f"*Next*: {who(nxt.incoming)} from {nxt.at.astimezone(tz):%a %H:%M %Z}")
    lines.append("*This week*:")
    for shift in team.shifts(now, now + timedelta(days=7)):
        a, b = shift.start.astimezone(tz), shift.end.astimezone(tz)
        cover = " (cover)" if shift.override else ""
        lines.append(f"• {a:%a %H:%M}–{b:%a %H:%M %Z} {who(shift.user)}{cover}")
    return CommandReply("\n".join(lines[:40]))


def cover_command(ctx: CommandContext, user_id: str, args: str) -> CommandReply:
    """`cover @user 2h` or `cover @user until 18:00`: put someone on call for a while."""
    s = ctx.services
    team = s.ops.roster
    now = s.clock.now()
    tz = team.rotation.tz if team.rotation else None
    try:
        if tz is None:
            raise CoverError("no on-call rotation yet: add an `[oncall]` table to careops.toml")
        user, start, end = parse_cover(args, now, tz)
    except CoverError as exc:
        return CommandReply(escape_mrkdwn(str(exc)))
    s.ops.cover(Override(user, start, end, created_by=user_id, created_at=now, reason=args))
    log.info("on-call cover: %s until %s, set by %s", user, end.isoformat(), user_id)
    if user != user_id:
        s.notifier.direct(
            user, f"<@{user_id}> put you on call until {end.astimezone(tz):%a %H:%M %Z}."
        )
    return CommandReply(f"{who(user)} is on call until {end.astimezone(tz):%a %H:%M %Z}.")


def crisis_command(ctx: CommandContext, user_id: str, args: str) -> CommandReply:
    """`crisis on [reason]` / `crisis off`: crisis voice, two approvers, grouped cards."""
    word, _, reason = args.strip().partition(" ")
    word = word.lower()
    if word not in ("on", "off", ""):
        return CommandReply("Usage: `/care crisis on [reason]` or `/care crisis off`")
    ops = ctx.services.ops
    state = ops.crisis()
    if not word:
        if not state.active:
            return CommandReply("Crisis mode is off.")
        since = f"{state.at:%a %H:%M} UTC" if state.at else "earlier"
        reason = escape_mrkdwn(state.reason) or "no reason given"
        return CommandReply(f"Crisis mode is ON since {since} ({who(state.user)}): {reason}")
    if refused := ctx.refusal(Action.CRISIS, user_id):
        return CommandReply(refused)
    on = word == "on"
    changed = ops.set_crisis(on, reason.strip(), user_id)
    if not changed:
        return CommandReply(f"Crisis mode is already {'on' if on else 'off'}.")
    text = (
        f"Crisis mode ON ({who(user_id)}): {escape_mrkdwn(reason.strip()) or 'no reason given'}. "
        "Drafts use the crisis voice, replies need two approvers, similar mentions are grouped."
        if on
        else f"Crisis mode OFF ({who(user_id)}). Normal drafting and approval again."
    )
    ctx.services.notifier.channel(text)
    return CommandReply(text)


def stats_command(ctx: CommandContext, user_id: str, args: str) -> CommandReply:
    """`stats [7d]`: response times, answered in time, per network and person (+ chart)."""
    now = ctx.services.clock.now()
    try:
        since = parse_since(args.strip() or "7d", now)
    except ValueError as exc:
        return CommandReply(escape_mrkdwn(str(exc)))
    report = ctx.services.ops.report(since, now)
    lines = [f"*Care stats since {since:%d %b %H:%M} UTC*", to_text(report.overall)]
    for network, figures in sorted(report.by_network.items()):
        lines.append(f"• *{network}*: {_short(figures)}")
    for person, figures in sorted(report.by_person.items()):
        lines.append(f"• {who(person) if person != 'unknown' else 'unknown'}: {_short(figures)}")
    lines += x_spend_lines(ctx.services.ops, since.date(), now.date())
    relations = ctx.services.relations
    customers = relations_figures(relations.wow, relations.people, since, now)
    lines.append(f"*Customers*: {relations_text(customers, relations.gifts.book)}")
    uploaded = upload_chart(ctx, report, user_id)
    if uploaded:
        lines.append("Chart posted in the care channel.")
    return CommandReply("\n".join(lines))


def x_spend_lines(ops: Operations, since: date, today: date) -> list[str]:
    """X spend per day (the last two weeks of the period) and this month's against the budget."""
    budget = ops.x_budget()
    rows = x_rows(ops.usage.usage_since(first_day_needed(since, today).isoformat()))
    spend = x_spend(rows, since=since, today=today, monthly_budget=budget)
    if not spend.days and not budget:
        return []
    days = [f"• {day_line(day)}" for day in spend.days[-14:]]
    total = spend.total
    head = (
        f"*X spend*: {money(total.cost)}, {total.replies} replies, {money(total.per_reply)} a reply"
    )
    return [head, *days, budget_line(spend)]


def _short(f: Figures) -> str:
    median = "–" if f.median_seconds is None else f"{f.median_seconds / 60:.0f} min"
    within = "–" if f.within_2h is None else f"{f.within_2h:.0%}"
    return f"{f.answered}/{f.needing_reply} answered, median {median}, {within} within 2 h"


def upload_chart(ctx: CommandContext, report: Report, user_id: str) -> bool:
    """Upload the PNG to the care channel when a Slack client is at hand."""
    client, channel = ctx.client, ctx.channel
    if client is None or not channel:
        return False
    from bot.adapters.charts import report_png

    try:
        client.files_upload_v2(
            channel=channel,
            content=report_png(report),
            filename="care-report.png",
            title="Care report",
            initial_comment=f"Care report requested by <@{user_id}>",
        )
    except Exception:  # the figures were answered already; a failed upload is logged
        log.exception("chart upload failed")
        return False
    return True


def today_text(ops: Operations) -> str:
    """Today's figures (UTC day) for App Home."""
    return to_text(ops.today().overall)


def home_blocks(ops: Operations) -> list[dict[str, Any]]:
    """App Home's operations part: today's figures and who is on call."""
    on_call = who(ops.roster.who_at(ops.clock.now()))
    crisis = ops.crisis()
    text = f"{today_text(ops)}\n*On call now*: {on_call}"
    if crisis.active:
        text += f"\n🚨 *Crisis mode is on*: {escape_mrkdwn(crisis.reason) or 'no reason given'}"
    return [
        {"type": "header", "text": {"type": "plain_text", "text": "Today"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}},
    ]


def usergroup_setter(client: WebClient) -> Callable[[str, str], None]:
    """`set(group, user)`: make the on-call user group hold just `user`."""

    def set_group(group: str, user: str) -> None:
        client.usergroups_users_update(usergroup=group, users=[user])
        log.info("user group %s now %s", group, user)

    return set_group
