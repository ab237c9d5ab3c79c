"""`/care` subcommands: a small registry, so each area adds its own.

A subcommand is a function `(app, user_id, args) -> CommandReply`. Register one with
`@subcommand("name")` (or by assigning into `SUBCOMMANDS`); `dispatch` sends unknown
names to `help`. The first line of a subcommand's docstring is its line in `help`.
Replies are ephemeral: only the person who typed the command sees them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from bot.adapters.slack._escape import escape_mrkdwn, slack_to_plain
from bot.core.cases import OPEN_STATES
from bot.core.models import Case, CaseState, Network
from bot.core.permissions import Action
from bot.core.post_urls import (
    Outcome,
    PostRef,
    TakeIn,
    fetch_post,
    known_case_ids,
    parse_post_url,
    same_post,
    take_in_fetched,
)
from bot.core.sla import humanize

if TYPE_CHECKING:
    from bot.app import Careops

log = logging.getLogger(__name__)
NETWORK_NAMES = {Network.X: "X", Network.BLUESKY: "Bluesky", Network.MASTODON: "Mastodon"}
# The settings that connect careops to a network (bot/config.py, bot/adapters/networks.py).
NEEDED_SETTINGS = {
    Network.X: "X_USER_ID and X_BEARER_TOKEN (or the four X_API_*/X_ACCESS_* keys)",
    Network.BLUESKY: "BLUESKY_HANDLE and BLUESKY_APP_PASSWORD",
    Network.MASTODON: "MASTODON_BASE_URL and MASTODON_ACCESS_TOKEN",
}


@dataclass(frozen=True)
class CommandReply:
    text: str
    blocks: list[dict[str, Any]] | None = None
    follow_up: FollowUp | None = None  # slow work; its reply comes as a second answer


@dataclass(frozen=True)
class FollowUp:
    """Work that must not hold up other Slack actions: `fetch` (network calls only, no
    store) runs away from the worker, then `finish(result)` runs on it like any action."""

    fetch: Callable[[], Any]
    finish: Callable[[Any], CommandReply]


Subcommand = Callable[["Careops", str, str], CommandReply]

SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str) -> Callable[[Subcommand], Subcommand]:
    def register(func: Subcommand) -> Subcommand:
        SUBCOMMANDS[name] = func
        return func

    return register


def dispatch(app: Careops, user_id: str, text: str) -> CommandReply:
    """Run `/care <name> <args>`; an unknown or missing name answers with help."""
    name, _, args = text.strip().partition(" ")
    handler = SUBCOMMANDS.get(name.lower(), SUBCOMMANDS["help"])
    return handler(app, user_id, args.strip())


def is_approver(app: Careops, user_id: str) -> bool:
    return app.review.policy().actions.is_approver(user_id)


def refusal(app: Careops, action: Action, user_id: str) -> str | None:
    """The note for someone who may not run `action` (rules in bot.core.permissions)."""
    return app.review.policy().actions.refusal(action, user_id)


@subcommand("help")
def help_command(app: Careops, user_id: str, args: str) -> CommandReply:
    """List the /care commands."""
    lines = ["*/care* commands:"]
    for name in sorted(SUBCOMMANDS):
        doc = (SUBCOMMANDS[name].__doc__ or "").strip().splitlines()
        lines.append(f"• `/care {name}` — {doc[0] if doc else ''}")
    return CommandReply("\n".join(lines))


@subcommand("status")
def status_command(app: Careops, user_id: str, args: str) -> CommandReply:
    """The queue by state, the oldest waiting case and SLA risk."""
    now = app.clock.now()
    open_cases = app.store.cases(states=OPEN_STATES)
    counts = {s: sum(1 for c in open_cases if c.state is s) for s in CaseState}
    by_state = ", ".join(f"{s.value}: {n}" for s, n in counts.items() if n) or "empty"
    lines = [f"*Queue*: {by_state}" + (" · intake *paused*" if app.paused else "")]
    waiting = [c for c in open_cases if c.state is CaseState.IN_REVIEW]
    if waiting:
        oldest = min(waiting, key=lambda c: c.mention.created_at)
        lines.append(
            f"*Oldest waiting*: {_case_label(oldest)}, "
            f"{humanize(now - oldest.mention.created_at)} since the post"
        )
    late = [c for c in waiting if app.sla.fraction(c.mention, now) >= 1.0]
    half = [c for c in waiting if 0.5 <= app.sla.fraction(c.mention, now) < 1.0]
    lines.append(f"*SLA risk*: {len(late)} past target, {len(half)} past half time")
    return CommandReply("\n".join(lines))


@subcommand("pause")
def pause_command(app: Careops, user_id: str, args: str) -> CommandReply:
    """Stop taking in new mentions (approvers only); approved replies still go out."""
    if refused := refusal(app, Action.PAUSE, user_id):
        return CommandReply(refused)
    app.set_paused(True)
    return CommandReply("Intake paused. `/care resume` starts it again.")


@subcommand("resume")
def resume_command(app: Careops, user_id: str, args: str) -> CommandReply:
    """Start taking in new mentions again (approvers only)."""
    if refused := refusal(app, Action.RESUME, user_id):
        return CommandReply(refused)
    app.set_paused(False)
    return CommandReply("Intake resumed.")


@subcommand("draft")
def draft_command(app: Careops, user_id: str, args: str) -> CommandReply:
    """`draft <post url>`: the draft for a post; one careops has not taken in is fetched."""
    url = slack_to_plain(args).strip()  # Slack sends <https://...> with &amp; escaped
    if not url:
        return CommandReply("Usage: `/care draft <post url>`")
    ref = parse_post_url(url)
    case = _case_for_url(app, url, ref)
    if case is not None:
        return _draft_answer(app, case)
    if ref is None or ref.network not in app.lookups:  # answered without a network call
        return CommandReply(_take_in_answer(app, fetch_post(url, app.lookups), url))

    def finish(fetched: TakeIn) -> CommandReply:
        result = take_in_fetched(fetched, app.loop, requested_by=user_id)
        if result.outcome is Outcome.KNOWN and result.case is not None:
            return _draft_answer(app, result.case)
        return CommandReply(_take_in_answer(app, result, url))

    fetch = FollowUp(partial(fetch_post, url, app.lookups), finish)
    return CommandReply(f"Fetching that {NETWORK_NAMES[ref.network]} post…", follow_up=fetch)


def _draft_answer(app: Careops, case: Case) -> CommandReply:
    _, draft = app.review.with_draft(case)
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


def _take_in_answer(app: Careops, result: TakeIn, url: str) -> str:
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
    return f"Taken in: {_card_link(app, case)} ({_case_label(case)}).{state}{by_hand}"


def _card_link(app: Careops, case: Case) -> str:
    """A link to the case's card: Slack's permalink when there is a Slack client at hand,
    else the channel it is in, else the case id (a review surface without cards)."""
    if not case.review_ref or "/" not in case.review_ref:
        return f"case `{case.id}`"
    channel, ts = case.review_ref.split("/", 1)
    client = getattr(getattr(app.notifier, "poster", None), "client", None)
    if client is not None:
        try:
            permalink = client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
        except Exception:  # the case is in; a missing link is not worth an error
            log.warning("no permalink for %s", case.review_ref, exc_info=True)
            permalink = None
        if permalink:
            return f"<{permalink}|the card>"
    return f"the card in <#{channel}>"


def _case_for_url(app: Careops, url: str, ref: PostRef | None) -> Case | None:
    """The case a link names, if careops has it. Ids read off the link are tried first;
    the store is scanned only when the post cannot be fetched instead (a network that is
    not connected, e.g. a file inbox), since fetching tells for sure and a scan reads
    every case."""
    if ref is not None:
        for case_id in known_case_ids(ref):
            case = app.store.get_case(case_id)
            if case is not None and same_post(case, ref):
                return case
        if ref.network in app.lookups:
            return None
    wanted = url.rstrip("/")
    for case in app.store.cases():
        if case.mention.url and case.mention.url.rstrip("/") == wanted:
            return case
        if ref is not None and same_post(case, ref):
            return case
    return None


def _case_label(case: Case) -> str:
    return f"{case.network.value} post by @{escape_mrkdwn(case.mention.author_handle)}"
