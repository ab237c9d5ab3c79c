"""`/care link`, `/care unlink` and `/care wow`: Slack text in, the core's relations service
(bot/core/relations.py) and gifts (bot/core/gestures.py) out; no rules live here."""

from __future__ import annotations

from collections import Counter

from bot.adapters.slack._escape import escape_mrkdwn, slack_to_plain, who
from bot.adapters.slack._reply import CommandContext, CommandReply
from bot.core.permissions import Action

WOW_LINES = 30  # moments listed; the counts cover them all


def link_command(ctx: CommandContext, user_id: str, args: str) -> CommandReply:
    """`link x:alice bluesky:alice.bsky.social`: one customer's handles, history shared."""
    if refused := ctx.refusal(Action.LINK, user_id):
        return CommandReply(refused)
    return CommandReply(escape_mrkdwn(ctx.services.relations.link(_words(args), user_id)))


def unlink_command(ctx: CommandContext, user_id: str, args: str) -> CommandReply:
    """`unlink x:alice` (out of its group) or `unlink x:alice bluesky:alice.bsky.social`."""
    if refused := ctx.refusal(Action.LINK, user_id):
        return CommandReply(refused)
    return CommandReply(escape_mrkdwn(ctx.services.relations.unlink(_words(args), user_id)))


def wow_command(ctx: CommandContext, user_id: str, args: str) -> CommandReply:
    """This week's wow moments and what was done for each, with the gestures' budgets."""
    relations = ctx.services.relations
    week = relations.gifts.week()
    if not week:
        return CommandReply("No wow moments in the last 7 days.")
    done = [gesture for _, gesture in week if gesture is not None]
    kinds = Counter(moment.kind.label for moment, _ in week)
    lines = [
        f"*Wow moments, last 7 days*: {len(week)} ({_counts(kinds)}), {len(done)} with a gesture"
    ]
    for moment, gesture in week[:WOW_LINES]:
        what = (
            f"🎁 {escape_mrkdwn(gesture.label)} by {who(gesture.user)}"
            if gesture is not None
            else "nothing yet"
        )
        author = escape_mrkdwn(f"{moment.network.label} @{moment.author}")
        lines.append(f"• {moment.at:%a %d %b} {author}: {escape_mrkdwn(moment.why)} — {what}")
    if len(week) > WOW_LINES:
        lines.append(f"… and {len(week) - WOW_LINES} more")
    lines += [f"• {escape_mrkdwn(line)}" for line in relations.gifts.budget_lines()]
    return CommandReply("\n".join(lines))


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in counter.most_common())


def _words(args: str) -> str:
    """Slack sends a typed link-looking handle as <…>: back to what the person typed."""
    return slack_to_plain(args)
