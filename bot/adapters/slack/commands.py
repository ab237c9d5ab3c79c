"""`/care` subcommands: a small registry, so each area adds its own.

A subcommand is a function `(app, user_id, args) -> CommandReply`. Register one with
`@subcommand("name")` (or by assigning into `SUBCOMMANDS`); `dispatch` sends unknown
names to `help`. The first line of a subcommand's docstring is its line in `help`.
Replies are ephemeral: only the person who typed the command sees them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.adapters.slack.escape import escape_mrkdwn
from bot.core.cases import OPEN_STATES
from bot.core.models import Case, CaseState
from bot.core.permissions import Action
from bot.core.sla import humanize

if TYPE_CHECKING:
    from bot.app import Careops


@dataclass(frozen=True)
class CommandReply:
    text: str
    blocks: list[dict[str, Any]] | None = None


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
    """`draft <post url>`: show the current draft for a post careops has taken in."""
    url = args.strip().strip("<>").split("|")[0]
    if not url:
        return CommandReply("Usage: `/care draft <post url>`")
    case = _case_for_url(app, url)
    if case is None:
        return CommandReply(
            f"No case for {escape_mrkdwn(url)} yet: careops drafts for posts it has taken in "
            "from a network (mentions and replies to the brand)."
        )
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


def _case_for_url(app: Careops, url: str) -> Case | None:
    wanted = url.rstrip("/")
    last_part = wanted.rsplit("/", 1)[-1]
    by_id = None
    for case in app.store.cases():  # one read of the store; an exact URL match wins
        if case.mention.url and case.mention.url.rstrip("/") == wanted:
            return case
        if by_id is None and case.mention.external_id == last_part:
            by_id = case
    return by_id


def _case_label(case: Case) -> str:
    return f"{case.network.value} post by @{escape_mrkdwn(case.mention.author_handle)}"
