"""`/care`: the queue subcommands (help, status, pause, resume, draft) and the one
explicit list of every subcommand, operations ones included (`SUBCOMMANDS`).

A subcommand is a function `(context, user_id, args) -> CommandReply`; `dispatch` sends
unknown names to `help`. The first line of a subcommand's docstring is its line in
`help`. Replies are ephemeral: only the person who typed the command sees them.
"""

from __future__ import annotations

import logging
from functools import partial

from bot.adapters.slack import _ops_commands as ops
from bot.adapters.slack import _relations_commands as relations
from bot.adapters.slack._escape import escape_mrkdwn, slack_to_plain
from bot.adapters.slack._reply import CommandContext, CommandReply, FollowUp, Subcommand
from bot.core.cases import OPEN_STATES
from bot.core.models import Case, CaseState, Network
from bot.core.permissions import Action
from bot.core.post_urls import PostRef, known_case_ids, parse_post_url, same_post
from bot.core.sla import humanize
from bot.core.take_in import Outcome, TakeIn

log = logging.getLogger(__name__)
NETWORK_NAMES = {network: network.label for network in Network}
# The settings that connect careops to a network (bot/config.py, bot/adapters/networks.py).
NEEDED_SETTINGS = {
    Network.X: "X_USER_ID and X_BEARER_TOKEN (or the four X_API_*/X_ACCESS_* keys)",
    Network.BLUESKY: "BLUESKY_HANDLE and BLUESKY_APP_PASSWORD",
    Network.MASTODON: "MASTODON_BASE_URL and MASTODON_ACCESS_TOKEN",
    Network.THREADS: "THREADS_USER_ID and THREADS_ACCESS_TOKEN",
    Network.FACEBOOK: "FACEBOOK_PAGE_ID and META_PAGE_ACCESS_TOKEN",
    Network.INSTAGRAM: "INSTAGRAM_ACCOUNT_ID and META_PAGE_ACCESS_TOKEN",
}


def help_command(ctx: CommandContext, user_id: str, args: str) -> CommandReply:
    """List the /care commands."""
    lines = ["*/care* commands:"]
    for name in sorted(SUBCOMMANDS):
        doc = (SUBCOMMANDS[name].__doc__ or "").strip().splitlines()
        lines.append(f"• `/care {name}` — {doc[0] if doc else ''}")
    return CommandReply("\n".join(lines))


def status_command(ctx: CommandContext, user_id: str, args: str) -> CommandReply:
    """The queue by state, the oldest waiting case, SLA risk, and which instance leads."""
    s = ctx.services
    now = s.clock.now()
    counts = s.queries.count_by_state(OPEN_STATES)
    by_state = ", ".join(f"{st.value}: {counts[st]}" for st in CaseState if counts.get(st))
    lines = [f"*Queue*: {by_state or 'empty'}" + (" · intake *paused*" if s.ops.paused else "")]
    waiting = [CaseState.IN_REVIEW]
    for oldest in s.queries.oldest(waiting, 1):
        lines.append(
            f"*Oldest waiting*: {_case_label(oldest)}, "
            f"{humanize(now - oldest.mention.created_at)} since the post"
        )
    late = half = 0
    for network in Network:
        target = s.sla.target(network)
        at_half = s.queries.count_posted_before(waiting, network, now - target / 2)
        past = s.queries.count_posted_before(waiting, network, now - target)
        late, half = late + past, half + at_half - past
    lines.append(f"*SLA risk*: {late} past target, {half} past half time")
    if (leader := s.leader()) is not None:
        lines.append(f"*Instances*: {leader}")
    return CommandReply("\n".join(lines))


def pause_command(ctx: CommandContext, user_id: str, args: str) -> CommandReply:
    """Stop taking in new mentions (approvers only); approved replies still go out."""
    if refused := ctx.refusal(Action.PAUSE, user_id):
        return CommandReply(refused)
    ctx.services.ops.set_paused(True)
    return CommandReply("Intake paused. `/care resume` starts it again.")


def resume_command(ctx: CommandContext, user_id: str, args: str) -> CommandReply:
    """Start taking in new mentions again (approvers only)."""
    if refused := ctx.refusal(Action.RESUME, user_id):
        return CommandReply(refused)
    ctx.services.ops.set_paused(False)
    return CommandReply("Intake resumed.")


def draft_command(ctx: CommandContext, user_id: str, args: str) -> CommandReply:
    """`draft <post url>`: the draft for a post; one careops has not taken in is fetched."""
    links = ctx.services.links
    url = slack_to_plain(args).strip()  # Slack sends <https://...> with &amp; escaped
    if not url:
        return CommandReply("Usage: `/care draft <post url>`")
    ref = parse_post_url(url)
    case = _case_for_url(ctx, url, ref)
    if case is not None:
        return _draft_answer(ctx, case)
    if ref is None or not links.connected(ref.network):  # answered without a network call
        return CommandReply(_take_in_answer(ctx, links.fetch(url), url))

    def finish(fetched: TakeIn) -> CommandReply:
        result = links.take_in(fetched, user_id)
        if result.outcome is Outcome.KNOWN and result.case is not None:
            return _draft_answer(ctx, result.case)
        return CommandReply(_take_in_answer(ctx, result, url))

    fetch = FollowUp(partial(links.fetch, url), finish)
    return CommandReply(f"Fetching that {NETWORK_NAMES[ref.network]} post…", follow_up=fetch)


def _draft_answer(ctx: CommandContext, case: Case) -> CommandReply:
    draft = ctx.services.queries.draft(case.draft_id) if case.draft_id else None
    if draft is None:
        return CommandReply(f"{_case_label(case)} is {case.state.value} and has no draft.")
    verdict = (
        "passes every rule"
        if draft.lint.ok
        else "fails: " + ", ".join(c.rule for c in draft.lint.failed)
    )
    return CommandReply(
        f"{_case_label(case)} ({case.state.value}), draft {verdict}:\n> {escape_mrkdwn(draft.text)}"
    )


def _take_in_answer(ctx: CommandContext, result: TakeIn, url: str) -> str:
    """What a person reads after asking for a post careops had not taken in."""
    network = NETWORK_NAMES[result.ref.network] if result.ref else ""
    if result.outcome is Outcome.UNKNOWN_URL:
        return f"That doesn't look like a post URL on X, Bluesky or Mastodon: {escape_mrkdwn(url)}"
    if result.outcome is Outcome.NOT_CONFIGURED and result.ref is not None:
        return (
            f"careops is not connected to {network}, so it cannot fetch that post: "
            f"set {NEEDED_SETTINGS[result.ref.network]} and restart careops."
        )
    if result.outcome is Outcome.GONE:
        return f"{network} has no such post: it was deleted, is private, or the link is wrong."
    if result.outcome is Outcome.FAILED:
        return f"Could not fetch that post now: {escape_mrkdwn(result.detail)}"
    if result.outcome is Outcome.SKIPPED or result.case is None:
        return f"Fetched that {network} post but did not take it in: {result.detail}."
    case = result.case
    state = {
        CaseState.EXPIRED: " It is too old to answer, so it is closed as expired.",
        CaseState.DISMISSED: " It looks like spam, so it was dismissed.",
    }.get(case.state, "")
    by_hand = "" if case.mention.summoned else " It does not mention the brand: answer it by hand."
    return f"Taken in: {_card_link(ctx, case)} ({_case_label(case)}).{state}{by_hand}"


def _card_link(ctx: CommandContext, case: Case) -> str:
    """A link to the case's card: Slack's permalink when there is a Slack client at hand,
    else the channel it is in, else the case id (a review surface without cards)."""
    if not case.review_ref or "/" not in case.review_ref:
        return f"case `{case.id}`"
    channel, ts = case.review_ref.split("/", 1)
    client = ctx.client
    if client is not None:
        try:
            permalink = client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
        except Exception:  # the case is in; a missing link is not worth an error
            log.warning("no permalink for %s", case.review_ref, exc_info=True)
            permalink = None
        if permalink:
            return f"<{permalink}|the card>"
    return f"the card in <#{channel}>"


def _case_for_url(ctx: CommandContext, url: str, ref: PostRef | None) -> Case | None:
    """The case a link names, if careops has it. Ids read off the link are tried first;
    the store is searched by link only when the post cannot be fetched instead (a network
    that is not connected, e.g. a file inbox), since fetching tells for sure."""
    queries = ctx.services.queries
    if ref is not None:
        for case_id in known_case_ids(ref):
            case = queries.case(case_id)
            if case is not None and same_post(case, ref):
                return case
        if ctx.services.links.connected(ref.network):
            return None
    return queries.case_for_link(url, ref)


def _case_label(case: Case) -> str:
    return f"{case.network.value} post by @{escape_mrkdwn(case.mention.author_handle)}"


SUBCOMMANDS: dict[str, Subcommand] = {
    "help": help_command,
    "status": status_command,
    "pause": pause_command,
    "resume": resume_command,
    "draft": draft_command,
    "oncall": ops.oncall_command,
    "cover": ops.cover_command,
    "crisis": ops.crisis_command,
    "stats": ops.stats_command,
    "link": relations.link_command,
    "unlink": relations.unlink_command,
    "wow": relations.wow_command,
}


def dispatch(ctx: CommandContext, user_id: str, text: str) -> CommandReply:
    """Run `/care <name> <args>`; an unknown or missing name answers with help."""
    name, _, args = text.strip().partition(" ")
    handler = SUBCOMMANDS.get(name.lower(), help_command)
    return handler(ctx, user_id, args.strip())
